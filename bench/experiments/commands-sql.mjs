// What a command's SQL costs: the command workflow against one build, before and after SQL statements run on its
// database (e.g. dropping an index), rounds interleaved.
//   CMD_SQL='DROP INDEX article_view_search; ...' node bench/experiments/commands-sql.mjs <dist dir>
// Env: CMD_ROUNDS (3), CMD_SECONDS (3), CMD_CONNECTIONS (32).
import { join, resolve } from 'node:path';
import pg from 'pg';
import { ADMIN_PASSWORD, api, JWT_SECRET, createDatabase, databaseCpuMs, cpuSinceMs, dropDatabase, freePort, log, round, runNode, startProcess, stopProcess, waitForHttp, BENCH_DIR } from '../lib/common.mjs';

const dist = resolve(process.argv[2] ?? 'dist');
const rounds = Number(process.env.CMD_ROUNDS ?? 3);
const seconds = Number(process.env.CMD_SECONDS ?? 3);
const connections = Number(process.env.CMD_CONNECTIONS ?? 32);
const db = `masthead_cmd_sql_${process.pid}`;
const url = await createDatabase(db);
const port = await freePort();
const proc = startProcess(process.execPath, [join(dist, 'main.js')], {
  env: { PORT: String(port), DATABASE_URL: url, NODE_ENV: 'production', NEWSROOM_PUBLIC_URL: 'http://localhost:3000', NEWSROOM_ADMIN_PASSWORD: ADMIN_PASSWORD, NEWSROOM_JWT_SECRET: JWT_SECRET, LOG_LEVEL: 'warn', NEWSROOM_RATE_LIMIT_WRITES: '1000000000', NEWSROOM_RATE_LIMIT_LOGIN: '1000' },
  logFile: join(BENCH_DIR, 'results', `cmd-sql-${process.pid}.tmp`),
});
const base = `http://127.0.0.1:${port}`;
try {
  await waitForHttp(`${base}/health`, { proc });
  const login = async (username, password) => (await api(base, 'POST', '/auth/token', { username, password })).body.accessToken;
  const admin = await login('admin', ADMIN_PASSWORD);
  const tokens = {};
  for (const role of ['reporter', 'editor', 'publisher']) {
    await api(base, 'POST', '/users', { username: `c-${role}`, password: `c-${role}-password`, roles: [role] }, admin);
    tokens[role] = await login(`c-${role}`, `c-${role}-password`);
  }
  const run = async () => {
    const before = await databaseCpuMs(db);
    const out = await runNode('http-load.mjs', [JSON.stringify({ mode: 'commands', url: base, connections, seconds, tokens })]);
    return { rps: out.requestsPerSec, pgUs: round((cpuSinceMs(before, await databaseCpuMs(db)) * 1000) / out.totalRequests, 1), non2xx: out.non2xx };
  };
  await run(); // warm-up
  const figures = { before: [], after: [] };
  for (let r = 0; r < rounds; r++) figures.before.push(await run());
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(process.env.CMD_SQL ?? 'SELECT 1');
  await client.end();
  await run();
  for (let r = 0; r < rounds; r++) figures.after.push(await run());
  for (const [k, v] of Object.entries(figures)) log(`${k}: ${v.map((x) => `${x.rps} req/s (PostgreSQL ${x.pgUs} µs/request${x.non2xx ? `, ${x.non2xx} not 2xx` : ''})`).join('; ')}`);
} finally {
  await stopProcess(proc);
  await dropDatabase(db);
}
