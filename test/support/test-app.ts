import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import request from 'supertest';
import { buildApp } from '../../src/app';
import type { RuntimeOptions } from '../../src/app.module';
import { Clock } from '../../src/common/clock';
import { validateEnvironment } from '../../src/config/config';
import type { Role } from '../../src/auth/roles';

export const ADMIN_PASSWORD = 'admin-password-for-tests';

/**
 * A fresh database for one test file: a new PGlite data directory, or, when DATABASE_URL is set (CI's second
 * run), a new database on that PostgreSQL server, dropped afterwards.
 */
export async function freshDatabase(): Promise<{ env: Record<string, string>; drop: () => Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'masthead-test-'));
  const base = process.env.DATABASE_URL;
  if (!base) {
    return { env: { NEWSROOM_DATA_DIR: dataDir }, drop: async () => rmSync(dataDir, { recursive: true, force: true }) };
  }
  const name = `masthead_t_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    env: { NEWSROOM_DATA_DIR: dataDir, DATABASE_URL: url.toString() },
    drop: async () => {
      const c = new Client({ connectionString: base });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface TestApp {
  app: NestFastifyApplication;
  http: () => ReturnType<typeof request>;
  clock: Clock;
  env: Record<string, string>;
  adminToken: string;
  /** Creates a user with these roles and returns a token for them. */
  user(roles: Role[], username?: string): Promise<{ id: string; username: string; token: string; password: string }>;
  /** Stops the app and drops its database. */
  close(): Promise<void>;
  /** Stops the app but keeps its database, for a restart with startApp({}, t.database). */
  stop(): Promise<void>;
  database: Database;
}

type Database = Awaited<ReturnType<typeof freshDatabase>>;

let counter = 0;

export async function startApp(extraEnv: Record<string, string> = {}, existing?: Database, runtime: RuntimeOptions = {}): Promise<TestApp> {
  const db = existing ?? (await freshDatabase());
  const env = {
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    NEWSROOM_ADMIN_PASSWORD: ADMIN_PASSWORD,
    NEWSROOM_JWT_SECRET: 'test-secret-that-is-long-enough-for-hs256-signing',
    // Suites sign in and write far faster than people do; test/security.e2e.spec.ts checks the limits themselves.
    NEWSROOM_RATE_LIMIT_LOGIN: '100000',
    NEWSROOM_RATE_LIMIT_WRITES: '100000',
    ...db.env,
    ...extraEnv,
  };
  const config = validateEnvironment(env);
  const app = await buildApp(config, runtime);
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  const server = app.getHttpServer();
  const http = () => request(server);
  const login = async (username: string, password: string) => {
    const res = await http().post('/auth/token').send({ username, password }).expect(200);
    return res.body.accessToken as string;
  };
  const adminToken = await login('admin', ADMIN_PASSWORD);
  return {
    app,
    http,
    clock: app.get(Clock),
    env,
    adminToken,
    async user(roles, username = `${roles.join('-') || 'nobody'}-${++counter}-${Math.random().toString(36).slice(2, 6)}`) {
      // Strong enough for the password policy (auth/password-policy.ts) whatever the username.
      const password = `pw-${username}-kept-secret-in-tests`;
      const res = await http().post('/users').set('Authorization', `Bearer ${adminToken}`).send({ username, password, roles }).expect(201);
      return { id: res.body.id, username, password, token: await login(username, password) };
    },
    async close() {
      await app.close();
      await db.drop();
    },
    async stop() {
      await app.close();
    },
    database: db,
  };
}

export const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

/**
 * Waits until every projection has caught up with the log, as an operator sees it (GET /admin/projections): search
 * is written by the projection daemon just after a command commits, not in it.
 */
export async function caughtUp(t: TestApp, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const { body } = await t.http().get('/admin/projections').set(bearer(t.adminToken)).expect(200);
    const behind = (body as { name: string; lagEvents: number }[]).filter((p) => p.lagEvents > 0);
    if (!behind.length) return;
    if (Date.now() > until) throw new Error(`projections still behind the log: ${JSON.stringify(behind)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Starts a rebuild through the admin API and follows its job until it is no longer running. */
export async function rebuildThroughApi(t: TestApp, projection: string): Promise<Record<string, unknown>> {
  const { body } = await t.http().post(`/admin/projections/${projection}/rebuild`).set(bearer(t.adminToken)).expect(202);
  let job: Record<string, unknown> = {};
  for (let i = 0; i < 400; i++) {
    job = (await t.http().get(`/admin/jobs/${body.jobId}`).set(bearer(t.adminToken)).expect(200)).body;
    if (job.status !== 'running') break;
    await new Promise((r) => setTimeout(r, 25));
  }
  return job;
}
