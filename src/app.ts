import { BadRequestException, UnsupportedMediaTypeException } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger, PinoLogger } from 'nestjs-pino';
import { AppModule, RuntimeOptions } from './app.module';
import { accessLog } from './common/access-log';
import { AppConfig } from './config/config';
import { ERROR_STATUS } from './error-statuses';
import { problem, ProblemFilter } from './common/problem.filter';
import { useSecurityHeaders } from './common/security-headers';
import { TextPipe, validationPipe } from './common/validation';
import { PublishedCache } from './read-models/published-article/published-cache';
import { servePublishedFromCache } from './read-models/published-article/published-cache.hook';

const utf8 = new TextDecoder('utf-8', { fatal: true });

class PrototypeKey extends Error {}
/** `__proto__` in a body is prototype pollution waiting to happen: refused, as Fastify's own parser does. */
function refusePrototypeKeys(key: string, value: unknown): unknown {
  if (key === '__proto__') throw new PrototypeKey('the body may not contain a "__proto__" key');
  return value;
}

/**
 * JSON bodies in UTF-8, decoded strictly: invalid bytes are a 400, not silently replaced by U+FFFD (text is stored
 * exactly as sent), and a body declared in another charset is a 415.
 */
function useStrictJson(adapter: FastifyAdapter, bodyLimit: number): void {
  const fastify = adapter.getInstance();
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit }, (request, body, done) => {
    const charset = /;\s*charset=("?)([^";]+)\1/i.exec(String(request.headers['content-type'] ?? ''))?.[2];
    if (charset && !/^utf-?8$/i.test(charset)) {
      return done(new UnsupportedMediaTypeException(problem(415, `the body must be JSON in UTF-8, not ${charset}`, {}, 'UNSUPPORTED_CHARSET')), undefined);
    }
    let text: string;
    try {
      text = utf8.decode(body as Buffer);
    } catch {
      return done(new BadRequestException(problem(400, 'the body is not valid UTF-8', {}, 'INVALID_UTF8')), undefined);
    }
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text, refusePrototypeKeys));
    } catch (err) {
      const detail = err instanceof PrototypeKey ? err.message : 'the body is not valid JSON';
      done(new BadRequestException(problem(400, detail, {}, 'INVALID_JSON')), undefined);
    }
  });
}

/** Builds the HTTP application (not yet listening): the same for `npm start` and the e2e tests. */
export async function buildApp(config: AppConfig, runtime: RuntimeOptions = {}): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: config.NEWSROOM_BODY_LIMIT,
    routerOptions: { maxParamLength: 500 },
    // The request (and correlation) id: the caller's X-Request-Id when it is sane, otherwise a new one.
    requestIdHeader: false,
    genReqId: (req: { headers: Record<string, string | string[] | undefined> }) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[\w.:-]{1,100}$/.test(given) ? given : randomUUID();
    },
    // Errors the router raises before any handler (bad percent-encoding, an id too long): problem+json too.
    frameworkErrors: (error: FastifyError, _request: FastifyRequest, reply: FastifyReply) => {
      const status = error.statusCode ?? 400;
      void reply
        .code(status)
        .type('application/problem+json; charset=utf-8')
        .send(JSON.stringify(problem(status, status === 414 ? 'a path segment is too long' : 'the URL could not be read')));
    },
    // Errors of the HTTP parser itself (oversized headers, broken framing): problem+json on the raw socket.
    clientErrorHandler: (error: NodeJS.ErrnoException, socket: import('node:net').Socket) => {
      if (error.code === 'ECONNRESET' || socket.destroyed) return;
      const [status, title, detail] =
        error.code === 'HPE_HEADER_OVERFLOW'
          ? [431, 'Request Header Fields Too Large', 'the request headers are larger than the server accepts']
          : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
            ? [408, 'Request Timeout', 'the request took too long to arrive']
            : [400, 'Bad Request', 'the request could not be read'];
      const body = JSON.stringify({ type: 'about:blank', title, status, detail });
      if (socket.writable) {
        socket.write(`HTTP/1.1 ${status} ${title}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/problem+json; charset=utf-8\r\nConnection: close\r\n\r\n${body}`);
      }
      socket.destroy(error);
    },
  });
  adapter.getInstance().addHook('onRequest', (request, reply, done) => {
    reply.header('X-Request-Id', request.id);
    done();
  });
  useSecurityHeaders(adapter.getInstance());
  // Before Nest's middleware chain (the access log among it), which NestFactory.create registers: hooks run in order.
  const serveCached = servePublishedFromCache(adapter.getInstance());
  // Only JSON bodies: anything else is 415, not a string handed to validation.
  adapter.getInstance().removeContentTypeParser('text/plain');
  // bodyParser: false, then JSON only: Nest's default set also parses application/x-www-form-urlencoded, which would let
  // a form post through to validation (and a form-encoded PATCH succeed) instead of answering 415.
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.register(config, runtime), adapter, { bufferLogs: true, bodyParser: false });
  useStrictJson(adapter, config.NEWSROOM_BODY_LIMIT);
  app.useLogger(app.get(Logger));
  // nestjs-pino's root logger (the access log middleware's) exists once Nest has built the providers.
  serveCached(app.get(PublishedCache), accessLog(PinoLogger.root));
  app.useGlobalFilters(new ProblemFilter(ERROR_STATUS));
  app.useGlobalPipes(new TextPipe(), validationPipe);
  app.enableShutdownHooks();

  // The OpenAPI document is built on the first /docs or /docs-json request (Swagger caches it), not at start-up.
  const document = () =>
    SwaggerModule.createDocument(
      app,
      new DocumentBuilder()
        .setTitle('Masthead')
        .setDescription('Event-sourced publishing for newsrooms: every change an event, every version recoverable.')
        .setVersion('1')
        .addBearerAuth()
        .build(),
    );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
  return app;
}
