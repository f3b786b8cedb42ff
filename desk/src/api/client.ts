import createClient, { type Middleware } from 'openapi-fetch';
import type { paths } from './schema';

/**
 * The desk's only way to the service: the typed client generated from the OpenAPI document (npm run desk:client).
 *
 * The bearer token lives in this module's memory only: not in localStorage, sessionStorage or a cookie, so no other
 * script (another tab, an extension's content script, an injected script after the tab is reloaded) can read it
 * from storage. The trade-off: a reload or a new tab asks the user to sign in again.
 */
let token: string | null = null;
const listeners = new Set<() => void>();

export const session = {
  get token() {
    return token;
  },
  set(value: string | null) {
    token = value;
    for (const l of listeners) l();
  },
  subscribe(l: () => void) {
    listeners.add(l);
    return () => listeners.delete(l);
  },
};

const auth: Middleware = {
  onRequest({ request }) {
    if (token) request.headers.set('Authorization', `Bearer ${token}`);
    return request;
  },
  onResponse({ response }) {
    // An expired or revoked token: back to the sign-in screen, whatever the screen was doing.
    if (response.status === 401 && token && !response.url.endsWith('/auth/token')) session.set(null);
    return response;
  },
};

export const api = createClient<paths>({ baseUrl: window.location.origin });
api.use(auth);

/** If-Match for a version the user read: the server refuses the command (412) if the story moved on since. */
export const ifMatch = (version: number) => ({ 'If-Match': `"${version}"` });

/**
 * The OpenAPI document currently types the optional `string | null` fields of request bodies (role, organisation,
 * source, summary, note, usageTerms, publishAt, ...) as objects, so a body that sets one does not type-check. Such
 * bodies pass through here until the document says `string` (#17's OpenAPI work), after which this goes.
 */
export const looseBody = <T>(body: T) => body as never;
