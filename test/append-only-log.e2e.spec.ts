import { DataSource } from 'typeorm';
import { Notary } from '../src/audit/notary.service';
import { Verifier } from '../src/audit/verifier.service';
import { rewriteLog } from './support/log-rewrite';
import { SEED } from './support/publish';
import { bearer, rebuildThroughApi, startApp, TestApp } from './support/test-app';

/** The log is append-only in the database itself (issue #16, item 12; migrations/1764420000000). */
describe('append-only log (e2e)', () => {
  let t: TestApp;
  let db: DataSource;
  let streamId: string;
  const count = async (table: string) => Number((await db.query(`SELECT count(*) AS n FROM ${table}`))[0].n);

  beforeAll(async () => {
    t = await startApp();
    db = t.app.get(DataSource);
    const reporter = await t.user(['reporter']);
    const { id } = (await t.http().post('/articles').set(bearer(reporter.token)).send(SEED.draft).expect(201)).body;
    await t.http().patch(`/articles/${id}`).set(bearer(reporter.token)).set('If-Match', '"1"').send({ headline: 'second' }).expect(200);
    streamId = `article-${id}`;
    // seal() skips while the notary's own background pass holds its checkpoint: repeat until both versions are chained.
    const chained = async () => Number((await db.query(`SELECT count(*) AS n FROM event_chain WHERE stream_id = $1`, [streamId]))[0].n);
    for (let i = 0; i < 200 && (await chained()) < 2; i++) {
      await t.app.get(Notary).seal();
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(await chained()).toBe(2);
  });
  afterAll(() => t?.close());

  it.each([
    ['UPDATE events', `UPDATE events SET data = '{}'::jsonb WHERE stream_id = $1`],
    ['DELETE FROM events', `DELETE FROM events WHERE stream_id = $1`],
    ['UPDATE event_chain', `UPDATE event_chain SET chain_hash = 'x' WHERE stream_id = $1`],
    ['DELETE FROM event_chain', `DELETE FROM event_chain WHERE stream_id = $1`],
  ])('refuses %s and changes nothing', async (_name, sql) => {
    const before = await db.query(`SELECT e.hash, c.chain_hash FROM events e LEFT JOIN event_chain c USING (position) ORDER BY e.position`);
    await expect(db.query(sql, [streamId])).rejects.toThrow(/refused: the log is append-only/);
    expect(await db.query(`SELECT e.hash, c.chain_hash FROM events e LEFT JOIN event_chain c USING (position) ORDER BY e.position`)).toEqual(before);
  });

  it.each([['events'], ['event_chain']])('refuses TRUNCATE %s', async (table) => {
    const before = await count(table);
    await expect(db.query(`TRUNCATE ${table}`)).rejects.toThrow(/TRUNCATE on \w+ refused/);
    expect(await count(table)).toBe(before);
  });

  it('a session setting outside a transaction is not the bypass: only SET LOCAL in the rewriting transaction', async () => {
    await expect(
      db.transaction(async (m) => {
        await m.query(`SET LOCAL masthead.allow_log_rewrite = 'off'`);
        await m.query(`DELETE FROM events WHERE stream_id = $1`, [streamId]);
      }),
    ).rejects.toThrow(/append-only/);
  });

  it('the service works as before: appends, projections and a rebuild never need to change the log', async () => {
    const editor = await t.user(['editor']);
    const { id } = (await t.http().post('/articles').set(bearer(editor.token)).send(SEED.draft).expect(201)).body;
    await t.http().get(`/articles/${id}`).set(bearer(editor.token)).expect(200);
    expect(await rebuildThroughApi(t, 'articles')).toMatchObject({ status: 'succeeded' });
    await t.app.get(Notary).seal();
    expect((await t.app.get(Verifier).verify()).ok).toBe(true);
  });

  it("an operator's deliberate rewrite goes through, and verify still finds it", async () => {
    await rewriteLog(db, `UPDATE events SET data = jsonb_set(data, '{headline}', '"rewritten"') WHERE stream_id = $1 AND version = 1`, [streamId]);
    const report = await t.app.get(Verifier).verify();
    expect(report.ok).toBe(false);
    expect(report.failures).toEqual(expect.arrayContaining([expect.objectContaining({ streamId, version: 1, reason: expect.stringContaining('hash mismatch') })]));
  });
});
