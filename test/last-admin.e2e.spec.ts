import type { Response } from 'supertest';
import { ADMIN_PASSWORD, bearer, startApp, TestApp } from './support/test-app';

/**
 * The last enabled admin cannot be disabled or demoted through the API: nobody could manage users afterwards, and only
 * the command line on the server (`users add`) would get anyone back in. 409 LAST_ADMIN, and nothing changes.
 */
describe('the last enabled admin (e2e)', () => {
  let t: TestApp;
  let adminId: string;

  const expectLastAdmin = (res: Response) => {
    expect(res.status).toBe(409);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ status: 409, type: expect.stringMatching(/last-admin$/), detail: expect.stringContaining('last enabled admin') });
  };
  const users = async () => (await t.http().get('/users').set(bearer(t.adminToken)).expect(200)).body as { id: string; roles: string[]; disabled: boolean }[];
  const signIn = async (username: string, password: string) =>
    (await t.http().post('/auth/token').send({ username, password }).expect(200)).body.accessToken as string;

  beforeAll(async () => {
    t = await startApp();
    adminId = (await t.http().get('/users/me').set(bearer(t.adminToken)).expect(200)).body.id;
  });
  afterAll(() => t?.close());

  it('refuses to disable, delete or demote the only enabled admin, and changes nothing', async () => {
    const before = await users();
    const history = async () => (await t.http().get('/audit?type=UserDisabled').set(bearer(t.adminToken)).expect(200)).body.items.length;
    const disabledEvents = await history();
    expectLastAdmin(await t.http().patch(`/users/${adminId}`).set(bearer(t.adminToken)).send({ disabled: true }));
    expectLastAdmin(await t.http().delete(`/users/${adminId}`).set(bearer(t.adminToken)));
    expectLastAdmin(await t.http().patch(`/users/${adminId}`).set(bearer(t.adminToken)).send({ roles: ['editor'] }));
    expectLastAdmin(await t.http().patch(`/users/${adminId}`).set(bearer(t.adminToken)).set('Idempotency-Key', 'demote-me').send({ roles: ['auditor'] }));
    expect(await users()).toEqual(before);
    expect(await history()).toBe(disabledEvents);
    // Roles that keep admin, and other users, are still the admin's to change.
    await t.http().patch(`/users/${adminId}`).set(bearer(t.adminToken)).send({ roles: ['admin', 'auditor'] }).expect(200);
    const editor = await t.user(['editor']);
    await t.http().delete(`/users/${editor.id}`).set(bearer(t.adminToken)).expect(200);
  });

  it('lets an admin step down once another admin is enabled, and not while the other is disabled', async () => {
    const second = await t.user(['admin']);
    await t.http().patch(`/users/${second.id}`).set(bearer(t.adminToken)).send({ disabled: true }).expect(200);
    expectLastAdmin(await t.http().patch(`/users/${adminId}`).set(bearer(t.adminToken)).send({ roles: ['auditor'] }));
    await t.http().patch(`/users/${second.id}`).set(bearer(t.adminToken)).send({ disabled: false }).expect(200);
    await t.http().patch(`/users/${adminId}`).set(bearer(t.adminToken)).send({ roles: ['auditor'] }).expect(200);
    // The second admin (signed in again: disabling ended its old token) is now the last one, and gives it back.
    const token = await signIn(second.username, second.password);
    expectLastAdmin(await t.http().delete(`/users/${second.id}`).set(bearer(token)));
    await t.http().patch(`/users/${adminId}`).set(bearer(token)).send({ roles: ['admin'] }).expect(200);
    await signIn('admin', ADMIN_PASSWORD);
  });

  it('of two admins disabling each other at once, exactly one succeeds', async () => {
    const a = await t.user(['admin']);
    const b = await t.user(['admin']);
    // Leave a and b as the only enabled admins.
    for (const other of (await users()).filter((u) => u.roles.includes('admin') && !u.disabled && ![a.id, b.id, adminId].includes(u.id))) {
      await t.http().patch(`/users/${other.id}`).set(bearer(t.adminToken)).send({ roles: ['auditor'] }).expect(200);
    }
    await t.http().patch(`/users/${adminId}`).set(bearer(t.adminToken)).send({ roles: ['auditor'] }).expect(200);
    const [x, y] = await Promise.all([
      t.http().delete(`/users/${b.id}`).set(bearer(a.token)),
      t.http().delete(`/users/${a.id}`).set(bearer(b.token)),
    ]);
    // The loser is refused by the check (409) if both passed the guard together, or by the guard (401) if the winner's
    // change had already ended its token.
    expect([x.status, y.status].filter((status) => status === 200)).toHaveLength(1);
    expect([401, 409]).toContain(x.status === 200 ? y.status : x.status);
    const survivor = x.status === 200 ? a : b;
    const list = (await t.http().get('/users').set(bearer(survivor.token)).expect(200)).body as { id: string; roles: string[]; disabled: boolean }[];
    expect(list.filter((u) => u.roles.includes('admin') && !u.disabled).map((u) => u.id)).toEqual([survivor.id]);
  });
});
