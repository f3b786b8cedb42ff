// In-process harness over the compiled service (a Nest application context, as the CLI builds it):
//   node bench/harness.mjs seed-workflows <DATABASE_URL> <events>   valid article workflows, fast: decided and folded in
//                                                                    memory, appended per actor in big transactions,
//                                                                    projected inline, several transactions at once
//   node bench/harness.mjs long-streams <DATABASE_URL> <long> <short> two draft articles with that many events
//   node bench/harness.mjs replay <DATABASE_URL>                     ProjectionRebuilder.rebuildAll: every projection, one pass
//   node bench/harness.mjs raw-read <DATABASE_URL>                   baseline: every event in (transaction id, position)
//                                                                    order with raw pg, discarded
// Prints a JSON result.
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { ADMIN_PASSWORD, config, dist, JWT_SECRET, require, round } from './lib/common.mjs';
import { seed } from './lib/payload.mjs';
import { startProfile, stopProfile } from './lib/profiler.mjs';

const [command, databaseUrl, ...rest] = process.argv.slice(2);

async function appContext() {
  require('reflect-metadata');
  process.env.NEWSROOM_PROJECTION_DAEMON = 'off'; // no notary / daemon timers in the harness
  const { NestFactory } = require('@nestjs/core');
  const { CliModule } = dist('cli/cli.module.js');
  const { validateEnvironment } = dist('config/config.js');
  const appConfig = validateEnvironment({
    NODE_ENV: 'production',
    DATABASE_URL: databaseUrl,
    NEWSROOM_JWT_SECRET: JWT_SECRET,
    NEWSROOM_ADMIN_PASSWORD: ADMIN_PASSWORD,
    LOG_LEVEL: 'warn',
    NEWSROOM_PROJECTION_DAEMON: 'off',
  });
  return NestFactory.createApplicationContext(CliModule.register(appConfig), { logger: ['error', 'warn'] });
}

const actor = (username, roles) => ({ id: randomUUID(), username, roles });
const reporter = actor('bench-reporter', ['reporter']);
const editor = actor('bench-editor', ['editor']);
const publisher = actor('bench-publisher', ['publisher']);

/** Decides and folds a list of [command, actor] in memory; returns the events grouped into appends by actor. */
function plan(commands, now) {
  const { decide } = dist('articles/domain/article.decide.js');
  const { evolve } = dist('articles/domain/article.js');
  let state = null;
  let version = 0;
  const appends = [];
  for (const [cmd, who] of commands) {
    const events = decide(cmd, state, { now, actor: who });
    for (const e of events) state = evolve(state, { ...e, version: ++version, at: now, actor: who });
    const last = appends[appends.length - 1];
    if (last && last.actor === who) last.events.push(...events);
    else appends.push({ actor: who, events: [...events] });
  }
  return { appends, events: version };
}

function workflow(i) {
  const id = randomUUID();
  const body = seed.draft.body.slice(0, 3);
  const cmds = [
    [{ type: 'DraftArticle', data: { articleId: id, headline: `${seed.draft.headline} #${i}`, language: seed.draft.language, source: seed.draft.source, summary: null, body } }, reporter],
    ...seed.bylines.map((b) => [{ type: 'AddByline', data: { bylineId: randomUUID(), ...b } }, reporter]),
    ...[0, 1, 2].map((r) => [{ type: 'ReviseDraft', data: { changes: { summary: `revision ${r} of ${i}` } } }, reporter]),
    [{ type: 'AttachPhotoCredit', data: { photoId: randomUUID(), href: seed.photos[0].href, caption: seed.photos[0].caption, credit: seed.photos[0].credit } }, reporter],
    [{ type: 'ApproveArticle', data: { note: null } }, editor],
  ];
  if (i % 2 === 0) {
    cmds.push([{ type: 'PublishArticle', data: { copyrightNotice: { holder: seed.copyrightNotice.holder, text: seed.copyrightNotice.text, usageTerms: null }, publishAt: null } }, publisher]);
    if (i % 4 === 0) cmds.push([{ type: 'CorrectArticle', data: { kind: 'correction', note: `fixed ${i}`, headline: `${seed.draft.headline} (corrected)`, body: null } }, publisher]);
    if (i % 8 === 0) cmds.push([{ type: 'WithdrawArticle', data: { reason: 'legal' } }, publisher]);
  }
  return { id, cmds };
}

/** Appends planned events for one article and projects them inline, in the caller's transaction. */
async function write(app, manager, articleId, appends, now) {
  const { EventStore } = dist('event-store/event-store.service.js');
  const { ProjectionRunner } = dist('read-models/projection-runner.service.js');
  const store = app.get(EventStore);
  const runner = app.get(ProjectionRunner);
  const streamId = `article-${articleId}`;
  let head = 0;
  let state = null;
  for (const { actor: who, events } of appends) {
    for (let from = 0; from < events.length; from += 1000) {
      const chunk = events.slice(from, from + 1000);
      const metadata = { actorId: who.id, username: who.username, roles: who.roles, correlationId: randomUUID(), causationId: randomUUID() };
      const { writes, result } = runner.inlineWrites(state);
      const stored = await store.append(manager, streamId, head, chunk, metadata, now, writes);
      state = result.after;
      const last = stored[stored.length - 1];
      head = { streamId, version: last.version, hash: last.hash };
    }
  }
  return state;
}

