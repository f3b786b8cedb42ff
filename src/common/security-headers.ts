import type { FastifyInstance } from 'fastify';
import helmet from 'helmet';

/**
 * Security headers on every answer. The API speaks JSON; the reader-facing page sets its own CSP, and Swagger UI
 * needs inline scripts, so no global CSP here. Built once: @fastify/helmet built helmet's middleware anew for every
 * request (5–7 % of a cached read's CPU, docs/benchmarks.md).
 */
const secure = helmet({ contentSecurityPolicy: false, crossOriginResourcePolicy: { policy: 'cross-origin' } });

export function useSecurityHeaders(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (request, reply, done) => secure(request.raw, reply.raw, (err) => done(err as Error | undefined)));
}
