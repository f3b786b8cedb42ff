// A/B of the published reads: two builds of the service (on one PostgreSQL database) and the bare handler returning
// the same bytes, measured interleaved, round after round, so a busy machine skews all of them alike.
//   node bench/experiments/reads-ab.mjs <dist dir A> <dist dir B>
// Env: AB_ROUNDS (3), AB_SECONDS (3), AB_CONNECTIONS (32), AB_PROFILE=A|B (a CPU profile of that build during the
//      measured rounds only, not its boot: bench/lib/profile-hook.cjs),
//      AB_ROUTES (published,news; `commands`: the bench's command workflow instead of a read, as in npm run bench,
//      the bare handler's INSERT as its baseline), AB_CONDITIONAL (1: also the If-None-Match reads),
//      AB_RATE (requests/s: a fixed load, and the CPU each server spends per request, which a busy machine skews
//      less than a throughput does), AB_ENV_A / AB_ENV_B (JSON: more environment for that build, e.g. {"LOG_LEVEL":"warn"}).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ADMIN_PASSWORD, BENCH_DIR, api, JWT_SECRET, cpuSinceMs, createDatabase, databaseCpuMs, dropDatabase, freePort, log, round, runNode, startProcess, stopProcess, waitForHttp } from '../lib/common.mjs';
import { seed } from '../lib/payload.mjs';

const [distA, distB] = process.argv.slice(2).map((d) => resolve(d));
const rounds = Number(process.env.AB_ROUNDS ?? 3);
const seconds = Number(process.env.AB_SECONDS ?? 3);
const connections = Number(process.env.AB_CONNECTIONS ?? 32);
const routes = (process.env.AB_ROUTES ?? 'published,news').split(',');
const conditional = process.env.AB_CONDITIONAL !== '0';
const work = join(BENCH_DIR, 'results', `ab-${process.pid}.tmp`);
mkdirSync(work, { recursive: true });

