// One append measurement in its own process: `node bench/append-worker.mjs <system> <writers> <target>`.
// Systems: setup | raw | ours | ours-app-pool | emmett | setup-pglite | raw-pglite | ours-pglite; and for
// bench/experiments/append-group.mjs, group-K: the EventStore's group commit (its queue and statement) on bare pg
// with K statements in flight, the per-append client work (canonical JSON, hash chain) done as the EventStore does.
// Each writer owns BENCH_APPEND_STREAMS_PER_WRITER streams and appends one event per command to them in turn,
// tracking each stream's version (and, for ours, head hash) the way a caller that has just read the stream would.
// Prints {events, seconds, eventsPerSec, latencyMs} as JSON.
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { config, cpuSinceMs, databaseCpuMs, dist, latencySummary, require, round } from './lib/common.mjs';
import { EVENT_TYPE, eventData, eventMetadata } from './lib/payload.mjs';
import { startProfile, stopProfile } from './lib/profiler.mjs';

const [system, writersArg, target] = process.argv.slice(2);
const writers = Number(writersArg);
const seconds = config.appendSeconds;
const warmup = config.appendWarmupSeconds;
const embedded = system.endsWith('pglite');
const runTag = `${system}-${writers}-${randomUUID().slice(0, 8)}`;
const RAW_TABLE = 'bench_raw_events';
const fakeHash = 'f'.repeat(64);
const dataJson = JSON.stringify(eventData);
const metadataJson = JSON.stringify(eventMetadata);

function appOptions(poolSize) {
  const { validateEnvironment } = dist('config/config.js');
  const { dataSourceOptions } = dist('database/data-source-options.js');
  const embedded = system.endsWith('pglite');
  const appConfig = validateEnvironment({
    NODE_ENV: 'production', NEWSROOM_PUBLIC_URL: 'http://localhost:3000',
    NEWSROOM_JWT_SECRET: 'x'.repeat(40),
    ...(embedded ? { NEWSROOM_DATA_DIR: target } : { DATABASE_URL: target }),
  });
  const options = dataSourceOptions(appConfig);
  return poolSize && !embedded ? { ...options, poolSize } : options;
}

async function openDataSource(poolSize) {
  const { DataSource } = require('typeorm');
  const ds = new DataSource(appOptions(poolSize));
  await ds.initialize();
  return ds;
}

/** Returns { appendOne(stream), close() } for a system. */
async function systemUnderTest() {
  if (system === 'setup' || system === 'setup-pglite') {
    const ds = await openDataSource(2);
    await ds.runMigrations({ transaction: 'each' });
    // A table of exactly the events table's shape (columns, identity, defaults, constraints, indexes).
    await ds.query(`CREATE TABLE IF NOT EXISTS ${RAW_TABLE} (LIKE events INCLUDING ALL)`);
    await ds.destroy();
    if (system === 'setup') {
      const { getPostgreSQLEventStore } = await import('@event-driven-io/emmett-postgresql');
      const store = getPostgreSQLEventStore(target);
      await store.schema.migrate();
      await store.close();
    }
    return null;
  }
  if (system === 'raw') {
    const { Pool } = require('pg');
    const pool = new Pool({ connectionString: target, max: writers });
    const text = `INSERT INTO ${RAW_TABLE} (stream_id, version, type, schema_version, data, metadata, recorded_at, hash)
                  VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7::timestamptz, $8)`;
    return {
      // One statement in autocommit: one round trip, one durable commit. Prepared once per connection.
      appendOne: async (s) => {
        await pool.query({ name: 'bench_raw_insert', text, values: [s.id, s.version + 1, EVENT_TYPE, 1, dataJson, metadataJson, new Date().toISOString(), fakeHash] });
        s.version += 1;
      },
      close: () => pool.end(),
    };
  }
  if (system === 'raw-pglite') {
    const { PGlite } = await import('@electric-sql/pglite');
    const { join } = await import('node:path');
    const db = new PGlite(join(target, 'pglite'));
    await db.waitReady;
    const text = `INSERT INTO ${RAW_TABLE} (stream_id, version, type, schema_version, data, metadata, recorded_at, hash)
                  VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7::timestamptz, $8)`;
    return {
      appendOne: async (s) => {
        await db.query(text, [s.id, s.version + 1, EVENT_TYPE, 1, dataJson, metadataJson, new Date().toISOString(), fakeHash]);
        s.version += 1;
      },
      close: () => db.close(),
    };
  }
  if (system === 'ours' || system === 'ours-app-pool' || system === 'ours-pglite') {
    // ours: a pool as large as the writer count, like the other two; ours-app-pool: the service's own poolSize (10).
    const ds = await openDataSource(system === 'ours' ? writers : undefined);
    const { EventStore } = dist('event-store/event-store.service.js');
    const { articleEventSchemas } = dist('articles/domain/article.schemas.js');
    const store = new EventStore(ds, articleEventSchemas());
    return {
      appendOne: async (s) => {
        const expected = s.version === 0 ? 0 : { streamId: s.id, version: s.version, hash: s.hash };
        // One append is one atomic statement: outside a transaction it commits by itself (the service calls it
        // inside the command's transaction, measured by the HTTP figures).
        const [stored] = await store.append(ds.manager, s.id, expected, [{ type: EVENT_TYPE, data: eventData }], eventMetadata, new Date().toISOString());
        s.version = stored.version;
        s.hash = stored.hash;
      },
      close: () => ds.destroy(),
    };
  }
  const group = /^group-(\d+)$/.exec(system);
  if (group) {
    const inFlight = Number(group[1]);
    const { Pool } = require('pg');
    const { eventHash, genesisHash } = dist('event-store/hash-chain.js');
    const { GroupCommit } = dist('event-store/group-commit.js');
    const { APPEND_BATCH } = dist('event-store/event-store.service.js');
    const pool = new Pool({ connectionString: target, max: inFlight });
    const text = `${APPEND_BATCH} SELECT stream_id, version, position, transaction_id FROM appended`;
    const queue = new GroupCommit(async (batch) => {
      const appends = batch.map((b, n) => ({ n, stream_id: b.key, expected: b.version - 1, expected_hash: b.previousHash, version: b.version, head_hash: b.hash, recorded_at: b.recordedAt, metadata: b.metadata }));
      const events = batch.map((b, n) => ({ n, version: b.version, type: b.type, schema_version: b.schemaVersion, data: b.data, hash: b.hash }));
      const { rows } = await pool.query({ name: 'append_batch', text, values: [JSON.stringify(appends), JSON.stringify(events)] });
      const moved = new Set(rows.map((r) => r.stream_id));
      for (const b of batch) (moved.has(b.key) ? b.resolve() : b.reject(new Error(`conflict on ${b.key}`)));
    }, inFlight, 64);
    return {
      appendOne: async (s) => {
        const recordedAt = new Date().toISOString();
        const row = { streamId: s.id, version: s.version + 1, type: EVENT_TYPE, schemaVersion: 1, data: JSON.parse(dataJson), metadata: JSON.parse(metadataJson), recordedAt };
        const previousHash = s.version === 0 ? genesisHash(s.id) : s.hash;
        const hash = eventHash(previousHash, row);
        await queue.submit({ ...row, key: s.id, hash, previousHash });
        s.version = row.version;
        s.hash = hash;
      },
      close: () => pool.end(),
    };
  }
  if (system === 'emmett') {
    const { Pool } = require('pg');
    const { getPostgreSQLEventStore } = await import('@event-driven-io/emmett-postgresql');
    const pool = new Pool({ connectionString: target, max: writers });
    const store = getPostgreSQLEventStore(target, { connectionOptions: { pool }, schema: { autoMigration: 'None' } });
    return {
      appendOne: async (s) => {
        const result = await store.appendToStream(s.id, [{ type: EVENT_TYPE, data: eventData, metadata: eventMetadata }], {
          expectedStreamVersion: BigInt(s.version),
        });
        s.version = Number(result.nextExpectedStreamVersion);
      },
      close: async () => {
        await store.close();
        await pool.end();
      },
    };
  }
  throw new Error(`unknown system ${system}`);
}

