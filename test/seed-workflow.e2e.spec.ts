import seed from './fixtures/seed-article.json';
import { bearer, startApp, TestApp } from './support/test-app';

/** The seed article from draft to publication over HTTP, as a reporter, an editor and a publisher would. */
describe('seed article workflow (e2e)', () => {
  let t: TestApp;
  let reporter: Awaited<ReturnType<TestApp['user']>>;
  let editor: Awaited<ReturnType<TestApp['user']>>;
  let publisher: Awaited<ReturnType<TestApp['user']>>;
  let id: string;

  beforeAll(async () => {
    t = await startApp();
    reporter = await t.user(['reporter']);
    editor = await t.user(['editor']);
    publisher = await t.user(['publisher']);
  });
  afterAll(() => t?.close());

  it('takes the seed article from draft to published and gives back every character', async () => {
    const drafted = await t.http().post('/articles').set(bearer(reporter.token)).send(seed.draft).expect(201);
    id = drafted.body.id;
    expect(drafted.body).toEqual({ id, version: 1, status: 'draft' });
    expect(drafted.headers.location).toBe(`/articles/${id}`);
    expect(drafted.headers.etag).toBe('"1"');

    for (const byline of seed.bylines) {
      await t.http().post(`/articles/${id}/bylines`).set(bearer(reporter.token)).send(byline).expect(201);
    }
    const photo = await t.http().post(`/articles/${id}/photos`).set(bearer(reporter.token)).send(seed.photos[0]).expect(201);
    expect(photo.body).toMatchObject({ id, version: 4 });

    const approved = await t.http().post(`/articles/${id}/approval`).set(bearer(editor.token)).set('If-Match', '"4"').send({}).expect(200);
    expect(approved.body).toEqual({ id, version: 5, status: 'approved' });

    const published = await t
      .http()
      .post(`/articles/${id}/publication`)
      .set(bearer(publisher.token))
      .set('If-Match', '"5"')
      .send({ copyrightNotice: seed.copyrightNotice })
      .expect(200);
    expect(published.body).toMatchObject({ id, version: 6, status: 'published' });
    expect(Date.parse(published.body.publishedAt)).not.toBeNaN();

    const pub = await t.http().get(`/published/${id}`).expect(200);
    expect(pub.body.headline).toBe(seed.draft.headline);
    expect(pub.body.language).toBe('zh-Hant');
    expect(pub.body.source).toBe(seed.draft.source);
    expect(pub.body.body).toEqual(seed.draft.body);
    expect(pub.body.body).toHaveLength(19);
    expect(pub.body.bylines.map(({ name, role, organisation }: Record<string, string>) => ({ name, role, organisation }))).toEqual(seed.bylines);
    expect(pub.body.photos).toHaveLength(1);
    expect(pub.body.photos[0]).toMatchObject(seed.photos[0]);
    expect(pub.body.copyrightNotice).toEqual({ ...seed.copyrightNotice, usageTerms: null });
    expect(pub.body.version).toBe(6);
    expect(pub.body.corrections).toEqual([]);
    expect(pub.headers.etag).toBe('"6"');
    await t.http().get(`/published/${id}`).set('If-None-Match', '"6"').expect(304);
    await t.http().get(`/published/${id}`).set('If-None-Match', '"5"').expect(200);
  });

  it('records the history with the right actors', async () => {
    const history = await t.http().get(`/articles/${id}/history`).set(bearer(editor.token)).expect(200);
    expect(history.body.map((e: { type: string }) => e.type)).toEqual([
      'ArticleDrafted',
      'BylineAdded',
      'BylineAdded',
      'PhotoCreditAttached',
      'ArticleApproved',
      'ArticlePublished',
    ]);
    expect(history.body.map((e: { actor: { username: string } }) => e.actor.username)).toEqual([
      reporter.username,
      reporter.username,
      reporter.username,
      reporter.username,
      editor.username,
      publisher.username,
    ]);
    expect(history.body.map((e: { version: number }) => e.version)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(history.body[4].actor.roles).toEqual(['editor']);
    expect(history.body[1].summary).toContain('許丹婷');
    expect(history.body[5].changes).toEqual(expect.arrayContaining([{ field: 'status', op: 'set', from: 'approved', to: 'published' }]));
  });

  it('stores the events with metadata and a hash chain', async () => {
    const events = await t.http().get(`/articles/${id}/events`).set(bearer(editor.token)).expect(200);
    expect(events.body).toHaveLength(6);
    for (const e of events.body) {
      expect(e.hash).toMatch(/^[0-9a-f]{64}$/);
      expect(e.metadata).toMatchObject({ actorId: expect.any(String), username: expect.any(String), roles: expect.any(Array), correlationId: expect.any(String), causationId: expect.any(String) });
      expect(e.schemaVersion).toBe(e.type === 'ArticlePublished' ? 2 : 1);
    }
    expect(new Set(events.body.map((e: { hash: string }) => e.hash)).size).toBe(6);
  });

  it('shows the working state with approval and publication', async () => {
    const res = await t.http().get(`/articles/${id}`).set(bearer(reporter.token)).expect(200);
    expect(res.headers.etag).toBe('"6"');
    expect(res.body).toMatchObject({ id, version: 6, status: 'published', headline: seed.draft.headline });
    expect(res.body.approval).toMatchObject({ by: { id: editor.id, username: editor.username }, version: 4 });
    expect(res.body.publication).toMatchObject({ version: 6, copyrightNotice: { holder: seed.copyrightNotice.holder } });
  });
});
