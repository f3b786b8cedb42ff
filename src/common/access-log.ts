import type { FastifyReply, FastifyRequest } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';

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

type RawRequest = IncomingMessage & { originalUrl?: string; id?: string; query?: unknown };

/**
 * The line pino-http (nestjs-pino's middleware) writes for a request, written with one call on `root`, the logger
 * pino-http itself was built on: the same serializers (req, res, err), the same redaction, level and stream.
 * pino-http binds `req` and the custom props in two child loggers when the request arrives and logs
 * `{res, responseTime}` (`{res, err, responseTime}` when it failed) at 'close', 'finish' or 'error', whichever comes
 * first. Logged here as one object whose keys come in the order the child bindings and that object put them in the
 * line, at the same moment, with the same message. Two child loggers per request were most of a cache hit's
 * logging cost (docs/optimisation/reads.md, round 3); test/access-log.e2e.spec.ts compares the lines field by field.
 */
export function accessLog(root: Logger | undefined): AccessLog {
  if (!root) throw new Error("the access log needs nestjs-pino's root logger (LoggerModule without useExisting)");
  return (request, reply) => {
    // pino-http's child loggers take the level as it is when the request arrives.
    if (!root.isLevelEnabled('info')) return;
    // What @fastify/middie copies onto the Node request before the middleware chain runs: the line's req fields.
    const req = request.raw as RawRequest;
    req.originalUrl = req.url;
    req.id = request.id;
    req.query = request.query;
    // pino-http serialises req on arrival. Reading the peer's address now has the socket keep it (net.Socket caches
    // it on first read), so a line written after the client has gone still names it.
    void req.socket?.remoteAddress;
    const res = reply.raw as ServerResponse & { err?: Error };
    const start = Date.now();
    const complete = (err?: Error) => {
      res.removeListener('close', complete);
      res.removeListener('finish', complete);
      res.removeListener('error', complete);
      const responseTime = Date.now() - start;
      const failed = err ?? res.err ?? (res.statusCode >= 500 ? new Error(`failed with status code ${res.statusCode}`) : undefined);
      const bound = { req, ...accessLogOptions.customProps(req) };
      if (failed) root.info({ ...bound, res, err: failed, responseTime }, 'request errored');
      else root.info({ ...bound, res, responseTime }, !req.readableAborted && res.writableEnded ? 'request completed' : 'request aborted');
    };
    res.on('close', complete);
    res.on('finish', complete);
    res.on('error', complete);
  };
}
