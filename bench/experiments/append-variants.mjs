// What would make the append faster? The same append (same table, same hash chain, same optimistic check, one event
// per command) done in different ways, each in its own process, on a fresh database:
//   node bench/experiments/append-variants.mjs [writers,...]      (default 1,8,32; BENCH_APPEND_SECONDS applies)
//
//   raw                 the physical limit: one prepared single-row INSERT in autocommit (as in npm run bench)
//   ours                EventStore.transaction + EventStore.append, as the service does it (TypeORM, 5 round trips:
//                       START TRANSACTION, SET TRANSACTION ISOLATION LEVEL, UPDATE streams, INSERT events, COMMIT)
//   ours-no-isolation   the same through dataSource.transaction(work) without an isolation level (READ COMMITTED is
//                       the default anyway): 4 round trips
//   pg-4rt              the same four statements on a bare pg client, prepared: what TypeORM costs
//   pg-1stmt-tx         BEGIN; one statement that moves the ledger and inserts the event (data-modifying CTE); COMMIT
//   pg-1stmt            that one statement alone, autocommit: 1 round trip, like the raw INSERT
//   group               group commit: appends waiting while a flush is in flight go together into the next
//                       statement (the same CTE over unnest()ed arrays), at most 2 flushes in flight
// Prints a table and writes bench/results/experiments/append-variants-<time>.json.
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { BENCH_DIR, config, createDatabase, dist, dropDatabase, latencySummary, require, round, runNode } from '../lib/common.mjs';
import { EVENT_TYPE, eventData, eventMetadata } from '../lib/payload.mjs';

const VARIANTS = ['raw', 'ours', 'ours-no-isolation', 'pg-4rt', 'pg-1stmt-tx', 'pg-1stmt', 'group'];

// One statement for N appends: create new streams, move existing ones from their expected version, and insert
// the events of exactly the streams that moved. An append whose stream moved on meanwhile gets no row back.
const APPEND_MANY = `
WITH input AS (
  SELECT * FROM unnest($1::text[], $2::int[], $3::int[], $4::text[], $5::int[], $6::jsonb[], $7::jsonb[], $8::timestamptz[], $9::text[])
    AS i(stream_id, expected, version, type, schema_version, data, metadata, recorded_at, hash)
), created AS (
  INSERT INTO streams (stream_id, version, head_hash, updated_at)
  SELECT stream_id, version, hash, recorded_at FROM input WHERE expected = 0
  ON CONFLICT (stream_id) DO NOTHING RETURNING stream_id
), moved AS (
  UPDATE streams s SET version = i.version, head_hash = i.hash, updated_at = i.recorded_at
    FROM input i WHERE i.expected > 0 AND s.stream_id = i.stream_id AND s.version = i.expected
  RETURNING s.stream_id
)
INSERT INTO events (stream_id, version, type, schema_version, data, metadata, recorded_at, hash)
SELECT i.stream_id, i.version, i.type, i.schema_version, i.data, i.metadata, i.recorded_at, i.hash
  FROM input i JOIN (SELECT stream_id FROM created UNION ALL SELECT stream_id FROM moved) ok USING (stream_id)
RETURNING stream_id, position, transaction_id`;

