import { DynamicModule, Module, RequestMethod } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { APP_GUARD } from '@nestjs/core';
import { CqrsModule } from '@nestjs/cqrs';
import { JwtModule } from '@nestjs/jwt';
import { TerminusModule } from '@nestjs/terminus';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LoggerModule } from 'nestjs-pino';
import { createSecretKey } from 'node:crypto';
import { ArticleQueries } from './articles/article-queries.service';
import { ExecuteArticleCommandHandler } from './articles/commands/execute-article-command.handler';
import { HeadCache } from './articles/commands/head-cache';
import { articleEventSchemas } from './articles/domain/article.schemas';
import { ArticlesController } from './articles/http/articles.controller';
import { PublishedController } from './articles/http/published.controller';
import { AdminController } from './admin/admin.controller';
import { AuditController } from './audit/audit.controller';
import { EventStreamController } from './audit/event-stream.controller';
import { Notary } from './audit/notary.service';
import { Verifier } from './audit/verifier.service';
import { AuthController } from './auth/auth.controller';
import { AuthGuard } from './auth/auth.guard';
import { RateLimitGuard, rateLimits } from './auth/rate-limit';
import { jwtSecret } from './auth/jwt-secret';
import { UsersService } from './auth/users.service';
import { accessLogOptions, accessLogRedact } from './common/access-log';
import { Clock } from './common/clock';
import { HealthController } from './common/health.controller';
import { APP_CONFIG, AppConfig } from './config/config';
import { dataSourceOptions } from './database/data-source-options';
import type { EmbeddedDatabase } from './database/embedded-database';
import { MigrationsRunner } from './database/migrations.runner';
import { EventSchemas } from './event-store/event-schemas';
import { EventStore } from './event-store/event-store.service';
import { IdempotencyStore } from './event-store/idempotency.store';
import { ArticleViewProjection } from './projections/article-view.projection';
import { AuditTrailProjection } from './projections/audit-trail.projection';
import { PROJECTIONS } from './projections/projection';
import { ProjectionDaemon } from './projections/projection-daemon.service';
import { ProjectionRebuilder } from './projections/projection-rebuilder.service';
import { ProjectionRunner } from './projections/projection-runner.service';
import { PublishedArticleProjection } from './projections/published-article.projection';
import { PublicationScheduler } from './scheduler/publication-scheduler.service';
import { FeedQueries } from './publishing/feed.queries';
import { PublishingController } from './publishing/publishing.controller';
import { publishedCacheProviders } from './publishing/published-cache.listener';
import { DISTRIBUTION_CONTROLLERS, DISTRIBUTION_PROVIDERS } from './distribution/distribution.module';

/** Providers shared by the HTTP service and the CLI: the event store, the domain's handlers, the read models. */
export const CORE_PROVIDERS = [
  MigrationsRunner,
  Clock,
  { provide: EventSchemas, useFactory: articleEventSchemas },
  EventStore,
  IdempotencyStore,
  ArticleViewProjection,
  PublishedArticleProjection,
  AuditTrailProjection,
  {
    provide: PROJECTIONS,
    useFactory: (...projections: unknown[]) => projections,
    inject: [ArticleViewProjection, PublishedArticleProjection, AuditTrailProjection],
  },
  ProjectionRunner,
  ProjectionRebuilder,
  Notary,
  Verifier,
  {
    provide: HeadCache,
    useFactory: (config: ConfigService) => new HeadCache(config.get<AppConfig>(APP_CONFIG)!.NEWSROOM_HEAD_CACHE_ENTRIES),
    inject: [ConfigService],
  },
  ExecuteArticleCommandHandler,
  ArticleQueries,
  UsersService,
];

export interface RuntimeOptions {
  /** Where logs go: stdout, or a stream a test reads. */
  logStream?: NodeJS.WritableStream;
  /** The embedded database, already opening (main.ts starts it before loading the app); else opened here. */
  embedded?: EmbeddedDatabase;
}

export function coreImports(config: AppConfig, runtime: RuntimeOptions = {}) {
  return [
    ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, load: [() => ({ [APP_CONFIG]: config })] }),
    LoggerModule.forRoot({
      // nestjs-pino's default route pattern does not match under the Fastify adapter of Nest 12: name every path.
      forRoutes: [{ path: '{*path}', method: RequestMethod.ALL }],
      pinoHttp: {
        level: config.LOG_LEVEL,
        ...accessLogOptions,
        redact: accessLogRedact,
        ...(runtime.logStream ? { stream: runtime.logStream } : {}),
      },
    }),
    TypeOrmModule.forRootAsync({
      useFactory: () => ({ ...dataSourceOptions(config, runtime.embedded), migrationsRun: false }),
    }),
    JwtModule.register({
      global: true,
      // A KeyObject, not the string: given a string, jsonwebtoken tries to parse it as a PEM public key (and fails)
      // on every verify, which cost ~0.5 ms per request (docs/benchmarks.md).
      secret: createSecretKey(Buffer.from(jwtSecret(config))),
      signOptions: { algorithm: 'HS256' },
      verifyOptions: { algorithms: ['HS256'] },
    }),
    CqrsModule.forRoot(),
  ];
}

@Module({})
export class AppModule {
  static register(config: AppConfig, runtime: RuntimeOptions = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [...coreImports(config, runtime), TerminusModule, rateLimits(config)],
      controllers: [AuthController, ArticlesController, PublishedController, AuditController, EventStreamController, AdminController, HealthController, PublishingController, ...DISTRIBUTION_CONTROLLERS],
      providers: [...CORE_PROVIDERS, ProjectionDaemon, PublicationScheduler, FeedQueries, { provide: APP_GUARD, useClass: AuthGuard }, { provide: APP_GUARD, useClass: RateLimitGuard }, ...publishedCacheProviders(config), ...DISTRIBUTION_PROVIDERS],
    };
  }
}
