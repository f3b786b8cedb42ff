// Shared helpers for the benchmark: configuration, processes, PostgreSQL databases, statistics.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BENCH_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const ROOT = resolve(BENCH_DIR, '..');
export const require = createRequire(join(ROOT, 'package.json'));

/** The compiled service (npm run build): bench scripts use exactly what `node dist/main.js` runs. */
export const dist = (path) => require(join(ROOT, 'dist', path));

/** Fastify as the service's HTTP adapter loads it: the baseline runs on the same adapter and version. */
export const fastifyModule = () => createRequire(require.resolve('@nestjs/platform-fastify'))('fastify');

const num = (name, full, quick) => {
  const v = process.env[name];
  if (v !== undefined && v !== '') return Number(v);
  return QUICK ? quick : full;
};
export const QUICK = process.env.BENCH_QUICK === '1' || process.env.BENCH_QUICK === 'true';

/** Every size and duration, overridable by environment variable; BENCH_QUICK=1 shrinks them all. */
export const config = {
  quick: QUICK,
  pgUrl: process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  appendWriters: (process.env.BENCH_APPEND_WRITERS ?? '1,8,32').split(',').map(Number),
  appendSeconds: num('BENCH_APPEND_SECONDS', 5, 2),
  appendWarmupSeconds: num('BENCH_APPEND_WARMUP_SECONDS', 1, 0.5),
  appendStreamsPerWriter: num('BENCH_APPEND_STREAMS_PER_WRITER', 50, 50),
  pgliteAppend: (process.env.BENCH_PGLITE ?? '1') !== '0',
  httpConnections: num('BENCH_HTTP_CONNECTIONS', 16, 16),
  httpSeconds: num('BENCH_HTTP_SECONDS', 15, 5),
  readConnections: num('BENCH_READ_CONNECTIONS', 32, 32),
  readSeconds: num('BENCH_READ_SECONDS', 5, 3),
  readRounds: num('BENCH_READ_ROUNDS', 3, 1),
  replayEvents: num('BENCH_REPLAY_EVENTS', 100_000, 20_000),
  longStreamEvents: num('BENCH_LONG_STREAM_EVENTS', 10_000, 10_000),
  shortStreamEvents: num('BENCH_SHORT_STREAM_EVENTS', 10, 10),
  longStreamSamples: num('BENCH_LONG_STREAM_SAMPLES', 200, 50),
  startupRuns: num('BENCH_STARTUP_RUNS', 5, 3),
  logLevel: process.env.BENCH_LOG_LEVEL ?? 'info',
  profile: process.env.BENCH_PROFILE === '1',
  keepDatabases: process.env.BENCH_KEEP_DB === '1',
};

export const JWT_SECRET = 'bench-secret-that-is-long-enough-for-hs256-signing';
export const ADMIN_PASSWORD = 'bench-admin-password';

export function log(...args) {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${args.join(' ')}\n`);
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function percentile(sorted, p) {
  if (!sorted.length) return null;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

export function latencySummary(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mean = sorted.reduce((s, v) => s + v, 0) / (sorted.length || 1);
  return { n: sorted.length, mean: round(mean, 3), p50: round(percentile(sorted, 50), 3), p99: round(percentile(sorted, 99), 3), max: round(sorted[sorted.length - 1], 3) };
}

export const round = (v, digits = 2) => (v === null || v === undefined || Number.isNaN(v) ? null : Math.round(v * 10 ** digits) / 10 ** digits);

/** Runs a bench script in its own Node process and returns the JSON it prints as its last stdout line. */
export function runNode(script, args = [], { env = {}, nodeArgs = [], timeoutMs = 15 * 60_000 } = {}) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [...nodeArgs, join(BENCH_DIR, script), ...args.map(String)], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      const line = out.trim().split('\n').filter(Boolean).pop();
      if (code !== 0) return reject(new Error(`${script} ${args.join(' ')} exited with ${code ?? signal}: ${out.slice(-2000)}`));
      try {
        resolvePromise(JSON.parse(line));
      } catch {
        reject(new Error(`${script} printed no JSON result: ${out.slice(-2000)}`));
      }
    });
  });
}

/** Starts a long-running process (a server) with its output in `logFile` (a file, so the reader costs no CPU here). */
export function startProcess(command, args, { env = {}, logFile } = {}) {
  const started = process.hrtime.bigint();
  const fd = openSync(logFile, 'a');
  const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  const exited = new Promise((r) => child.on('exit', (code, signal) => r({ code, signal })));
  const tail = () => {
    try {
      return readFileSync(logFile, 'utf8').slice(-4000);
    } catch {
      return '';
    }
  };
  return { child, started, exited, tail, logFile };
}

export async function stopProcess(proc, signal = 'SIGTERM', graceMs = 10_000) {
  if (proc.child.exitCode !== null || proc.child.signalCode !== null) return proc.exited;
  proc.child.kill(signal);
  const timer = setTimeout(() => proc.child.kill('SIGKILL'), graceMs);
  const r = await proc.exited;
  clearTimeout(timer);
  return r;
}

/** Polls a URL until it answers 2xx; returns the time from `since` (hrtime bigint) in ms. */
export async function waitForHttp(url, { since = process.hrtime.bigint(), timeoutMs = 60_000, proc, intervalMs = 10 } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (proc && (proc.child.exitCode !== null || proc.child.signalCode !== null)) {
      throw new Error(`process exited before ${url} answered:\n${proc.tail()}`);
    }
    try {
      const res = await fetch(url);
      await res.arrayBuffer();
      if (res.ok) return Number(process.hrtime.bigint() - since) / 1e6;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer within ${timeoutMs} ms${proc ? `:\n${proc.tail()}` : ''}`);
    await sleep(intervalMs);
  }
}

