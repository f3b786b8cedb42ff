import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import ninjsSchema from './fixtures/ninjs-schema-2.1.json';
import { DeliveryWorker } from '../src/distribution/delivery-worker.service';
import { bearer, startApp, TestApp } from './support/test-app';
import { desk, Desk, publishThroughHttp } from './support/publish';
import { eventually, WebhookReceiver } from './support/webhook-receiver';

const GEOJSON_STAND_IN = { $id: 'https://geojson.org/schema/GeoJSON.json', type: 'object', required: ['type'], properties: { type: { type: 'string' } } };
const ajv = new Ajv2020({ allErrors: true });
addFormats(ajv);
ajv.addSchema(GEOJSON_STAND_IN);
const validNinjs = ajv.compile(ninjsSchema);

/** Fast retries and polling, so faults resolve in well under a second; every receiver is on loopback. */
const FAST = {
  NEWSROOM_DISTRIBUTION_POLL_MS: '50',
  NEWSROOM_DISTRIBUTION_RETRY_BASE_MS: '40',
  NEWSROOM_DISTRIBUTION_RETRY_MAX_MS: '200',
  NEWSROOM_DISTRIBUTION_TIMEOUT_MS: '1500',
  NEWSROOM_PUBLIC_URL: 'https://news.example',
};

