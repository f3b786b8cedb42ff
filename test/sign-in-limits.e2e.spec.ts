import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DataSource } from 'typeorm';
import { bearer, startApp, TestApp } from './support/test-app';

/** Sign-in limits per username and per real client address, and live feeds per user (issue #16, item 10). */
describe('sign-in and live-feed limits (e2e)', () => {
  describe('per username, with a lock that doubles', () => {
    let t: TestApp;
    const signIn = (username: string, password: string) => t.http().post('/auth/token').send({ username, password });
    /** What a client can compare between two answers: everything but the path it asked for. */
    const answer = (res: { status: number; headers: Record<string, string>; body: Record<string, unknown> }) => {
      const { instance: _instance, ...body } = res.body;
      return { status: res.status, retryAfter: res.headers['retry-after'], body };
    };

    beforeAll(async () => {
      t = await startApp({ NEWSROOM_LOGIN_LOCKOUT_AFTER: '3' });
      t.clock.set('2026-05-01T09:00:00.000Z');
    });
    afterAll(() => t?.close());

    it('locks a username after 3 failures, even against the right password, with Retry-After 1, 2, 4 s', async () => {
      const u = await t.user(['reporter']);
      for (let i = 0; i < 3; i++) await signIn(u.username, 'wrong-guess').expect(401);
      const locked = await signIn(u.username, u.password).expect(429);
      expect(locked.headers['content-type']).toContain('application/problem+json');
      expect(locked.headers['retry-after']).toBe('1');
      expect(locked.body.detail).toBe('too many failed sign-ins for this username: try again in 1 s');
      for (const wait of [2, 4, 8]) {
        t.clock.advance(1000 * Number((await signIn(u.username, u.password).expect(429)).headers['retry-after']));
        await signIn(u.username, 'wrong-guess').expect(401);
        expect((await signIn(u.username, u.password).expect(429)).headers['retry-after']).toBe(String(wait));
      }
      // Once the lock runs out, the right password gets in and the count starts again.
      t.clock.advance(8000);
      await signIn(u.username, u.password).expect(200);
      await signIn(u.username, 'wrong-guess').expect(401);
      await signIn(u.username, u.password).expect(200);
      // Other usernames were never affected.
      await signIn('admin', t.env.NEWSROOM_ADMIN_PASSWORD).expect(200);
    });

    it('answers the same for a username that does not exist: nothing tells which exist', async () => {
      const u = await t.user(['reporter']);
      const ghost = `${u.username}-nobody`;
      const real: unknown[] = [];
      const none: unknown[] = [];
      for (let i = 0; i < 5; i++) {
        real.push(answer(await signIn(u.username, 'wrong-guess')));
        none.push(answer(await signIn(ghost, 'wrong-guess')));
      }
      expect(none).toEqual(real);
      expect(real.map((r) => (r as { status: number }).status)).toEqual([401, 401, 401, 429, 429]);
    });

    it('forgets failures after a day without one', async () => {
      const u = await t.user(['reporter']);
      for (let i = 0; i < 2; i++) await signIn(u.username, 'wrong-guess').expect(401);
      t.clock.advance(25 * 3600 * 1000);
      for (let i = 0; i < 2; i++) await signIn(u.username, 'wrong-guess').expect(401);
      await signIn(u.username, u.password).expect(200);
      expect(await t.app.get(DataSource).query(`SELECT * FROM sign_in_failures WHERE username = $1`, [u.username])).toEqual([]);
    });
  });

  describe('per client address behind a reverse proxy', () => {
    const attempts = async (t: TestApp, forwardedFor: string, n: number) => {
      const statuses: number[] = [];
      for (let i = 0; i < n; i++) {
        const res = await t.http().post('/auth/token').set('X-Forwarded-For', forwardedFor).send({ username: `nobody-${Math.random()}`, password: 'wrong-guess' });
        statuses.push(res.status);
      }
      return statuses;
    };

    it('believes X-Forwarded-For only from a configured proxy (NEWSROOM_TRUST_PROXY)', async () => {
      const t = await startApp({ NEWSROOM_RATE_LIMIT_LOGIN: '3', NEWSROOM_TRUST_PROXY: '127.0.0.1, ::1' });
      try {
        expect(await attempts(t, '203.0.113.7', 4)).toEqual([401, 401, 401, 429]);
        // Another client behind the same proxy has its own count.
        expect(await attempts(t, '203.0.113.8', 1)).toEqual([401]);
      } finally {
        await t.close();
      }
    });

    it('ignores X-Forwarded-For by default: a client cannot reset its count by writing one', async () => {
      // 4: startApp's own sign-in as admin came from the same address and counts too.
      const t = await startApp({ NEWSROOM_RATE_LIMIT_LOGIN: '4' });
      try {
        const statuses = [...(await attempts(t, '203.0.113.1', 2)), ...(await attempts(t, '203.0.113.2', 1)), ...(await attempts(t, '203.0.113.3', 1))];
        expect(statuses).toEqual([401, 401, 401, 429]);
      } finally {
        await t.close();
      }
    });
  });

  describe('live feeds per user', () => {
    let t: TestApp;
    let port: number;
    beforeAll(async () => {
      t = await startApp({ NEWSROOM_EVENT_STREAMS_PER_USER: '2' });
      await t.app.listen({ port: 0, host: '127.0.0.1' });
      port = (t.app.getHttpServer().address() as AddressInfo).port;
    });
    afterAll(() => t?.close());

    /** Opens GET /events/stream; resolves with the status once the headers arrive. */
    const open = (token: string) =>
      new Promise<{ status: number; retryAfter?: string; close: () => void }>((resolve, reject) => {
        const req = httpRequest({ host: '127.0.0.1', port, path: '/events/stream', headers: bearer(token) }, (res) => {
          resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'] as string | undefined, close: () => req.destroy() });
          res.resume();
        });
        req.on('error', reject);
        req.end();
      });

    it('answers 429 beyond NEWSROOM_EVENT_STREAMS_PER_USER, leaves other users alone, and counts a closed feed out', async () => {
      const editor = await t.user(['editor']);
      const auditor = await t.user(['auditor']);
      const a = await open(editor.token);
      const b = await open(editor.token);
      expect([a.status, b.status]).toEqual([200, 200]);
      const refused = await open(editor.token);
      expect(refused.status).toBe(429);
      expect(Number(refused.retryAfter)).toBeGreaterThan(0);
      const other = await open(auditor.token);
      expect(other.status).toBe(200);
      a.close();
      let again = { status: 0, close: () => undefined as void };
      for (let i = 0; i < 100 && again.status !== 200; i++) {
        await new Promise((r) => setTimeout(r, 50));
        again = await open(editor.token);
      }
      expect(again.status).toBe(200);
      for (const feed of [b, other, again]) feed.close();
    });
  });
});
