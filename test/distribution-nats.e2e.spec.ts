import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, NatsConnection } from '@nats-io/transport-node';
import { bearer, startApp, TestApp } from './support/test-app';
import { desk, Desk, publishThroughHttp } from './support/publish';
import { OwnNatsServer } from './support/nats-server';
import { eventually } from './support/webhook-receiver';

/**
 * NATS JetStream delivery against a real nats-server this test starts on a free port (and stops: never the shared
 * server on 4222). One stream captures `partners.>`, every partner's subject; messages carry Nats-Msg-Id (the event
 * id and the subject: JetStream de-duplicates across the stream) and Masthead-Event-Id (the event id).
 */
describe('distribution: NATS JetStream delivery (e2e)', () => {
  let nats: OwnNatsServer;
  let t: TestApp;
  let d: Desk;
  let nc: NatsConnection;

  beforeAll(async () => {
    nats = await new OwnNatsServer().start();
    nc = await connect({ servers: nats.url, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: 'PARTNERS', subjects: ['partners.>'], duplicate_window: 120_000_000_000 });
    t = await startApp({
      NEWSROOM_NATS_URL: nats.url,
      NEWSROOM_DISTRIBUTION_POLL_MS: '50',
      NEWSROOM_DISTRIBUTION_RETRY_BASE_MS: '50',
      NEWSROOM_DISTRIBUTION_RETRY_MAX_MS: '300',
      NEWSROOM_DISTRIBUTION_TIMEOUT_MS: '1000',
      NEWSROOM_DISTRIBUTION_MAX_ATTEMPTS: '1000',
    });
    d = await desk(t);
  });
  afterAll(async () => {
    await t?.close();
    await nc?.close().catch(() => undefined);
    await nats?.dispose();
  });

  /** Every message in `stream` on `subject`: message id, event and version. */
  async function messages(subject: string, stream = 'PARTNERS'): Promise<{ id: string; eventId: string; event: string; version: string }[]> {
    const jsm = await jetstreamManager(nc);
    const info = await jsm.streams.info(stream);
    const out: { id: string; eventId: string; event: string; version: string }[] = [];
    for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
      const m = await jsm.streams.getMessage(stream, { seq }).catch(() => null);
      if (!m || m.subject !== subject) continue;
      const h = m.header;
      out.push({ id: h.get('Nats-Msg-Id'), eventId: h.get('Masthead-Event-Id'), event: h.get('Masthead-Event'), version: (m.json() as { version: string }).version });
    }
    return out;
  }

  /** One article's deliveries to one subscriber, in log order. */
  async function deliveries(articleId: string, subscriber: string): Promise<{ messageId: string; status: string; attempts: number; lastError: string | null }[]> {
    const log = (await t.http().get(`/articles/${articleId}/deliveries`).set(bearer(d.editor.token)).expect(200)).body;
    return log.filter((e: { subscriber: { name: string } }) => e.subscriber.name === subscriber);
  }

  it('publishes each publication and correction to the subject with Nats-Msg-Id = event id @ subject; JetStream keeps one copy per id', async () => {
    await t.http().post('/subscribers').set(bearer(t.adminToken)).send({ name: 'wire', destination: { kind: 'nats', subject: 'partners.wire' } }).expect(201, /"secret":null/);
    const { id, version } = await publishThroughHttp(t, d);
    const v2 = (await t.http().post(`/articles/${id}/corrections`).set(bearer(d.publisher.token)).set('If-Match', `"${version}"`).send({ kind: 'correction', note: 'n' }).expect(200)).body.version;
    await eventually(async () => (await messages('partners.wire')).length === 2, 'two messages on the stream');
    expect(await messages('partners.wire')).toEqual([
      { id: `article-${id}:${version}@partners.wire`, eventId: `article-${id}:${version}`, event: 'ArticlePublished', version: String(version) },
      { id: `article-${id}:${v2}@partners.wire`, eventId: `article-${id}:${v2}`, event: 'ArticleCorrected', version: String(v2) },
    ]);
    // A repeated delivery (what a crash between send and record causes) is dropped by the stream.
    const ack = await jetstream(nc).publish('partners.wire', '{}', { msgID: `article-${id}:${version}@partners.wire` });
    expect(ack.duplicate).toBe(true);
    expect(await messages('partners.wire')).toHaveLength(2);
  });

  it('with NATS stopped, publishing still succeeds; the deliveries arrive when NATS is back', async () => {
    // In the same stream as "wire", which gets this article too.
    await t.http().post('/subscribers').set(bearer(t.adminToken)).send({ name: 'outage', destination: { kind: 'nats', subject: 'partners.outage' } }).expect(201);
    await nats.stop();
    const { id, version } = await publishThroughHttp(t, d);
    const v2 = (await t.http().post(`/articles/${id}/corrections`).set(bearer(d.publisher.token)).set('If-Match', `"${version}"`).send({ kind: 'update', note: 'more' }).expect(200)).body.version;
    await eventually(async () => (await deliveries(id, 'outage')).some((e) => e.attempts > 0 && e.lastError), 'a failed attempt while NATS is down');
    await nats.start();
    await eventually(async () => (await deliveries(id, 'outage')).filter((e) => e.status === 'delivered').length === 2, 'both deliveries after NATS came back', 30_000).catch(async (err) => {
      throw new Error(`${(err as Error).message}: ${JSON.stringify(await deliveries(id, 'outage'))}`);
    });
    // Delivered means in the stream, on the subscriber's subject, once each.
    for (const subject of ['partners.outage', 'partners.wire']) {
      if (subject === 'partners.wire') await eventually(async () => (await deliveries(id, 'wire')).every((e) => e.status === 'delivered'), 'wire delivered too');
      expect({ subject, stored: (await messages(subject)).filter((m) => m.eventId.startsWith(`article-${id}:`)) }).toEqual({
        subject,
        stored: [
          { id: `article-${id}:${version}@${subject}`, eventId: `article-${id}:${version}`, event: 'ArticlePublished', version: String(version) },
          { id: `article-${id}:${v2}@${subject}`, eventId: `article-${id}:${v2}`, event: 'ArticleCorrected', version: String(v2) },
        ],
      });
    }
  });

  it('two subscribers whose subjects share a stream each get their own copy (a bug: the second was dropped as a duplicate and marked delivered)', async () => {
    await t.http().post('/subscribers').set(bearer(t.adminToken)).send({ name: 'second', destination: { kind: 'nats', subject: 'partners.second' } }).expect(201);
    const { id, version } = await publishThroughHttp(t, d);
    const both = async () => [...(await deliveries(id, 'wire')), ...(await deliveries(id, 'second'))];
    await eventually(async () => (await both()).filter((e) => e.status === 'delivered').length === 2, 'both subscribers delivered');
    for (const subject of ['partners.wire', 'partners.second']) {
      const stored = (await messages(subject)).filter((m) => m.eventId === `article-${id}:${version}`);
      expect({ subject, stored: stored.map((m) => m.id) }).toEqual({ subject, stored: [`article-${id}:${version}@${subject}`] });
    }
  });
});
