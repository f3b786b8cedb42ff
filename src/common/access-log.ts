import type { FastifyReply, FastifyRequest } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { symbols, type Logger } from 'pino';

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
 * `accessLogRedact` as key paths: 'res.headers["set-cookie"]' → ['res', 'headers', 'set-cookie']. Undefined when a path
 * has a wildcard (or any form not read here): then every line goes through pino's redaction.
 */
export function redactedKeyPaths(paths: readonly string[]): string[][] | undefined {
  const parsed = paths.map((path) =>
    /^[\w$-]+(?:\.[\w$-]+|\["[^"\]]+"\])*$/.test(path) ? [...path.matchAll(/([\w$-]+)|\["([^"\]]+)"\]/g)].map((m) => m[1] ?? m[2]) : undefined,
  );
  return parsed.every((p) => p !== undefined) ? (parsed as string[][]) : undefined;
}

/** Whether `path` is in `line`, by the test pino's redaction makes (`in`, key after key): then it would censor it. */
function holds(line: object, path: string[]): boolean {
  let at: unknown = line;
  for (const key of path) {
    if (typeof at !== 'object' || at === null || !(key in at)) return false;
    at = (at as Record<string, unknown>)[key];
  }
  return true;
}

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
  // Most lines have nothing to censor (no Authorization, Cookie or Set-Cookie), and then pino's redaction, which clones
  // what it looks into, changes no byte: about a tenth of a hit's CPU. Such a line is serialised here with root's own
  // serializers, checked for every redacted path on exactly what would be written, and written by a child of root that
  // neither redacts nor serialises again. A child without a level of its own follows root's.
  const paths = redactedKeyPaths(accessLogRedact);
  const serializers = (root as unknown as Record<symbol, Record<string, (value: unknown) => unknown>>)[symbols.serializersSym];
  const same = (value: unknown) => value;
  const unredacted = root.child({}, { redact: [], serializers: { req: same, res: same } });
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
      if (failed) return root.info({ req, ...accessLogOptions.customProps(req), res, err: failed, responseTime }, 'request errored');
      const msg = !req.readableAborted && res.writableEnded ? 'request completed' : 'request aborted';
      if (paths) {
        const line = { req: serializers.req(req), ...accessLogOptions.customProps(req), res: serializers.res(res), responseTime };
        if (!paths.some((path) => holds(line, path))) return unredacted.info(line, msg);
      }
      root.info({ req, ...accessLogOptions.customProps(req), res, responseTime }, msg);
    };
    res.on('close', complete);
    res.on('finish', complete);
    res.on('error', complete);
  };
}
