// Distribution (issue #18): how fast partners get what is published, against the same receiver fed directly.
//   node bench/experiments/distribution.mjs            (npm run bench runs it as its "distribution" section)
// On PostgreSQL (BENCH_PG_URL) and the shared NATS server (BENCH_NATS_URL, default nats://127.0.0.1:4222):
// 1. backlog: a log with BENCH_DIST_DELIVERIES publications, corrections and withdrawals (seeded through the event
//    store, 10,000 by default, 2,000 with BENCH_QUICK=1); a webhook subscriber added "from the beginning"; the time
//    until the receiver holds every one. Baseline: the same receiver fed the same signed payloads directly, with the
//    same number of requests in flight (NEWSROOM_DISTRIBUTION_CONCURRENCY, 4).
// 2. latency: BENCH_DIST_SAMPLES publications over HTTP, one at a time; from the publication's 2xx to receipt by the
//    webhook receiver and by a JetStream consumer. Baselines: one direct signed POST to the same receiver, and one
//    JetStream publish to the same stream until the same consumer gets it.
// Env: BENCH_DIST_POLL_MS (the service's NEWSROOM_DISTRIBUTION_POLL_MS; default the service's own, 200).
import { createServer } from 'node:http';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  ADMIN_PASSWORD, BENCH_DIR, JWT_SECRET, api, QUICK, createDatabase, databaseUrl, dropDatabase, freePort, latencySummary, log, require, round, runNode,
  startProcess, stopProcess, waitForHttp,
} from '../lib/common.mjs';
import { seed } from '../lib/payload.mjs';

const { Webhook } = require('standardwebhooks');
const { connect } = require('@nats-io/transport-node');
const { jetstream, jetstreamManager } = require('@nats-io/jetstream');

const DELIVERIES = Number(process.env.BENCH_DIST_DELIVERIES ?? (QUICK ? 2_000 : 10_000));
const SAMPLES = Number(process.env.BENCH_DIST_SAMPLES ?? (QUICK ? 15 : 50));
const CONCURRENCY = 4;
const NATS_URL = process.env.BENCH_NATS_URL ?? 'nats://127.0.0.1:4222';
const pollMs = process.env.BENCH_DIST_POLL_MS;

/** A partner's receiver: verifies each signature (as partners must), keeps one copy per id, notes when it came. */
function receiver() {
  const arrived = new Map();
  let wh = null;
  const server = createServer(async (req, res) => {
    let raw = '';
    for await (const c of req) raw += c;
    try {
      wh.verify(raw, req.headers);
    } catch {
      res.writeHead(400).end();
      return;
    }
    const id = req.headers['webhook-id'];
    if (!arrived.has(id)) arrived.set(id, performance.now());
    res.writeHead(204).end();
  });
  return {
    arrived,
    setSecret: (s) => (wh = new Webhook(s)),
    listen: () => new Promise((r) => server.listen(0, '127.0.0.1', () => r(`http://127.0.0.1:${server.address().port}/hook`))),
    close: () => new Promise((r) => server.close(r)),
  };
}

/** The parsed body of a call to the service. */
const call = async (...args) => (await api(...args)).body;

const until = async (check, what, ms) => {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
};

