import { BadRequestException, HttpException } from '@nestjs/common';
import { createHash, randomUUID } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { canonicalJson } from './canonical-json';
import { problem } from './problem.filter';

/** The request's correlation id: X-Request-Id when the caller sent a sane one, else a new one. */
export function correlationId(request: FastifyRequest): string {
  const id = request.headers['x-request-id'];
  return typeof id === 'string' && /^[\w.:-]{1,100}$/.test(id) ? id : String(request.id ?? randomUUID());
}

/** If-Match: "<version>" → the version; 428 when required and missing. */
export function ifMatch(request: FastifyRequest, required: boolean): number | undefined {
  const header = request.headers['if-match'];
  if (header === undefined || header === '') {
    if (required) {
      throw new HttpException(
        problem(428, 'this command requires If-Match: "<version>" with the version you read', {}, 'IF_MATCH_REQUIRED'),
        428,
      );
    }
    return undefined;
  }
  const match = /^\s*(?:W\/)?"?(\d{1,9})"?\s*$/.exec(String(header));
  if (!match) throw new BadRequestException(problem(400, 'If-Match must be an ETag of the form "<version>"', {}, 'BAD_IF_MATCH'));
  return Number(match[1]);
}

/** Idempotency-Key plus a fingerprint of the request it came with (method, route, body). */
export function idempotency(request: FastifyRequest, body: unknown): { key: string; fingerprint: string } | undefined {
  const key = request.headers['idempotency-key'];
  if (key === undefined) return undefined;
  if (typeof key !== 'string' || key.length === 0 || key.length > 200 || !/^[\x21-\x7e]+$/.test(key)) {
    throw new BadRequestException(problem(400, 'Idempotency-Key must be 1 to 200 visible ASCII characters', {}, 'BAD_IDEMPOTENCY_KEY'));
  }
  const fingerprint = createHash('sha256')
    .update(`${request.method} ${request.url.split('?')[0]}\n${canonicalJson(body ?? null)}`)
    .digest('hex');
  return { key, fingerprint };
}

export const etag = (version: number) => `"${version}"`;

/** If-None-Match against one strong ETag (weak comparison, as RFC 9110 asks for GET). */
export function noneMatch(request: FastifyRequest, tag: string): boolean {
  const header = request.headers['if-none-match'];
  if (!header) return false;
  const bare = tag.replace(/^W\//, '');
  return String(header)
    .split(',')
    .map((t) => t.trim())
    .some((t) => t === '*' || t.replace(/^W\//, '') === bare);
}

/**
 * The service's own origin as the client addressed it, for the absolute links in ninjs, the page and the feed.
 * The Host header is the client's to choose: anything that is not a plain host[:port] falls back to localhost.
 */
export function baseUrlOf(request: FastifyRequest): string {
  const host = String(request.host ?? '');
  const safe = /^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*|\[[0-9a-f:.]+\])(?::\d{1,5})?$/i.test(host) ? host.toLowerCase() : 'localhost';
  return `${request.protocol === 'https' ? 'https' : 'http'}://${safe}`;
}
