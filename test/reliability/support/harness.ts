/**
 * Shared machinery of the reliability suites: real server processes (`node dist/main.js`), the CLI, a plain HTTP
 * client, SQL access to the suite's own database (PostgreSQL, or the PGlite data directory once no server holds
 * it) and the one-line summaries. Loopback only; every child process is tracked and killed in afterAll.
 */
import { PGlite, types } from '@electric-sql/pglite';
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { appendFileSync, closeSync, cpSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Pool } from 'pg';
import { lockDataDirectory } from '../../../src/database/pglite-pool';
import { freshDatabase } from '../../support/test-app';

export { freshDatabase };
export type Database = Awaited<ReturnType<typeof freshDatabase>>;

export const ROOT = resolve(__dirname, '..', '..', '..');
export const ENGINE: 'postgres' | 'pglite' = process.env.DATABASE_URL ? 'postgres' : 'pglite';
export const ADMIN_PASSWORD = 'admin-password-for-reliability';
export const JWT_SECRET = 'reliability-suite-secret-long-enough-for-hs256';

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
export const randomInt = (min: number, max: number) => min + Math.floor(Math.random() * (max - min + 1));
export const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)];

const BUILT = ['main.js', join('cli', 'main.js'), 'migrations'];
let snapshot: string | undefined;

/**
 * dist/ is built by `npm run build` (.ci/run does it); build here only when it is missing (or incomplete). The
 * suite then runs a private copy of it (under node_modules/.cache, so packages resolve as from dist/): `nest
 * build` deletes dist/ first, and a build started elsewhere while the suite restarts servers must not pull the
 * service out from under it.
 */
export function ensureBuilt(): void {
  const dist = join(ROOT, 'dist');
  if (!BUILT.every((p) => existsSync(join(dist, p)))) {
    try {
      execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], timeout: 240_000 });
    } catch (err) {
      const out = `${(err as { stdout?: Buffer }).stdout ?? ''}${(err as { stderr?: Buffer }).stderr ?? ''}`;
      throw new Error(`npm run build failed, so there is no server to test:\n${out.slice(-3000)}`);
    }
  }
  const cache = join(ROOT, 'node_modules', '.cache');
  mkdirSync(cache, { recursive: true });
  for (let attempt = 1; ; attempt++) {
    const dir = mkdtempSync(join(cache, 'masthead-rel-'));
    try {
      cpSync(dist, join(dir, 'dist'), { recursive: true });
      const missing = BUILT.filter((p) => !existsSync(join(dir, 'dist', p)));
      if (missing.length) throw new Error(`dist/ lacks ${missing.join(', ')}: run npm run build`);
      snapshot = join(dir, 'dist');
      if (process.env.RELIABILITY_BREAK) breakBuild(snapshot, process.env.RELIABILITY_BREAK);
      return;
    } catch (err) {
      rmSync(dir, { recursive: true, force: true });
      if (attempt >= 10) throw err;
      execFileSync('sleep', ['3']); // a build elsewhere is rewriting dist/: let it finish
    }
  }
}

/**
 * RELIABILITY_BREAK=<mode>: the suite's private copy of dist/ is patched into a deliberately broken build, to show
 * that a suite fails against it (src/ and dist/ themselves are untouched). Every patch must apply, or the run stops:
 * a control that silently patches nothing proves nothing.
 * - expected-version (the race suite must fail; on PostgreSQL, where two processes really interleave): optimistic
 *   concurrency disabled at all three places that enforce it: the ledger's conditional UPDATE, UNIQUE (stream_id,
 *   version) on events, and the unique (article_id, version) index of the audit trail (which alone would still
 *   turn a duplicate into a 412).
 * - ack-before-commit (the crash suite must fail): the command handler runs every command in a transaction, answers
 *   as soon as the command is decided and written, and holds the transaction open another second before committing,
 *   as a server that acknowledges writes before they are durable would.
 */
const BREAKS: Record<string, [string, RegExp, string][]> = {
  'expected-version': [
    [
      join('event-store', 'event-store.service.js'),
      /WHERE stream_id = \$1 AND version = \$7 AND head_hash = \$8 RETURNING stream_id/,
      'WHERE stream_id = $1 AND $7::int IS NOT NULL AND $8::text IS NOT NULL RETURNING stream_id',
    ],
    [join('migrations', '1764320000000-EventStore.js'), /,\s*CONSTRAINT events_stream_version UNIQUE \(stream_id, version\)/, ''],
    [join('migrations', '1764320000000-EventStore.js'), /CREATE UNIQUE INDEX audit_entry_article/, 'CREATE INDEX audit_entry_article'],
  ],
  'ack-before-commit': [
    [
      join('articles', 'commands', 'execute-article-command.handler.js'),
      /const result = await this\.within\(envelope, async \(manager\) => \{/,
      'const result = await ((work) => new Promise((ack, fail) => { this.store.transaction((m) => work(m, ack)).catch(fail); }))(async (manager, ack) => {',
    ],
    [join('articles', 'commands', 'execute-article-command.handler.js'), /(\n\s*)return result;(\n\s*\}\);)/, '$1ack(result); await new Promise((r) => setTimeout(r, 1000));$1return result;$2'],
  ],
};