async function variant(name, writers, url) {
  const { eventHash, genesisHash } = dist('event-store/hash-chain.js');
  const { Pool } = require('pg');
  const hashed = (s, recordedAt) => {
    const row = { streamId: s.id, version: s.version + 1, type: EVENT_TYPE, schemaVersion: 1, data: JSON.parse(JSON.stringify(eventData)), metadata: JSON.parse(JSON.stringify(eventMetadata)), recordedAt };
    return { ...row, hash: eventHash(s.version === 0 ? genesisHash(s.id) : s.hash, row) };
  };
  const params = (rows) => [
    rows.map((r) => r.e.streamId),
    rows.map((r) => r.e.version - 1),
    rows.map((r) => r.e.version),
    rows.map((r) => r.e.type),
    rows.map((r) => r.e.schemaVersion),
    rows.map((r) => JSON.stringify(r.e.data)),
    rows.map((r) => JSON.stringify(r.e.metadata)),
    rows.map((r) => r.e.recordedAt),
    rows.map((r) => r.e.hash),
  ];
  const done = (s, e) => {
    s.version = e.version;
    s.hash = e.hash;
  };

  if (name === 'raw') {
    const pool = new Pool({ connectionString: url, max: writers });
    const text = `INSERT INTO bench_raw_events (stream_id, version, type, schema_version, data, metadata, recorded_at, hash) VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7::timestamptz, $8)`;
    const data = JSON.stringify(eventData);
    const meta = JSON.stringify(eventMetadata);
    return {
      appendOne: async (s) => {
        await pool.query({ name: 'raw', text, values: [s.id, s.version + 1, EVENT_TYPE, 1, data, meta, new Date().toISOString(), 'f'.repeat(64)] });
        s.version += 1;
      },
      close: () => pool.end(),
    };
  }
  if (name === 'ours' || name === 'ours-no-isolation') {
    const { DataSource } = require('typeorm');
    const { validateEnvironment } = dist('config/config.js');
    const { dataSourceOptions } = dist('database/data-source-options.js');
    const ds = new DataSource({ ...dataSourceOptions(validateEnvironment({ DATABASE_URL: url, NODE_ENV: 'production', NEWSROOM_PUBLIC_URL: 'http://localhost:3000', NEWSROOM_JWT_SECRET: 'x'.repeat(40) })), poolSize: writers });
    await ds.initialize();
    const { EventStore } = dist('event-store/event-store.service.js');
    const { articleEventSchemas } = dist('articles/domain/article.schemas.js');
    const store = new EventStore(ds, articleEventSchemas());
    const tx = name === 'ours' ? (work) => store.transaction(work) : (work) => ds.transaction(work);
    return {
      appendOne: async (s) => {
        const expected = s.version === 0 ? 0 : { streamId: s.id, version: s.version, hash: s.hash };
        const [e] = await tx((m) => store.append(m, s.id, expected, [{ type: EVENT_TYPE, data: eventData }], eventMetadata, new Date().toISOString()));
        done(s, e);
      },
      close: () => ds.destroy(),
    };
  }
  if (name === 'pg-4rt') {
    const pool = new Pool({ connectionString: url, max: writers });
    return {
      appendOne: async (s) => {
        const e = hashed(s, new Date().toISOString());
        const c = await pool.connect();
        try {
          await c.query('BEGIN');
          const moved =
            s.version === 0
              ? await c.query({ name: 'create', text: `INSERT INTO streams (stream_id, version, head_hash, updated_at) VALUES ($1, $2, $3, $4) ON CONFLICT (stream_id) DO NOTHING RETURNING version`, values: [s.id, e.version, e.hash, e.recordedAt] })
              : await c.query({ name: 'move', text: `UPDATE streams SET version = $3, head_hash = $4, updated_at = $5 WHERE stream_id = $1 AND version = $2 RETURNING version`, values: [s.id, s.version, e.version, e.hash, e.recordedAt] });
          if (!moved.rowCount) throw new Error('conflict');
          await c.query({
            name: 'insert',
            text: `INSERT INTO events (stream_id, version, type, schema_version, data, metadata, recorded_at, hash) VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7::timestamptz, $8) RETURNING position, transaction_id`,
            values: [e.streamId, e.version, e.type, e.schemaVersion, JSON.stringify(e.data), JSON.stringify(e.metadata), e.recordedAt, e.hash],
          });
          await c.query('COMMIT');
          done(s, e);
        } catch (err) {
          await c.query('ROLLBACK');
          throw err;
        } finally {
          c.release();
        }
      },
      close: () => pool.end(),
    };
  }
  if (name === 'pg-1stmt' || name === 'pg-1stmt-tx') {
    const pool = new Pool({ connectionString: url, max: writers });
    const inTx = name === 'pg-1stmt-tx';
    return {
      appendOne: async (s) => {
        const e = hashed(s, new Date().toISOString());
        const c = await pool.connect();
        try {
          if (inTx) await c.query('BEGIN');
          const r = await c.query({ name: 'append_many', text: APPEND_MANY, values: params([{ e }]) });
          if (r.rowCount !== 1) throw new Error('conflict');
          if (inTx) await c.query('COMMIT');
          done(s, e);
        } catch (err) {
          if (inTx) await c.query('ROLLBACK');
          throw err;
        } finally {
          c.release();
        }
      },
      close: () => pool.end(),
    };
  }
  if (name === 'group') {
    const pool = new Pool({ connectionString: url, max: 2 });
    const queue = [];
    let inFlight = 0;
    const MAX_IN_FLIGHT = 2;
    const flush = async () => {
      if (inFlight >= MAX_IN_FLIGHT || !queue.length) return;
      const batch = queue.splice(0, 500);
      inFlight++;
      try {
        const r = await pool.query({ name: 'append_many', text: APPEND_MANY, values: params(batch) });
        const ok = new Set(r.rows.map((row) => row.stream_id));
        for (const item of batch) (ok.has(item.e.streamId) ? item.resolve() : item.reject(new Error('conflict')));
      } catch (err) {
        for (const item of batch) item.reject(err);
      } finally {
        inFlight--;
        void flush();
      }
    };
    return {
      appendOne: async (s) => {
        const e = hashed(s, new Date().toISOString());
        await new Promise((resolve, reject) => {
          queue.push({ e, resolve, reject });
          void flush();
        });
        done(s, e);
      },
      close: () => pool.end(),
    };
  }
  throw new Error(`unknown variant ${name}`);
}

