// npm run bench: every figure next to a baseline measured in the same run, as a ratio. See docs/benchmarks.md.
// Sizes and durations: bench/lib/common.mjs (env BENCH_*); BENCH_QUICK=1 for a short run; BENCH_PROFILE=1 to also
// record CPU profiles of the service's side of the append, command and replay measurements.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  ADMIN_PASSWORD,
  BENCH_DIR,
  config,
  createDatabase,
  dropDatabase,
  freePort,
  JWT_SECRET,
  latencySummary,
  log,
  machineInfo,
  memoryOf,
  ROOT,
  round,
  runNode,
  sleep,
  startProcess,
  stopProcess,
  waitForHttp,
} from './lib/common.mjs';
import { writeReport } from './lib/report.mjs';
import { searchBench } from './experiments/search.mjs';
import { summarise } from './lib/profile-summary.mjs';

const APPEND_TIMEOUT = (config.appendSeconds + config.appendWarmupSeconds) * 1000 + 90_000;
const stamp = new Date().toISOString().replace(/:/g, '-').replace(/\.\d+Z$/, 'Z');
const work = mkdtempSync(join(tmpdir(), 'masthead-bench-'));
const profileDir = join(BENCH_DIR, 'results', 'profiles', stamp);
const profiles = {};
const results = { startedAt: new Date().toISOString(), quick: config.quick, config, machine: null };

function profileFile(name) {
  if (!config.profile) return undefined;
  mkdirSync(profileDir, { recursive: true });
  return join(profileDir, `${name}.cpuprofile`);
}

function recordProfile(name, file) {
  if (!file || !existsSync(file)) return;
  profiles[name] = summarise(file, 15);
  log(`profile ${name}: ${file}`);
}

// ---------------------------------------------------------------------------------------------------------------
// 1. Append
async function appendBench() {
  const db = `masthead_bench_append_${process.pid}`;
  const url = await createDatabase(db);
  try {
    await runNode('append-worker.mjs', ['setup', 1, url]);
    const rows = [];
    for (const writers of config.appendWriters) {
      const row = { writers };
      for (const system of ['raw', 'ours', 'emmett']) {
        const file = system === 'ours' && writers === Math.max(...config.appendWriters) ? profileFile(`append-ours-${writers}w`) : undefined;
        row[system] = await runNode('append-worker.mjs', [system, writers, url], { env: file ? { BENCH_PROFILE_FILE: file } : {}, timeoutMs: APPEND_TIMEOUT });
        recordProfile(`append-ours-${writers}w`, file);
        log(`append ${system} ×${writers}: ${row[system].eventsPerSec} events/s (p50 ${row[system].latencyMs.p50} ms)`);
      }
      if (writers > 10) {
        // The same store with the service's own pool (poolSize 10), as `node dist/main.js` would run it.
        row.oursAppPool = await runNode('append-worker.mjs', ['ours-app-pool', writers, url]);
        log(`append ours (pool 10) ×${writers}: ${row.oursAppPool.eventsPerSec} events/s`);
      }
      row.oursPerRaw = round(row.ours.eventsPerSec / row.raw.eventsPerSec, 3);
      row.oursPerEmmett = round(row.ours.eventsPerSec / row.emmett.eventsPerSec, 3);
      row.emmettPerRaw = round(row.emmett.eventsPerSec / row.raw.eventsPerSec, 3);
      rows.push(row);
    }
    const pglite = [];
    if (config.pgliteAppend) {
      const dir = join(work, 'append-pglite');
      mkdirSync(dir);
      await runNode('append-worker.mjs', ['setup-pglite', 1, dir]);
      for (const writers of config.appendWriters.filter((w) => w <= 8)) {
        const raw = await runNode('append-worker.mjs', ['raw-pglite', writers, dir]);
        const ours = await runNode('append-worker.mjs', ['ours-pglite', writers, dir]);
        log(`append PGlite ×${writers}: raw ${raw.eventsPerSec}, ours ${ours.eventsPerSec} events/s`);
        pglite.push({ writers, raw, ours, oursPerRaw: round(ours.eventsPerSec / raw.eventsPerSec, 3) });
      }
    }
    return { postgres: rows, pglite };
  } finally {
    await dropDatabase(db);
  }
}

