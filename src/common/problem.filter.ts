import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { QueryFailedError } from 'typeorm';
import { DomainError, DomainErrorCode } from '../articles/domain/article.decide';
import { PreconditionFailed } from '../articles/commands/article-command';
import { isDatabaseUnavailable } from './database-errors';
import { IdempotencyKeyReused } from '../event-store/idempotency.store';

/** An RFC 9457 problem. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  [extra: string]: unknown;
}

const TYPE_BASE = 'https://masthead.example/problems/';

/** The one place domain error codes become HTTP statuses. */
const DOMAIN_STATUS: Record<DomainErrorCode, number> = {
  ARTICLE_NOT_FOUND: 404,
  BYLINE_NOT_FOUND: 404,
  PHOTO_NOT_FOUND: 404,
  FOUR_EYES: 403,
  ARTICLE_EXISTS: 409,
  ARTICLE_PUBLISHED: 409,
  ARTICLE_WITHDRAWN: 409,
  ARTICLE_SCHEDULED: 409,
  ARTICLE_NOT_DRAFT: 409,
  ARTICLE_NOT_APPROVED: 409,
  ARTICLE_NOT_SCHEDULED: 409,
  ARTICLE_NOT_PUBLISHED: 409,
  SCHEDULE_NOT_DUE: 409,
  HEADLINE_REQUIRED: 409,
  BODY_REQUIRED: 409,
  BYLINE_REQUIRED: 409,
  PHOTO_CREDIT_REQUIRED: 409,
  COPYRIGHT_NOTICE_REQUIRED: 409,
  CORRECTION_NOTE_REQUIRED: 409,
  WITHDRAWAL_REASON_REQUIRED: 409,
  EMBARGO_NOT_FUTURE: 409,
  EMBARGO_WITH_SCHEDULE: 409,
};

/** Fastify's own errors (body parsing, limits) by code. */
const FASTIFY_STATUS: Record<string, [number, string]> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, 'the body must be application/json'],
  FST_ERR_CTP_BODY_TOO_LARGE: [413, 'the body is larger than the configured limit'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, 'the Content-Length does not match the body'],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, 'the JSON body is empty'],
  FST_ERR_CTP_INVALID_JSON_BODY: [400, 'the body is not valid JSON'],
};

const slug = (title: string) => title.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/(^-|-$)/g, '');

export function problem(status: number, detail: string, extras: Record<string, unknown> = {}, code?: string): Problem {
  const title = (HttpStatus[status] ?? 'Error')
    .toString()
    .split('_')
    .map((w) => w[0] + w.slice(1).toLowerCase())
    .join(' ');
  return { type: `${TYPE_BASE}${code ? slug(code) : slug(title)}`, title, status, detail, ...extras };
}

/** Every error leaves as application/problem+json, never with a stack trace. */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('HTTP');

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    const body = this.toProblem(exception, request);
    if (body.status >= 500) {
      this.logger.error({ err: exception instanceof Error ? { message: exception.message, stack: exception.stack } : exception, url: request?.url }, 'request failed');
    }
    // RFC 9110 §11.6.1: a 401 carries the challenge for the scheme the client should use.
    if (body.status === 401) reply.header('WWW-Authenticate', 'Bearer realm="masthead"');
    if (body.status === 503) reply.header('Retry-After', '5');
    if (body.status === 429) {
      // The throttler names its header after the limit that was hit (Retry-After-login); clients read Retry-After.
      const named = Object.entries(reply.getHeaders()).find(([name]) => name.toLowerCase().startsWith('retry-after-'));
      reply.header('Retry-After', String(named?.[1] ?? reply.getHeader('Retry-After') ?? 60));
    }
    reply.status(body.status).header('Content-Type', 'application/problem+json; charset=utf-8').send(JSON.stringify(body));
  }

  private toProblem(exception: unknown, request?: FastifyRequest): Problem {
    const instance = request?.url;
    if (exception instanceof DomainError) {
      return problem(DOMAIN_STATUS[exception.code], exception.message, { code: exception.code, instance }, exception.code);
    }
    if (exception instanceof PreconditionFailed) {
      return problem(412, exception.message, { code: 'VERSION_MISMATCH', expected: exception.expected, actual: exception.actual, instance }, 'VERSION_MISMATCH');
    }
    if (exception instanceof IdempotencyKeyReused) {
      return problem(422, exception.message, { code: 'IDEMPOTENCY_KEY_REUSED', instance }, 'IDEMPOTENCY_KEY_REUSED');
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const response = exception.getResponse();
      // @nestjs/terminus: a failed health check, with what was checked.
      if (status === 503 && typeof response === 'object' && response && (response as { status?: string }).status === 'error') {
        return problem(503, 'not ready: the database does not answer', { checks: (response as { details?: unknown }).details, instance });
      }
      if (typeof response === 'object' && response && 'type' in response && 'status' in response) {
        return { ...(response as Problem), instance };
      }
      const message = typeof response === 'string' ? response : (response as { message?: unknown }).message;
      const detail = Array.isArray(message) ? message.join('; ') : String(message ?? exception.message);
      return problem(status, detail, { instance });
    }
    const fastifyCode = (exception as { code?: string })?.code;
    if (fastifyCode && FASTIFY_STATUS[fastifyCode]) {
      const [status, detail] = FASTIFY_STATUS[fastifyCode];
      return problem(status, detail, { instance });
    }
    const statusCode = (exception as { statusCode?: number })?.statusCode;
    if (statusCode && statusCode >= 400 && statusCode < 500) {
      return problem(statusCode, 'the request could not be read', { instance });
    }
    if (isDatabaseUnavailable(exception) || (exception instanceof QueryFailedError && isDatabaseUnavailable(exception.driverError))) {
      return problem(503, 'the database is unavailable; nothing was written, try again shortly', { instance });
    }
    return problem(500, 'an unexpected error occurred; nothing was written', { instance });
  }
}
