/**
 * Distribution under kill -9: a real server process delivers to a webhook receiver in this process. The receiver
 * stores the publication and never answers (the acknowledgement is lost), and the server is killed -9 while it waits.
 * After a restart on the same database the delivery is sent again with the same webhook-id, and the receiver's
 * de-duplication by id leaves exactly one copy; nothing is lost, the correction follows in order.
 */
import { publishOverHttp } from './support/distribution';
import { ADMIN_PASSWORD, call, childEnv, Database, ENGINE, ensureBuilt, freshDatabase, killAll, login, ServerProcess, summary } from './support/harness';
import { eventually, WebhookReceiver } from '../support/webhook-receiver';

describe(`distribution: kill -9 mid-delivery on ${ENGINE}`, () => {
  let db: Database;
  let receiver: WebhookReceiver;
  const figures: Record<string, number | string> = {};

  beforeAll(async () => {
    ensureBuilt();
    db = await freshDatabase();
    receiver = await new WebhookReceiver().start();
  }, 240_000);
  afterAll(async () => {
    summary('distribution-crash', figures);
    await killAll();
    await receiver?.stop();
    await db?.drop().catch(() => undefined);
  });

  it('repeats the interrupted delivery after restart; the receiver keeps exactly one copy', async () => {
    const env = childEnv(db, {
      NEWSROOM_DISTRIBUTION_POLL_MS: '50',
      NEWSROOM_DISTRIBUTION_LEASE_MS: '1000',
      NEWSROOM_DISTRIBUTION_TIMEOUT_MS: '60000',
      NEWSROOM_DISTRIBUTION_RETRY_BASE_MS: '100',
      NEWSROOM_DISTRIBUTION_RETRY_MAX_MS: '500',
    });
    let server = await ServerProcess.start(env, 'dist-crash-0');
    const admin = await login(server.url, 'admin', ADMIN_PASSWORD);
    const created = await call(server.url, 'POST', '/subscribers', { token: admin, body: { name: 'crash partner', destination: { kind: 'webhook', url: receiver.url } } });
    expect(created.status).toBe(201);
    receiver.setSecret(created.json.secret);
    receiver.mode = 'lose-ack';

    const article = await publishOverHttp(server.url, admin);
    const messageId = `article-${article.id}:${article.version}`;
    await eventually(() => receiver.attempts.some((a) => a.id === messageId), 'the first attempt reached the receiver', 30_000);
    await server.kill9();
    expect(receiver.stored.map((r) => r.id)).toEqual([messageId]);

    server = await ServerProcess.start(env, 'dist-crash-1');
    const token = await login(server.url, 'admin', ADMIN_PASSWORD);
    await eventually(() => receiver.attempts.filter((a) => a.id === messageId).length >= 2, 'the delivery repeated after restart', 60_000);
    const corrected = await call(server.url, 'POST', `/articles/${article.id}/corrections`, {
      token: article.publisherToken,
      headers: { 'if-match': `"${article.version}"` },
      body: { kind: 'correction', note: 'after the crash' },
    });
    expect(corrected.status).toBe(200);
    await eventually(() => receiver.stored.length === 2, 'the correction', 30_000);

    expect(receiver.stored.map((r) => r.id)).toEqual([messageId, `article-${article.id}:${corrected.json.version}`]);
    expect(receiver.rejected).toBe(0);
    // The receiver has both; the service records the second acknowledgement just after it.
    let log = await call(server.url, 'GET', `/articles/${article.id}/deliveries`, { token });
    await eventually(async () => {
      log = await call(server.url, 'GET', `/articles/${article.id}/deliveries`, { token });
      return log.json.every((e: { status: string }) => e.status === 'delivered');
    }, 'both recorded as delivered');
    expect(log.json.map((e: { status: string; deliveries: number }) => [e.status, e.deliveries])).toEqual([
      ['delivered', 1],
      ['delivered', 1],
    ]);
    const audit = await call(server.url, 'GET', '/audit/distribution', { token });
    expect(audit.json.ok).toBe(true);
    figures.attemptsOfFirst = receiver.attempts.filter((a) => a.id === messageId).length;
    figures.copiesKept = receiver.stored.filter((r) => r.id === messageId).length;
  });
});
