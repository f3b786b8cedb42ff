import { DataSource } from 'typeorm';
import { buildApp } from '../src/app';
import { validateEnvironment } from '../src/config/config';
import { ADMIN_PASSWORD, bearer, freshDatabase, startApp, TestApp } from './support/test-app';

/** Passwords bcrypt can hold whole and an attacker cannot guess (issue #16, item 9; src/auth/password-policy.ts). */
describe('password policy (e2e)', () => {
  let t: TestApp;
  const count = async () => Number((await t.app.get(DataSource).query(`SELECT count(*) AS n FROM events`))[0].n);
  const create = (username: string, password: string) => t.http().post('/users').set(bearer(t.adminToken)).send({ username, password, roles: ['reporter'] });
  const signIn = (username: string, password: string) => t.http().post('/auth/token').send({ username, password });
  // 72 bytes exactly, strong: 24 three-byte characters.
  const seventyTwo = '新聞編輯室的密碼不可猜測而且夠長足以抵擋離線破解攻擊吧'.slice(0, 24);

  beforeAll(async () => {
    t = await startApp();
  });
  afterAll(() => t?.close());

  it.each([
    ['password1', /commonly used password/],
    ['12345678', /heavily used password/],
    ['qwertyuiop', /too easy to guess/],
    ['Password123!', /too easy to guess/],
    ['newsroom-2026', /too easy to guess/],
  ])('refuses %s with 400 naming password and the reason, and creates nobody', async (password, reason) => {
    const before = await count();
    const res = await create(`weak-${Math.random().toString(36).slice(2, 8)}`, password).expect(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.body.errors).toEqual([{ field: 'password', message: expect.stringMatching(reason) }]);
    expect(await count()).toBe(before);
  });

  it('refuses a password that contains the username', async () => {
    const res = await create('li.wenjun.reporter', 'li.wenjun.reporter1').expect(400);
    expect(res.body.errors[0].field).toBe('password');
  });

  it('refuses a password over 72 bytes in UTF-8, counting bytes not characters', async () => {
    expect(Buffer.byteLength(seventyTwo)).toBe(72);
    const res = await create('long.bytes', `${seventyTwo}x`).expect(400);
    expect(res.body.errors).toEqual([{ field: 'password', message: expect.stringContaining('at most 72 bytes in UTF-8 (this one is 73)') }]);
  });

  it('accepts 72 bytes, and a longer password sharing them does not sign in (bcrypt would read only the 72)', async () => {
    await create('exactly.72', seventyTwo).expect(201);
    await signIn('exactly.72', seventyTwo).expect(200);
    await signIn('exactly.72', `${seventyTwo}anything`).expect(401);
  });

  it('applies to PATCH /users/{id}: a weak new password is 400 and the old one still works', async () => {
    const u = await t.user(['reporter']);
    const res = await t.http().patch(`/users/${u.id}`).set(bearer(t.adminToken)).send({ password: 'password1' }).expect(400);
    expect(res.body.errors).toEqual([{ field: 'password', message: expect.stringContaining('too easy to guess') }]);
    await signIn(u.username, u.password).expect(200);
    await signIn(u.username, 'password1').expect(401);
  });

  it('stops the start when NEWSROOM_ADMIN_PASSWORD is weak, saying why', async () => {
    const db = await freshDatabase();
    const app = await buildApp(validateEnvironment({ NODE_ENV: 'test', LOG_LEVEL: 'silent', NEWSROOM_ADMIN_PASSWORD: 'password1', ...db.env }));
    try {
      await expect(app.init()).rejects.toThrow(/NEWSROOM_ADMIN_PASSWORD: password is too easy to guess/);
    } finally {
      await app.close();
      await db.drop();
    }
  });

  it('the test helpers and the documented examples pass', async () => {
    for (const password of [ADMIN_PASSWORD, 'change-me-now', 'correct-horse-battery-staple']) {
      await create(`ok-${Math.random().toString(36).slice(2, 8)}`, password).expect(201);
    }
  });
});
