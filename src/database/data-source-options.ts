import { join, resolve } from 'node:path';
import type { DataSourceOptions } from 'typeorm';
import { AppConfig } from '../config/config';
import { EmbeddedDatabase } from './embedded-database';
import { PGlitePool } from './pglite-pool';

const COMPILED = __filename.endsWith('.js');

/** Migrations are compiled next to the app (dist/migrations, beside dist/database); under jest they run from migrations/*.ts. */
export const MIGRATIONS = COMPILED
  ? [join(resolve(__dirname, '..'), 'migrations', '*.js')]
  : [join(resolve(__dirname, '..', '..'), 'migrations', '*.ts')];

/**
 * One set of DataSource options for the app, the CLI and the TypeORM CLI. Without DATABASE_URL, the embedded
 * PGlite database in NEWSROOM_DATA_DIR serves through the same postgres driver, so everything above the
 * connection runs the same SQL on both. `embedded`: that database, already opening (main.ts opens it early).
 */
export function dataSourceOptions(config: AppConfig, embedded?: EmbeddedDatabase): DataSourceOptions {
  const base = {
    type: 'postgres' as const,
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    synchronize: false,
    logging: false,
    entities: [],
  };
  if (config.DATABASE_URL) {
    return { ...base, url: config.DATABASE_URL, poolSize: config.DATABASE_POOL_SIZE, connectTimeoutMS: 5000, applicationName: 'masthead' };
  }
  const database = embedded ?? new EmbeddedDatabase(config.dataDir);
  class EmbeddedPool extends PGlitePool {
    constructor() {
      super(database.db, () => database.close());
    }
  }
  return { ...base, driver: { Pool: EmbeddedPool }, database: 'postgres' };
}
