import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { Pool } from 'pg';
import { call, childEnv, ENGINE, freshDatabase, killAll, ok, runCli, ServerProcess, sleep, summary, ensureBuilt } from './support/harness';

/**
 * Database faults. On PostgreSQL: a private cluster of our own (so the shared server is never touched) is stopped
 * in the middle of a load of commands and started again. Every answer meanwhile is a 2xx or a 503 problem with
 * Retry-After (never a 500), /health says not ready, nothing half-written remains, every 2xx is in the log, and the
 * service recovers by itself. On PGlite the database cannot go away under the process; its fault is a second
 * process on the same data directory, which must refuse to start with a clear message.
 */
const PG_VERSION = existsSync('/etc/postgresql') ? readdirSync('/etc/postgresql').sort().pop() : undefined;
const CLUSTER = 'masthead_faults';
const PORT = 5499;
const pgctl = (...args: string[]) => execFileSync('pg_ctlcluster', ['--skip-systemctl-redirect', PG_VERSION!, CLUSTER, ...args], { stdio: 'pipe' });

function ensureCluster(): void {
  if (!PG_VERSION) throw new Error('no PostgreSQL installation under /etc/postgresql: cannot make a private cluster');
  const clusters = execFileSync('pg_lsclusters', ['--no-header'], { encoding: 'utf8' });
  if (!clusters.split('\n').some((l) => l.split(/\s+/)[1] === CLUSTER)) {
    execFileSync('pg_createcluster', [PG_VERSION, CLUSTER, '-p', String(PORT)], { stdio: 'pipe' });
    writeFileSync(`/etc/postgresql/${PG_VERSION}/${CLUSTER}/pg_hba.conf`, 'local all all trust\nhost all all 127.0.0.1/32 trust\nhost all all ::1/128 trust\n');
  }
  try {
    pgctl('start');
  } catch {
    // already running
  }
}

(ENGINE === 'postgres' ? describe : describe.skip)('database faults on PostgreSQL', () => {
  let server: ServerProcess;
  let url: string;

  beforeAll(async () => {
    ensureBuilt();
    ensureCluster();
    const admin = new Pool({ connectionString: `postgres://postgres@127.0.0.1:${PORT}/postgres`, max: 1 });
    await admin.query('DROP DATABASE IF EXISTS masthead_faults WITH (FORCE)');
    await admin.query('CREATE DATABASE masthead_faults');
    await admin.end();
    url = `postgres://postgres@127.0.0.1:${PORT}/masthead_faults`;
    server = await ServerProcess.start(childEnv({ env: { DATABASE_URL: url, NEWSROOM_DATA_DIR: '/tmp' }, drop: async () => undefined } as never), 'faults');
  });
  afterAll(async () => {
    await killAll();
    try {
      pgctl('start');
    } catch {
      // running
    }
  });

  it('answers 503 with Retry-After while the database is down, writes nothing half, and recovers by itself', async () => {
    const token = (await call(server.url, 'POST', '/auth/token', { body: { username: 'admin', password: 'admin-password-for-reliability' } })).json.accessToken;
    const reporterRes = await call(server.url, 'POST', '/users', { token, body: { username: 'fault-reporter', password: 'fault-reporter-pw-for-reliability', roles: ['reporter'] } });
    expect(reporterRes.status).toBe(201);
    const reporter = (await call(server.url, 'POST', '/auth/token', { body: { username: 'fault-reporter', password: 'fault-reporter-pw-for-reliability' } })).json.accessToken;

    const acked: string[] = [];
    const statuses = new Map<number, number>();
    let badProblems = 0;
    let stop = false;
    const load = (async () => {
      for (let i = 0; !stop && i < 5000; i++) {
        const res = await call(server.url, 'POST', '/articles', { token: reporter, body: { headline: `fault ${i}`, body: [{ type: 'paragraph', text: 'x' }], language: 'en' }, timeoutMs: 10_000 });
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        if (res.status === 201) acked.push(res.json.id);
        else if (res.status === 503) {
          if (!res.headers?.get('retry-after') || !res.headers.get('content-type')?.includes('application/problem+json')) badProblems++;
          await sleep(50);
        }
      }
    })();

    await sleep(1500);
    pgctl('stop', '-m', 'fast');
    await sleep(1500);
    const health = await call(server.url, 'GET', '/health');
    expect(health.status).toBe(503);
    pgctl('start');
    let recovered = false;
    for (let i = 0; i < 100 && !recovered; i++) {
      recovered = (await call(server.url, 'GET', '/health')).status === 200;
      if (!recovered) await sleep(200);
    }
    await sleep(1000);
    stop = true;
    await load;

    expect(recovered).toBe(true);
    expect(statuses.get(503) ?? 0).toBeGreaterThan(0);
    expect([...statuses.keys()].filter((s) => s !== 201 && s !== 503)).toEqual([]);
    expect(badProblems).toBe(0);
    const after = await call(server.url, 'POST', '/articles', { token: reporter, body: { headline: 'after', body: [{ type: 'paragraph', text: 'x' }], language: 'en' } });
    expect(ok(after.status)).toBe(true);

    const db = new Pool({ connectionString: url, max: 2 });
    const stored = await db.query(`SELECT s.stream_id, s.version, v.version AS view_version FROM streams s LEFT JOIN article_view v ON 'article-' || v.id = s.stream_id WHERE s.stream_id LIKE 'article-%'`);
    await db.end();
    const ids = new Set(stored.rows.map((r) => r.stream_id.slice('article-'.length)));
    const lost = acked.filter((id) => !ids.has(id));
    const half = stored.rows.filter((r) => r.view_version !== r.version);
    expect(lost).toEqual([]);
    expect(half).toEqual([]);
    const verify = await runCli({ ...childEnv({ env: { DATABASE_URL: url, NEWSROOM_DATA_DIR: '/tmp' } } as never) }, ['verify']);
    expect({ code: verify.code, out: verify.code ? verify.stdout + verify.stderr : '' }).toEqual({ code: 0, out: '' });
    summary('db-fault', { requests: [...statuses.values()].reduce((a, b) => a + b, 0), acknowledged: acked.length, answered503: statuses.get(503) ?? 0, fiveHundreds: statuses.get(500) ?? 0, lost: lost.length, halfWritten: half.length });
  });
});

(ENGINE === 'pglite' ? describe : describe.skip)('embedded database faults', () => {
  afterAll(() => killAll());

  it('refuses a second process on the same data directory with a clear message', async () => {
    ensureBuilt();
    const db = await freshDatabase();
    const first = await ServerProcess.start(childEnv(db), 'first');
    let second: ServerProcess | undefined;
    const attempt = await ServerProcess.start(childEnv(db), 'second', 15_000).then(
      (s) => {
        second = s;
        return null;
      },
      (err: Error) => err.message,
    );
    expect(second).toBeUndefined();
    expect(attempt).toContain('is in use by process');
    expect((await call(first.url, 'GET', '/health')).status).toBe(200);
    await first.stop();
    await db.drop();
  });
});
