import type { MigrationInterface } from 'typeorm';
import { DataSource } from 'typeorm';
import { MigrationsRunner } from '../src/database/migrations.runner';
import { startApp, TestApp } from './support/test-app';

/** At start, migrations run only when one is pending; otherwise one query finds every migration recorded. */
describe('migrations at start', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('leaves TypeORM alone when every migration is recorded', async () => {
    const dataSource = t.app.get(DataSource);
    const run = jest.spyOn(dataSource, 'runMigrations');
    try {
      await t.app.get(MigrationsRunner).onModuleInit();
      expect(run).not.toHaveBeenCalled();
    } finally {
      run.mockRestore();
    }
  });

  it('runs a pending migration, and records it, as before', async () => {
    const dataSource = t.app.get(DataSource);
    const ran: string[] = [];
    class Extra1799999999999 implements MigrationInterface {
      name = 'Extra1799999999999';
      async up(): Promise<void> {
        ran.push(this.name);
      }
      async down(): Promise<void> {}
    }
    const migrations = dataSource.migrations as MigrationInterface[];
    migrations.push(new Extra1799999999999());
    try {
      await t.app.get(MigrationsRunner).onModuleInit();
      expect(ran).toEqual(['Extra1799999999999']);
      const rows: { name: string }[] = await dataSource.query(`SELECT name FROM migrations WHERE name = $1`, ['Extra1799999999999']);
      expect(rows).toHaveLength(1);
      // Recorded now: a second start does nothing.
      await t.app.get(MigrationsRunner).onModuleInit();
      expect(ran).toHaveLength(1);
    } finally {
      migrations.pop();
      await dataSource.query(`DELETE FROM migrations WHERE name = $1`, ['Extra1799999999999']);
    }
  });
});
