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
 * docs/openapi.json types the optional `string | null` fields of request bodies (a byline's role and organisation,
 * a draft's source and summary, a photo credit's organisation and line, an approval's note, a notice's usageTerms,
 * publishAt, a correction's headline) as `object` (swagger reads the `string | null` union as Object), so a body that
 * sets one does not type-check although the API takes a string. Those bodies pass through here until the DTOs
 * declare the type; paths, parameters, headers (If-Match) and answers stay checked.
 */
export const looseBody = <T>(body: T) => body as never;
