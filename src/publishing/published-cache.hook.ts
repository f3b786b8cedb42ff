import type { FastifyInstance } from 'fastify';
import { ANY_ORIGIN } from '../articles/http/published.controller';
import { baseUrlOf } from './publishing.controller';
import { PublishedCache, PublishedRendering, sendRendered } from './published-cache';

/** The routes the cache answers, as Fastify names them, and the origin each rendering depends on. */
const ROUTES: Record<string, { rendering: PublishedRendering; byOrigin: boolean }> = {
  '/published/:id': { rendering: 'document', byOrigin: false },
  '/published/:id/ninjs': { rendering: 'ninjs', byOrigin: true },
  '/news/:id': { rendering: 'page', byOrigin: true },
};

/**
 * Answers a cached published article before Nest's guards, pipes and controller run. A preHandler: every onRequest
 * hook (request id, access log, security headers) has run, so the answer is the controller's, byte for byte.
 * Only a plain GET: HEAD, and any query string (?asOf=, or one validation refuses) take the controller's path.
 */
export function servePublishedFromCache(fastify: FastifyInstance, cache: PublishedCache): void {
  fastify.addHook('preHandler', (request, reply, done) => {
    const route = ROUTES[request.routeOptions.url ?? ''];
    if (!route || !cache.enabled || request.method !== 'GET' || request.url.includes('?')) return done();
    const id = (request.params as { id?: string }).id ?? '';
    const hit = cache.get(route.rendering, id, route.byOrigin ? baseUrlOf(request) : ANY_ORIGIN);
    if (!hit) return done();
    sendRendered(request, reply, hit);
  });
}
