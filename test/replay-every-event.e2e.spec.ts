import { DataSource } from 'typeorm';
import { ProjectionDaemon } from '../src/read-models/projection-daemon.service';
import { ProjectionRebuilder } from '../src/read-models/projection-rebuilder.service';
import { PublicationScheduler } from '../src/scheduler/publication-scheduler.service';
import { desk, Desk, SEED } from './support/publish';
import { bearer, startApp, TestApp } from './support/test-app';

/** Replay of every event type domain.md and api.md name, including the ones the load seed never produces. */
describe('replay of every event type (e2e)', () => {
  let t: TestApp;
  let d: Desk;
  let db: DataSource;
  const TABLES = [
    { table: 'article_view', key: 'id' },
    { table: 'article_search', key: 'id' },
    { table: 'published_article', key: 'id' },
    { table: 'published_search', key: 'id' },
    { table: 'audit_entry', key: 'position' },
  ];
  const dump = async () => {
    const out: Record<string, string[]> = {};
    for (const { table, key } of TABLES) out[table] = (await db.query(`SELECT t::text AS r FROM ${table} t ORDER BY t.${key}`)).map((r: { r: string }) => r.r);
    return out;
  };

  beforeAll(async () => {
    t = await startApp({ NEWSROOM_PROJECTION_DAEMON: 'off', NEWSROOM_SCHEDULER: 'off' });
    db = t.app.get(DataSource);
    d = await desk(t);
    const as = (token: string) => bearer(token);
    const id = (await t.http().post('/articles').set(as(d.reporter.token)).send(SEED.draft).expect(201)).body.id;
    let v = 1;
    const bylines: string[] = [];
    for (const b of SEED.bylines) {
      const r = (await t.http().post(`/articles/${id}/bylines`).set(as(d.reporter.token)).send(b).expect(201)).body;
      bylines.push(r.bylineId);
      v = r.version;
    }
    const extra = (await t.http().post(`/articles/${id}/photos`).set(as(d.reporter.token)).send({ ...SEED.photos[0], caption: 'to be removed' }).expect(201)).body;
    v = (await t.http().post(`/articles/${id}/photos`).set(as(d.reporter.token)).send(SEED.photos[0]).expect(201)).body.version;
    v = (await t.http().post(`/articles/${id}/approval`).set(as(d.editor.token)).set('If-Match', `"${v}"`).send({ note: 'ok' }).expect(200)).body.version;
    // Content changes after approval void it.
    v = (await t.http().patch(`/articles/${id}`).set(as(d.reporter.token)).set('If-Match', `"${v}"`).send({ summary: '摘要' }).expect(200)).body.version;
    v = (await t.http().delete(`/articles/${id}/photos/${extra.photoId}`).set(as(d.reporter.token)).expect(200)).body.version;
    v = (await t.http().post(`/articles/${id}/bylines`).set(as(d.reporter.token)).send({ name: 'temp' }).expect(201)).body.version;
    const temp = (await t.http().get(`/articles/${id}`).set(as(d.reporter.token)).expect(200)).body.bylines.find((b: { name: string }) => b.name === 'temp').id;
    v = (await t.http().delete(`/articles/${id}/bylines/${temp}`).set(as(d.reporter.token)).expect(200)).body.version;
    v = (await t.http().post(`/articles/${id}/approval`).set(as(d.editor.token)).set('If-Match', `"${v}"`).send({}).expect(200)).body.version;
    // Scheduled, cancelled, scheduled again and published by the scheduler.
    const soon = new Date(Date.parse(t.clock.now()) + 60_000).toISOString();
    v = (await t.http().post(`/articles/${id}/publication`).set(as(d.publisher.token)).set('If-Match', `"${v}"`).send({ copyrightNotice: SEED.copyrightNotice, publishAt: soon }).expect(200)).body.version;
    v = (await t.http().delete(`/articles/${id}/publication`).set(as(d.publisher.token)).set('If-Match', `"${v}"`).expect(200)).body.version;
    v = (await t.http().post(`/articles/${id}/publication`).set(as(d.publisher.token)).set('If-Match', `"${v}"`).send({ copyrightNotice: { ...SEED.copyrightNotice, usageTerms: '僅供參考' }, publishAt: soon }).expect(200)).body.version;
    t.clock.advance(120_000);
    expect(await t.app.get(PublicationScheduler).tick()).toBe(1);
    v += 1;
    for (const kind of ['correction', 'clarification', 'editors-note']) {
      v = (await t.http().post(`/articles/${id}/corrections`).set(as(d.publisher.token)).set('If-Match', `"${v}"`).send({ kind, note: `${kind} note` }).expect(200)).body.version;
    }
    // A change of the text is proposed, then approved by someone else; another is proposed and rejected.
    const update = (await t.http().post(`/articles/${id}/corrections`).set(as(d.publisher.token)).set('If-Match', `"${v}"`).send({ kind: 'update', note: 'update note', body: [{ type: 'paragraph', text: '更新' }] }).expect(202)).body;
    v = (await t.http().post(`/articles/${id}/corrections/${update.correctionId}/approval`).set(as(d.editor.token)).set('If-Match', `"${update.version}"`).expect(200)).body.version;
    const wrong = (await t.http().post(`/articles/${id}/corrections`).set(as(d.publisher.token)).set('If-Match', `"${v}"`).send({ kind: 'correction', note: 'wrong note', headline: '錯誤的標題' }).expect(202)).body;
    v = (await t.http().post(`/articles/${id}/corrections/${wrong.correctionId}/rejection`).set(as(d.editor.token)).set('If-Match', `"${wrong.version}"`).send({ reason: '標題無誤' }).expect(200)).body.version;
    // A proposal left pending when the article is withdrawn.
    v = (await t.http().post(`/articles/${id}/corrections`).set(as(d.publisher.token)).set('If-Match', `"${v}"`).send({ kind: 'correction', note: 'pending note', headline: '待批的標題' }).expect(202)).body.version;
    await t.http().post(`/articles/${id}/withdrawal`).set(as(d.publisher.token)).set('If-Match', `"${v}"`).send({ reason: '法律原因' }).expect(200);
    const types = (await t.http().get(`/articles/${id}/events`).set(as(d.editor.token)).expect(200)).body.map((e: { type: string }) => e.type);
    expect(new Set(types)).toEqual(
      new Set([
        'ArticleDrafted', 'BylineAdded', 'PhotoCreditAttached', 'ArticleApproved', 'DraftRevised', 'PhotoRemoved', 'BylineRemoved', 'PublicationScheduled',
        'PublicationCancelled', 'ArticlePublished', 'ArticleCorrected', 'CorrectionProposed', 'CorrectionApproved', 'CorrectionRejected', 'ArticleWithdrawn',
      ]),
    );
  });
  afterAll(() => t?.close());

  it('rebuilds every read model identical to the live one', async () => {
    expect(await t.app.get(ProjectionDaemon).tick()).toBe(true); // search is written after the commit, by the daemon
    const live = await dump();
    const jobs = await t.app.get(ProjectionRebuilder).rebuildAll();
    expect(jobs.map((j) => [j.projection, j.status, j.identical])).toEqual([
      ['articles', 'succeeded', true],
      ['articles-search', 'succeeded', true],
      ['published', 'succeeded', true],
      ['published-search', 'succeeded', true],
      ['audit', 'succeeded', true],
    ]);
    expect(await dump()).toEqual(live);
  });
});
