import { DataSource } from 'typeorm';
import { IdempotencyStore } from '../src/event-store/idempotency.store';
import seed from './fixtures/seed-article.json';
import { bearer, startApp, TestApp } from './support/test-app';

/** Idempotency keys are kept for the window (24 h by default), then forgotten. */
describe('idempotency keys', () => {
  let t: TestApp;
  let reporter: { token: string; id: string };

  beforeAll(async () => {
    t = await startApp();
    reporter = await t.user(['reporter']);
  });
  afterAll(() => t?.close());

  it('answers a retry within the window, and treats the key as new after it', async () => {
    t.clock.set('2026-06-01T10:00:00.000Z');
    const first = await t.http().post('/articles').set(bearer(reporter.token)).set('Idempotency-Key', 'morning-draft').send(seed.draft).expect(201);
    t.clock.set('2026-06-02T09:59:00.000Z'); // 23 h 59 min later: still remembered
    const retry = await t.http().post('/articles').set(bearer(reporter.token)).set('Idempotency-Key', 'morning-draft').send(seed.draft).expect(201);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.body).toEqual(first.body);
    await t.http().post('/articles').set(bearer(reporter.token)).set('Idempotency-Key', 'morning-draft').send({ ...seed.draft, headline: 'other' }).expect(422);

    t.clock.set('2026-06-02T10:00:01.000Z'); // past 24 h: a new request under the old key
    const later = await t.http().post('/articles').set(bearer(reporter.token)).set('Idempotency-Key', 'morning-draft').send({ ...seed.draft, headline: 'other' }).expect(201);
    expect(later.headers['idempotent-replayed']).toBeUndefined();
    expect(later.body.id).not.toBe(first.body.id);
    t.clock.set(null);
  });

  it('sweeps keys past the window', async () => {
    const db = t.app.get(DataSource);
    const store = t.app.get(IdempotencyStore);
    const [{ count }] = await db.query(`SELECT count(*) AS count FROM idempotency_keys`);
    expect(Number(count)).toBe(1);
    expect(await store.expire(db.manager, '2026-06-02T12:00:00.000Z')).toBe(0);
    expect(await store.expire(db.manager, '2026-06-03T10:00:02.000Z')).toBe(1);
    const [{ count: after }] = await db.query(`SELECT count(*) AS count FROM idempotency_keys`);
    expect(Number(after)).toBe(0);
  });

  it('answers concurrent retries of one request with one event and the same answer', async () => {
    const send = () => t.http().post('/articles').set(bearer(reporter.token)).set('Idempotency-Key', 'racing-draft').send(seed.draft);
    const answers = await Promise.all([send(), send(), send(), send(), send()]);
    expect(answers.map((a) => a.status)).toEqual([201, 201, 201, 201, 201]);
    expect(new Set(answers.map((a) => a.body.id)).size).toBe(1);
    expect(answers.filter((a) => a.headers['idempotent-replayed'] === 'true')).toHaveLength(4);
    const [{ count }] = await t.app.get(DataSource).query(`SELECT count(*) AS count FROM events WHERE metadata->>'idempotencyKey' = 'racing-draft'`);
    expect(Number(count)).toBe(1);
  });
});
