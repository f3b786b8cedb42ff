import { startApp, TestApp } from './support/test-app';
import { desk, publishThroughHttp } from './support/publish';

/**
 * GET /published/{id} takes ?asOf= only (docs/api.md); any other query parameter is a 400. ?version=N was taken by
 * the shared working-state query and then ignored: the reader asked for version 1 and got the latest one, 200.
 */
describe('/published/{id} query parameters (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startApp();
  });
  afterAll(() => t?.close());

  it('?version= is refused, not ignored', async () => {
    const { id } = await publishThroughHttp(t, await desk(t));
    await t.http().get(`/published/${id}`).expect(200);
    const res = await t.http().get(`/published/${id}?version=1`);
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual(['version']);
    await t.http().get(`/published/${id}?asOf=${encodeURIComponent(new Date().toISOString())}`).expect(200);
  });
});