function breakBuild(dist: string, mode: string): void {
  const patches = BREAKS[mode];
  if (!patches) throw new Error(`RELIABILITY_BREAK=${mode}: known modes are ${Object.keys(BREAKS).join(', ')}`);
  for (const [file, pattern, replacement] of patches) {
    const path = join(dist, file);
    const text = readFileSync(path, 'utf8');
    if (!pattern.test(text)) throw new Error(`RELIABILITY_BREAK: ${pattern} not found in ${file}; update the patch`);
    writeFileSync(path, text.replace(pattern, replacement));
  }
  process.stderr.write(`[reliability] RUNNING AGAINST A DELIBERATELY BROKEN BUILD (${mode}): the suites must fail\n`);
}

const distPath = (...parts: string[]) => {
  if (!snapshot) throw new Error('call ensureBuilt() first');
  return join(snapshot, ...parts);
};

/** The environment of a server or CLI child on the suite's database. */
export function childEnv(db: Database, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.DATABASE_URL;
  delete env.NEWSROOM_DATA_DIR;
  delete env.PORT;
  return {
    ...env,
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    NEWSROOM_ADMIN_PASSWORD: ADMIN_PASSWORD,
    NEWSROOM_JWT_SECRET: JWT_SECRET,
    // These suites write far faster than people do; the rate limits are tested elsewhere (test/security.e2e.spec.ts).
    NEWSROOM_RATE_LIMIT_LOGIN: '100000',
    NEWSROOM_RATE_LIMIT_WRITES: '100000',
    ...db.env,
    ...extra,
  };
}

const children = new Set<ChildProcess>();
const logDir = mkdtempSync(join(tmpdir(), 'masthead-rel-logs-'));

/** Kills (SIGKILL) every child a suite started and is still running. For afterAll. */
export async function killAll(): Promise<void> {
  const waits = [...children].map(
    (child) =>
      new Promise<void>((done) => {
        if (child.exitCode !== null || child.signalCode !== null) return done();
        child.once('exit', () => done());
        child.kill('SIGKILL');
        setTimeout(done, 5000).unref();
      }),
  );
  await Promise.all(waits);
  children.clear();
  if (snapshot) rmSync(resolve(snapshot, '..'), { recursive: true, force: true });
  snapshot = undefined;
}

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolvePort(port));
    });
  });
}

function tail(file: string, lines = 30): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** One `node dist/main.js` process on a free loopback port. */
export class ServerProcess {
  private constructor(
    readonly label: string,
    readonly proc: ChildProcess,
    readonly port: number,
    readonly logFile: string,
    readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid(): number {
    return this.proc.pid!;
  }

  get running(): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }

  static async start(env: NodeJS.ProcessEnv, label: string, timeoutMs = 60_000): Promise<ServerProcess> {
    let lastError = '';
    for (let attempt = 1; attempt <= 5; attempt++) {
      const port = await freePort();
      const logFile = join(logDir, `${label}-${port}.log`);
      const fd = openSync(logFile, 'a');
      const proc = spawn(process.execPath, [distPath('main.js')], {
        cwd: ROOT,
        env: { ...env, PORT: String(port) },
        stdio: ['ignore', fd, fd],
      });
      closeSync(fd);
      children.add(proc);
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
        proc.once('exit', (code, signal) => {
          children.delete(proc);
          done({ code, signal });
        }),
      );
      const server = new ServerProcess(label, proc, port, logFile, exited);
      const ready = await server.waitHealthy(timeoutMs);
      if (ready) return server;
      const log = tail(logFile);
      if (server.running) proc.kill('SIGKILL');
      await exited;
      lastError = log;
      if (!/EADDRINUSE/.test(log)) break; // only a port taken between probe and listen is worth another try
    }
    throw new Error(`server ${label} did not become healthy:\n${lastError}`);
  }

  /** Polls GET /health until 200; false if the process exits or the time runs out. */
  async waitHealthy(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.running) return false;
      const res = await call(this.url, 'GET', '/health', { timeoutMs: 2000 });
      if (res.status === 200) return true;
      await sleep(100);
    }
    return false;
  }

  /** kill -9: no shutdown hooks, no lock file removed, nothing flushed. */
  async kill9(): Promise<void> {
    if (this.running) this.proc.kill('SIGKILL');
    await this.exited;
  }

  /** A clean stop (SIGTERM, shutdown hooks run); SIGKILL after 20 s. Returns the exit code. */
  async stop(): Promise<number | null> {
    if (this.running) this.proc.kill('SIGTERM');
    const timer = setTimeout(() => this.running && this.proc.kill('SIGKILL'), 20_000);
    const { code } = await this.exited;
    clearTimeout(timer);
    return code;
  }

  logTail(lines = 30): string {
    return tail(this.logFile, lines);
  }
}

