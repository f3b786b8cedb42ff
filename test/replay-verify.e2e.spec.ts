import { DataSource } from 'typeorm';
import { Notary } from '../src/audit/notary.service';
import { Verifier } from '../src/audit/verifier.service';
import { ProjectionRebuilder } from '../src/read-models/projection-rebuilder.service';
import { rewriteLog } from './support/log-rewrite';
import { seedWorkflows } from './support/seed-load';
import { bearer, rebuildThroughApi, startApp, TestApp } from './support/test-app';

/** Replay gives the live read models byte for byte; verify catches each way of editing the log behind our back. */
describe('replay and verify (e2e)', () => {
  let t: TestApp;
  let db: DataSource;
  let ids: string[];
  let auditor: string;

  beforeAll(async () => {
    t = await startApp();
    db = t.app.get(DataSource);
    ({ ids } = await seedWorkflows(t, Number(process.env.REPLAY_ARTICLES ?? 40)));
    auditor = (await t.user(['auditor'])).token;
  });
  afterAll(() => t?.close());

  it('rebuilds every projection to the same checksum as the live one, while reads keep answering', async () => {
    const rebuilder = t.app.get(ProjectionRebuilder);
    for (const name of ['articles', 'articles-search', 'published', 'published-search', 'audit']) {
      let readsDuring = 0;
      const job = rebuilder.rebuild(name);
      let done = false;
      job.finally(() => (done = true)).catch(() => undefined);
      while (!done) {
        await t.http().get(`/published/${ids[2]}`).expect(200);
        await t.http().get(`/articles/${ids[1]}`).set(bearer(auditor)).expect(200);
        readsDuring++;
      }
      const result = await job;
      expect(result.status).toBe('succeeded');
      expect(result.rebuiltChecksum).toBe(result.liveChecksum);
      expect(result.identical).toBe(true);
      expect(result.eventsProcessed).toBeGreaterThan(0);
      expect(readsDuring).toBeGreaterThan(0);
    }
    const after = await t.http().get(`/articles/${ids[0]}/history`).set(bearer(auditor)).expect(200);
    expect(after.body[0].type).toBe('ArticleDrafted');
  });

  it('rebuilds through the admin API with a job to follow', async () => {
    expect(await rebuildThroughApi(t, 'audit')).toMatchObject({ status: 'succeeded', identical: true });
    const projections = await t.http().get('/admin/projections').set(bearer(t.adminToken)).expect(200);
    expect(projections.body.map((p: { name: string }) => p.name).sort()).toEqual(['articles', 'articles-search', 'audit', 'published', 'published-search']);
    await t.http().post('/admin/projections/nope/rebuild').set(bearer(t.adminToken)).expect(404);
    await t.http().post('/admin/projections/audit/rebuild').set(bearer(auditor)).expect(403);
  });

  it('verifies a clean log', async () => {
    const res = await t.http().get('/audit/verify').set(bearer(auditor)).expect(200);
    expect(res.body).toMatchObject({ ok: true, failures: [] });
    expect(res.body.streamsChecked).toBe(ids.length + 2); // the articles, and the admin's and the auditor's user streams
  });

  // The log refuses these changes (migrations/1764420000000); an operator's deliberate bypass still leaves them for verify to find.
  describe('detects tampering done directly in SQL', () => {
    const stream = (i: number) => `article-${ids[i]}`;
    const verify = () => t.app.get(Verifier).verify();
    const failuresFor = async (i: number) => (await verify()).failures.filter((f) => f.articleId === ids[i]);

    beforeAll(async () => {
      await t.app.get(Notary).seal(); // everything committed so far is sealed before anyone tampers
    });

    it('changed data', async () => {
      await rewriteLog(db, `UPDATE events SET data = jsonb_set(data, '{headline}', '"rewritten"') WHERE stream_id = $1 AND version = 1`, [stream(3)]);
      expect(await failuresFor(3)).toEqual([expect.objectContaining({ version: 1, reason: expect.stringContaining('hash mismatch') })]);
    });

    it('changed metadata (the actor)', async () => {
      await rewriteLog(db, `UPDATE events SET metadata = jsonb_set(metadata, '{username}', '"someone-else"') WHERE stream_id = $1 AND version = 2`, [stream(4)]);
      expect(await failuresFor(4)).toEqual(expect.arrayContaining([expect.objectContaining({ version: 2, reason: expect.stringContaining('hash mismatch') })]));
    });

    it('deleted event', async () => {
      await rewriteLog(db, `DELETE FROM events WHERE stream_id = $1 AND version = 3`, [stream(5)]);
      const failures = await failuresFor(5);
      expect(failures).toEqual(expect.arrayContaining([expect.objectContaining({ version: 3, reason: expect.stringContaining('missing') })]));
    });

    it('inserted event', async () => {
      const [last] = await db.query(`SELECT version, type, schema_version, data, metadata, recorded_at, hash FROM events WHERE stream_id = $1 ORDER BY version DESC LIMIT 1`, [stream(6)]);
      await db.query(
        `INSERT INTO events (stream_id, version, type, schema_version, data, metadata, recorded_at, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [stream(6), last.version + 1, 'DraftRevised', 1, JSON.stringify({ changes: { headline: 'forged' } }), JSON.stringify(last.metadata), last.recorded_at, last.hash],
      );
      const failures = await failuresFor(6);
      expect(failures).toEqual(expect.arrayContaining([expect.objectContaining({ version: last.version + 1, reason: expect.stringContaining('hash mismatch') })]));
    });

    it('swapped versions', async () => {
      await rewriteLog(db, `UPDATE events SET version = 1000 WHERE stream_id = $1 AND version = 2`, [stream(7)]);
      await rewriteLog(db, `UPDATE events SET version = 2 WHERE stream_id = $1 AND version = 3`, [stream(7)]);
      await rewriteLog(db, `UPDATE events SET version = 3 WHERE stream_id = $1 AND version = 1000`, [stream(7)]);
      const failures = await failuresFor(7);
      expect(failures.map((f) => f.version)).toEqual(expect.arrayContaining([2]));
    });

    it('deleted stream', async () => {
      await rewriteLog(db, `DELETE FROM events WHERE stream_id = $1`, [stream(8)]);
      expect(await failuresFor(8)).toEqual(expect.arrayContaining([expect.objectContaining({ reason: expect.stringContaining('stream deleted') })]));
    });

    it('deleted stream, ledger row and all', async () => {
      await rewriteLog(db, `DELETE FROM events WHERE stream_id = $1`, [stream(9)]);
      await db.query(`DELETE FROM streams WHERE stream_id = $1`, [stream(9)]);
      const failures = await failuresFor(9);
      expect(failures.length).toBeGreaterThan(0);
      expect(failures).toEqual(expect.arrayContaining([expect.objectContaining({ version: 1, reason: expect.stringContaining('is gone') })]));
    });

    it('events reordered across streams (positions swapped)', async () => {
      // Positions are GENERATED ALWAYS: an attacker deletes both rows and writes them back, swapped.
      const cols = 'position, transaction_id, stream_id, version, type, schema_version, data, metadata, recorded_at, hash';
      const [a] = await db.query(`SELECT ${cols} FROM events WHERE stream_id = $1 AND version = 1`, [stream(10)]);
      const [b] = await db.query(`SELECT ${cols} FROM events WHERE stream_id = $1 AND version = 1`, [stream(11)]);
      await rewriteLog(db, `DELETE FROM events WHERE position IN ($1, $2)`, [a.position, b.position]);
      for (const [row, position] of [[a, b.position], [b, a.position]]) {
        await db.query(
          `INSERT INTO events (${cols}) OVERRIDING SYSTEM VALUE VALUES ($1, $2::xid8, $3, $4, $5, $6, $7, $8, $9, $10)`,
          [position, row.transaction_id, row.stream_id, row.version, row.type, row.schema_version, JSON.stringify(row.data), JSON.stringify(row.metadata), row.recorded_at, row.hash],
        );
      }
      const failures = (await verify()).failures.filter((f) => f.articleId === ids[10] || f.articleId === ids[11]);
      expect(failures).toEqual(expect.arrayContaining([expect.objectContaining({ version: 1, reason: expect.stringContaining('events moved') })]));
    });

    it('reports through the API with article and version, and the clean streams stay clean', async () => {
      const res = await t.http().get('/audit/verify').set(bearer(t.adminToken)).expect(200);
      expect(res.body.ok).toBe(false);
      const bad = new Set(res.body.failures.map((f: { articleId: string }) => f.articleId));
      expect(bad).toEqual(new Set([3, 4, 5, 6, 7, 8, 9, 10, 11].map((i) => ids[i])));
    });
  });
});