/** Peak (VmHWM) and current (VmRSS) resident set size of a process, in MB. */
export function memoryOf(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { peakRssMb: round(kb('VmHWM') / 1024, 1), rssMb: round(kb('VmRSS') / 1024, 1) };
}

/** A port nothing listens on right now (the kernel picks it). */
export function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

// ---- PostgreSQL ----

export function databaseUrl(name) {
  const url = new URL(config.pgUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function withAdmin(work) {
  const { Client } = require('pg');
  const client = new Client({ connectionString: config.pgUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export async function createDatabase(name) {
  await withAdmin(async (c) => {
    await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await c.query(`CREATE DATABASE ${name}`);
  });
  return databaseUrl(name);
}

export async function dropDatabase(name) {
  if (config.keepDatabases) return;
  await withAdmin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).catch(() => undefined);
}

/** A package's version from its package.json, found on disk (some packages do not export ./package.json). */
function versionOf(name, from = ROOT) {
  for (let dir = from; ; dir = dirname(dir)) {
    const file = join(dir, 'node_modules', name, 'package.json');
    if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')).version;
    if (dir === dirname(dir)) return 'unknown';
  }
}

export async function machineInfo() {
  const server = await withAdmin(async (c) => {
    const settings = {};
    for (const name of ['server_version', 'synchronous_commit', 'fsync', 'wal_sync_method', 'shared_buffers', 'max_connections', 'commit_delay']) {
      settings[name] = (await c.query(`SHOW ${name}`)).rows[0][name];
    }
    return settings;
  });
  const cpus = os.cpus();
  return {
    cores: cpus.length,
    cpuModel: cpus[0]?.model ?? 'unknown',
    memoryGiB: round(os.totalmem() / 2 ** 30, 1),
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    postgres: server,
    pglite: versionOf('@electric-sql/pglite'),
    fastify: versionOf('fastify', dirname(require.resolve('@nestjs/platform-fastify'))),
    emmettPostgresql: versionOf('@event-driven-io/emmett-postgresql'),
    autocannon: versionOf('autocannon'),
  };
}

/**
 * CPU time (ms, user + system) of each PostgreSQL backend connected to `database`, by pid (from /proc: the server must
 * run on this machine). Backends of other databases (other sessions' tests on the same server) do not count; nor does
 * the shared WAL writer. Take one at the start and one at the end of a measurement and subtract with `cpuSinceMs`.
 */
export async function databaseCpuMs(database) {
  const { rows } = await withAdmin((c) => c.query(`SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`, [database]));
  const byPid = new Map();
  for (const { pid } of rows) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      byPid.set(pid, (Number(fields[11]) + Number(fields[12])) * 10); // USER_HZ = 100
    } catch {
      // gone meanwhile, or not on this machine
    }
  }
  return byPid;
}

/** The CPU spent between two `databaseCpuMs` readings by the backends alive at the second (a backend gone is lost). */
export function cpuSinceMs(before, after) {
  let ms = 0;
  for (const [pid, cpu] of after) ms += cpu - (before.get(pid) ?? 0);
  return ms;
}

/** One JSON call to the service; throws on a non-2xx answer. Returns the status, headers and parsed body. */
export async function api(base, method, path, body, token, headers = {}) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 300)}`);
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null };
}