/** `node dist/cli/main.js ARGS` on the suite's database. */
export async function runCli(env: NodeJS.ProcessEnv, args: string[], timeoutMs = 120_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const proc = spawn(process.execPath, [distPath('cli', 'main.js'), ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(proc);
    let stdout = '';
    let stderr = '';
    proc.stdout!.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      children.delete(proc);
      done({ code, stdout, stderr });
    });
  });
}

export interface Res {
  status: number;
  headers: Headers | null;
  text: string;
  json: any;
  error?: string;
}

/** A plain HTTP call; status 0 when there was no answer (connection refused or reset, timeout). */
export async function call(
  base: string,
  method: string,
  path: string,
  opts: { token?: string; body?: unknown; headers?: Record<string, string>; timeoutMs?: number } = {},
): Promise<Res> {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  let body: string | undefined;
  if (opts.body !== undefined) {
    headers['content-type'] ??= 'application/json';
    body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
  }
  try {
    const res = await fetch(`${base}${path}`, { method, headers, body, signal: AbortSignal.timeout(opts.timeoutMs ?? 30_000) });
    const text = await res.text();
    let json: unknown = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = null;
    }
    return { status: res.status, headers: res.headers, text, json };
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    return { status: 0, headers: null, text: '', json: null, error: cause?.code ?? cause?.message ?? (err as Error).message };
  }
}

export async function login(base: string, username: string, password: string): Promise<string> {
  const res = await call(base, 'POST', '/auth/token', { body: { username, password } });
  if (res.status !== 200) throw new Error(`login ${username}: ${res.status} ${res.text}`);
  return res.json.accessToken;
}

/** Creates a user through the admin API and returns its id and a token. */
export async function createUser(base: string, adminToken: string, username: string, roles: string[]): Promise<{ id: string; token: string }> {
  const password = `pw-${username}-reliability`;
  const res = await call(base, 'POST', '/users', { token: adminToken, body: { username, password, roles } });
  if (res.status !== 201) throw new Error(`create user ${username}: ${res.status} ${res.text}`);
  return { id: res.json.id, token: await login(base, username, password) };
}

export interface Sql {
  query<T = any>(text: string, params?: unknown[]): Promise<T[]>;
  /** One statement on the append-only log, with the operator's deliberate bypass (README, "The log is append-only"). */
  rewriteLog(text: string, params?: unknown[]): Promise<void>;
  close(): Promise<void>;
}

const ALLOW_LOG_REWRITE = `SET LOCAL masthead.allow_log_rewrite = 'on'`;

/**
 * SQL on the suite's database: a pg pool on PostgreSQL; on PGlite the data directory itself, opened in this
 * process under the service's own lock file (so only when no server or CLI holds it).
 */
export async function openSql(db: Database, poolSize = 20): Promise<Sql> {
  if (db.env.DATABASE_URL) {
    const pool = new Pool({ connectionString: db.env.DATABASE_URL, max: poolSize });
    // pool.end() resolves before the backends are gone; a DROP DATABASE ... WITH (FORCE) right after it then
    // terminates them, which an idle client reports as an error event: not a failure of anything under test.
    pool.on('error', () => undefined);
    return {
      query: async (text, params) => (await pool.query(text, params as unknown[])).rows,
      rewriteLog: async (text, params) => {
        const client = await pool.connect();
        try {
          await client.query('BEGIN');
          await client.query(ALLOW_LOG_REWRITE);
          await client.query(text, params as unknown[]);
          await client.query('COMMIT');
        } catch (err) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw err;
        } finally {
          client.release();
        }
      },
      close: () => pool.end(),
    };
  }
  const dir = db.env.NEWSROOM_DATA_DIR;
  const unlock = lockDataDirectory(dir);
  const pg = new PGlite(join(dir, 'pglite'), { parsers: { [types.INT8]: (value: string) => value } });
  await pg.waitReady;
  return {
    query: async <T>(text: string, params?: unknown[]) => (await pg.query<T>(text, params)).rows,
    rewriteLog: async (text: string, params?: unknown[]) => {
      await pg.transaction(async (tx) => {
        await tx.exec(ALLOW_LOG_REWRITE);
        await tx.query(text, params);
      });
    },
    close: async () => {
      try {
        await pg.close();
      } finally {
        unlock();
      }
    },
  };
}

/** The one-line figures of a suite, on stderr (stdout may carry jest's --json) and in $RELIABILITY_SUMMARY_FILE. */
export function summary(suite: string, figures: Record<string, number | string>): string {
  const line = `[reliability] ${suite} on ${ENGINE}: ${Object.entries(figures)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ')}`;
  process.stderr.write(`${line}\n`);
  if (process.env.RELIABILITY_SUMMARY_FILE) appendFileSync(process.env.RELIABILITY_SUMMARY_FILE, `${line}\n`);
  return line;
}

/** The 2xx answers a test cares about. */
export const ok = (status: number) => status >= 200 && status < 300;
