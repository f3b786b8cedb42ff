import { DynamicModule, Module, RequestMethod } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { CqrsModule } from '@nestjs/cqrs';
import { LoggerModule } from 'nestjs-pino';
import { AdminModule } from './admin/admin.module';
import { articleEventSchemas } from './articles/domain/article.schemas';
import { ArticlesModule } from './articles/articles.module';
import { AuditModule } from './audit/audit.module';
import { AuthModule } from './auth/auth.module';
import { accessLogOptions, accessLogRedact } from './common/access-log';
import { APP_CONFIG, AppConfig } from './config/config';
import { DatabaseModule } from './database/database.module';
import { DeskModule } from './desk/desk.module';
import { DistributionModule } from './distribution/distribution.module';
import type { EmbeddedDatabase } from './database/embedded-database';
import { EventStoreModule } from './event-store/event-store.module';
import { PublishingModule } from './publishing/publishing.module';
import { ReadModelsLiveModule } from './read-models/read-models-live.module';
import { ReadModelsModule } from './read-models/read-models.module';
import { SchedulerModule } from './scheduler/scheduler.module';

export interface RuntimeOptions {
  /** Where logs go: stdout, or a stream a test reads. */
  logStream?: NodeJS.WritableStream;
  /** The embedded database, already opening (main.ts starts it before loading the app); else opened here. */
  embedded?: EmbeddedDatabase;
}

/** What the HTTP service and the CLI share: configuration, logs, the CommandBus, the database, the event store. */
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
    CqrsModule.forRoot(),
    DatabaseModule.forRoot(config, runtime.embedded),
    EventStoreModule.forRoot(articleEventSchemas),
  ];
}

/** The HTTP service: the feature modules. */
@Module({})
export class AppModule {
  static register(config: AppConfig, runtime: RuntimeOptions = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ...coreImports(config, runtime),
        AuthModule,
        ArticlesModule,
        ReadModelsModule,
        ReadModelsLiveModule,
        PublishingModule,
        AuditModule,
        AdminModule,
        SchedulerModule,
        DeskModule,
        DistributionModule,
      ],
    };
  }
}