async function seedWorkflows(target) {
  const app = await appContext();
  const { EventStore } = dist('event-store/event-store.service.js');
  const store = app.get(EventStore);
  const t0 = performance.now();
  let next = 0;
  let events = 0;
  let articles = 0;
  const PER_TX = 25;
  const worker = async () => {
    while (events < target) {
      const batch = [];
      for (let k = 0; k < PER_TX; k++) batch.push(workflow(next++));
      const now = new Date().toISOString();
      const planned = batch.map((w) => ({ id: w.id, ...plan(w.cmds, now) }));
      events += planned.reduce((s, p) => s + p.events, 0);
      articles += planned.length;
      await store.transaction(async (m) => {
        for (const p of planned) await write(app, m, p.id, p.appends, now);
      });
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
  const seconds = (performance.now() - t0) / 1000;
  const [{ n }] = await store.dataSource.query(`SELECT count(*)::int AS n FROM events`);
  await app.close();
  return { articles, events: n, seconds: round(seconds, 2), eventsPerSec: round(n / seconds, 0) };
}

async function longStreams(long, short) {
  const app = await appContext();
  const { EventStore } = dist('event-store/event-store.service.js');
  const store = app.get(EventStore);
  const make = async (n) => {
    const id = randomUUID();
    const now = new Date().toISOString();
    const cmds = [[{ type: 'DraftArticle', data: { articleId: id, headline: seed.draft.headline, language: seed.draft.language, source: seed.draft.source, summary: null, body: seed.draft.body.slice(0, 3) } }, reporter]];
    for (let r = 1; r < n; r++) cmds.push([{ type: 'ReviseDraft', data: { changes: { summary: `long-stream revision ${r}` } } }, reporter]);
    const { appends, events } = plan(cmds, now);
    // One append (with its inline projections) per 1000 events, so no statement is huge.
    let head = 0;
    let state = null;
    const { ProjectionRunner } = dist('read-models/projection-runner.service.js');
    const runner = app.get(ProjectionRunner);
    const streamId = `article-${id}`;
    const all = appends.flatMap((a) => a.events);
    for (let from = 0; from < all.length; from += 1000) {
      const metadata = { actorId: reporter.id, username: reporter.username, roles: reporter.roles, correlationId: randomUUID(), causationId: randomUUID() };
      const { writes, result } = runner.inlineWrites(state);
      const stored = await store.append(store.dataSource.manager, streamId, head, all.slice(from, from + 1000), metadata, now, writes);
      state = result.after;
      const last = stored[stored.length - 1];
      head = { streamId, version: last.version, hash: last.hash };
    }
    return { id, events };
  };
  const longArticle = await make(long);
  const shortArticle = await make(short);
  await app.close();
  return { long: longArticle, short: shortArticle };
}

async function replay() {
  const app = await appContext();
  const { ProjectionRunner } = dist('read-models/projection-runner.service.js');
  const { ProjectionRebuilder } = dist('read-models/projection-rebuilder.service.js');
  const { EventStore } = dist('event-store/event-store.service.js');
  const runner = app.get(ProjectionRunner);
  const rebuilder = app.get(ProjectionRebuilder);
  await runner.ensureCheckpoints();
  const [{ n }] = await app.get(EventStore).dataSource.query(`SELECT count(*)::int AS n FROM events`);
  const projections = [];
  if (config.profile && process.env.BENCH_PROFILE_FILE) await startProfile();
  const t0 = performance.now();
  // Every projection rebuilt in one pass over the log, each compared by checksum with its live table.
  for (const job of await rebuilder.rebuildAll()) {
    projections.push({ name: job.projection, eventsProcessed: job.eventsProcessed, identical: job.identical, status: job.status });
  }
  const seconds = (performance.now() - t0) / 1000;
  if (config.profile && process.env.BENCH_PROFILE_FILE) await stopProfile(process.env.BENCH_PROFILE_FILE);
  await app.close();
  return { events: n, seconds: round(seconds, 2), eventsPerSec: round(n / seconds, 0), projections };
}

async function rawRead() {
  const { Client } = require('pg');
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  const t0 = performance.now();
  let after = ['0', 0];
  let n = 0;
  let bytes = 0;
  for (;;) {
    const { rows } = await client.query(
      `SELECT position, transaction_id, stream_id, version, type, schema_version, data, metadata, recorded_at, hash FROM events
        WHERE (transaction_id, position) > ($1::xid8, $2::bigint) ORDER BY transaction_id, position LIMIT 1000`,
      after,
    );
    if (!rows.length) break;
    n += rows.length;
    bytes += rows.length; // touch the rows; nothing else is done with them
    const last = rows[rows.length - 1];
    after = [last.transaction_id, last.position];
  }
  const seconds = (performance.now() - t0) / 1000;
  await client.end();
  return { events: n, seconds: round(seconds, 3), eventsPerSec: round(n / seconds, 0), rowsTouched: bytes };
}

const commands = {
  'seed-workflows': () => seedWorkflows(Number(rest[0])),
  'long-streams': () => longStreams(Number(rest[0]), Number(rest[1])),
  replay,
  'raw-read': rawRead,
};

commands[command]().then(
  (r) => {
    process.stdout.write(`${JSON.stringify(r)}\n`);
    process.exit(0);
  },
  (err) => {
    process.stderr.write(`harness ${command}: ${err?.stack ?? err}\n`);
    process.exit(1);
  },
);
