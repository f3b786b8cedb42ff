/**
 * Crash: a steady load of commands against one real server process (`node dist/main.js`), `kill -9` at random
 * moments (4 times by default), each time restarted on the same database: the PGlite data directory (whose lock
 * file the dead process left behind) or the PostgreSQL database of DATABASE_URL. Afterwards every command that
 * got a 2xx is in the log at the article and version it answered, no request's event is stored twice, the
 * streams are gap-free, the projections catch up with the log, and `cli verify` and `cli replay` pass.
 *
 * Negative control: the same checks are then run against the log with three acknowledged events taken away
 * (what a server that answers before its commit is durable would leave after a crash); they must report exactly
 * those as lost, and `cli verify` must fail on them.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ack, ackViolations, EventRef, streamViolations } from './support/checks';
import {
  ADMIN_PASSWORD,
  call,
  childEnv,
  createUser,
  Database,
  ENGINE,
  ensureBuilt,
  freshDatabase,
  killAll,
  login,
  openSql,
  pick,
  randomInt,
  runCli,
  ServerProcess,
  sleep,
  Sql,
  summary,
} from './support/harness';

const CRASHES = Number(process.env.CRASHES ?? 4);
const CLIENTS = 8;
const RUN = Math.random().toString(36).slice(2, 8);

describe(`crash: kill -9 under load, restart on the same ${ENGINE} database`, () => {
  let db: Database;
  let env: NodeJS.ProcessEnv;
  let sql: Sql | undefined;
  const figures: Record<string, number | string> = {};

  beforeAll(async () => {
    ensureBuilt();
    db = await freshDatabase();
    env = childEnv(db);
  }, 240_000);

  afterAll(async () => {
    summary('crash', figures);
    await killAll();
    await sql?.close().catch(() => undefined);
    await db?.drop().catch(() => undefined);
  });

  it(`loses no acknowledged command over ${CRASHES} kill -9 and restarts; projections catch up; verify passes`, async () => {
    let server = await ServerProcess.start(env, 'crash-0');
    const current = { base: server.url };
    const admin = await login(server.url, 'admin', ADMIN_PASSWORD);
    const reporters = await Promise.all([0, 1].map((i) => createUser(server.url, admin, `crash-reporter-${i}-${RUN}`, ['reporter'])));
    const editor = await createUser(server.url, admin, `crash-editor-${RUN}`, ['editor']);

    const acks: Ack[] = [];
    const known: string[] = [];
    let requests = 0;
    let serverErrors = 0;
    const serverErrorSamples: string[] = [];
    let stopped = false;
    let refused = 0;
    let cutOff = 0;
    let retries = 0;
    let replays = 0;
    let seq = 0;

    const client = async (c: number) => {
      const reporter = reporters[c % reporters.length];
      while (!stopped) {
        const op = known.length < 3 ? 'draft' : pick(['draft', 'byline', 'byline', 'revise', 'revise', 'approve'] as const);
        const requestId = `crash-${RUN}-c${c}-${++seq}-${op}`;
        const headers: Record<string, string> = { 'x-request-id': requestId };
        const base = current.base;
        let article: string | null = null;
        if (op !== 'draft') {
          article = pick(known);
          if (op !== 'byline') {
            const read = await call(base, 'GET', `/articles/${article}`, { token: reporter.token, timeoutMs: 10_000 });
            requests++;
            if (read.status >= 500) {
              serverErrors++;
              serverErrorSamples.push(`GET ${read.status} ${read.text.slice(0, 200)}`);
            }
            if (read.status !== 200) {
              if (read.status === 0) await sleep(200);
              continue;
            }
            headers['if-match'] = read.headers!.get('etag')!;
          }
        }
        // Every command carries an Idempotency-Key; one that got no answer (refused while the server was down, or
        // cut off in flight by the kill) is sent again with the same key and request id until it is answered.
        headers['idempotency-key'] = requestId;
        const send = (base: string) =>
          op === 'draft'
            ? call(base, 'POST', '/articles', {
                token: reporter.token,
                headers,
                body: { headline: `Crash ${c}/${requestId}`, body: [{ type: 'paragraph', text: 'Written under fire.' }], language: 'en' },
                timeoutMs: 10_000,
              })
            : op === 'byline'
              ? call(base, 'POST', `/articles/${article}/bylines`, { token: reporter.token, headers, body: { name: `Author ${requestId}` }, timeoutMs: 10_000 })
              : op === 'revise'
                ? call(base, 'PATCH', `/articles/${article}`, { token: reporter.token, headers, body: { summary: `revision ${requestId}` }, timeoutMs: 10_000 })
                : call(base, 'POST', `/articles/${article}/approval`, { token: editor.token, headers, body: {}, timeoutMs: 10_000 });
        let res = await send(current.base);
        requests++;
        for (let attempt = 1; res.status === 0 && attempt <= 100; attempt++) {
          if (res.error === 'ECONNREFUSED') refused++;
          else cutOff++;
          await sleep(200);
          res = await send(current.base);
          requests++;
          retries++;
          if (res.headers?.get('idempotent-replayed') === 'true') replays++;
        }
        if (res.status >= 500) {
          serverErrors++;
          serverErrorSamples.push(`${op} ${res.status} ${res.text.slice(0, 200)}`);
        }
        const id = op === 'draft' ? (res.json?.id as string | undefined) ?? null : article;
        if (op === 'draft' && res.status === 201 && id) known.push(id);
        acks.push({ requestId, streamId: id ? `article-${id}` : null, status: res.status, version: res.json?.version, op });
      }
    };

    const clients = Array.from({ length: CLIENTS }, (_, c) => client(c));
    let crashes = 0;
    let staleLocksTakenOver = 0;
    const restartMs: number[] = [];
    for (let k = 1; k <= CRASHES; k++) {
      await sleep(randomInt(700, 2000));
      const pid = server.pid;
      await server.kill9();
      crashes++;
      await sleep(randomInt(0, 300));
      const lockFile = join(db.env.NEWSROOM_DATA_DIR, 'masthead.lock');
      const staleLock = ENGINE === 'pglite' && existsSync(lockFile) && Number(readFileSync(lockFile, 'utf8').trim()) === pid;
      const t0 = Date.now();
      server = await ServerProcess.start(env, `crash-${k}`);
      restartMs.push(Date.now() - t0);
      if (staleLock) staleLocksTakenOver++;
      current.base = server.url;
    }
    await sleep(1000);
    stopped = true;
    await Promise.all(clients);

    // Projections catch up with the log: every article_view row at its stream's version, no checkpoint lagging.
    const lagging = async () => {
      const out: string[] = [];
      const status = await call(server.url, 'GET', '/admin/projections', { token: admin });
      if (status.status !== 200) return [`GET /admin/projections: ${status.status}`];
      for (const p of status.json as { name: string; lagEvents: number; status: string }[]) {
        if (p.lagEvents !== 0 || p.status !== 'running') out.push(`${p.name}: lag ${p.lagEvents}, ${p.status}`);
      }
      for (const id of known) {
        const [view, events] = await Promise.all([
          call(server.url, 'GET', `/articles/${id}`, { token: editor.token }),
          call(server.url, 'GET', `/articles/${id}/events`, { token: editor.token }),
        ]);
        if (view.json?.version !== events.json?.length) out.push(`${id}: view at ${view.json?.version}, log at ${events.json?.length}`);
      }
      return out;
    };
    let behind: string[] = [];
    const deadline = Date.now() + 20_000;
    do {
      behind = await lagging();
      if (behind.length) await sleep(250);
    } while (behind.length && Date.now() < deadline);
    await server.stop();

    sql = await openSql(db);
    const rows: { stream_id: string; version: number; correlation_id: string | null; position: string }[] = await sql.query(
      `SELECT stream_id, version, metadata->>'correlationId' AS correlation_id, position FROM events`,
    );
    const events: EventRef[] = rows.map((r) => ({ streamId: r.stream_id, version: r.version, correlationId: r.correlation_id }));
    const gaps = streamViolations(events);
    const report = ackViolations(acks, events, (id) => id.startsWith(`crash-${RUN}-`));
    const ledger: { stream_id: string; version: number; max: number | null }[] = await sql.query(
      `SELECT s.stream_id, s.version, (SELECT max(version) FROM events e WHERE e.stream_id = s.stream_id) AS max FROM streams s`,
    );
    const views: { id: string; version: number; max: number | null }[] = await sql.query(
      `SELECT v.id, v.version, (SELECT max(version) FROM events e WHERE e.stream_id = 'article-' || v.id) AS max FROM article_view v`,
    );
    const [{ streams }] = await sql.query(`SELECT count(DISTINCT stream_id) AS streams FROM events WHERE stream_id LIKE 'article-%'`);
    await sql.close();
    sql = undefined;
    const verify = await runCli(env, ['verify']);
    const replay = await runCli(env, ['replay']);

    const acked = acks.filter((a) => a.status >= 200 && a.status < 300);
    Object.assign(figures, {
      'crashes survived': crashes,
      'stale locks taken over': ENGINE === 'pglite' ? staleLocksTakenOver : 'n/a',
      'requests sent': requests,
      commands: acks.length,
      '2xx': acked.length,
      'commands cut off in flight by kill -9': cutOff,
      'commands refused while down': refused,
      'retries with the same Idempotency-Key': retries,
      'idempotent replays': replays,
      'article events in log': rows.filter((r) => r.stream_id.startsWith('article-')).length,
      'events of unanswered requests': report.fromUnanswered,
      '5xx': serverErrors,
      'events lost': report.lost,
      duplicates: report.duplicates,
      'restart ms (max)': Math.max(...restartMs),
    });

    expect({
      serverErrors: serverErrorSamples.slice(0, 5),
      unexpected: acks.filter((a) => ![200, 201, 409, 412].includes(a.status)).slice(0, 5).map((a) => `${a.op} ${a.requestId}: ${a.status}`),
      behind: behind.slice(0, 10),
      gaps: gaps.slice(0, 10),
      acks: report.messages,
      ledger: ledger.filter((l) => l.version !== l.max).map((l) => l.stream_id),
      views: views.filter((v) => v.version !== v.max).map((v) => `${v.id}: ${v.version} vs ${v.max}`),
      viewCount: views.length,
      verify: verify.code === 0 ? 'ok' : `exit ${verify.code}: ${verify.stdout.slice(0, 2000)}${verify.stderr.slice(-1000)}`,
      replay: replay.code === 0 ? 'ok' : `exit ${replay.code}: ${replay.stdout}${replay.stderr.slice(-1000)}`,
    }).toEqual({ serverErrors: [], unexpected: [], behind: [], gaps: [], acks: [], ledger: [], views: [], viewCount: Number(streams), verify: 'ok', replay: 'ok' });
    expect(report).toMatchObject({ lost: 0, duplicates: 0, misplaced: 0, sameVersionAcks: 0, storedFromRejected: 0, phantoms: 0 });
    expect(crashes).toBe(CRASHES);
    if (ENGINE === 'pglite') expect(staleLocksTakenOver).toBeGreaterThan(0);
    expect(acked.length).toBeGreaterThan(CRASHES * 5);

    // --- negative control: take three acknowledged events away as a non-durable commit would, and look again ---
    sql = await openSql(db);
    const tails: { stream_id: string; version: number; position: string }[] = await sql.query(
      `SELECT DISTINCT ON (stream_id) stream_id, version, position FROM events
        WHERE stream_id = ANY($1::text[]) AND version > 1 ORDER BY stream_id, version DESC`,
      [[...new Set(acked.filter((a) => a.op !== 'draft').map((a) => a.streamId!))]],
    );
    const victims = tails.filter((t) => acked.some((a) => a.streamId === t.stream_id && a.version === t.version)).slice(0, 3);
    let sealed = 0;
    for (const v of victims) {
      const [{ n }] = await sql.query(`SELECT count(*) AS n FROM event_chain WHERE position = $1`, [v.position]);
      sealed += Number(n);
      const [previous] = await sql.query(`SELECT hash FROM events WHERE stream_id = $1 AND version = $2`, [v.stream_id, v.version - 1]);
      await sql.rewriteLog(`DELETE FROM events WHERE stream_id = $1 AND version = $2`, [v.stream_id, v.version]);
      // The ledger rolled back with it, as if the transaction had never committed: the per-stream chain stays whole.
      await sql.query(`UPDATE streams SET version = $2, head_hash = $3 WHERE stream_id = $1`, [v.stream_id, v.version - 1, previous.hash]);
    }
    const damaged: { stream_id: string; version: number; correlation_id: string | null }[] = await sql.query(
      `SELECT stream_id, version, metadata->>'correlationId' AS correlation_id FROM events`,
    );
    await sql.close();
    sql = undefined;
    const after = ackViolations(
      acks,
      damaged.map((r) => ({ streamId: r.stream_id, version: r.version, correlationId: r.correlation_id })),
      (id) => id.startsWith(`crash-${RUN}-`),
    );
    const verifyDamaged = await runCli(env, ['verify']);
    figures['negative control: lost writes caught'] = `${after.lost}/${victims.length}`;
    figures['negative control: verify exit'] = String(verifyDamaged.code);
    expect(victims.length).toBe(3);
    expect(after.lost).toBe(victims.length);
    if (sealed > 0) expect(verifyDamaged.code).toBe(1);
  });
});
