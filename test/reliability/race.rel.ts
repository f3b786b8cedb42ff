/**
 * Race: 50 clients send conflicting commands (PATCH with the If-Match they read, bylines without If-Match,
 * approvals with If-Match) to the same few articles through real server processes on one database: two on
 * PostgreSQL; one on PGlite, whose data directory admits a single process. Afterwards, by SQL on the log: every
 * stream is gap-free, every 2xx is exactly one stored event at the version it answered, every 412 (or other
 * refusal) none, and the projections equal a fresh replay (`cli replay` checksums, and article_view against a
 * fold of the events).
 *
 * Negative control: the same 50 clients drive a deliberately broken appender (read max(version), then insert
 * max+1, with neither the ledger's conditional UPDATE nor the UNIQUE (stream_id, version) constraint) against a
 * scratch table shaped like `events`; the very same checks must find duplicates / lost updates there.
 */
import { fold } from '../../src/articles/domain/article';
import { toRecorded } from '../../src/articles/domain/article-stream';
import { EventRow, storedFromRow } from '../../src/event-store/event-store.service';
import { Ack, ackViolations, EventRef, streamViolations } from './support/checks';
import {
  call,
  childEnv,
  createUser,
  Database,
  ENGINE,
  ensureBuilt,
  freshDatabase,
  killAll,
  login,
  ADMIN_PASSWORD,
  openSql,
  randomInt,
  runCli,
  ServerProcess,
  sleep,
  Sql,
  summary,
} from './support/harness';

const PROCESSES = ENGINE === 'postgres' ? 2 : 1;
const CLIENTS = 50;
const ROUNDS = Number(process.env.RACE_ROUNDS ?? 8);
const ARTICLES = 3;
const RUN = Math.random().toString(36).slice(2, 8);

