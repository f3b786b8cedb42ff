import { Module, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { problem } from '../common/problem.filter';

/** Where `npm run build` puts the desk (desk/vite.config.ts); the same from src/desk (tests) and dist/desk. */
export const DESK_DIR = resolve(__dirname, '..', '..', 'dist', 'desk-ui');

/**
 * The desk's own policy: its scripts and styles come from this service only (no inline script, no CDN, no remote
 * font) and it talks to this service only. The API and Swagger UI keep theirs (src/common/security-headers.ts).
 */
export const DESK_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * Serves the desk (desk/, a single-page application) at /desk: hashed assets with a long cache, and index.html for
 * every other path under /desk so that a reload or a shared link opens the right screen. The desk is public static
 * files; everything it shows comes from the API, which checks the token on each request.
 */
@Module({})
export class DeskModule implements OnModuleInit {
  constructor(private readonly adapter: HttpAdapterHost) {}

  onModuleInit(): void {
    serveDesk(this.adapter.httpAdapter.getInstance<FastifyInstance>(), DESK_DIR);
  }
}

export function serveDesk(fastify: FastifyInstance, dir: string): void {
  const built = existsSync(join(dir, 'index.html'));
  const page = (reply: FastifyReply) => {
    reply.header('Content-Security-Policy', DESK_CSP);
    if (!built) {
      return reply
        .code(503)
        .type('application/problem+json; charset=utf-8')
        .send(JSON.stringify(problem(503, 'the desk is not built: run `npm run build` (or `npm start`, which builds it)', {}, 'DESK_NOT_BUILT')));
    }
    // index.html names the current hashed assets: never cached, so a new build is picked up on the next load.
    return reply.header('Cache-Control', 'no-cache').sendFile('index.html', dir, { cacheControl: false });
  };
  if (built) {
    void fastify.register(fastifyStatic, {
      root: join(dir, 'assets'),
      prefix: '/desk/assets/',
      index: false,
      immutable: true,
      maxAge: '365d',
      setHeaders: (reply) => reply.header('Content-Security-Policy', DESK_CSP),
    });
  }
  fastify.get('/desk', (_request, reply) => page(reply));
  fastify.get('/desk/*', (_request, reply) => page(reply));
}
