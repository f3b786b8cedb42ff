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
    const applied = await this.dataSource.runMigrations({ transaction: 'each' });
    if (applied.length) this.logger.log(`applied migrations: ${applied.map((m) => m.name).join(', ')}`);
  }
}
