import type { FastifyInstance } from 'fastify';
import type { AccessLog } from '../../common/access-log';
import { baseUrlOf } from '../../common/http';
import { ANY_ORIGIN } from './published.controller';
import { PublishedCache, PublishedRendering, sendRendered } from './published-cache';

/** The routes the cache answers, as Fastify names them, and the origin each rendering depends on. */
const ROUTES: Record<string, { rendering: PublishedRendering; byOrigin: boolean }> = {
  '/published/:id': { rendering: 'document', byOrigin: false },
  '/published/:id/ninjs': { rendering: 'ninjs', byOrigin: true },
  '/news/:id': { rendering: 'page', byOrigin: true },
};

/**
 * Answers a cached published article before Nest's middleware chain, guards, pipes and controller run. An onRequest
 * hook, to be added after the request id and security headers hooks and before Nest registers its middleware: the
 * answer is the controller's byte for byte, and `accessLog` writes the line the access log middleware would have.
 * Only a plain GET: HEAD, and any query string (?asOf=, or one validation refuses) take the controller's path.
 * Serves nothing until the returned function is given the cache and the access log (both exist once Nest has built
 * the application, after its middleware chain was registered).
 */
export function servePublishedFromCache(fastify: FastifyInstance): (cache: PublishedCache, accessLog: AccessLog) => void {
  let serving: { cache: PublishedCache; accessLog: AccessLog } | undefined;
  fastify.addHook('onRequest', (request, reply, done) => {
    const route = ROUTES[request.routeOptions.url ?? ''];
    if (!route || !serving?.cache.enabled || request.method !== 'GET' || request.url.includes('?')) return done();
    const id = (request.params as { id?: string }).id ?? '';
    const hit = serving.cache.get(route.rendering, id, route.byOrigin ? baseUrlOf(request) : ANY_ORIGIN);
    if (!hit) return done();
    serving.accessLog(request, reply);
    sendRendered(request, reply, hit);
  });
  return (cache, accessLog) => {
    serving = { cache, accessLog };
  };
}