async function main() {
  const sut = await systemUnderTest();
  if (!sut) return { system, ok: true };
  const S = config.appendStreamsPerWriter;
  let phase = 'warmup';
  let count = 0;
  let errors = 0;
  const latencies = [];
  let lastError;
  const writer = async (w) => {
    // Stream ids like Emmett's "<type>-<id>" so it files them under a stream type, and unique per run.
    const streams = Array.from({ length: S }, (_, k) => ({ id: `bench-${runTag}-${w}-${k}`, version: 0, hash: null }));
    for (let i = 0; phase !== 'done'; i++) {
      // PGlite answers without real I/O: without a turn of the event loop now and then, the timers that end the
      // warm-up and the measurement would never run.
      if (embedded && i % 16 === 0) await new Promise((r) => setImmediate(r));
      const s = streams[i % S];
      const t0 = performance.now();
      try {
        await sut.appendOne(s);
      } catch (err) {
        errors++;
        lastError = err instanceof Error ? err.message : String(err);
        if (errors > 100) throw err;
        continue;
      }
      if (phase === 'measure') {
        count++;
        latencies.push(performance.now() - t0);
      }
    }
  };
  const running = Array.from({ length: writers }, (_, w) => writer(w));
  await new Promise((r) => setTimeout(r, warmup * 1000));
  if (config.profile && process.env.BENCH_PROFILE_FILE) await startProfile();
  phase = 'measure';
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const database = embedded ? null : new URL(target).pathname.slice(1);
  const server0 = database ? await databaseCpuMs(database) : null;
  await new Promise((r) => setTimeout(r, seconds * 1000));
  phase = 'done';
  const elapsed = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const serverMs = database ? cpuSinceMs(server0, await databaseCpuMs(database)) : 0;
  if (config.profile && process.env.BENCH_PROFILE_FILE) await stopProfile(process.env.BENCH_PROFILE_FILE);
  await Promise.all(running);
  await sut.close();
  // CPU per event of this process and of its PostgreSQL backends: on a shared machine, steadier than events/s.
  const cpuUs = { client: round((cpu.user + cpu.system) / count, 0), server: round((serverMs * 1000) / count, 0) };
  return { system, writers, events: count, seconds: round(elapsed, 3), eventsPerSec: round(count / elapsed, 1), latencyMs: latencySummary(latencies), cpuUs, errors, lastError };
}

main().then(
  (result) => {
    process.stdout.write(`${JSON.stringify(result)}\n`);
    process.exit(0);
  },
  (err) => {
    process.stderr.write(`append-worker ${system} ${writers}: ${err?.stack ?? err}\n`);
    process.exit(1);
  },
);
