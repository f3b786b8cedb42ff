// What would make a rebuild faster? `node bench/experiments/replay-batched.mjs [events]` (default 20000):
// seeds a fresh database with valid workflows (bench/harness.mjs seed-workflows), then measures, in this order,
//   raw      the baseline of npm run bench: every event in (transaction id, position) order with raw pg, discarded
//   current  ProjectionRebuilder.rebuild for every projection (three passes, one statement per event and projection)
//   batched  one pass over the log for all projections: EventStore.readAll in batches of 1000, each event evolved
//            once and handed to every projection's own apply(), but apply() writes into a capturing manager; per
//            batch, the captured single-row statements of each projection are sent as one multi-row statement (same
//            SQL, VALUES repeated; for upserts only the last row per key, which the version guard would keep anyway),
//            into shadow tables, in one transaction per batch.
// and checks that the batched shadow tables have the same checksum as the live tables (so the shortcut is exact).
import { performance } from 'node:perf_hooks';
import { createDatabase, dist, dropDatabase, JWT_SECRET, ADMIN_PASSWORD, require, round, runNode } from '../lib/common.mjs';

const target = Number(process.argv[2] ?? 20000);
const db = `masthead_bench_replay_exp_${process.pid}`;

async function appContext(url) {
  require('reflect-metadata');
  process.env.NEWSROOM_PROJECTION_DAEMON = 'off';
  const { NestFactory } = require('@nestjs/core');
  const { CliModule } = dist('cli/cli.module.js');
  const { validateEnvironment } = dist('config/config.js');
  const config = validateEnvironment({ NODE_ENV: 'production', DATABASE_URL: url, NEWSROOM_JWT_SECRET: JWT_SECRET, NEWSROOM_ADMIN_PASSWORD: ADMIN_PASSWORD, LOG_LEVEL: 'warn' });
  return NestFactory.createApplicationContext(CliModule.register(config), { logger: ['error', 'warn'] });
}

/** A stand-in EntityManager: records the statements apply() would send. */
function capturing() {
  const statements = [];
  return { statements, query: async (sql, params) => void statements.push({ sql, params }) };
}

/** The captured single-row INSERTs as one multi-row statement per distinct SQL text. */
async function flush(manager, statements) {
  const bySql = new Map();
  for (const s of statements) {
    if (!bySql.has(s.sql)) bySql.set(s.sql, []);
    bySql.get(s.sql).push(s.params);
  }
  for (const [sql, rows] of bySql) {
    const match = /VALUES\s*\(([^)]*)\)/is.exec(sql);
    if (!match) throw new Error(`cannot batch: ${sql}`);
    // An upsert may not touch one row twice in a statement: keep the last row per key ($1), as the guard would.
    const last = new Map();
    for (const p of rows) last.set(String(p[0]), p);
    const keep = sql.includes('DO UPDATE') ? [...last.values()] : rows;
    const width = keep[0].length;
    const params = [];
    const tuples = keep.map((p, i) => {
      params.push(...p);
      return `(${match[1].replace(/\$(\d+)/g, (_, n) => `$${Number(n) + i * width}`)})`;
    });
    await manager.query(sql.slice(0, match.index) + `VALUES ${tuples.join(', ')}` + sql.slice(match.index + match[0].length), params);
  }
}

async function batched(url) {
  const app = await appContext(url);
  const { EventStore } = dist('event-store/event-store.service.js');
  const { PROJECTIONS } = dist('read-models/projection.js');
  const { evolve } = dist('articles/domain/article.js');
  const { toRecorded } = dist('articles/domain/article-stream.js');
  const { isArticleStream } = dist('articles/domain/article-stream.js');
  const { START } = dist('event-store/event-store.types.js');
  const store = app.get(EventStore);
  const projections = app.get(PROJECTIONS);
  const { ProjectionRebuilder } = dist('read-models/projection-rebuilder.service.js');
  const rebuilder = app.get(ProjectionRebuilder);
  for (const p of projections) {
    await store.dataSource.query(`DROP TABLE IF EXISTS ${p.table}_exp`);
    await store.dataSource.query(`CREATE TABLE ${p.table}_exp (LIKE ${p.table} INCLUDING ALL)`);
  }
  const t0 = performance.now();
  const states = new Map();
  let after = START;
  let n = 0;
  const split = { readMs: 0, evolveAndApplyMs: 0, writeMs: 0 };
  let mark = performance.now();
  const lap = (key) => {
    const now = performance.now();
    split[key] += now - mark;
    mark = now;
  };
  for (;;) {
    const events = await store.transaction((m) => store.readAll(m, after, 1000));
    lap('readMs');
    if (!events.length) break;
    const capture = capturing();
    for (const event of events) {
      if (!isArticleStream(event.streamId)) {
        for (const p of projections) await p.applyOther?.(capture, event, `${p.table}_exp`);
        continue;
      }
      const before = states.get(event.streamId) ?? null;
      const recorded = toRecorded(event);
      const next = evolve(before, recorded);
      for (const p of projections) await p.apply(capture, { event, recorded, before, after: next }, `${p.table}_exp`);
      states.set(event.streamId, next);
    }
    lap('evolveAndApplyMs');
    await store.transaction((m) => flush(m, capture.statements));
    lap('writeMs');
    n += events.length;
    const last = events[events.length - 1];
    after = { transactionId: last.transactionId, position: last.position };
  }
  const seconds = (performance.now() - t0) / 1000;
  const identical = {};
  for (const p of projections) {
    const live = await rebuilder.checksum(store.dataSource.manager, p.table, p.key);
    const exp = await rebuilder.checksum(store.dataSource.manager, `${p.table}_exp`, p.key);
    identical[p.name] = live === exp;
  }
  await app.close();
  for (const k of Object.keys(split)) split[k] = Math.round(split[k]);
  return { events: n, seconds: round(seconds, 2), eventsPerSec: round(n / seconds, 0), split, identicalToLive: identical };
}

const url = await createDatabase(db);
try {
  const seeded = await runNode('harness.mjs', ['seed-workflows', url, target]);
  const raw = await runNode('harness.mjs', ['raw-read', url]);
  const current = await runNode('harness.mjs', ['replay', url]);
  const exp = await batched(url);
  const result = { seeded, raw, current: { events: current.events, seconds: current.seconds, eventsPerSec: current.eventsPerSec }, batched: exp };
  result.ratios = { currentPerRaw: round(current.eventsPerSec / raw.eventsPerSec, 4), batchedPerRaw: round(exp.eventsPerSec / raw.eventsPerSec, 4), batchedPerCurrent: round(exp.eventsPerSec / current.eventsPerSec, 2) };
  console.log(JSON.stringify(result, null, 2));
} finally {
  await dropDatabase(db);
  process.exit(0);
}
