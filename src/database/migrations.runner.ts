import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** An arbitrary constant: the advisory lock every Masthead instance takes to migrate. */
const MIGRATION_LOCK = 7_310_420_251;

/**
 * Runs pending migrations at start. Several instances may start at once against one PostgreSQL: they take an
 * advisory lock in turn, and all but the first find nothing left to do. (The embedded database admits one
 * process only, through its lock file.)
 */
@Injectable()
export class MigrationsRunner implements OnModuleInit {
  private readonly logger = new Logger(MigrationsRunner.name);

  constructor(private readonly dataSource: DataSource) {}

  async onModuleInit(): Promise<void> {
    const embedded = typeof (this.dataSource.options as { url?: string }).url !== 'string';
    if (embedded) {
      await this.migrate();
      return;
    }
    const lock = this.dataSource.createQueryRunner();
    await lock.connect();
    try {
      await lock.query(`SELECT pg_advisory_lock($1)`, [MIGRATION_LOCK]);
      await this.migrate();
    } finally {
      await lock.query(`SELECT pg_advisory_unlock($1)`, [MIGRATION_LOCK]).catch(() => undefined);
      await lock.release();
    }
  }

  private async migrate(): Promise<void> {
    if (await this.allApplied()) return;
    const applied = await this.dataSource.runMigrations({ transaction: 'each' });
    if (applied.length) this.logger.log(`applied migrations: ${applied.map((m) => m.name).join(', ')}`);
  }

  /**
   * True when every migration of the code is already recorded in the migrations table: one query, instead of
   * TypeORM's checks (the table, typeorm_metadata, a query builder), which cost a noticeable part of every start.
   * Anything else (a pending migration, no table yet, a table of another shape) is left to TypeORM as before.
   */
  private async allApplied(): Promise<boolean> {
    const table = this.dataSource.options.migrationsTableName ?? 'migrations';
    const wanted = this.dataSource.migrations.map((m) => m.name ?? m.constructor.name);
    let rows: { name: string }[];
    try {
      rows = await this.dataSource.query(`SELECT name FROM ${this.dataSource.driver.escape(table)}`);
    } catch {
      return false;
    }
    const recorded = new Set(rows.map((r) => r.name));
    return wanted.every((name) => recorded.has(name));
  }
}
