import type { FastifyReply, FastifyRequest } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';

/**
 * The access log's per-request options. nestjs-pino's middleware logs every request with them; an answer given before
 * the middleware chain (a cached published article) logs with them too, so both lines have the same shape.
 */
export const accessLogOptions = {
  // Fastify gave the request its id (the caller's X-Request-Id when sane, see app.ts): log under the same one.
  genReqId: (req: IncomingMessage) => (req as { id?: string }).id ?? randomUUID(),
  customProps: (req: IncomingMessage) => ({ correlationId: (req as { id?: string }).id }),
};

/** Secrets never reach a log line. */
export const accessLogRedact = ['req.headers.authorization', 'req.headers.cookie', 'req.body.password', 'res.headers["set-cookie"]'];

/** Logs one request from a Fastify hook, through `root` (nestjs-pino's logger, so its level, redaction and stream). */
export type AccessLog = (request: FastifyRequest, reply: FastifyReply) => void;

export function accessLog(root: Logger | undefined): AccessLog {
  if (!root) throw new Error("the access log needs nestjs-pino's root logger (LoggerModule without useExisting)");
  const log = pinoHttp({ logger: root, ...accessLogOptions });
  return (request, reply) => {
    // What @fastify/middie copies onto the Node request before the middleware chain runs: the line's req fields.
    const raw = request.raw as IncomingMessage & { originalUrl?: string; id?: string; query?: unknown };
    raw.originalUrl = raw.url;
    raw.id = request.id;
    raw.query = request.query;
    log(raw, reply.raw as ServerResponse);
  };
}
