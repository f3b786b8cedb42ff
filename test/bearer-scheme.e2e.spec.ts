import { startApp, TestApp } from './support/test-app';

/** RFC 9110 §11.1: the authentication scheme is case-insensitive; "bearer <token>" is the same credential. */
describe('the Bearer scheme in any case (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startApp();
  });
  afterAll(() => t?.close());

  it('accepts bearer and BEARER as Bearer, and still refuses another scheme', async () => {
    for (const scheme of ['Bearer', 'bearer', 'BEARER']) {
      const res = await t.http().get('/users/me').set('Authorization', `${scheme} ${t.adminToken}`);
      expect({ scheme, status: res.status }).toEqual({ scheme, status: 200 });
    }
    await t.http().get('/users/me').set('Authorization', `Token ${t.adminToken}`).expect(401);
  });
});