async function main() {
  const db = `masthead_dist_${process.pid}`;
  await createDatabase(db);
  const url = databaseUrl(db);
  const work = join(BENCH_DIR, 'results', `dist-${process.pid}.tmp`);
  mkdirSync(work, { recursive: true });
  const rx = receiver();
  const hook = await rx.listen();
  let service;
  const nc = await connect({ servers: NATS_URL });
  const subjectBase = `masthead.bench.${process.pid}`;
  const stream = `MASTHEAD_BENCH_${process.pid}`;
  const jsm = await jetstreamManager(nc);
  try {
    // ~14.6 events per delivery in the bench's workflows (measured: 103,114 events gave 7,063 deliveries).
    log(`distribution: seeding a log with about ${DELIVERIES} deliveries`);
    await runNode('append-worker.mjs', ['setup', 1, url]);
    const seeded = await runNode('harness.mjs', ['seed-workflows', url, Math.ceil(DELIVERIES * 14.6)]);
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    service = startProcess(process.execPath, [join(BENCH_DIR, '..', 'dist', 'main.js')], {
      env: {
        PORT: String(port), DATABASE_URL: url, NODE_ENV: 'production', NEWSROOM_PUBLIC_URL: 'http://localhost:3000', NEWSROOM_JWT_SECRET: JWT_SECRET, NEWSROOM_ADMIN_PASSWORD: ADMIN_PASSWORD,
        LOG_LEVEL: 'warn', NEWSROOM_RATE_LIMIT_WRITES: '100000', NEWSROOM_RATE_LIMIT_LOGIN: '100000', NEWSROOM_NATS_URL: NATS_URL,
        NEWSROOM_DISTRIBUTION_CONCURRENCY: String(CONCURRENCY), ...(pollMs ? { NEWSROOM_DISTRIBUTION_POLL_MS: pollMs } : {}),
      },
      logFile: join(work, 'service.log'),
    });
    await waitForHttp(`${base}/health`, { proc: service });
    const admin = (await call(base, 'POST', '/auth/token', { username: 'admin', password: ADMIN_PASSWORD })).accessToken;

    // 1. the backlog
    const t0 = performance.now();
    const sub = await call(base, 'POST', '/subscribers', { name: 'bench backlog', destination: { kind: 'webhook', url: hook }, from: 'beginning' }, admin);
    rx.setSecret(sub.secret);
    const [{ n: expected }] = await (async () => {
      const { Client } = require('pg');
      const c = new Client({ connectionString: url });
      await c.connect();
      const r = await c.query(`SELECT count(*)::int AS n FROM events WHERE type IN ('ArticlePublished','ArticleCorrected','ArticleWithdrawn')`);
      await c.end();
      return r.rows;
    })();
    await until(() => rx.arrived.size >= expected, `${expected} deliveries`, 30 * 60_000);
    const serviceSeconds = (performance.now() - t0) / 1000;
    log(`distribution: ${expected} deliveries drained in ${round(serviceSeconds, 1)} s (${round(expected / serviceSeconds, 0)}/s)`);
    // The baseline: the same payloads, signed, posted straight to the same receiver, CONCURRENCY at a time.
    const log2 = await call(base, 'GET', `/subscribers/${sub.id}/deliveries?limit=1000`, undefined, admin);
    const sample = await Promise.all(log2.slice(0, 50).map((e) => fetch(`${base}/subscribers/${sub.id}/deliveries/${e.position}/payload`, { headers: { authorization: `Bearer ${admin}` } }).then((r) => r.text())));
    const signer = new Webhook(sub.secret);
    rx.arrived.clear();
    let next = 0;
    const b0 = performance.now();
    const lane = async () => {
      while (next < expected) {
        const i = next++;
        const body = sample[i % sample.length];
        const id = `direct-${i}`;
        const at = new Date();
        const res = await fetch(hook, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': signer.sign(id, at, body) },
          body,
        });
        await res.arrayBuffer();
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, lane));
    const directSeconds = (performance.now() - b0) / 1000;
    log(`distribution: the same receiver fed directly: ${round(expected / directSeconds, 0)}/s`);

    // 2. latency, webhook and JetStream
    await jsm.streams.add({ name: stream, subjects: [`${subjectBase}.>`] });
    await call(base, 'POST', '/subscribers', { name: 'bench nats', destination: { kind: 'nats', subject: `${subjectBase}.service` } }, admin);
    const js = jetstream(nc);
    const consumer = await js.consumers.get(stream);
    const natsArrived = new Map();
    const messages = await consumer.consume();
    (async () => {
      for await (const m of messages) {
        // The service's copies carry the event id apart (their Nats-Msg-Id adds the subject); the direct ones only Nats-Msg-Id.
        const id = m.headers?.get('Masthead-Event-Id') || m.headers?.get('Nats-Msg-Id');
        if (id && !natsArrived.has(id)) natsArrived.set(id, performance.now());
        m.ack();
      }
    })().catch(() => undefined);
    const users = {};
    for (const role of ['reporter', 'editor', 'publisher']) {
      await call(base, 'POST', '/users', { username: `dist-${role}`, password: `dist-${role}-password`, roles: [role] }, admin);
      users[role] = (await call(base, 'POST', '/auth/token', { username: `dist-${role}`, password: `dist-${role}-password` })).accessToken;
    }
    const webhookMs = [];
    const natsMs = [];
    for (let i = 0; i < SAMPLES; i++) {
      const { id } = await call(base, 'POST', '/articles', { headline: `${seed.draft.headline} latency ${i}`, body: seed.draft.body.slice(0, 3), language: seed.draft.language }, users.reporter);
      const v = (await call(base, 'POST', `/articles/${id}/bylines`, seed.bylines[0], users.reporter)).version;
      const v2 = (await call(base, 'POST', `/articles/${id}/approval`, {}, users.editor, { 'if-match': `"${v}"` })).version;
      const published = await call(base, 'POST', `/articles/${id}/publication`, { copyrightNotice: { holder: 'Bench', text: '© Bench' } }, users.publisher, { 'if-match': `"${v2}"` });
      const acked = performance.now();
      const messageId = `article-${id}:${published.version}`;
      await until(() => rx.arrived.has(messageId) && natsArrived.has(messageId), `delivery of ${messageId}`, 60_000);
      webhookMs.push(rx.arrived.get(messageId) - acked);
      natsMs.push(natsArrived.get(messageId) - acked);
    }
    const directWebhookMs = [];
    const directNatsMs = [];
    for (let i = 0; i < SAMPLES; i++) {
      const body = sample[i % sample.length];
      const id = `direct-latency-${i}`;
      const at = new Date();
      const s0 = performance.now();
      await (await fetch(hook, { method: 'POST', headers: { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': signer.sign(id, at, body) }, body })).arrayBuffer();
      directWebhookMs.push(rx.arrived.get(id) - s0);
      const n0 = performance.now();
      await js.publish(`${subjectBase}.direct`, body, { msgID: id });
      await until(() => natsArrived.has(id), `direct ${id}`, 10_000);
      directNatsMs.push(natsArrived.get(id) - n0);
    }
    messages.stop();
    const w = latencySummary(webhookMs);
    const n = latencySummary(natsMs);
    const dw = latencySummary(directWebhookMs);
    const dn = latencySummary(directNatsMs);
    log(`distribution: publication 2xx → webhook p50 ${w.p50} ms p99 ${w.p99} ms (direct POST p50 ${dw.p50} ms); → JetStream consumer p50 ${n.p50} ms p99 ${n.p99} ms (direct publish p50 ${dn.p50} ms)`);
    return {
      seeded,
      backlog: {
        deliveries: expected,
        serviceSeconds: round(serviceSeconds, 2),
        servicePerSec: round(expected / serviceSeconds, 0),
        directSeconds: round(directSeconds, 2),
        directPerSec: round(expected / directSeconds, 0),
        ratio: round(directSeconds / serviceSeconds, 3),
        inFlight: CONCURRENCY,
      },
      latency: {
        samples: SAMPLES,
        pollMs: Number(pollMs ?? 200),
        webhookMs: w,
        jetstreamMs: n,
        directWebhookMs: dw,
        directJetstreamMs: dn,
      },
    };
  } finally {
    await jsm.streams.delete(stream).catch(() => undefined);
    await nc.close().catch(() => undefined);
    if (service) await stopProcess(service);
    await rx.close();
    await dropDatabase(db).catch(() => undefined);
  }
}

main().then(
  (r) => {
    const file = join(BENCH_DIR, 'results', 'experiments', `distribution-${new Date().toISOString().replace(/:/g, '-').replace(/\.\d+Z$/, 'Z')}${QUICK ? '-quick' : ''}.json`);
    mkdirSync(join(BENCH_DIR, 'results', 'experiments'), { recursive: true });
    writeFileSync(file, `${JSON.stringify(r, null, 2)}\n`);
    process.stdout.write(`${JSON.stringify(r)}\n`);
    process.exit(0);
  },
  (err) => {
    process.stderr.write(`distribution bench: ${err?.stack ?? err}\n`);
    process.exit(1);
  },
);
