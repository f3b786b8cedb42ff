import seed from './fixtures/seed-article.json';
import { bearer, startApp, TestApp } from './support/test-app';

/**
 * docs/api.md: times are RFC 3339. A time without a zone offset ("2030-01-01T09:00:00") or a bare date names no
 * instant: read in the server's time zone, it scheduled a publication, or picked the version shown, hours away
 * from what the client meant. It is a bad field (400), and nothing is written.
 */
describe('times must carry a zone (e2e)', () => {
  let t: TestApp;
  let reporter: { token: string };
  let editor: { token: string };
  let publisher: { token: string };
  let auditor: { token: string };

  beforeAll(async () => {
    t = await startApp();
    reporter = await t.user(['reporter']);
    editor = await t.user(['editor']);
    publisher = await t.user(['publisher']);
    auditor = await t.user(['auditor']);
  });
  afterAll(() => t?.close());

  const approved = async () => {
    const { body } = await t.http().post('/articles').set(bearer(reporter.token)).send(seed.draft).expect(201);
    await t.http().post(`/articles/${body.id}/bylines`).set(bearer(reporter.token)).send(seed.bylines[0]).expect(201);
    await t.http().post(`/articles/${body.id}/approval`).set(bearer(editor.token)).set('If-Match', '"2"').send({}).expect(200);
    return body.id as string;
  };

  it('publishAt without a zone, or a bare date, is 400 and schedules nothing', async () => {
    const id = await approved();
    for (const publishAt of ['2030-01-01T09:00:00', '2030-01-01T09:00', '2030-01-01', '20300101T090000Z']) {
      const res = await t.http().post(`/articles/${id}/publication`).set(bearer(publisher.token)).set('If-Match', '"3"').send({ copyrightNotice: seed.copyrightNotice, publishAt });
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual(['publishAt']);
    }
    expect((await t.http().get(`/articles/${id}`).set(bearer(reporter.token)).expect(200)).body).toMatchObject({ version: 3, status: 'approved' });
    const ok = await t.http().post(`/articles/${id}/publication`).set(bearer(publisher.token)).set('If-Match', '"3"').send({ copyrightNotice: seed.copyrightNotice, publishAt: '2030-01-01T09:00:00+07:00' }).expect(200);
    expect(ok.body).toMatchObject({ status: 'scheduled', publishAt: '2030-01-01T02:00:00.000Z' });
  });

  it('asOf and the audit filters without a zone are 400', async () => {
    const { body } = await t.http().post('/articles').set(bearer(reporter.token)).send(seed.draft).expect(201);
    for (const url of [`/articles/${body.id}?asOf=2030-01-01T00:00:00`, `/published/${body.id}?asOf=2030-01-01`, '/audit?from=2026-01-01T00:00:00', '/audit?to=2030-01-01']) {
      const res = await t.http().get(url).set(bearer(auditor.token));
      expect({ url, status: res.status }).toEqual({ url, status: 400 });
    }
    await t.http().get(`/articles/${body.id}?asOf=2030-01-01T00:00:00Z`).set(bearer(auditor.token)).expect(200);
    await t.http().get(`/articles/${body.id}?asOf=2030-01-01T00:00:00.5%2B08:00`).set(bearer(auditor.token)).expect(200);
    await t.http().get('/audit?from=2026-01-01T00:00:00Z&to=2030-01-01T00:00:00-05:00').set(bearer(auditor.token)).expect(200);
  });
});
