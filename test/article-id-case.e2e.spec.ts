import seed from './fixtures/seed-article.json';
import { bearer, startApp, TestApp } from './support/test-app';
import { desk, publishThroughHttp } from './support/publish';

/**
 * An article id is a UUID, and a UUID in upper case is the same UUID (RFC 9562). GET /articles/{ID} answered 200,
 * but the commands, /events, ?version= and /published?asOf= on the same upper-case URL said 404 (they looked for
 * the stream "article-<ID>", which does not exist).
 */
describe('an article id in upper case names the same article (e2e)', () => {
  let t: TestApp;
  let reporter: { token: string };
  let editor: { token: string };

  beforeAll(async () => {
    t = await startApp();
    reporter = await t.user(['reporter']);
    editor = await t.user(['editor']);
  });
  afterAll(() => t?.close());

  it('reads and commands agree on it', async () => {
    const { body } = await t.http().post('/articles').set(bearer(reporter.token)).send(seed.draft).expect(201);
    const upper = (body.id as string).toUpperCase();
    expect((await t.http().get(`/articles/${upper}`).set(bearer(reporter.token)).expect(200)).body.id).toBe(body.id);
    expect((await t.http().get(`/articles/${upper}?version=1`).set(bearer(reporter.token)).expect(200)).body.id).toBe(body.id);
    expect(await t.http().get(`/articles/${upper}/events`).set(bearer(editor.token)).expect(200).then((r) => r.body.length)).toBe(1);
    const byline = await t.http().post(`/articles/${upper}/bylines`).set(bearer(reporter.token)).send(seed.bylines[0]).expect(201);
    expect(byline.body).toMatchObject({ id: body.id, version: 2 });
    const revised = await t.http().patch(`/articles/${upper}`).set(bearer(reporter.token)).set('If-Match', '"2"').send({ summary: 'S' }).expect(200);
    expect(revised.body).toEqual({ id: body.id, version: 3, status: 'draft' });
    expect((await t.http().get(`/articles/${body.id}`).set(bearer(reporter.token)).expect(200)).body).toMatchObject({ version: 3, summary: 'S' });
  });

  it('/published/{ID}?asOf= too', async () => {
    const { id } = await publishThroughHttp(t, await desk(t));
    const upper = id.toUpperCase();
    await t.http().get(`/published/${upper}`).expect(200);
    await t.http().get(`/published/${upper}?asOf=${encodeURIComponent(new Date().toISOString())}`).expect(200);
  });
});
