import { DataSource } from 'typeorm';
import { evolve, UserEvent, UserState } from '../src/auth/domain/user';
import { EventStore } from '../src/event-store/event-store.service';
import { bearer, rebuildThroughApi, startApp, TestApp } from './support/test-app';

/** User management is recorded like everything else: in the log, in the audit trail, never with a secret. */
describe('user management in the audit trail (e2e)', () => {
  let t: TestApp;
  let auditor: string;

  beforeAll(async () => {
    t = await startApp();
    auditor = (await t.user(['auditor'])).token;
  });
  afterAll(() => t?.close());

  it('records creation, role changes, password changes and disabling, with who did it', async () => {
    const created = await t.http().post('/users').set(bearer(t.adminToken)).send({ username: 'lan.nguyen', password: 'correct-horse-battery', roles: ['reporter'] }).expect(201);
    const id = created.body.id;
    await t.http().patch(`/users/${id}`).set(bearer(t.adminToken)).send({ roles: ['reporter', 'editor'] }).expect(200);
    await t.http().patch(`/users/${id}`).set(bearer(t.adminToken)).send({ password: 'another-long-password' }).expect(200);
    await t.http().patch(`/users/${id}`).set(bearer(t.adminToken)).send({ roles: ['editor', 'reporter'] }).expect(200); // same roles: nothing happened
    await t.http().delete(`/users/${id}`).set(bearer(t.adminToken)).expect(200);

    const trail = await t.http().get(`/audit?actor=admin`).set(bearer(auditor)).expect(200);
    const mine = trail.body.items.filter((e: { streamId: string }) => e.streamId === `user-${id}`).reverse();
    expect(mine.map((e: { type: string }) => e.type)).toEqual(['UserCreated', 'UserRolesChanged', 'UserPasswordChanged', 'UserDisabled']);
    expect(mine.map((e: { version: number }) => e.version)).toEqual([1, 2, 3, 4]);
    expect(mine.every((e: { articleId: string | null; actor: { username: string } }) => e.articleId === null && e.actor.username === 'admin')).toBe(true);
    expect(mine[0].summary).toBe('admin created the user lan.nguyen with roles reporter');
    expect(mine[1].changes).toEqual([{ field: 'roles', op: 'set', from: ['reporter'], to: ['reporter', 'editor'] }]);

    const byType = await t.http().get('/audit?type=UserDisabled').set(bearer(auditor)).expect(200);
    expect(byType.body.items).toHaveLength(1);
    expect(JSON.stringify(trail.body)).not.toContain('correct-horse-battery');
    expect(JSON.stringify(trail.body)).not.toContain('another-long-password');
  });

  it('the users row is what the user\'s events fold to: roles, disabled and token generation come from the log', async () => {
    const created = await t.http().post('/users').set(bearer(t.adminToken)).send({ username: 'kim.tran', password: 'correct-horse-battery', roles: ['reporter'] }).expect(201);
    const id: string = created.body.id;
    await t.http().patch(`/users/${id}`).set(bearer(t.adminToken)).send({ roles: ['editor'], password: 'another-long-password' }).expect(200);
    await t.http().patch(`/users/${id}`).set(bearer(t.adminToken)).send({ disabled: true }).expect(200);
    await t.http().patch(`/users/${id}`).set(bearer(t.adminToken)).send({ disabled: false }).expect(200);
    const store = t.app.get(EventStore);
    const { events } = await store.readStream(store.dataSource.manager, `user-${id}`);
    const folded = events.map((e) => ({ type: e.type, data: e.data }) as UserEvent).reduce<UserState | null>(evolve, null);
    const [row] = await t.app.get(DataSource).query(`SELECT id, username, roles, disabled, token_generation AS "tokenGeneration" FROM users WHERE id = $1`, [id]);
    expect(row).toEqual(folded);
    expect(row).toMatchObject({ roles: ['editor'], disabled: false, tokenGeneration: 2 });
  });

  it('records the first admin as created by the system', async () => {
    const res = await t.http().get('/audit?type=UserCreated&actor=system').set(bearer(auditor)).expect(200);
    expect(res.body.items).toEqual([expect.objectContaining({ summary: 'system created the user admin with roles admin' })]);
  });

  it('keeps verify and replay whole with user streams in the log', async () => {
    const verify = await t.http().get('/audit/verify').set(bearer(auditor)).expect(200);
    expect(verify.body.ok).toBe(true);
    expect(await rebuildThroughApi(t, 'audit')).toMatchObject({ status: 'succeeded', identical: true });
    expect(await rebuildThroughApi(t, 'articles')).toMatchObject({ status: 'succeeded', identical: true });
  });

  it('account events are for admins and auditors: editors and publishers never see them, filtered, unfiltered or exported', async () => {
    await t.http().post('/users').set(bearer(t.adminToken)).send({ username: 'hidden.account', password: 'a-long-enough-password', roles: ['publisher'] }).expect(201);
    const editor = (await t.user(['editor'])).token;
    const publisher = (await t.user(['publisher'])).token;
    const isUserEntry = (e: { streamId: string; type: string }) => e.streamId.startsWith('user-') || e.type.startsWith('User');
    for (const token of [editor, publisher]) {
      for (const type of ['UserCreated', 'UserRolesChanged', 'UserDisabled', 'UserEnabled', 'UserPasswordChanged']) {
        expect((await t.http().get(`/audit?type=${type}`).set(bearer(token)).expect(200)).body.items).toEqual([]);
      }
      const all = await t.http().get('/audit?limit=500').set(bearer(token)).expect(200);
      expect(all.body.items.filter(isUserEntry)).toEqual([]);
      expect(JSON.stringify(all.body)).not.toContain('hidden.account');
      const exported = await t.http().get('/audit?type=UserCreated').set(bearer(token)).set('Accept', 'application/x-ndjson').expect(200);
      expect(exported.text).toBe('');
      const everything = await t.http().get('/audit').set(bearer(token)).set('Accept', 'application/x-ndjson').expect(200);
      expect(everything.text).not.toContain('hidden.account');
    }
    for (const token of [auditor, t.adminToken]) {
      const created = await t.http().get('/audit?type=UserCreated').set(bearer(token)).expect(200);
      expect(created.body.items.map((e: { summary: string }) => e.summary)).toContainEqual(expect.stringContaining('hidden.account'));
      const exported = await t.http().get('/audit?type=UserCreated').set(bearer(token)).set('Accept', 'application/x-ndjson').expect(200);
      expect(exported.text).toContain('hidden.account');
    }
  });
});