/** Starts or stops a CPU profile inside the running service (see lib/profile-hook.cjs). */
async function serviceProfile(verb, name) {
  if (!config.profile) return;
  mkdirSync(profileDir, { recursive: true });
  writeFileSync(join(profileDir, 'control'), `${verb} ${name}`);
  if (verb === 'start') return sleep(200);
  const file = join(profileDir, `${name}.cpuprofile`);
  for (let i = 0; i < 100 && !existsSync(file); i++) await sleep(100);
  await sleep(300);
  recordProfile(name, file);
}

// ---------------------------------------------------------------------------------------------------------------
// 2, 3, 5, 6a. The service over HTTP: commands, published reads, long streams, peak RSS
async function startService(env, { profile, extraNodeArgs = [] } = {}) {
  const port = await freePort();
  // BENCH_SERVICE_NODE_ARGS: e.g. a what-if preload from bench/experiments (never set by npm run bench itself).
  const fromEnv = (process.env.BENCH_SERVICE_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const nodeArgs = [...(profile ? ['--require', join(BENCH_DIR, 'lib', 'profile-hook.cjs')] : []), ...fromEnv, ...extraNodeArgs];
  if (profile) mkdirSync(profileDir, { recursive: true });
  const proc = startProcess(process.execPath, [...nodeArgs, join(ROOT, 'dist', 'main.js')], {
    env: {
      NODE_ENV: 'production', NEWSROOM_PUBLIC_URL: 'http://localhost:3000',
      PORT: String(port),
      NEWSROOM_ADMIN_PASSWORD: ADMIN_PASSWORD,
      NEWSROOM_JWT_SECRET: JWT_SECRET,
      LOG_LEVEL: config.logLevel,
      // A surge of writes from three users is what is measured here, not the per-user write limit (300/min).
      NEWSROOM_RATE_LIMIT_WRITES: '1000000000',
      NEWSROOM_RATE_LIMIT_LOGIN: '1000',
      ...(profile ? { BENCH_PROFILE_DIR: profileDir } : {}),
      ...env,
    },
    logFile: join(work, `service-${port}.log`),
  });
  return { ...proc, port, url: `http://127.0.0.1:${port}` };
}

async function startBare(env) {
  const port = await freePort();
  const proc = startProcess(process.execPath, [join(BENCH_DIR, 'bare-server.mjs')], { env: { PORT: String(port), ...env }, logFile: join(work, `bare-${port}.log`) });
  return { ...proc, port, url: `http://127.0.0.1:${port}` };
}

async function api(base, method, path, body, token) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 300)}`);
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null };
}

async function tokensFor(base) {
  const login = async (username, password) => (await api(base, 'POST', '/auth/token', { username, password })).body.accessToken;
  const admin = await login('admin', ADMIN_PASSWORD);
  const tokens = {};
  for (const role of ['reporter', 'editor', 'publisher']) {
    const username = `bench-${role}`;
    const password = `bench-${role}-password`;
    await api(base, 'POST', '/users', { username, password, roles: [role] }, admin);
    tokens[role] = await login(username, password);
  }
  return tokens;
}

const load = (opts) => runNode('http-load.mjs', [JSON.stringify(opts)]);

async function httpBench() {
  const db = `masthead_bench_http_${process.pid}`;
  const url = await createDatabase(db);
  const out = {};
  const profile = config.profile;
  let service;
  let bare;
  try {
    // The schema first (the service's migrations), so the bare handler has its table before the service runs.
    await runNode('append-worker.mjs', ['setup', 1, url]);

    // Baseline first, with nothing else running: bare Fastify handlers doing one INSERT each, same load.
    bare = await startBare({ DATABASE_URL: url });
    await waitForHttp(`${bare.url}/health`, { proc: bare });
    const fakeTokens = { reporter: 'r', editor: 'e', publisher: 'p' };
    const commandLoad = { mode: 'commands', connections: config.httpConnections };
    await load({ ...commandLoad, tokens: fakeTokens, url: bare.url, seconds: 2 });
    const bareResult = await load({ ...commandLoad, tokens: fakeTokens, url: bare.url, seconds: config.httpSeconds });
    const bareMemory = memoryOf(bare.child.pid);
    await stopProcess(bare);
    bare = undefined;
    log(`commands, bare handler: ${bareResult.requestsPerSec} req/s, p50 ${bareResult.latencyMs.p50} ms, non-2xx ${bareResult.non2xx}`);

    service = await startService({ DATABASE_URL: url }, { profile });
    await waitForHttp(`${service.url}/health`, { proc: service, since: service.started });
    const tokens = await tokensFor(service.url);
    await load({ ...commandLoad, tokens, url: service.url, seconds: 2 });
    await serviceProfile('start', 'service-commands');
    const ours = await load({ ...commandLoad, tokens, url: service.url, seconds: config.httpSeconds });
    await serviceProfile('stop', 'service-commands');
    const memory = memoryOf(service.child.pid);
    log(`commands: ${ours.requestsPerSec} req/s, p50 ${ours.latencyMs.p50} ms, p99 ${ours.latencyMs.p99} ms, statuses ${JSON.stringify(ours.statusCodes)}, peak RSS ${memory.peakRssMb} MB`);
    out.commands = {
      connections: config.httpConnections,
      seconds: config.httpSeconds,
      mix: 'per connection, repeated: POST /articles (the seed article), POST bylines, POST photos, POST approval (If-Match), POST publication (If-Match)',
      ours: { ...ours, published: undefined },
      bare: bareResult,
      ratio: round(ours.requestsPerSec / bareResult.requestsPerSec, 3),
      p99PerP50: round(ours.latencyMs.p99 / ours.latencyMs.p50, 2),
      memory: { service: memory, bare: bareMemory },
    };
    out.idleAfterLoadMs = await waitUntilIdle(service, tokens);

    // Published reads of one story: ours against a bare handler returning the very same bytes.
    out.reads = await readBench(service, ours.published[0]);

    // Long stream vs short stream, commands one at a time.
    out.longStream = await longStreamBench(service, url, tokens);
    out.memoryAfterAll = memoryOf(service.child.pid);
  } finally {
    if (bare) await stopProcess(bare);
    if (service) await stopProcess(service);
    await dropDatabase(db);
  }
  return out;
}

/** Waits until the service's background catch-up (projection daemon) has nothing left, so it does not skew reads. */
async function waitUntilIdle(service, tokens) {
  const t0 = performance.now();
  const admin = (await api(service.url, 'POST', '/auth/token', { username: 'admin', password: ADMIN_PASSWORD })).body.accessToken;
  for (let i = 0; i < 600; i++) {
    const { body } = await api(service.url, 'GET', '/admin/projections', undefined, admin);
    if (body.every((p) => p.lagEvents === 0)) break;
    await sleep(100);
  }
  await sleep(1500); // the notary seals on its own timer, once a second
  void tokens;
  return round(performance.now() - t0, 0);
}

async function readBench(service, id) {
  const out = { id, routes: [] };
  for (const [route, contentKind] of [
    ['published', 'BENCH_BARE_PUBLISHED'],
    ['news', 'BENCH_BARE_NEWS'],
  ]) {
    const path = `/${route}/${id}`;
    const res = await fetch(`${service.url}${path}`);
    const bytes = Buffer.from(await res.arrayBuffer());
    if (res.status !== 200) {
      out.routes.push({ path: `/${route}/{id}`, skipped: `GET ${path} answered ${res.status}: the route does not exist (yet)` });
      log(`read ${path}: ${res.status}, skipped`);
      continue;
    }
    const etag = res.headers.get('etag');
    const file = join(work, `${route}.bytes`);
    writeFileSync(file, bytes);
    const bare = await startBare({ [contentKind]: file, ...(etag ? { BENCH_BARE_ETAG: etag } : {}) });
    try {
      await waitForHttp(`${bare.url}/health`, { proc: bare });
      const same = Buffer.from(await (await fetch(`${bare.url}${path}`)).arrayBuffer());
      if (!same.equals(bytes)) throw new Error('the bare handler does not return the same bytes');
      const read = (url, headers) => load({ mode: 'read', url, path, connections: config.readConnections, seconds: config.readSeconds, headers });
      await read(service.url);
      await read(bare.url);
      // Rounds of ours and the bare handler, in alternating order (ours first, then bare first, …), and the median of
      // the per-round ratios: on a shared 2-core machine one measurement of each, minutes after the command load,
      // was at the mercy of whatever else ran in its seconds (the same build read 0.53–0.75× in four runs).
      const rounds = [];
      for (let k = 0; k < config.readRounds; k++) {
        const pair = async (headers) => {
          const first = k % 2 === 0 ? 'ours' : 'bare';
          const out = {};
          // A profile (BENCH_PROFILE=1) of the service's first round of plain reads only.
          const profiled = k === 0 && !headers;
          for (const who of first === 'ours' ? ['ours', 'bare'] : ['bare', 'ours']) {
            if (who === 'ours' && profiled) await serviceProfile('start', `service-read-${route}`);
            out[who] = await read(who === 'ours' ? service.url : bare.url, headers);
            if (who === 'ours' && profiled) await serviceProfile('stop', `service-read-${route}`);
          }
          return { ...out, ratio: round(out.ours.requestsPerSec / out.bare.requestsPerSec, 3) };
        };
        // A reader revalidating what it has: If-None-Match with the current ETag.
        rounds.push({ plain: await pair(), conditional: etag ? await pair({ 'if-none-match': etag }) : undefined });
      }
      const medianRound = (kind) => {
        const sorted = rounds.map((r) => r[kind]).sort((a, b) => a.ratio - b.ratio);
        return sorted[Math.floor((sorted.length - 1) / 2)];
      };
      const typical = medianRound('plain');
      const row = {
        path: `/${route}/{id}`,
        bytes: bytes.length,
        etag,
        ours: typical.ours,
        bare: typical.bare,
        ratio: typical.ratio,
        rounds: rounds.map((r) => ({ ratio: r.plain.ratio, ours: r.plain.ours.requestsPerSec, bare: r.plain.bare.requestsPerSec, conditionalRatio: r.conditional?.ratio })),
      };
      if (etag) row.conditional = medianRound('conditional');
      log(`read ${row.path}: rounds ${row.rounds.map((r) => `${r.ours}/${r.bare} (${r.ratio}×)`).join(', ')}; median ${row.ratio}×`);
      out.routes.push(row);
    } finally {
      await stopProcess(bare);
    }
  }
  return out;
}

async function longStreamBench(service, url, tokens) {
  const made = await runNode('harness.mjs', ['long-streams', url, config.longStreamEvents, config.shortStreamEvents]);
  log(`long stream: article with ${made.long.events} events, short one with ${made.short.events}`);
  const articles = { long: { ...made.long, version: made.long.events, times: [] }, short: { ...made.short, version: made.short.events, times: [] } };
  const revise = async (a, k) => {
    const t0 = performance.now();
    const res = await fetch(`${service.url}/articles/${a.id}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens.reporter}`, 'if-match': `"${a.version}"` },
      body: JSON.stringify({ summary: `bench revision ${k}` }),
    });
    const body = await res.json();
    const ms = performance.now() - t0;
    if (res.status !== 200) throw new Error(`PATCH long-stream article: ${res.status} ${JSON.stringify(body)}`);
    a.version = body.version;
    return ms;
  };
  for (let k = 0; k < 10; k++) {
    await revise(articles.long, `warm-${k}`);
    await revise(articles.short, `warm-${k}`);
  }
  // Interleaved, one command at a time, so both see the same conditions.
  for (let k = 0; k < config.longStreamSamples; k++) {
    articles.long.times.push(await revise(articles.long, k));
    articles.short.times.push(await revise(articles.short, k));
  }
  const long = latencySummary(articles.long.times);
  const short = latencySummary(articles.short.times);
  log(`long stream: p50 ${long.p50} ms (${made.long.events} events) vs ${short.p50} ms (${made.short.events} events)`);
  return {
    command: 'PATCH /articles/{id} (revise the summary, If-Match), sequential, interleaved',
    long: { events: made.long.events, latencyMs: long },
    short: { events: made.short.events, latencyMs: short },
    ratio: round(long.p50 / short.p50, 3),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// 4. Replay
async function replayBench() {
  const db = `masthead_bench_replay_${process.pid}`;
  const url = await createDatabase(db);
  try {
    const seeded = await runNode('harness.mjs', ['seed-workflows', url, config.replayEvents]);
    log(`replay: seeded ${seeded.events} events (${seeded.articles} articles) in ${seeded.seconds} s`);
    const raw = await runNode('harness.mjs', ['raw-read', url]);
    log(`replay baseline (raw read): ${raw.eventsPerSec} events/s`);
    const file = profileFile('replay');
    const ours = await runNode('harness.mjs', ['replay', url], { env: file ? { BENCH_PROFILE_FILE: file } : {} });
    recordProfile('replay', file);
    log(`replay: ${ours.eventsPerSec} events/s over all projections (${ours.seconds} s)`);
    return {
      seeded,
      ours,
      raw,
      ratio: round(ours.eventsPerSec / raw.eventsPerSec, 4),
      perProjection: ours.projections.map((p) => ({ name: p.name, identical: p.identical })),
    };
  } finally {
    await dropDatabase(db);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// 6b. Start-up on an existing embedded database
async function startupBench() {
  const dataDir = join(work, 'embedded');
  mkdirSync(dataDir);
  const once = async (extraNodeArgs) => {
    const service = await startService({ NEWSROOM_DATA_DIR: dataDir, DATABASE_URL: '' }, { extraNodeArgs });
    try {
      return await waitForHttp(`${service.url}/health`, { proc: service, since: service.started, intervalMs: 5 });
    } finally {
      const { code, signal } = await stopProcess(service);
      if (code !== 0 && signal !== 'SIGTERM' && code !== 143) log(`embedded service exited with ${code ?? signal}`);
    }
  };
  const created = await once();
  log(`start-up, new embedded database: ${round(created, 0)} ms`);
  const runs = [];
  for (let i = 0; i < config.startupRuns; i++) runs.push(await once());
  const bareRuns = [];
  for (let i = 0; i < config.startupRuns; i++) {
    const bare = await startBare({});
    bareRuns.push(await waitForHttp(`${bare.url}/health`, { proc: bare, since: bare.started, intervalMs: 5 }));
    await stopProcess(bare);
  }
  if (config.profile) {
    // One more start with node --cpu-prof (the profile is written when the process exits).
    const dir = join(work, 'startup-profile');
    await once(['--cpu-prof', `--cpu-prof-dir=${dir}`]);
    const { readdirSync, renameSync } = await import('node:fs');
    const [first] = readdirSync(dir);
    if (first) {
      mkdirSync(profileDir, { recursive: true });
      renameSync(join(dir, first), join(profileDir, 'startup-embedded.cpuprofile'));
      recordProfile('startup-embedded', join(profileDir, 'startup-embedded.cpuprofile'));
    }
  }
  const ours = latencySummary(runs);
  const bare = latencySummary(bareRuns);
  log(`start-up, existing embedded database: p50 ${round(ours.p50, 0)} ms (bare Fastify process: ${round(bare.p50, 0)} ms)`);
  return { measure: 'spawn of node dist/main.js until GET /health answers 200', newDatabaseMs: round(created, 0), existingMs: ours, bareProcessMs: bare, ratio: round(bare.p50 / ours.p50, 3) };
}

// ---------------------------------------------------------------------------------------------------------------
/** Distribution (issue #18): bench/experiments/distribution.mjs, which also runs on its own. */
async function distributionBench() {
  return runNode('experiments/distribution.mjs', []);
}

// ---------------------------------------------------------------------------------------------------------------
async function main() {
  if (!existsSync(join(ROOT, 'dist', 'main.js'))) throw new Error('dist/main.js is missing: run npm run build first (npm run bench does)');
  const waitIdle = Number(process.env.BENCH_WAIT_IDLE ?? 0);
  if (waitIdle > 0) {
    // Another process using the CPU skews every figure: wait (at most BENCH_WAIT_IDLE seconds) for a quiet machine.
    const until = Date.now() + waitIdle * 1000;
    while (loadavg()[0] > 0.7 && Date.now() < until) {
      log(`waiting for an idle machine (1-minute load average ${loadavg()[0].toFixed(2)})`);
      await sleep(15_000);
    }
  }
  const t0 = performance.now();
  results.machine = await machineInfo();
  // Other work on the machine skews everything: record the load, so a busy run can be told apart.
  const loads = [loadavg()[0]];
  const sampler = setInterval(() => loads.push(loadavg()[0]), 5000);
  sampler.unref();
  log(`machine: ${results.machine.cores} cores, ${results.machine.memoryGiB} GiB, PostgreSQL ${results.machine.postgres.server_version}, Node ${results.machine.node}${config.quick ? ' (quick mode)' : ''}`);
  const only = (process.env.BENCH_ONLY || 'append,http,replay,startup,search,distribution').split(',');
  if (only.includes('append')) results.append = await appendBench();
  if (only.includes('http')) results.http = await httpBench();
  if (only.includes('replay')) results.replay = await replayBench();
  if (only.includes('startup')) results.startup = await startupBench();
  // 7. Search: GET /articles?q= over BENCH_SEARCH_ARTICLES (20,000) articles, against an ILIKE scan (experiments/search.mjs).
  if (only.includes('search')) results.search = await searchBench();
  // 8. Distribution: publication-to-receipt latency and backlog drain (experiments/distribution.mjs).
  if (only.includes('distribution')) results.distribution = await distributionBench();
  clearInterval(sampler);
  loads.push(loadavg()[0]);
  results.loadAverage = { atStart: round(loads[0], 2), max: round(Math.max(...loads), 2), mean: round(loads.reduce((a, b) => a + b, 0) / loads.length, 2) };
  results.profiles = profiles;
  results.seconds = round((performance.now() - t0) / 1000, 1);
  results.finishedAt = new Date().toISOString();

  const whatIf = process.env.BENCH_SERVICE_NODE_ARGS;
  if (whatIf) results.whatIf = whatIf;
  const onlyEnv = process.env.BENCH_ONLY ?? '';
  const partial = onlyEnv && onlyEnv !== 'append,http,replay,startup,search,distribution';
  const file = join(BENCH_DIR, 'results', `${stamp}${config.quick ? '-quick' : ''}${whatIf ? '-whatif' : ''}${partial ? `-${onlyEnv.replace(/,/g, '+')}` : ''}.json`);
  mkdirSync(join(BENCH_DIR, 'results'), { recursive: true });
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  // docs/benchmarks.md shows complete, unmodified runs only; what-ifs and partial runs go to their JSON file.
  const docs = whatIf || partial ? null : join(ROOT, 'docs', 'benchmarks.md');
  const { table } = writeReport(results, { resultsFile: file, docsFile: docs });
  process.stdout.write(`\n${table}\n\nresults: ${file}\n${docs ? 'report: docs/benchmarks.md\n' : ''}total: ${results.seconds} s\n`);
}

main()
  .catch((err) => {
    process.stderr.write(`bench failed: ${err?.stack ?? err}\n`);
    process.exitCode = 1;
  })
  .finally(() => rmSync(work, { recursive: true, force: true }));
