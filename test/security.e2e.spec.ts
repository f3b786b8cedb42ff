import { PassThrough } from 'node:stream';
import seed from './fixtures/seed-article.json';
import { ADMIN_PASSWORD, bearer, startApp, TestApp } from './support/test-app';

/** Security headers, rate limits with Retry-After, and logs that never carry a secret. */
describe('security hardening (e2e)', () => {
  let t: TestApp;
  const logs: string[] = [];

  beforeAll(async () => {
    const stream = new PassThrough();
    stream.on('data', (chunk: Buffer) => logs.push(chunk.toString('utf8')));
    t = await startApp({ LOG_LEVEL: 'trace', NEWSROOM_RATE_LIMIT_LOGIN: '20', NEWSROOM_RATE_LIMIT_WRITES: '30' }, undefined, { logStream: stream });
  });
  afterAll(() => t?.close());

  it('sends security headers', async () => {
    const res = await t.http().get('/health').expect(200);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBeDefined();
    expect(res.headers['strict-transport-security']).toBeDefined();
    expect(res.headers['x-request-id']).toBeDefined();
  });

  it('limits writes per user with 429 and Retry-After, and leaves reads and other users alone', async () => {
    const a = await t.user(['reporter']);
    const b = await t.user(['reporter']);
    const statuses: number[] = [];
    for (let i = 0; i < 35; i++) statuses.push((await t.http().post('/articles').set(bearer(a.token)).send(seed.draft)).status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(30);
    const limited = await t.http().post('/articles').set(bearer(a.token)).send(seed.draft).expect(429);
    expect(limited.headers['content-type']).toContain('application/problem+json');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    await t.http().get('/articles').set(bearer(a.token)).expect(200);
    await t.http().post('/articles').set(bearer(b.token)).send(seed.draft).expect(201);
  });

  it('limits sign-in attempts per client with 429 and Retry-After', async () => {
    let res;
    for (let i = 0; i < 25; i++) {
      // A new username each time: the per-username lock (test/sign-in-limits.e2e.spec.ts) would answer 429 first.
      res = await t.http().post('/auth/token').send({ username: `nobody-${i}`, password: 'wrong-password' });
      if (res.status === 429) break;
      expect(res.status).toBe(401);
    }
    expect(res!.status).toBe(429);
    expect(Number(res!.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('never writes a password, a token or the signing secret to the log', async () => {
    const user = await t.user(['reporter']).catch(() => null); // sign-ins may be limited by now: the creation still logs a password
    await t.http().get('/users/me').set(bearer(t.adminToken)).expect(200);
    const text = logs.join('');
    expect(text.length).toBeGreaterThan(1000); // trace level: plenty was logged
    expect(text).toContain('"correlationId"');
    for (const secret of [ADMIN_PASSWORD, t.adminToken, t.env.NEWSROOM_JWT_SECRET, 'wrong-password', ...(user ? [user.password, user.token] : [])]) {
      expect(text).not.toContain(secret);
    }
  });
});
