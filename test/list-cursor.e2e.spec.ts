import { bearer, startApp, TestApp } from './support/test-app';

/** A cursor the service did not give out is a bad query parameter (400), never a 500, whatever it decodes to. */
describe('forged list cursors (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startApp();
  });
  afterAll(() => t?.close());

  const cursor = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const id = '3f1f8c0e-6a51-4c1e-9b0a-1d2e3f4a5b6c';

  it('GET /articles?cursor= with a time PostgreSQL cannot read, or not in the service\'s own form, is 400', async () => {
    for (const time of ['2000', '-271821-04-20T00:00:00.000Z', 'Tue Mar 01 2022 00:00:00 GMT+0000', 'Sat, 01 Jan 2000']) {
      const res = await t.http().get(`/articles?cursor=${cursor([time, id])}`).set(bearer(t.adminToken));
      expect({ time, status: res.status, field: res.body.errors?.[0]?.field }).toEqual({ time, status: 400, field: 'cursor' });
    }
    await t.http().get(`/articles?cursor=${cursor(['2026-05-01T09:00:00.000Z', id])}`).set(bearer(t.adminToken)).expect(200);
  });
});
