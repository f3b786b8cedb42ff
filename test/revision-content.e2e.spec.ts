import { ProjectionRebuilder } from '../src/read-models/projection-rebuilder.service';
import seed from './fixtures/seed-article.json';
import { bearer, startApp, TestApp } from './support/test-app';

/**
 * A revision is judged on content, not on the order of an object's keys: the article's state comes back from jsonb
 * with its keys in jsonb's order, a request's blocks in the client's. Resending what the article already says is no
 * event, and the audit trail names only what changed, live and after a replay alike.
 */
describe('revisions compare content, not key order (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp({ NEWSROOM_SCHEDULER: 'off', NEWSROOM_PROJECTION_DAEMON: 'off' });
  });
  afterAll(() => t.close());

  const draft = { ...seed.draft, body: seed.draft.body.slice(0, 3) };
  type Block = (typeof draft.body)[number];
  const reordered = (blocks: Block[]) => blocks.map((b) => Object.fromEntries(Object.entries(b).reverse()));

  it('the same body in either key order is no revision; one changed block is the only change recorded', async () => {
    const reporter = await t.user(['reporter']);
    const as = () => bearer(reporter.token);
    const id: string = (await t.http().post('/articles').set(as()).send(draft).expect(201)).body.id;

    for (const body of [draft.body, reordered(draft.body)]) {
      const res = await t.http().patch(`/articles/${id}`).set(as()).set('If-Match', '"1"').send({ body }).expect(200);
      expect(res.body.version).toBe(1);
    }
    const edited = draft.body.map((b, i) => (i === 2 ? { ...b, text: `${b.text} (edited)` } : b));
    expect((await t.http().patch(`/articles/${id}`).set(as()).set('If-Match', '"1"').send({ body: edited }).expect(200)).body.version).toBe(2);

    const events = (await t.http().get(`/articles/${id}/events`).set(bearer(t.adminToken)).expect(200)).body;
    expect(events.map((e: { type: string }) => e.type)).toEqual(['ArticleDrafted', 'DraftRevised']);
    const audit = (await t.http().get(`/audit?articleId=${id}`).set(bearer(t.adminToken)).expect(200)).body;
    const revision = audit.items.find((e: { version: number }) => e.version === 2);
    expect(revision.changes.map((c: { field: string }) => c.field)).toEqual(['body[2]']);

    // The replayed audit trail (events read back from jsonb) says the same as the live one.
    const jobs = await t.app.get(ProjectionRebuilder).rebuildAll();
    expect(jobs.map((j) => [j.projection, j.identical])).toEqual([
      ['articles', true],
      ['published', true],
      ['audit', true],
    ]);
  });
});