describe('distribution: subscribers and webhook delivery (e2e)', () => {
  let t: TestApp;
  let d: Desk;
  let auditor: { token: string };
  const receivers: WebhookReceiver[] = [];

  beforeAll(async () => {
    t = await startApp(FAST);
    d = await desk(t);
    auditor = await t.user(['auditor']);
  });
  // Every test's partners are removed after it, so the next test's deliveries do not queue behind theirs.
  afterEach(async () => {
    const listed = await t.http().get('/subscribers').set(bearer(t.adminToken)).expect(200);
    for (const s of listed.body) await t.http().delete(`/subscribers/${s.id}`).set(bearer(t.adminToken)).expect(200);
  });
  afterAll(async () => {
    await Promise.all(receivers.map((r) => r.stop()));
    await t.close();
  });

  async function subscribe(body: Record<string, unknown> = {}): Promise<{ id: string; receiver: WebhookReceiver }> {
    const receiver = await new WebhookReceiver().start();
    receivers.push(receiver);
    const res = await t
      .http()
      .post('/subscribers')
      .set(bearer(t.adminToken))
      .send({ name: `partner-${receivers.length}`, destination: { kind: 'webhook', url: receiver.url }, ...body })
      .expect(201);
    expect(res.body.secret).toMatch(/^whsec_[A-Za-z0-9+/=]{40,}$/);
    receiver.setSecret(res.body.secret);
    return { id: res.body.id, receiver };
  }

  /** A headline correction as it goes live: proposed by the publisher, approved by an editor (four eyes). */
  const correct = async (id: string, version: number, note: string) => {
    const proposed = await t.http().post(`/articles/${id}/corrections`).set(bearer(d.publisher.token)).set('If-Match', `"${version}"`).send({ kind: 'correction', note, headline: `Corrected: ${note}` }).expect(202);
    return t.http().post(`/articles/${id}/corrections/${proposed.body.correctionId}/approval`).set(bearer(d.editor.token)).set('If-Match', `"${proposed.body.version}"`).expect(200);
  };
  const withdraw = (id: string, version: number) =>
    t.http().post(`/articles/${id}/withdrawal`).set(bearer(d.publisher.token)).set('If-Match', `"${version}"`).send({ reason: 'legal advice' }).expect(200);

  it('admins add, list, pause, resume and remove subscribers; the secret is shown once; each change is an event naming the admin', async () => {
    const { id } = await subscribe();
    const listed = await t.http().get('/subscribers').set(bearer(t.adminToken)).expect(200);
    const mine = listed.body.find((s: { id: string }) => s.id === id);
    expect(mine).toMatchObject({ status: 'active', onFailure: 'continue', destination: { kind: 'webhook' } });
    expect(JSON.stringify(listed.body)).not.toContain('whsec_');
    expect(JSON.stringify((await t.http().get(`/subscribers/${id}`).set(bearer(t.adminToken)).expect(200)).body)).not.toContain('whsec_');

    await t.http().post(`/subscribers/${id}/pause`).set(bearer(t.adminToken)).expect(200, /"status":"paused"/);
    await t.http().post(`/subscribers/${id}/resume`).set(bearer(t.adminToken)).expect(200, /"status":"active"/);
    await t.http().delete(`/subscribers/${id}`).set(bearer(t.adminToken)).expect(200, /"status":"deleted"/);
    await t.http().get(`/subscribers/${id}`).set(bearer(t.adminToken)).expect(404);

    const audit = await t.http().get('/audit').set(bearer(t.adminToken)).expect(200);
    const entries = audit.body.items
      .filter((e: { streamId?: string; stream_id?: string }) => (e.streamId ?? e.stream_id) === `subscriber-${id}`)
      .sort((a: { position: number }, b: { position: number }) => Number(a.position) - Number(b.position));
    expect(entries.map((e: { type: string }) => e.type)).toEqual(['SubscriberAdded', 'SubscriberPaused', 'SubscriberResumed', 'SubscriberRemoved']);
    expect(entries.every((e: { actor: { username: string } }) => e.actor.username === 'admin')).toBe(true);
    expect(JSON.stringify(entries)).not.toContain('whsec_');
  });

  it('refuses bad subscribers, non-admins, and NATS without a NATS server configured', async () => {
    const post = (body: unknown, token = t.adminToken) => t.http().post('/subscribers').set(bearer(token)).send(body as object);
    await post({ name: 'x', destination: { kind: 'webhook', url: 'ftp://127.0.0.1/x' } }).expect(400);
    await post({ name: 'x', destination: { kind: 'webhook' } }).expect(400);
    await post({ name: 'x', destination: { kind: 'nats', subject: 'a.*' } }).expect(400);
    await post({ name: 'x', destination: { kind: 'carrier-pigeon' } }).expect(400);
    await post({ name: 'x', destination: { kind: 'webhook', url: 'http://127.0.0.1:9/x' } }, d.publisher.token).expect(403);
    const nats = await post({ name: 'x', destination: { kind: 'nats', subject: 'partners.x' } }).expect(409);
    expect(nats.body.code).toBe('NATS_NOT_CONFIGURED');
    const listed = await t.http().get('/subscribers').set(bearer(t.adminToken)).expect(200);
    expect(listed.body.filter((s: { name: string }) => s.name === 'x')).toEqual([]);
  });

  it('delivers publication, correction and withdrawal in order, signed, as valid ninjs; the log and the audit prove it', async () => {
    const { id: subscriberId, receiver } = await subscribe();
    const { id, version } = await publishThroughHttp(t, d);
    const v2 = (await correct(id, version, 'the minister’s name')).body.version;
    const v3 = (await withdraw(id, v2)).body.version;
    await eventually(() => receiver.stored.length === 3, 'three deliveries');

    expect(receiver.stored.map((r) => r.eventType)).toEqual(['ArticlePublished', 'CorrectionApproved', 'ArticleWithdrawn']);
    expect(receiver.ids()).toEqual([`article-${id}:${version}`, `article-${id}:${v2}`, `article-${id}:${v3}`]);
    expect(receiver.rejected).toBe(0);
    for (const r of receiver.stored) expect(validNinjs(r.body)).toBe(true);
    const [published, corrected, killed] = receiver.stored.map((r) => r.body);
    expect(published).toMatchObject({ uri: `urn:uuid:${id}`, version: String(version), pubstatus: 'usable' });
    expect(published.renditions[0].href).toBe(`https://news.example/news/${id}`);
    expect(corrected).toMatchObject({ version: String(v2), pubstatus: 'usable', headlines: [{ value: 'Corrected: the minister’s name' }] });
    expect(corrected.descriptions).toContainEqual({ role: 'correction', contenttype: 'text/plain', value: 'the minister’s name' });
    expect(killed).toMatchObject({ version: String(v3), pubstatus: 'canceled' });
    expect(killed.bodies).toBeUndefined();
    expect(killed.descriptions).toContainEqual({ role: 'withdrawal', contenttype: 'text/plain', value: 'legal advice' });

    const log = await t.http().get(`/articles/${id}/deliveries`).set(bearer(d.editor.token)).expect(200);
    const mine = log.body.filter((e: { subscriber: { id: string } }) => e.subscriber.id === subscriberId);
    expect(mine.map((e: { version: number; status: string }) => [e.version, e.status])).toEqual([
      [version, 'delivered'],
      [v2, 'delivered'],
      [v3, 'delivered'],
    ]);
    expect(mine.every((e: { deliveredAt: string | null }) => e.deliveredAt !== null)).toBe(true);
    await t.http().get(`/articles/${id}/deliveries`).set(bearer(auditor.token)).expect(200);
    await t.http().get(`/articles/${id}/deliveries`).set(bearer(d.reporter.token)).expect(403);
    const bySubscriber = await t.http().get(`/subscribers/${subscriberId}/deliveries`).set(bearer(auditor.token)).expect(200);
    expect(bySubscriber.body.map((e: { messageId: string }) => e.messageId)).toEqual(receiver.ids());

    await eventually(async () => (await t.http().get('/audit/distribution').set(bearer(auditor.token))).body.ok === true, 'an empty distribution audit');
  });

  it('an embargoed publication reaches partners at once with ninjs embargoed; readers get it when the embargo ends', async () => {
    const { receiver } = await subscribe();
    const embargoUntil = new Date(Date.parse(t.clock.now()) + 3_600_000).toISOString();
    const { id } = await publishThroughHttp(t, d, undefined, { embargoUntil });
    await eventually(() => receiver.stored.length === 1, 'the embargoed delivery');
    expect(receiver.stored[0].body.embargoed).toBe(embargoUntil);
    expect(validNinjs(receiver.stored[0].body)).toBe(true);

    await t.http().get(`/published/${id}`).expect(404);
    await t.http().get(`/published/${id}/ninjs`).expect(404);
    await t.http().get(`/news/${id}`).expect(404);
    expect((await t.http().get('/feeds/published.atom').expect(200)).text).not.toContain(id);
    await t.http().get(`/published/${id}?asOf=${encodeURIComponent(t.clock.now())}`).expect(404);
    const working = await t.http().get(`/articles/${id}`).set(bearer(d.editor.token)).expect(200);
    expect(working.body.publication.embargoUntil).toBe(embargoUntil);

    t.clock.advance(3_600_001);
    try {
      const doc = await t.http().get(`/published/${id}`).expect(200);
      expect(doc.body.embargoUntil).toBe(embargoUntil);
      await t.http().get(`/published/${id}/ninjs`).expect(200);
      await t.http().get(`/news/${id}`).expect(200);
      expect((await t.http().get('/feeds/published.atom').expect(200)).text).toContain(id);
    } finally {
      t.clock.set(null);
      t.clock.advance(-3_600_001);
    }
  });

  it('an embargo must end in the future and is not combined with a schedule', async () => {
    const past = new Date(Date.parse(t.clock.now()) - 1000).toISOString();
    const future = new Date(Date.parse(t.clock.now()) + 3_600_000).toISOString();
    const drafted = await t.http().post('/articles').set(bearer(d.reporter.token)).send({ headline: 'h', language: 'en', body: [{ type: 'paragraph', text: 'b' }] }).expect(201);
    const id = drafted.body.id;
    let v = (await t.http().post(`/articles/${id}/bylines`).set(bearer(d.reporter.token)).send({ name: 'A' }).expect(201)).body.version;
    v = (await t.http().post(`/articles/${id}/approval`).set(bearer(d.editor.token)).set('If-Match', `"${v}"`).send({}).expect(200)).body.version;
    const publish = (extra: object) =>
      t.http().post(`/articles/${id}/publication`).set(bearer(d.publisher.token)).set('If-Match', `"${v}"`).send({ copyrightNotice: { holder: 'H', text: 'T' }, ...extra });
    expect((await publish({ embargoUntil: past }).expect(409)).body.code).toBe('EMBARGO_NOT_FUTURE');
    expect((await publish({ embargoUntil: future, publishAt: future }).expect(409)).body.code).toBe('EMBARGO_WITH_SCHEDULE');
    await publish({ embargoUntil: '2030-01-01T09:00:00' }).expect(400);
    await t.http().get(`/articles/${id}`).set(bearer(d.editor.token)).expect(200, /"status":"approved"/);
  });

  it('a receiver down for a while gets every pending delivery, in order per article, when it is back', async () => {
    // Retries fast in this suite: enough attempts that none is parked while the receiver is down.
    const { receiver } = await subscribe({ maxAttempts: 1000 });
    await receiver.stop();
    const a = await publishThroughHttp(t, d);
    const b = await publishThroughHttp(t, d);
    const a2 = (await correct(a.id, a.version, 'one')).body.version;
    const a3 = (await correct(a.id, a2, 'two')).body.version;
    const b2 = (await withdraw(b.id, b.version)).body.version;
    await new Promise((r) => setTimeout(r, 300));
    await receiver.start();
    await eventually(() => receiver.stored.length === 5, 'five deliveries after the receiver came back');
    const order = (articleId: string) => receiver.stored.filter((r) => r.id.startsWith(`article-${articleId}:`)).map((r) => Number(r.body.version));
    expect(order(a.id)).toEqual([a.version, a2, a3]);
    expect(order(b.id)).toEqual([b.version, b2]);
  });

  it('a failing receiver is retried with back-off, then parked and shown in the audit; others are not held up; redelivery fixes it', async () => {
    const failing = await subscribe({ maxAttempts: 3 });
    const healthy = await subscribe();
    failing.receiver.mode = 'error';
    const { id, version } = await publishThroughHttp(t, d);
    await eventually(() => healthy.receiver.stored.some((r) => r.id === `article-${id}:${version}`), 'the healthy partner got it');
    await eventually(async () => {
      const log = await t.http().get(`/subscribers/${failing.id}/deliveries?status=parked`).set(bearer(t.adminToken));
      return log.body.length === 1;
    }, 'the failing delivery parked');
    const mine = failing.receiver.attempts.filter((a) => a.id === `article-${id}:${version}`);
    expect(mine).toHaveLength(3);
    const [parked] = (await t.http().get(`/subscribers/${failing.id}/deliveries?status=parked`).set(bearer(t.adminToken))).body;
    expect(parked).toMatchObject({ messageId: `article-${id}:${version}`, attempts: 3, lastError: 'HTTP 500' });

    // A correction while the first version is parked waits behind it (never overtakes it).
    failing.receiver.mode = 'ok';
    const v2 = (await correct(id, version, 'late')).body.version;
    await eventually(() => healthy.receiver.stored.some((r) => r.id === `article-${id}:${v2}`), 'the healthy partner got the correction');
    await new Promise((r) => setTimeout(r, 200));
    expect(failing.receiver.stored.filter((r) => r.id.startsWith(`article-${id}:`))).toEqual([]);

    const position = (await t.http().get(`/subscribers/${failing.id}/deliveries?status=parked`).set(bearer(t.adminToken))).body[0].position;
    await t.http().post(`/subscribers/${failing.id}/redelivery`).set(bearer(d.publisher.token)).send({ fromPosition: position }).expect(403);
    await t.http().post(`/subscribers/${failing.id}/redelivery`).set(bearer(t.adminToken)).send({ fromPosition: -1 }).expect(400);
    await t.http().post(`/subscribers/${failing.id}/redelivery`).set(bearer(t.adminToken)).send({ fromPosition: position }).expect(200);
    await eventually(() => failing.receiver.stored.filter((r) => r.id.startsWith(`article-${id}:`)).length === 2, 'both versions after redelivery');
    expect(failing.receiver.stored.filter((r) => r.id.startsWith(`article-${id}:`)).map((r) => Number(r.body.version))).toEqual([version, v2]);
  });

  it('with onFailure "stop" a parked delivery stops the subscriber; a redelivery gives a partner that lost its data everything again from a position', async () => {
    const { id: subscriberId, receiver } = await subscribe({ maxAttempts: 1, onFailure: 'stop' });
    const first = await publishThroughHttp(t, d);
    await eventually(() => receiver.stored.length === 1, 'the first publication');
    receiver.mode = 'error';
    const second = await publishThroughHttp(t, d);
    await eventually(async () => (await t.http().get(`/subscribers/${subscriberId}`).set(bearer(t.adminToken))).body.halted === true, 'halted');
    receiver.mode = 'ok';
    const third = await publishThroughHttp(t, d);
    await new Promise((r) => setTimeout(r, 300));
    // Stopped: not even another article goes out.
    expect(receiver.ids()).toEqual([`article-${first.id}:${first.version}`]);

    receiver.stored.length = 0; // the partner lost its data (and its memory of ids)
    const [firstDelivery] = (await t.http().get(`/subscribers/${subscriberId}/deliveries`).set(bearer(t.adminToken))).body;
    await t.http().post(`/subscribers/${subscriberId}/redelivery`).set(bearer(t.adminToken)).send({ fromPosition: 999_999_999 }).expect(404);
    await t.http().post(`/subscribers/${subscriberId}/redelivery`).set(bearer(t.adminToken)).send({ fromPosition: firstDelivery.position }).expect(200);
    await eventually(() => receiver.stored.length === 3, 'the three publications again');
    expect(receiver.ids()).toEqual([first, second, third].map((a) => `article-${a.id}:${a.version}`));
    const view = (await t.http().get(`/subscribers/${subscriberId}`).set(bearer(t.adminToken))).body;
    expect(view).toMatchObject({ halted: false, deliveries: { parked: 0 } });
    const log = (await t.http().get(`/subscribers/${subscriberId}/deliveries`).set(bearer(t.adminToken))).body;
    expect(log.find((e: { messageId: string }) => e.messageId === `article-${first.id}:${first.version}`)).toMatchObject({ status: 'delivered', deliveries: 2 });
  });

  it('retries back off exponentially with jitter (fixed random numbers)', () => {
    const { retryDelayMs } = jest.requireActual('../src/distribution/backoff');
    const policy = { baseMs: 100, maxMs: 1000 };
    expect([1, 2, 3, 4, 5, 6].map((n) => retryDelayMs(n, policy, () => 0))).toEqual([50, 100, 200, 400, 500, 500]);
    expect([1, 2, 3].map((n) => retryDelayMs(n, policy, () => 1))).toEqual([100, 200, 400]);
  });

  it('a receiver that hangs or answers slowly holds up only its own subscriber', async () => {
    const hanging = await subscribe();
    const slow = await subscribe();
    const fast = await subscribe();
    hanging.receiver.mode = 'hang';
    slow.receiver.delayMs = 500;
    const { id, version } = await publishThroughHttp(t, d);
    const messageId = `article-${id}:${version}`;
    await eventually(() => fast.receiver.stored.some((r) => r.id === messageId), 'the fast partner got it');
    const fastAt = fast.receiver.stored.find((r) => r.id === messageId)!.at;
    await eventually(() => slow.receiver.stored.some((r) => r.id === messageId), 'the slow partner got it');
    expect(slow.receiver.stored.find((r) => r.id === messageId)!.at).toBeGreaterThan(fastAt);
    await eventually(() => hanging.receiver.attempts.filter((a) => a.id === messageId).length >= 2, 'the hanging partner retried after the time limit');
    const log = (await t.http().get(`/subscribers/${hanging.id}/deliveries`).set(bearer(t.adminToken))).body;
    expect(log.find((e: { messageId: string }) => e.messageId === messageId)).toMatchObject({ status: 'pending', lastError: 'no answer within 1500 ms' });
    await t.http().delete(`/subscribers/${hanging.id}`).set(bearer(t.adminToken)).expect(200);
  });

  it('a subscriber added later gets the backlog from the beginning, or only what comes next', async () => {
    const before = await publishThroughHttp(t, d);
    const fromBeginning = await subscribe({ from: 'beginning' });
    const fromNow = await subscribe({ from: 'now' });
    const after = await publishThroughHttp(t, d);
    await eventually(() => fromNow.receiver.stored.some((r) => r.id.startsWith(`article-${after.id}:`)), 'the new publication');
    await eventually(() => fromBeginning.receiver.stored.some((r) => r.id.startsWith(`article-${after.id}:`)), 'the backlog and the new publication');
    expect(fromNow.receiver.stored.map((r) => r.id)).toEqual([`article-${after.id}:${after.version}`]);
    expect(fromBeginning.receiver.ids()).toContain(`article-${before.id}:${before.version}`);
    expect(fromBeginning.receiver.ids().indexOf(`article-${before.id}:${before.version}`)).toBeLessThan(fromBeginning.receiver.ids().indexOf(`article-${after.id}:${after.version}`));
  });

  it('a paused subscriber gets nothing until resumed, then everything; the audit shows what it is missing meanwhile', async () => {
    const { id: subscriberId, receiver } = await subscribe();
    const { id, version } = await publishThroughHttp(t, d);
    await eventually(() => receiver.stored.length === 1, 'the publication');
    await t.http().post(`/subscribers/${subscriberId}/pause`).set(bearer(t.adminToken)).expect(200);
    const v2 = (await correct(id, version, 'while paused')).body.version;
    await new Promise((r) => setTimeout(r, 200));
    expect(receiver.stored).toHaveLength(1);
    const audit = await t.http().get('/audit/distribution').set(bearer(auditor.token)).expect(200);
    expect(audit.body.ok).toBe(false);
    expect(audit.body.gaps).toContainEqual(
      expect.objectContaining({ subscriber: expect.objectContaining({ id: subscriberId, status: 'paused' }), articleId: id, receivedVersion: version, latestVersion: v2 }),
    );
    await t.http().post(`/subscribers/${subscriberId}/resume`).set(bearer(t.adminToken)).expect(200);
    await eventually(() => receiver.stored.length === 2, 'the correction after resuming');
    await eventually(async () => (await t.http().get('/audit/distribution').set(bearer(auditor.token))).body.gaps.every((g: { subscriber: { id: string } }) => g.subscriber.id !== subscriberId), 'no gap for it');
  });

  it('one instance at a time serves a subscriber: a second worker on the same database claims nothing while the lease is held', async () => {
    await subscribe();
    const first = t.app.get(DeliveryWorker);
    const second = new DeliveryWorker((first as any).store, (first as any).clock, (first as any).nats, { get: () => (first as any).cfg } as any);
    await eventually(async () => (await first.claim()).length > 0, 'the first instance holds the leases');
    expect(await second.claim()).toEqual([]);
  });

  it('receivers verify with the same library: a tampered body or a replayed old timestamp is refused', () => {
    const { signedHeaders } = jest.requireActual('../src/distribution/webhook.destination');
    const secret = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
    const body = JSON.stringify({ uri: 'urn:uuid:x', version: '3' });
    const now = new Date();
    const wh = new Webhook(secret);
    expect(wh.verify(body, signedHeaders(secret, 'article-x:3', now, body))).toEqual(JSON.parse(body));
    expect(() => wh.verify(body.replace('3', '4'), signedHeaders(secret, 'article-x:3', now, body))).toThrow(WebhookVerificationError);
    const old = new Date(now.getTime() - 10 * 60_000);
    expect(() => wh.verify(body, signedHeaders(secret, 'article-x:3', old, body))).toThrow(WebhookVerificationError);
    expect(() => new Webhook(`whsec_${Buffer.alloc(32, 8).toString('base64')}`).verify(body, signedHeaders(secret, 'article-x:3', now, body))).toThrow(WebhookVerificationError);
  });
});
