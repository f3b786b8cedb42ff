import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { buildApp } from '../src/app';
import { validateEnvironment } from '../src/config/config';
import { EmbeddedDatabase } from '../src/database/embedded-database';
import { ADMIN_PASSWORD } from './support/test-app';

/**
 * main.ts opens the embedded database before it loads the app (its start overlaps module loading): the app must
 * use that very instance, close it, and a database that fails to start must fail the start-up, not crash the process.
 * On the embedded engine whatever DATABASE_URL says: the embedded database is what is under test.
 */
describe('the embedded database opened before the app', () => {
  const dirs: string[] = [];
  const dataDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'masthead-embedded-'));
    dirs.push(dir);
    return dir;
  };
  afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  it('serves the app, which closes it and releases the data directory', async () => {
    const dir = dataDir();
    const config = validateEnvironment({
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      NEWSROOM_DATA_DIR: dir,
      NEWSROOM_ADMIN_PASSWORD: ADMIN_PASSWORD,
      NEWSROOM_JWT_SECRET: 'test-secret-that-is-long-enough-for-hs256-signing',
    });
    const embedded = new EmbeddedDatabase(dir);
    expect(existsSync(join(dir, 'masthead.lock'))).toBe(true);
    const app = await buildApp(config, { embedded });
    await app.init();
    const db = await embedded.db;
    const dataSource = app.get(DataSource);
    expect(await dataSource.query(`SELECT username FROM users`)).toEqual([{ username: config.NEWSROOM_ADMIN_USERNAME }]);
    // Fewer shared buffers than PGlite's 128 MB: PostgreSQL zeroes them all at every start.
    expect(await dataSource.query(`SHOW shared_buffers`)).toEqual([{ shared_buffers: '16MB' }]);
    await app.getHttpAdapter().getInstance().ready();
    await request(app.getHttpServer()).get('/health').expect(200);
    await app.close();
    // The app's pool ran on the instance opened beforehand: closing the app closed it.
    expect(db.closed).toBe(true);
    expect(existsSync(join(dir, 'masthead.lock'))).toBe(false);
  });

  it('reports a database that cannot start to its first user, and still releases the lock', async () => {
    const dir = dataDir();
    writeFileSync(join(dir, 'pglite'), 'not a data directory');
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const embedded = new EmbeddedDatabase(dir);
      // Nobody uses it while it fails (in main.ts the app's modules are loading meanwhile): watch it without a handler.
      while (inspect(embedded.db).includes('<pending>')) await new Promise((resolve) => setTimeout(resolve, 20));
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).toEqual([]);
      await expect(embedded.db).rejects.toBeDefined();
      await embedded.close();
      expect(existsSync(join(dir, 'masthead.lock'))).toBe(false);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
