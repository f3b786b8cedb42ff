import { JwtService } from '@nestjs/jwt';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import seed from './fixtures/seed-article.json';
import { bearer, startApp, TestApp } from './support/test-app';

/**
 * docs/api.md: "A disabled or demoted user's existing tokens stop working at once for what they no longer may do."
 * That holds for a live feed too: /events/stream opened before the change must not keep delivering events after it.
 */
describe('/events/stream ends when its subscriber may no longer read it (e2e)', () => {
  let t: TestApp;
  let reporter: { token: string };
  let port: number;

  beforeAll(async () => {
    t = await startApp();
    reporter = await t.user(['reporter']);
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    port = (t.app.getHttpServer().address() as AddressInfo).port;
  });
  afterAll(() => t?.close());

  const open = (token: string, lastEventId?: string) => {
    const feed = { articleIds: [] as string[], types: [] as string[], ended: false, status: 0, close: () => undefined as unknown };
    let buffer = '';
    const headers = { ...bearer(token), ...(lastEventId ? { 'last-event-id': lastEventId } : {}) };
    const req = httpRequest({ host: '127.0.0.1', port, path: '/events/stream', headers }, (res) => {
      feed.status = res.statusCode ?? 0;
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const data = buffer.slice(0, end).split('\n').find((l) => l.startsWith('data: '));
          buffer = buffer.slice(end + 2);
          if (data) {
            const event = JSON.parse(data.slice(6));
            feed.articleIds.push(event.articleId);
            feed.types.push(event.type);
          }
        }
      });
      res.on('end', () => (feed.ended = true));
      res.on('close', () => (feed.ended = true));
    });
    req.on('error', () => (feed.ended = true));
    req.end();
    feed.close = () => req.destroy();
    return feed;
  };
  const until = async (cond: () => boolean) => {
    for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 25));
    return cond();
  };
  const draft = async () => (await t.http().post('/articles').set(bearer(reporter.token)).send(seed.draft).expect(201)).body.id as string;

  /** Opens the feed as this user, checks it works, applies the change, and returns what the feed did afterwards. */
  const afterChange = async (token: string, change: () => Promise<unknown>) => {
    const feed = open(token);
    await new Promise((r) => setTimeout(r, 300)); // the subscription takes its starting point
    const before = await draft();
    expect(await until(() => feed.articleIds.includes(before))).toBe(true);
    await change();
    const after = await draft();
    await until(() => feed.ended || feed.articleIds.includes(after));
    await new Promise((r) => setTimeout(r, 1200)); // more than two polls
    feed.close();
    return { ended: feed.ended, sawLater: feed.articleIds.includes(after) };
  };

  it('a disabled editor stops receiving events', async () => {
    const editor = await t.user(['editor']);
    const result = await afterChange(editor.token, () => t.http().delete(`/users/${editor.id}`).set(bearer(t.adminToken)).expect(200));
    expect(result).toEqual({ ended: true, sawLater: false });
  });

  it('an editor demoted to reporter stops receiving events', async () => {
    const editor = await t.user(['editor']);
    const result = await afterChange(editor.token, () =>
      t.http().patch(`/users/${editor.id}`).set(bearer(t.adminToken)).send({ roles: ['reporter'] }).expect(200),
    );
    expect(result).toEqual({ ended: true, sawLater: false });
  });

  it('the feed ends when the token it was opened with expires', async () => {
    const auditor = await t.user(['auditor']);
    const shortLived = await t.app.get(JwtService).signAsync({ sub: auditor.id, username: auditor.username }, { expiresIn: 2, algorithm: 'HS256' });
    const result = await afterChange(shortLived, () => new Promise((r) => setTimeout(r, 2500)));
    expect(result).toEqual({ ended: true, sawLater: false });
  });

  it('the feed ends when the password changes (the token it was opened with is revoked)', async () => {
    const editor = await t.user(['editor']);
    const result = await afterChange(editor.token, () =>
      t.http().patch(`/users/${editor.id}`).set(bearer(t.adminToken)).send({ password: 'a-new-password-for-the-editor' }).expect(200),
    );
    expect(result).toEqual({ ended: true, sawLater: false });
  });

  it('a user who keeps the right keeps the feed', async () => {
    const editor = await t.user(['editor']);
    const result = await afterChange(editor.token, () =>
      t.http().patch(`/users/${editor.id}`).set(bearer(t.adminToken)).send({ roles: ['editor', 'auditor'] }).expect(200),
    );
    expect(result).toEqual({ ended: false, sawLater: true });
  });

  it('account events reach admins and auditors only, live and on resume with Last-Event-ID', async () => {
    const editor = await t.user(['editor']);
    const publisher = await t.user(['publisher']);
    const auditor = await t.user(['auditor']);
    const feeds = { editor: open(editor.token), publisher: open(publisher.token), auditor: open(auditor.token), admin: open(t.adminToken) };
    await new Promise((r) => setTimeout(r, 300)); // the subscriptions take their starting point
    const created = await t.http().post('/users').set(bearer(t.adminToken)).send({ username: 'stream.newcomer', password: 'a-long-enough-password', roles: ['reporter'] }).expect(201);
    const marker = await draft();
    for (const feed of Object.values(feeds)) expect(await until(() => feed.articleIds.includes(marker))).toBe(true);
    for (const feed of Object.values(feeds)) feed.close();
    expect(feeds.auditor.articleIds).toContain(`user-${created.body.id}`);
    expect(feeds.admin.types).toContain('UserCreated');
    expect(feeds.editor.types.filter((type) => type.startsWith('User'))).toEqual([]);
    expect(feeds.publisher.types.filter((type) => type.startsWith('User'))).toEqual([]);

    // Resuming from before the account was created: the same rule.
    const events = (await t.http().get(`/articles/${marker}/events`).set(bearer(auditor.token)).expect(200)).body;
    const from = `${0}:${events[0].position - 50 > 0 ? events[0].position - 50 : 0}`;
    const resumed = { editor: open(editor.token, from), auditor: open(auditor.token, from) };
    for (const feed of Object.values(resumed)) expect(await until(() => feed.articleIds.includes(marker))).toBe(true);
    for (const feed of Object.values(resumed)) feed.close();
    expect(resumed.auditor.articleIds).toContain(`user-${created.body.id}`);
    expect(resumed.editor.types.filter((type) => type.startsWith('User'))).toEqual([]);
  });
});

