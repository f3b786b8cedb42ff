import seed from './fixtures/seed-article.json';
import { EventStore } from '../src/event-store/event-store.service';
import { bearer, startApp, TestApp } from './support/test-app';

/**
 * Time travel when a stream's recorded times are not in version order: a command takes its time when it arrives, and
 * one without If-Match that loses a race is decided again on the new state with that same time, so its event can
 * follow, at a higher version, an event recorded later.
 */
describe('time travel with recorded times out of version order (e2e)', () => {
  let t: TestApp;
  let reporter: { token: string };
  let id: string;
  const T0 = '2026-05-01T09:00:00.000Z';
  const T1 = '2026-05-01T09:01:00.000Z';
  const T2 = '2026-05-01T09:02:00.000Z';

  beforeAll(async () => {
    t = await startApp();
    reporter = await t.user(['reporter']);
    t.clock.set(T0);
    id = (await t.http().post('/articles').set(bearer(reporter.token)).send(seed.draft).expect(201)).body.id;

    // A byline arrives at T1; before it is appended, another one, arriving at T2, is committed first.
    const store = t.app.get(EventStore);
    const append = store.append.bind(store);
    let raced = false;
    const spy = jest.spyOn(store, 'append').mockImplementation(async (...args) => {
      if (!raced) {
        raced = true;
        t.clock.set(T2);
        await t.http().post(`/articles/${id}/bylines`).set(bearer(reporter.token)).send({ name: '劉冬蓮', role: 'reporter' }).expect(201);
      }
      return append(...args);
    });
    try {
      t.clock.set(T1);
      await t.http().post(`/articles/${id}/bylines`).set(bearer(reporter.token)).send({ name: '許丹婷', role: 'reporter' }).expect(201);
    } finally {
      spy.mockRestore();
      t.clock.set(null);
    }
  });
  afterAll(() => t?.close());

  it('records the race as the test means it: version 3 recorded before version 2', async () => {
    const events = (await t.http().get(`/articles/${id}/events`).set(bearer(t.adminToken)).expect(200)).body;
    expect(events.map((e: { version: number; recordedAt: string }) => [e.version, e.recordedAt])).toEqual([
      [1, T0],
      [2, T2],
      [3, T1],
    ]);
  });

  it('?asOf between the two gives a state the article was in, not version 3 without version 2', async () => {
    const between = '2026-05-01T09:01:30.000Z';
    const res = await t.http().get(`/articles/${id}?asOf=${encodeURIComponent(between)}`).set(bearer(t.adminToken)).expect(200);
    const v1 = await t.http().get(`/articles/${id}?version=1`).set(bearer(t.adminToken)).expect(200);
    // Neither byline had been committed then: the second is at version 2, recorded at T2; the first only after it.
    expect(res.body).toEqual(v1.body);
    expect(res.headers.etag).toBe('"1"');
  });

  it('?asOf after both gives the head', async () => {
    const res = await t.http().get(`/articles/${id}?asOf=${encodeURIComponent(T2)}`).set(bearer(t.adminToken)).expect(200);
    const head = await t.http().get(`/articles/${id}`).set(bearer(t.adminToken)).expect(200);
    expect(res.body).toEqual(head.body);
  });
});

/** Times in query strings and bodies: what the validator lets through, the service must be able to read. */
describe('time parameters the service cannot read (e2e)', () => {
  let t: TestApp;
  let id: string;
  let auditor: string;
  let publisher: string;
  // ISO 8601 forms that the strict ISO check accepted but JavaScript's Date (week and ordinal dates, basic format, a
  // comma before the fraction) or PostgreSQL (year and month alone) cannot read.
  const UNREADABLE = ['2026-W18', '2026-W18-5', '2026-121', '20260501T090000Z', '2026-05-01T09:00:00,5Z'];

  beforeAll(async () => {
    t = await startApp();
    const reporter = await t.user(['reporter']);
    auditor = (await t.user(['auditor'])).token;
    publisher = (await t.user(['publisher'])).token;
    id = (await t.http().post('/articles').set(bearer(reporter.token)).send(seed.draft).expect(201)).body.id;
  });
  afterAll(() => t?.close());

  it('?asOf= that is not a time this service reads is a 400, never a 500', async () => {
    for (const q of UNREADABLE) {
      expect([q, (await t.http().get(`/articles/${id}?asOf=${encodeURIComponent(q)}`).set(bearer(auditor))).status]).toEqual([q, 400]);
      expect([q, (await t.http().get(`/published/${id}?asOf=${encodeURIComponent(q)}`)).status]).toEqual([q, 400]);
    }
  });

  it('/audit?from=&to= likewise (a year-month names no instant either), and a time with its zone is read as ?asOf= reads it', async () => {
    for (const q of [...UNREADABLE, '2026-05']) {
      expect([q, (await t.http().get(`/audit?from=${encodeURIComponent(q)}`).set(bearer(auditor))).status]).toEqual([q, 400]);
      expect([q, (await t.http().get(`/audit?to=${encodeURIComponent(q)}`).set(bearer(auditor))).status]).toEqual([q, 400]);
    }
    const may = encodeURIComponent('2026-05-01T02:00:00+02:00');
    const since = await t.http().get(`/audit?from=${may}&articleId=${id}`).set(bearer(auditor)).expect(200);
    expect(since.body.items.map((e: { type: string }) => e.type)).toEqual(['ArticleDrafted']);
    const until = await t.http().get(`/audit?to=${may}&articleId=${id}`).set(bearer(auditor)).expect(200);
    expect(until.body.items).toEqual([]);
  });

  it('publishAt likewise', async () => {
    const res = await t.http().post(`/articles/${id}/publication`).set(bearer(publisher)).set('If-Match', '"1"').send({ copyrightNotice: seed.copyrightNotice, publishAt: '2026-W18' });
    expect(res.status).toBe(400);
  });
});
