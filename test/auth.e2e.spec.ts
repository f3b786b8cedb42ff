import jwt from 'jsonwebtoken';
import type { Response } from 'supertest';
import seed from './fixtures/seed-article.json';
import { ADMIN_PASSWORD, bearer, startApp, TestApp } from './support/test-app';

/** POST /auth/token, bearer tokens, and the admin's user management (docs/api.md, "Authentication and roles"). */
describe('authentication and users (e2e)', () => {
  let t: TestApp;
  let adminId: string;

  const expectProblem = (res: Response, status: number) => {
    expect(res.status).toBe(status);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ type: expect.any(String), title: expect.any(String), status, detail: expect.any(String) });
    expect(JSON.stringify(res.body)).not.toMatch(/stack|\bat .+\.(ts|js):\d+/);
  };
  const token = (username: string, password: string) => t.http().post('/auth/token').send({ username, password });
  const me = (accessToken: string) => t.http().get('/users/me').set(bearer(accessToken));
  const draft = (accessToken: string) => t.http().post('/articles').set(bearer(accessToken)).send(seed.draft);

  beforeAll(async () => {
    t = await startApp();
    adminId = (await me(t.adminToken).expect(200)).body.id;
  });
  afterAll(() => t?.close());

  describe('POST /auth/token', () => {
    it('gives a bearer token for the right password', async () => {
      const res = await token('admin', ADMIN_PASSWORD).expect(200);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.body).toEqual({ accessToken: expect.any(String), tokenType: 'Bearer', expiresIn: expect.any(Number) });
      expect(res.body.expiresIn).toBeGreaterThan(0);
      const claims = jwt.decode(res.body.accessToken) as jwt.JwtPayload;
      expect(claims.sub).toBe(adminId);
      expect(claims.exp! - claims.iat!).toBe(res.body.expiresIn);
      const who = await me(res.body.accessToken).expect(200);
      expect(who.body).toEqual({ id: adminId, username: 'admin', roles: ['admin'] });
    });

    it('answers 401 for a wrong password and for an unknown user, the same way', async () => {
      const wrong = await token('admin', 'not-the-password');
      const unknown = await token('nobody-by-this-name', 'not-the-password');
      expectProblem(wrong, 401);
      expectProblem(unknown, 401);
      expect(unknown.body).toEqual(wrong.body);
      expect(wrong.body.accessToken).toBeUndefined();
    });

    it('answers 400 for a malformed credentials body, not 401 or 500', async () => {
      expectProblem(await t.http().post('/auth/token').send({ username: 'admin' }), 400);
      expectProblem(await t.http().post('/auth/token').send({ username: 'admin', password: 42 }), 400);
    });
  });

  describe('bearer tokens', () => {
    const secret = () => t.env.NEWSROOM_JWT_SECRET;
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

    it('accepts a token signed with the service secret (the control for the cases below)', async () => {
      const good = jwt.sign({ sub: adminId, username: 'admin' }, secret(), { algorithm: 'HS256', expiresIn: 60 });
      await me(good).expect(200);
    });

    it('answers 401 without a token', async () => {
      expectProblem(await t.http().get('/users/me'), 401);
      expectProblem(await t.http().get('/articles'), 401);
      expectProblem(await t.http().post('/articles').send(seed.draft), 401);
    });

    it('answers 401 for a malformed Authorization header', async () => {
      for (const header of ['Bearer', 'Bearer ', 'Bearer not-a-jwt', `Basic ${Buffer.from(`admin:${ADMIN_PASSWORD}`).toString('base64')}`, `Token ${t.adminToken}`, `Bearer ${t.adminToken}x.y`, 'Bearer a.b.c']) {
        expectProblem(await t.http().get('/users/me').set('Authorization', header), 401);
      }
    });

    it('answers 401 for an expired token', async () => {
      const now = Math.floor(Date.now() / 1000);
      const expired = jwt.sign({ sub: adminId, username: 'admin', iat: now - 7200, exp: now - 60 }, secret(), { algorithm: 'HS256' });
      expectProblem(await me(expired), 401);
      expectProblem(await t.http().get('/users').set(bearer(expired)), 401);
    });

    it('answers 401 for a token signed with another secret', async () => {
      const forged = jwt.sign({ sub: adminId, username: 'admin' }, 'another-secret-that-is-long-enough-for-hs256', { algorithm: 'HS256', expiresIn: 600 });
      expectProblem(await me(forged), 401);
      expectProblem(await t.http().get('/users').set(bearer(forged)), 401);
    });

    it('answers 401 for an unsigned (alg: none) token and for a re-signed payload', async () => {
      const header = b64({ alg: 'none', typ: 'JWT' });
      const payload = b64({ sub: adminId, username: 'admin', iat: Math.floor(Date.now() / 1000), exp: Math.floor(Date.now() / 1000) + 600 });
      expectProblem(await me(`${header}.${payload}.`), 401);
      expectProblem(await me(`${header}.${payload}.c2lnbmF0dXJl`), 401);
      // A real token's signature on a tampered payload.
      const [h, , s] = t.adminToken.split('.');
      expectProblem(await me(`${h}.${payload}.${s}`), 401);
      // HS512 with the right secret is still not the algorithm the service signs with.
      const otherAlg = jwt.sign({ sub: adminId }, secret(), { algorithm: 'HS512', expiresIn: 600 });
      expectProblem(await me(otherAlg), 401);
    });

    it('answers 401 for a well-signed token naming no user', async () => {
      expectProblem(await me(jwt.sign({ sub: '00000000-0000-4000-8000-00000000abcd' }, secret(), { algorithm: 'HS256', expiresIn: 600 })), 401);
      expectProblem(await me(jwt.sign({ username: 'admin' }, secret(), { algorithm: 'HS256', expiresIn: 600 })), 401);
    });
  });

  describe('users', () => {
    it('lets the admin create a user who can then sign in, and GET /users/me names them', async () => {
      const created = await t.http().post('/users').set(bearer(t.adminToken)).send({ username: 'xu.danting', password: 'a-long-password', roles: ['reporter', 'editor'] });
      expect(created.status).toBe(201);
      expect(created.body).toEqual({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), username: 'xu.danting', roles: ['reporter', 'editor'] });
      expect(created.body.password).toBeUndefined();
      const login = await token('xu.danting', 'a-long-password').expect(200);
      const who = await me(login.body.accessToken).expect(200);
      expect(who.body).toEqual({ id: created.body.id, username: 'xu.danting', roles: ['reporter', 'editor'] });
    });

    it('answers 409 when the username exists, and leaves the first user as it was', async () => {
      await t.http().post('/users').set(bearer(t.adminToken)).send({ username: 'duplicate', password: 'first-password', roles: ['reporter'] }).expect(201);
      const again = await t.http().post('/users').set(bearer(t.adminToken)).send({ username: 'duplicate', password: 'second-password', roles: ['admin'] });
      expectProblem(again, 409);
      await token('duplicate', 'first-password').expect(200);
      expectProblem(await token('duplicate', 'second-password'), 401);
      const list = await t.http().get('/users').set(bearer(t.adminToken)).expect(200);
      expect(list.body.filter((u: { username: string }) => u.username === 'duplicate')).toEqual([
        { id: expect.any(String), username: 'duplicate', roles: ['reporter'], disabled: false },
      ]);
    });

    it('answers 400 for a bad user body', async () => {
      expectProblem(await t.http().post('/users').set(bearer(t.adminToken)).send({ username: 'x', password: 'short', roles: ['reporter'] }), 400);
      expectProblem(await t.http().post('/users').set(bearer(t.adminToken)).send({ username: 'x', password: 'correct-horse-battery-staple', roles: ['overlord'] }), 400);
      expectProblem(await t.http().post('/users').set(bearer(t.adminToken)).send({ username: 'x', password: 'correct-horse-battery-staple', roles: [] }), 400);
      expectProblem(await t.http().post('/users').set(bearer(t.adminToken)).send({ username: 'x', password: 'correct-horse-battery-staple', roles: ['reporter'], isAdmin: true }), 400);
    });

    it('lists users for the admin with id, username, roles and disabled', async () => {
      const u = await t.user(['auditor']);
      const res = await t.http().get('/users').set(bearer(t.adminToken)).expect(200);
      expect(Array.isArray(res.body)).toBe(true);
      expect(res.body).toEqual(expect.arrayContaining([
        { id: adminId, username: 'admin', roles: ['admin'], disabled: false },
        { id: u.id, username: u.username, roles: ['auditor'], disabled: false },
      ]));
      for (const row of res.body) expect(Object.keys(row).sort()).toEqual(['disabled', 'id', 'roles', 'username']);
    });

    it('lets the admin change roles and password with PATCH', async () => {
      const u = await t.user(['reporter']);
      const res = await t.http().patch(`/users/${u.id}`).set(bearer(t.adminToken)).send({ roles: ['editor'], password: 'a-brand-new-password' }).expect(200);
      expect(res.body).toMatchObject({ id: u.id, username: u.username, roles: ['editor'], disabled: false });
      expectProblem(await token(u.username, u.password), 401);
      const login = await token(u.username, 'a-brand-new-password').expect(200);
      expect((await me(login.body.accessToken).expect(200)).body.roles).toEqual(['editor']);
    });

    it('answers 404 for PATCH and DELETE of an unknown user, and 400 for a bad PATCH body', async () => {
      expectProblem(await t.http().patch('/users/00000000-0000-4000-8000-000000000999').set(bearer(t.adminToken)).send({ disabled: true }), 404);
      expectProblem(await t.http().delete('/users/00000000-0000-4000-8000-000000000999').set(bearer(t.adminToken)), 404);
      expectProblem(await t.http().patch('/users/not-a-uuid').set(bearer(t.adminToken)).send({ disabled: true }), 404);
      const u = await t.user(['reporter']);
      expectProblem(await t.http().patch(`/users/${u.id}`).set(bearer(t.adminToken)).send({ roles: ['overlord'] }), 400);
      expectProblem(await t.http().patch(`/users/${u.id}`).set(bearer(t.adminToken)).send({ disabled: 'yes' }), 400);
      expectProblem(await t.http().patch(`/users/${u.id}`).set(bearer(t.adminToken)).send({ username: 'renamed' }), 400);
    });

    it('answers 403 to every non-admin role on user management', async () => {
      const target = await t.user(['reporter']);
      for (const role of ['reporter', 'editor', 'publisher', 'auditor'] as const) {
        const u = await t.user([role]);
        expectProblem(await t.http().get('/users').set(bearer(u.token)), 403);
        expectProblem(await t.http().post('/users').set(bearer(u.token)).send({ username: `made-by-${role}`, password: 'correct-horse-battery-staple', roles: ['admin'] }), 403);
        expectProblem(await t.http().patch(`/users/${target.id}`).set(bearer(u.token)).send({ roles: ['admin'] }), 403);
        expectProblem(await t.http().patch(`/users/${u.id}`).set(bearer(u.token)).send({ roles: ['admin'] }), 403);
        expectProblem(await t.http().delete(`/users/${target.id}`).set(bearer(u.token)), 403);
        expect((await me(u.token).expect(200)).body).toEqual({ id: u.id, username: u.username, roles: [role] });
      }
      // None of it took effect.
      expectProblem(await token(`made-by-reporter`, 'long-enough'), 401);
      const list = (await t.http().get('/users').set(bearer(t.adminToken)).expect(200)).body as { id: string; roles: string[]; disabled: boolean }[];
      expect(list.find((u) => u.id === target.id)).toMatchObject({ roles: ['reporter'], disabled: false });
      expect(list.filter((u) => u.roles.includes('admin')).map((u) => u.id)).toEqual([adminId]);
    });

    it('DELETE disables, never erases: no new token, and an existing token stops working at once', async () => {
      const u = await t.user(['reporter']);
      const { body: article } = await draft(u.token).expect(201);
      await me(u.token).expect(200);

      const res = await t.http().delete(`/users/${u.id}`).set(bearer(t.adminToken));
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ id: u.id, username: u.username, disabled: true });

      expectProblem(await me(u.token), 401);
      expectProblem(await draft(u.token), 401);
      expectProblem(await t.http().get('/articles').set(bearer(u.token)), 401);
      const login = await token(u.username, u.password);
      expectProblem(login, 401);
      expect(login.body).toEqual((await token('nobody-by-this-name', u.password)).body);

      // Still listed, and still named in the audit trail.
      const list = await t.http().get('/users').set(bearer(t.adminToken)).expect(200);
      expect(list.body).toContainEqual({ id: u.id, username: u.username, roles: ['reporter'], disabled: true });
      const history = await t.http().get(`/articles/${article.id}/history`).set(bearer(t.adminToken)).expect(200);
      expect(history.body[0].actor).toMatchObject({ id: u.id, username: u.username });

      // Enabling again restores access through a new sign-in; the token from before the disabling stays dead.
      await t.http().patch(`/users/${u.id}`).set(bearer(t.adminToken)).send({ disabled: false }).expect(200);
      expectProblem(await me(u.token), 401);
      await me((await token(u.username, u.password).expect(200)).body.accessToken).expect(200);
    });

    it('a new password ends every token issued before it; the old password no longer signs in, the new one does', async () => {
      const u = await t.user(['reporter']);
      const second = (await token(u.username, u.password).expect(200)).body.accessToken as string;
      await me(u.token).expect(200);
      await me(second).expect(200);

      await t.http().patch(`/users/${u.id}`).set(bearer(t.adminToken)).send({ password: 'the-new-password' }).expect(200);

      for (const old of [u.token, second]) {
        expectProblem(await me(old), 401);
        expectProblem(await draft(old), 401);
      }
      expectProblem(await token(u.username, u.password), 401);
      const fresh = (await token(u.username, 'the-new-password').expect(200)).body.accessToken as string;
      await me(fresh).expect(200);
      await draft(fresh).expect(201);
    });

    it('a token from before token generations (no gen claim) works until the first new password or disabling', async () => {
      const u = await t.user(['reporter']);
      const legacy = jwt.sign({ sub: u.id, username: u.username }, t.env.NEWSROOM_JWT_SECRET, { algorithm: 'HS256', expiresIn: 600 });
      await me(legacy).expect(200);
      // A change of roles is no reason to end a session: roles are read on every request.
      await t.http().patch(`/users/${u.id}`).set(bearer(t.adminToken)).send({ roles: ['reporter', 'auditor'] }).expect(200);
      await me(legacy).expect(200);
      await me(u.token).expect(200);
      await t.http().patch(`/users/${u.id}`).set(bearer(t.adminToken)).send({ password: 'another-new-password' }).expect(200);
      expectProblem(await me(legacy), 401);
      // A token claiming a generation the user has not reached (a forgery would need the secret anyway) is refused too.
      const ahead = jwt.sign({ sub: u.id, username: u.username, gen: 7 }, t.env.NEWSROOM_JWT_SECRET, { algorithm: 'HS256', expiresIn: 600 });
      expectProblem(await me(ahead), 401);
    });

    it('PATCH roles demotes at once: a reporter token stops being allowed to write (403)', async () => {
      const u = await t.user(['reporter']);
      const { body: article } = await draft(u.token).expect(201);
      await t.http().patch(`/users/${u.id}`).set(bearer(t.adminToken)).send({ roles: ['auditor'] }).expect(200);

      expectProblem(await draft(u.token), 403);
      expectProblem(await t.http().patch(`/articles/${article.id}`).set(bearer(u.token)).set('If-Match', '"1"').send({ headline: 'changed' }), 403);
      expectProblem(await t.http().post(`/articles/${article.id}/bylines`).set(bearer(u.token)).send({ name: 'x' }), 403);
      // What the new role may do, the old token now may do.
      await t.http().get(`/articles/${article.id}/history`).set(bearer(u.token)).expect(200);
      expect((await me(u.token).expect(200)).body.roles).toEqual(['auditor']);
      // And nothing was written by the refused calls.
      const events = await t.http().get(`/articles/${article.id}/events`).set(bearer(t.adminToken)).expect(200);
      expect(events.body).toHaveLength(1);
    });

    it('honours Idempotency-Key on POST /users: a retry replays the 201, a different body is 422', async () => {
      const send = (body: object) => t.http().post('/users').set(bearer(t.adminToken)).set('Idempotency-Key', 'create-once').send(body);
      const body = { username: 'created.once', password: 'a-long-password', roles: ['editor'] };
      const first = await send(body);
      expect(first.status).toBe(201);
      expect(first.headers['idempotent-replayed']).toBeUndefined();
      const second = await send(body);
      expect(second.status).toBe(201);
      expect(second.body).toEqual(first.body);
      expect(second.headers['idempotent-replayed']).toBe('true');
      expectProblem(await send({ ...body, roles: ['admin'] }), 422);
      const list = (await t.http().get('/users').set(bearer(t.adminToken)).expect(200)).body as { username: string; roles: string[] }[];
      expect(list.filter((u) => u.username === 'created.once')).toEqual([expect.objectContaining({ roles: ['editor'] })]);
      // Without a key, the same request is a new one: the username is taken.
      expectProblem(await t.http().post('/users').set(bearer(t.adminToken)).send(body), 409);
    });

    it('honours Idempotency-Key on PATCH /users/{id}', async () => {
      const u = await t.user(['reporter']);
      const send = (body: object) => t.http().patch(`/users/${u.id}`).set(bearer(t.adminToken)).set('Idempotency-Key', `patch-${u.id}`).send(body);
      const first = await send({ roles: ['editor'] }).expect(200);
      await t.http().patch(`/users/${u.id}`).set(bearer(t.adminToken)).send({ roles: ['auditor'] }).expect(200);
      const replay = await send({ roles: ['editor'] });
      expect(replay.status).toBe(200);
      expect(replay.body).toEqual(first.body);
      expect(replay.headers['idempotent-replayed']).toBe('true');
      // The replay changed nothing: the later PATCH stands.
      expect((await me(u.token).expect(200)).body.roles).toEqual(['auditor']);
      expectProblem(await send({ roles: ['publisher'] }), 422);
    });

    it('PATCH roles promotes at once too', async () => {
      const u = await t.user(['auditor']);
      expectProblem(await draft(u.token), 403);
      await t.http().patch(`/users/${u.id}`).set(bearer(t.adminToken)).send({ roles: ['reporter'] }).expect(200);
      await draft(u.token).expect(201);
    });
  });
});

// Folded in from bearer-scheme.e2e.spec.ts (a regression of its own).
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