async function measure(name, writers, url) {
  const sut = await variant(name, writers, url);
  const tag = randomUUID().slice(0, 8);
  let phase = 'warmup';
  let count = 0;
  const latencies = [];
  const writer = async (w) => {
    const streams = Array.from({ length: config.appendStreamsPerWriter }, (_, k) => ({ id: `exp-${tag}-${w}-${k}`, version: 0, hash: null }));
    for (let i = 0; phase !== 'done'; i++) {
      const s = streams[i % streams.length];
      const t0 = performance.now();
      await sut.appendOne(s);
      if (phase === 'measure') {
        count++;
        latencies.push(performance.now() - t0);
      }
    }
  };
  const running = Array.from({ length: writers }, (_, w) => writer(w));
  await new Promise((r) => setTimeout(r, config.appendWarmupSeconds * 1000));
  phase = 'measure';
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, config.appendSeconds * 1000));
  phase = 'done';
  const seconds = (performance.now() - t0) / 1000;
  await Promise.all(running);
  await sut.close();
  return { variant: name, writers, eventsPerSec: round(count / seconds, 0), latencyMs: latencySummary(latencies) };
}

const [name, writersArg, url] = process.argv.slice(2);
if (name) {
  measure(name, Number(writersArg), url).then(
    (r) => {
      process.stdout.write(`${JSON.stringify(r)}\n`);
      process.exit(0);
    },
    (err) => {
      process.stderr.write(`${err?.stack ?? err}\n`);
      process.exit(1);
    },
  );
} else {
  const writersList = (process.env.BENCH_APPEND_WRITERS ?? '1,8,32').split(',').map(Number);
  const db = `masthead_bench_variants_${process.pid}`;
  const dbUrl = await createDatabase(db);
  try {
    await runNode('append-worker.mjs', ['setup', 1, dbUrl]);
    const rows = [];
    for (const writers of writersList) {
      const row = { writers };
      for (const v of VARIANTS) {
        row[v] = await runNode('experiments/append-variants.mjs', [v, writers, dbUrl]);
        process.stderr.write(`${v} ×${writers}: ${row[v].eventsPerSec} events/s\n`);
      }
      rows.push(row);
    }
    const lines = [`| variant | ${writersList.map((w) => `${w} writer(s): events/s (× raw)`).join(' | ')} |`, `| --- | ${writersList.map(() => '---:').join(' | ')} |`];
    for (const v of VARIANTS) {
      lines.push(`| ${v} | ${rows.map((r) => `${r[v].eventsPerSec.toLocaleString('en-US')} (${round(r[v].eventsPerSec / r.raw.eventsPerSec, 2)}×)`).join(' | ')} |`);
    }
    console.log(lines.join('\n'));
    const dir = join(BENCH_DIR, 'results', 'experiments');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `append-variants-${new Date().toISOString().replace(/:/g, '-').replace(/\.\d+Z$/, 'Z')}.json`), `${JSON.stringify(rows, null, 2)}\n`);
  } finally {
    await dropDatabase(db);
  }
}
