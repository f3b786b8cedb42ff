import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { QueryFailedError } from 'typeorm';
import { isDatabaseUnavailable } from './database-errors';

/** An RFC 9457 problem. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  [extra: string]: unknown;
}

const TYPE_BASE = 'https://masthead.example/problems/';

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

/**
 * An error a feature raises with a stable code (a domain rule refused, a precondition failed): the code, and any
 * `details`, go into the problem; the status comes from the code's entry in the filter's table.
 */
interface CodedError extends Error {
  code: string;
  details?: Record<string, unknown>;
}

/** Every error leaves as application/problem+json, never with a stack trace. */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('HTTP');

  /** `statuses`: error code → HTTP status, for every feature's coded errors (src/error-statuses.ts). */
  constructor(private readonly statuses: Readonly<Record<string, number>>) {}

  private isCoded(exception: unknown): exception is CodedError {
    const code = (exception as { code?: unknown })?.code;
    return exception instanceof Error && typeof code === 'string' && Object.hasOwn(this.statuses, code);
  }

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
    if (this.isCoded(exception)) {
      const { code, details } = exception;
      return problem(this.statuses[code], exception.message, { code, ...details, instance }, code);
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