async function start(name, script, args, env) {
  const port = await freePort();
  const proc = startProcess(process.execPath, [...args, script], { env: { PORT: String(port), ...env }, logFile: join(work, `${name}.log`) });
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/health`, { proc });
  return { ...proc, url, name };
}


async function publishOne(base) {
  const login = async (username, password) => (await api(base, 'POST', '/auth/token', { username, password })).body.accessToken;
  const admin = await login('admin', ADMIN_PASSWORD);
  const t = {};
  for (const role of ['reporter', 'editor', 'publisher']) {
    await api(base, 'POST', '/users', { username: `ab-${role}`, password: `ab-${role}-password`, roles: [role] }, admin);
    t[role] = await login(`ab-${role}`, `ab-${role}-password`);
  }
  const { id, version } = (await api(base, 'POST', '/articles', { headline: seed.draft.headline, body: seed.draft.body, language: seed.draft.language, source: seed.draft.source }, t.reporter)).body;
  await api(base, 'POST', `/articles/${id}/bylines`, seed.bylines[0], t.reporter);
  const v = (await api(base, 'POST', `/articles/${id}/photos`, seed.photos[0], t.reporter)).body.version;
  const v2 = (await api(base, 'POST', `/articles/${id}/approval`, {}, t.editor, { 'if-match': `"${v}"` })).body.version;
  await api(base, 'POST', `/articles/${id}/publication`, { copyrightNotice: { holder: seed.copyrightNotice.holder, text: seed.copyrightNotice.text } }, t.publisher, { 'if-match': `"${v2}"` });
  void version;
  return { id, tokens: t };
}

const rate = Number(process.env.AB_RATE ?? 0);
const cpuMs = (pid) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime + stime, in clock ticks of 10 ms
};
let tokens;
async function read(url, path, headers, proc, bare = false) {
  const before = proc ? cpuMs(proc.child.pid) : 0;
  const serverBefore = await databaseCpuMs(db);
  const options = path.startsWith('/commands/')
    ? { mode: 'commands', url, connections, seconds, tokens: bare ? { reporter: 'r', editor: 'e', publisher: 'p' } : tokens }
    : { mode: 'read', url, path, connections, seconds, headers, rate: rate || undefined };
  const out = await runNode('http-load.mjs', [JSON.stringify(options)]);
  if (proc) out.cpuUsPerRequest = round(((cpuMs(proc.child.pid) - before) * 1000) / out.totalRequests, 1);
  // The CPU per request of the database's backends (both services' and the bare handler's; only one is loaded at a time).
  out.serverCpuUsPerRequest = round((cpuSinceMs(serverBefore, await databaseCpuMs(db)) * 1000) / out.totalRequests, 1);
  return out;
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const db = `masthead_reads_ab_${process.pid}`;
const url = await createDatabase(db);
const procs = [];
try {
  const serviceEnv = { DATABASE_URL: url, NODE_ENV: 'production', NEWSROOM_PUBLIC_URL: 'http://localhost:3000', NEWSROOM_ADMIN_PASSWORD: ADMIN_PASSWORD, NEWSROOM_JWT_SECRET: JWT_SECRET, LOG_LEVEL: 'info', NEWSROOM_RATE_LIMIT_WRITES: '1000000000', NEWSROOM_RATE_LIMIT_LOGIN: '1000' };
  const profileDir = join(work, 'profiles');
  const profiled = (which) => process.env.AB_PROFILE === which;
  const profileArgs = (which) => (profiled(which) ? ['--require', join(BENCH_DIR, 'lib', 'profile-hook.cjs')] : []);
  const envOf = (which) => ({ ...serviceEnv, ...(profiled(which) ? { BENCH_PROFILE_DIR: profileDir } : {}), ...JSON.parse(process.env[`AB_ENV_${which}`] ?? '{}') });
  mkdirSync(profileDir, { recursive: true });
  const profile = async (verb) => {
    if (!process.env.AB_PROFILE) return;
    writeFileSync(join(profileDir, 'control'), `${verb} reads-${process.env.AB_PROFILE}`);
    await new Promise((r) => setTimeout(r, 300));
  };
  const A = await start('A', join(distA, 'main.js'), profileArgs('A'), envOf('A'));
  procs.push(A);
  const B = await start('B', join(distB, 'main.js'), profileArgs('B'), envOf('B'));
  procs.push(B);
  const published = await publishOne(A.url);
  const id = published.id;
  tokens = published.tokens;
  await new Promise((r) => setTimeout(r, 2000));
  const bareEnv = { DATABASE_URL: url };
  const etags = {};
  for (const route of routes.filter((r) => r !== 'commands')) {
    const res = await fetch(`${A.url}/${route}/${id}`, { headers: { 'x-request-id': 'ab' } });
    const bytes = Buffer.from(await res.arrayBuffer());
    const resB = await fetch(`${B.url}/${route}/${id}`, { headers: { 'x-request-id': 'ab' } });
    const bytesB = Buffer.from(await resB.arrayBuffer());
    // The page links follow the Host (the port), so equal builds answer equal lengths; a build with new features may not.
    if (bytes.length !== bytesB.length) log(`${route}: A answers ${bytes.length} bytes, B ${bytesB.length}`);
    const ha = [...res.headers].filter(([k]) => k !== 'date');
    const hb = [...resB.headers].filter(([k]) => k !== 'date');
    if (JSON.stringify(ha) !== JSON.stringify(hb)) log(`${route}: headers differ\nA ${JSON.stringify(ha)}\nB ${JSON.stringify(hb)}`);
    etags[route] = res.headers.get('etag');
    const file = join(work, `${route}.bytes`);
    writeFileSync(file, bytes);
    bareEnv[route === 'published' ? 'BENCH_BARE_PUBLISHED' : 'BENCH_BARE_NEWS'] = file;
  }
  bareEnv.BENCH_BARE_ETAG = etags[routes.find((r) => r !== 'commands')];
  const bare = await start('bare', join(BENCH_DIR, 'bare-server.mjs'), [], bareEnv);
  procs.push(bare);
  const cases = routes.flatMap((route) => [{ route, headers: {} }, ...(conditional && route !== 'commands' ? [{ route, headers: { 'if-none-match': etags[route] }, label: '304' }] : [])]);
  const results = {};
  const cpu = {}; // CPU µs per request of each server, every round (at a fixed load or not)
  // What each server spends with nothing to answer (timers, the projection daemon's polls), for CPU-per-request figures.
  const idle = await Promise.all([A, B, bare].map(async (s) => {
    const before = cpuMs(s.child.pid);
    await new Promise((r) => setTimeout(r, 3000));
    return [s.name, round((cpuMs(s.child.pid) - before) / 3, 1)];
  }));
  log(`idle CPU, ms per second: ${JSON.stringify(Object.fromEntries(idle))}`);
  for (const c of cases) for (const s of [A, B, bare]) await read(s.url, `/${c.route}/${id}`, c.headers, undefined, s === bare); // warm-up
  await profile('start');
  for (let r = 0; r < rounds; r++) {
    for (const c of cases) {
      const key = `${c.route}${c.label ? ` ${c.label}` : ''}`;
      const order = r % 2 ? [B, A, bare] : [A, B, bare];
      for (const s of order) {
        const out = await read(s.url, `/${c.route}/${id}`, c.headers, s, s === bare);
        ((results[key] ??= {})[s.name] ??= []).push(rate ? 1 / out.cpuUsPerRequest : out.requestsPerSec);
        ((cpu[key] ??= {})[s.name] ??= []).push(out.cpuUsPerRequest);
        log(`round ${r + 1} ${key} ${s.name}: ${out.requestsPerSec} req/s, CPU per request µs: service ${out.cpuUsPerRequest}, PostgreSQL ${out.serverCpuUsPerRequest}${out.non2xx ? `, ${out.non2xx} not 2xx: ${JSON.stringify(out.failures?.slice(0, 2))}` : ''}`);
      }
    }
  }
  await profile('stop');
  if (process.env.AB_PROFILE) {
    const file = join(profileDir, `reads-${process.env.AB_PROFILE}.cpuprofile`);
    for (let i = 0; i < 50 && !existsSync(file); i++) await new Promise((r) => setTimeout(r, 100));
    log(`profile: ${file}`);
  }
  const table = Object.entries(results).map(([key, v]) => ({
    case: key,
    A: median(v.A),
    B: median(v.B),
    bare: median(v.bare),
    'A/bare': round(median(v.A.map((x, i) => x / v.bare[i])), 3),
    'B/bare': round(median(v.B.map((x, i) => x / v.bare[i])), 3),
    'B/A': round(median(v.B.map((x, i) => x / v.A[i])), 3),
  }));
  if (rate) log(`AB_RATE: the figures are requests per CPU microsecond of each server (1 / CPU per request)`);
  console.table(table);
  log('CPU µs per request (median over rounds; includes the idle CPU above, spread over the requests)');
  console.table(Object.entries(cpu).map(([key, v]) => ({ case: key, A: median(v.A), B: median(v.B), bare: median(v.bare), 'B/A': round(median(v.B.map((x, i) => x / v.A[i])), 3) })));
  process.stdout.write(`${JSON.stringify({ results, cpu, table })}\n`);
} finally {
  for (const p of procs.reverse()) await stopProcess(p);
  await dropDatabase(db);
  log(`logs and profiles in ${work}`);
}