describe(`race: ${CLIENTS} clients, ${PROCESSES} server process(es) on one ${ENGINE} database`, () => {
  let db: Database;
  let env: NodeJS.ProcessEnv;
  let sql: Sql | undefined;
  let servers: ServerProcess[] = [];
  const articleIds: string[] = [];
  const figures: Record<string, number | string> = { processes: PROCESSES, clients: CLIENTS };

  beforeAll(async () => {
    ensureBuilt();
    db = await freshDatabase();
    env = childEnv(db);
  }, 240_000);

  afterAll(async () => {
    summary('race', figures);
    await killAll();
    await sql?.close().catch(() => undefined);
    await db?.drop().catch(() => undefined);
  });

  it('keeps every stream gap-free, every 2xx exactly one event, every 412 none, projections equal to a replay', async () => {
    // Both processes start at once: migrations and the first admin are raced too.
    servers = await Promise.all(Array.from({ length: PROCESSES }, (_, i) => ServerProcess.start(env, `race-${i}`)));
    const base = (i: number) => servers[i % servers.length].url;
    const admin = await login(base(0), 'admin', ADMIN_PASSWORD);
    const reporters = await Promise.all([0, 1, 2].map((i) => createUser(base(i), admin, `race-reporter-${i}-${RUN}`, ['reporter'])));
    const editors = await Promise.all([0, 1].map((i) => createUser(base(i), admin, `race-editor-${i}-${RUN}`, ['editor'])));

    for (let a = 0; a < ARTICLES; a++) {
      const draft = await call(base(a), 'POST', '/articles', {
        token: reporters[0].token,
        headers: { 'x-request-id': `setup-${RUN}-draft-${a}` },
        body: { headline: `Race ${a}`, body: [{ type: 'paragraph', text: 'Contended.' }], language: 'en' },
      });
      expect(draft.status).toBe(201);
      articleIds.push(draft.json.id);
      const byline = await call(base(a + 1), 'POST', `/articles/${draft.json.id}/bylines`, {
        token: reporters[0].token,
        headers: { 'x-request-id': `setup-${RUN}-byline-${a}` },
        body: { name: 'First Author' },
      });
      expect(byline.status).toBe(201);
    }

    const acks: Ack[] = [];
    const statuses: Record<string, number> = {};
    let requests = 0;
    let gets = 0;
    let gate!: () => void;
    const start = new Promise<void>((r) => (gate = r));

    const client = async (c: number) => {
      await start;
      for (let n = 0; n < ROUNDS; n++) {
        const article = articleIds[randomInt(0, ARTICLES - 1)];
        const server = randomInt(0, servers.length - 1);
        const roll = Math.random();
        const op = roll < 0.45 ? 'revise' : roll < 0.75 ? 'byline' : 'approve';
        const requestId = `race-${RUN}-c${c}-n${n}-${op}`;
        let version: string | null = null;
        if (op !== 'byline') {
          // Read (from either process), then send the version read as If-Match.
          const read = await call(base(randomInt(0, servers.length - 1)), 'GET', `/articles/${article}`, { token: reporters[0].token });
          requests++;
          gets++;
          statuses[`GET ${read.status}`] = (statuses[`GET ${read.status}`] ?? 0) + 1;
          if (read.status !== 200) continue;
          version = read.headers!.get('etag');
        }
        const who = op === 'approve' ? editors[c % editors.length] : reporters[c % reporters.length];
        const headers: Record<string, string> = { 'x-request-id': requestId };
        if (version) headers['if-match'] = version;
        const res =
          op === 'revise'
            ? await call(base(server), 'PATCH', `/articles/${article}`, {
                token: who.token,
                headers,
                body: Math.random() < 0.5 ? { summary: `client ${c} round ${n}` } : { headline: `Race headline by ${c}/${n}` },
              })
            : op === 'byline'
              ? await call(base(server), 'POST', `/articles/${article}/bylines`, { token: who.token, headers, body: { name: `Author ${c}.${n}` } })
              : await call(base(server), 'POST', `/articles/${article}/approval`, { token: who.token, headers, body: { note: `ok ${c}/${n}` } });
        requests++;
        statuses[`${op} ${res.status}`] = (statuses[`${op} ${res.status}`] ?? 0) + 1;
        acks.push({ requestId, streamId: `article-${article}`, status: res.status, version: res.json?.version, op });
      }
    };
    const started = Date.now();
    const clients = Array.from({ length: CLIENTS }, (_, c) => client(c));
    gate();
    await Promise.all(clients);
    const elapsedMs = Date.now() - started;

    const serverErrors = acks.filter((a) => a.status >= 500).length + Object.entries(statuses).filter(([k]) => /^GET 5/.test(k)).reduce((s, [, n]) => s + n, 0);
    const unanswered = acks.filter((a) => a.status === 0).length;
    const unexpected = acks.filter((a) => ![200, 201, 409, 412, 429].includes(a.status));
    const twoXX = acks.filter((a) => a.status >= 200 && a.status < 300).length;
    const preconditionFailed = acks.filter((a) => a.status === 412).length;

    // Stop the servers (cleanly) before reading the log and replaying: PGlite admits one process at a time.
    const exitCodes = await Promise.all(servers.map((s) => s.stop()));

    sql = await openSql(db);
    const rows: EventRow[] = await sql.query(
      `SELECT position, transaction_id, stream_id, version, type, schema_version, data, metadata, recorded_at, hash FROM events ORDER BY position`,
    );
    const events: EventRef[] = rows.map((r) => ({ streamId: r.stream_id, version: r.version, correlationId: r.metadata.correlationId ?? null }));
    const gaps = streamViolations(events);
    const report = ackViolations(acks, events, (id) => id.startsWith(`race-${RUN}-`));
    const ledger: { stream_id: string; version: number; max: number | null }[] = await sql.query(
      `SELECT s.stream_id, s.version, (SELECT max(version) FROM events e WHERE e.stream_id = s.stream_id) AS max FROM streams s`,
    );
    const ledgerMismatch = ledger.filter((l) => l.version !== l.max);

    // article_view must be the fold of each stream.
    const views: { id: string; version: number; status: string; state: unknown }[] = await sql.query(`SELECT id, version, status, state FROM article_view`);
    const viewMismatch: string[] = [];
    for (const id of articleIds) {
      const stream = rows.filter((r) => r.stream_id === `article-${id}`).sort((a, b) => a.version - b.version);
      const folded = fold(stream.map((r) => toRecorded(storedFromRow(r))));
      const view = views.find((v) => v.id === id);
      if (!view || view.version !== stream.length || JSON.stringify(sortKeys(view.state)) !== JSON.stringify(sortKeys(JSON.parse(JSON.stringify(folded))))) {
        viewMismatch.push(`${id}: article_view at ${view?.version}, stream at ${stream.length}`);
      }
    }
    const workloadEvents = events.filter((e) => e.correlationId?.startsWith(`race-${RUN}-`)).length;
    await sql.close();
    sql = undefined;

    // A fresh replay of every projection must give the live tables' checksums (exit 1 otherwise); verify passes.
    const replay = await runCli(env, ['replay']);
    const verify = await runCli(env, ['verify']);

    Object.assign(figures, {
      'requests sent': requests,
      commands: acks.length,
      reads: gets,
      '2xx': twoXX,
      '412': preconditionFailed,
      '409': acks.filter((a) => a.status === 409).length,
      'events stored': workloadEvents,
      '5xx': serverErrors,
      'events lost': report.lost,
      duplicates: report.duplicates + report.sameVersionAcks,
      'stored from refused': report.storedFromRejected,
      'seconds': (elapsedMs / 1000).toFixed(1),
    });

    const problems = {
      unexpected: unexpected.slice(0, 5).map((a) => `${a.op} ${a.requestId}: ${a.status}`),
      unanswered,
      serverErrors,
      gaps: gaps.slice(0, 10),
      acks: report.messages,
      ledgerMismatch,
      viewMismatch,
      replay: replay.code === 0 ? 'ok' : `exit ${replay.code}: ${replay.stdout}${replay.stderr.slice(-2000)}`,
      verify: verify.code === 0 ? 'ok' : `exit ${verify.code}: ${verify.stdout.slice(0, 2000)}${verify.stderr.slice(-1000)}`,
      badExits: exitCodes.filter((c) => c !== 0 && c !== null),
    };
    expect(problems).toEqual({
      unexpected: [],
      unanswered: 0,
      serverErrors: 0,
      gaps: [],
      acks: [],
      ledgerMismatch: [],
      viewMismatch: [],
      replay: 'ok',
      verify: 'ok',
      badExits: [],
    });
    expect(report).toMatchObject({ lost: 0, duplicates: 0, misplaced: 0, sameVersionAcks: 0, storedFromRejected: 0, fromUnanswered: 0, phantoms: 0 });
    expect(workloadEvents).toBe(twoXX);
    // The race was real: both outcomes happened, on every process.
    expect(twoXX).toBeGreaterThan(ARTICLES);
    expect(preconditionFailed).toBeGreaterThan(0);
    expect(replay.stdout).toMatch(/articles: .* = live/);
  });

  it('negative control: a read-max-then-insert appender under the same 50 clients is caught by the same checks', async () => {
    sql = await openSql(db, 20);
    await sql.query(`DROP TABLE IF EXISTS rel_naive_events`);
    // Same shape as events, without its UNIQUE (stream_id, version) and without the stream ledger.
    await sql.query(`CREATE TABLE rel_naive_events (LIKE events INCLUDING DEFAULTS INCLUDING IDENTITY)`);
    const streams = Array.from({ length: ARTICLES }, (_, a) => `article-naive-${a}`);
    const insert = (stream: string, version: number, requestId: string) =>
      sql!.query(
        `INSERT INTO rel_naive_events (stream_id, version, type, schema_version, data, metadata, recorded_at, hash)
         VALUES ($1, $2, 'DraftRevised', 1, '{}'::jsonb, $3::jsonb, now(), 'x')`,
        [stream, version, JSON.stringify({ correlationId: requestId })],
      );
    for (const s of streams) await insert(s, 1, `naive-setup-${s}`);

    /** The broken appender: what ocoda's old append and event-nest do. */
    const naiveAppend = async (stream: string, requestId: string): Promise<number> => {
      const [{ v }] = await sql!.query(`SELECT COALESCE(max(version), 0) AS v FROM rel_naive_events WHERE stream_id = $1`, [stream]);
      await sleep(randomInt(0, 2)); // decide() runs between the read and the write
      await insert(stream, Number(v) + 1, requestId);
      return Number(v) + 1;
    };
    const acks: Ack[] = [];
    let gate!: () => void;
    const start = new Promise<void>((r) => (gate = r));
    const clients = Array.from({ length: CLIENTS }, async (_, c) => {
      await start;
      for (let n = 0; n < ROUNDS; n++) {
        const stream = streams[randomInt(0, ARTICLES - 1)];
        const requestId = `naive-${c}-${n}`;
        const version = await naiveAppend(stream, requestId);
        acks.push({ requestId, streamId: stream, status: 200, version, op: 'naive' });
      }
    });
    gate();
    await Promise.all(clients);
    const rows: { stream_id: string; version: number; correlation_id: string }[] = await sql.query(
      `SELECT stream_id, version, metadata->>'correlationId' AS correlation_id FROM rel_naive_events`,
    );
    await sql.query(`DROP TABLE rel_naive_events`);
    await sql.close();
    sql = undefined;
    const events: EventRef[] = rows.map((r) => ({ streamId: r.stream_id, version: r.version, correlationId: r.correlation_id }));
    const gaps = streamViolations(events);
    const report = ackViolations(acks, events, (id) => id.startsWith('naive-'));
    figures['negative control: duplicates caught'] = report.duplicates;
    figures['negative control: lost updates caught'] = report.sameVersionAcks;
    // The checks that passed on the real service must fail here.
    expect(gaps.length).toBeGreaterThan(0);
    expect(report.duplicates).toBeGreaterThan(0);
    expect(report.sameVersionAcks).toBeGreaterThan(0);
  });
});

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value as object)
        .sort()
        .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}
