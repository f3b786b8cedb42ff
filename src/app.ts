import { NestFactory } from '@nestjs/core';
import { randomUUID } from 'node:crypto';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import helmet from '@fastify/helmet';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { AppModule, RuntimeOptions } from './app.module';
import { AppConfig } from './config/config';
import { ProblemFilter } from './common/problem.filter';
import { TextPipe, validationPipe } from './common/validation';

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
  });
  adapter.getInstance().addHook('onRequest', (request, reply, done) => {
    reply.header('X-Request-Id', request.id);
    done();
  });
  // Only JSON bodies: anything else is 415, not a string handed to validation.
  adapter.getInstance().removeContentTypeParser('text/plain');
  // bodyParser: false, then JSON only: Nest's default set also parses application/x-www-form-urlencoded, which would let
  // a form post through to validation (and a form-encoded PATCH succeed) instead of answering 415.
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.register(config, runtime), adapter, { bufferLogs: true, bodyParser: false });
  app.useBodyParser('application/json', { bodyLimit: config.NEWSROOM_BODY_LIMIT });
  app.useLogger(app.get(Logger));
  // Security headers on every answer. The API speaks JSON; the reader-facing page sets its own CSP, and Swagger UI
  // needs inline scripts, so no global CSP here.
  await app.register(helmet, { contentSecurityPolicy: false, crossOriginResourcePolicy: { policy: 'cross-origin' } });
  app.useGlobalFilters(new ProblemFilter());
  app.useGlobalPipes(new TextPipe(), validationPipe);
  app.enableShutdownHooks();

  const document = SwaggerModule.createDocument(
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