// Folded in from event-stream-shutdown.e2e.spec.ts (a regression of its own).
/**
 * Stopping the service (SIGTERM runs app.close()) must not wait for the live feed's clients to hang up: an open
 * GET /events/stream kept the HTTP server from closing for as long as the client stayed connected.
 */
describe('shutdown with an open /events/stream (e2e)', () => {
  it('closes promptly and ends the feed', async () => {
    const t = await startApp();
    const editor = await t.user(['editor']);
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const port = (t.app.getHttpServer().address() as AddressInfo).port;
    let ended = false;
    const req = httpRequest({ host: '127.0.0.1', port, path: '/events/stream', headers: { Authorization: `Bearer ${editor.token}` } });
    const opened = new Promise<void>((resolve) =>
      req.on('response', (res) => {
        res.resume();
        res.on('end', () => (ended = true));
        res.on('close', () => (ended = true));
        resolve();
      }),
    );
    req.on('error', () => undefined);
    req.end();
    await opened;

    const closing = t.app.close();
    const outcome = await Promise.race([closing.then(() => 'closed'), new Promise((r) => setTimeout(() => r('still open after 10 s'), 10_000))]);
    for (let i = 0; i < 40 && !ended; i++) await new Promise((r) => setTimeout(r, 50));
    const endedByServer = ended;
    req.destroy(); // lets a hung close finish, so the database can be dropped either way
    await closing;
    await t.database.drop();
    expect(outcome).toBe('closed');
    expect(endedByServer).toBe(true);
  }, 60_000);
});
