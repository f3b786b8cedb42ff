import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { AppConfig } from '../config/config';
import { dataSourceOptions } from './data-source-options';
import type { EmbeddedDatabase } from './embedded-database';
import { MigrationsRunner } from './migrations.runner';

/** The connection (PostgreSQL, or the embedded PGlite) and the migrations that run at start. Global, like TypeORM's own. */
@Module({})
export class DatabaseModule {
  static forRoot(config: AppConfig, embedded?: EmbeddedDatabase): DynamicModule {
    return {
      module: DatabaseModule,
      global: true,
      imports: [TypeOrmModule.forRootAsync({ useFactory: () => ({ ...dataSourceOptions(config, embedded), migrationsRun: false }) })],
      providers: [MigrationsRunner],
      exports: [MigrationsRunner],
    };
  }
}
