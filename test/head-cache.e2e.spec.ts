import type { Response } from 'supertest';
import { HeadCache } from '../src/articles/commands/head-cache';
import { Article, fold } from '../src/articles/domain/article';
import { articleStreamId, toRecorded } from '../src/articles/domain/article-stream';
import { EventStore } from '../src/event-store/event-store.service';
import { IdempotencyStore } from '../src/event-store/idempotency.store';
import { ArticleViewProjection } from '../src/read-models/article-view/article-view.projection';
import { ProjectionRunner } from '../src/read-models/projection-runner.service';
import seed from './fixtures/seed-article.json';
import { bearer, startApp, TestApp } from './support/test-app';

const nodeCrypto: typeof import('node:crypto') = require('node:crypto');

type User = Awaited<ReturnType<TestApp['user']>>;

/**
 * The per-instance cache of article heads (src/articles/commands/head-cache.ts): it must change no answer, event,
 * row or hash; a stale entry must only cost a re-read; a failed command must leave no entry; and the read must
 * really be skipped.
 */
describe('head cache (e2e)', () => {
  const draft = { ...seed.draft, body: seed.draft.body.slice(0, 3) };
  const answer = (res: Response) => ({ status: res.status, body: res.body, etag: res.headers['etag'] ?? null, replayed: res.headers['idempotent-replayed'] ?? null });

  /** Pins the clock and the random ids so that two runs on two databases can be compared byte for byte. */
  async function deterministicRun(cacheEntries: string) {
    let n = 0;
    const uuid = jest.spyOn(nodeCrypto, 'randomUUID').mockImplementation(() => `00000000-0000-4000-8000-${(++n).toString(16).padStart(12, '0')}` as `${string}-${string}-${string}-${string}-${string}`);
    const t = await startApp({ NEWSROOM_SCHEDULER: 'off', NEWSROOM_PROJECTION_DAEMON: 'off', NEWSROOM_HEAD_CACHE_ENTRIES: cacheEntries });
    try {
      t.clock.set('2026-03-01T09:00:00.000Z');
      n = 1000;
      const reporter = await t.user(['reporter'], 'reporter-a');
      const editor = await t.user(['editor'], 'editor-a');
      const publisher = await t.user(['publisher'], 'publisher-a');
      const answers: unknown[] = [];
      const send = async (req: Promise<Response>) => {
        t.clock.advance(1000);
        const res = await req;
        answers.push(answer(res));
        return res;
      };
      const as = (u: User) => ({
        post: (url: string) => t.http().post(url).set(bearer(u.token)),
        patch: (url: string) => t.http().patch(url).set(bearer(u.token)),
        delete: (url: string) => t.http().delete(url).set(bearer(u.token)),
      });
      const id: string = (await send(as(reporter).post('/articles').send(draft))).body.id;
      await send(as(reporter).patch(`/articles/${id}`).set('If-Match', '"1"').send({ headline: 'Revised once', summary: 'A summary' }));
      // The same body again, its blocks in the client's key order and in jsonb's: no revision either way (the state a
      // command decides on may come from jsonb or from memory; decide compares content, not key order).
      await send(as(reporter).patch(`/articles/${id}`).set('If-Match', '"2"').send({ body: draft.body }));
      await send(as(reporter).patch(`/articles/${id}`).set('If-Match', '"2"').send({ body: draft.body.map(({ text, type }) => ({ text, type })) }));
      await send(as(reporter).patch(`/articles/${id}`).send({ headline: 'No If-Match' })); // 428
      const byline = (await send(as(reporter).post(`/articles/${id}/bylines`).send(seed.bylines[0]))).body.bylineId;
      await send(as(reporter).post(`/articles/${id}/bylines`).set('Idempotency-Key', 'second-byline').send(seed.bylines[1] ?? { name: 'Second' }));
      await send(as(reporter).post(`/articles/${id}/bylines`).set('Idempotency-Key', 'second-byline').send(seed.bylines[1] ?? { name: 'Second' }));
      await send(as(reporter).delete(`/articles/${id}/bylines/${byline}`));
      await send(as(reporter).delete(`/articles/${id}/bylines/00000000-0000-4000-8000-00000000dead`)); // 404
      await send(as(reporter).post(`/articles/${id}/photos`).send(seed.photos[0]));
      await send(as(reporter).post(`/articles/${id}/bylines`).send(seed.bylines[0]));
      await send(as(reporter).post(`/articles/${id}/approval`).set('If-Match', '"7"').send({})); // a reporter: 403
      await send(as(editor).post(`/articles/${id}/approval`).set('If-Match', '"3"').send({})); // stale: 412
      const at = (await send(as(editor).post(`/articles/${id}/approval`).set('If-Match', '"7"').send({ note: 'ok' }))).body.version;
      await send(as(reporter).patch(`/articles/${id}`).set('If-Match', `"${at}"`).send({ headline: 'After approval' })); // voids it
      await send(as(editor).post(`/articles/${id}/approval`).set('If-Match', `"${at + 1}"`).send({}));
      await send(as(publisher).post(`/articles/${id}/publication`).set('If-Match', `"${at + 2}"`).send({ copyrightNotice: seed.copyrightNotice }));
      await send(as(reporter).patch(`/articles/${id}`).set('If-Match', `"${at + 3}"`).send({ headline: 'Too late' })); // 409
      await send(as(publisher).post(`/articles/${id}/corrections`).set('If-Match', `"${at + 3}"`).send({ kind: 'correction', note: 'A name was misspelled.', headline: 'Corrected' }));
      await send(as(publisher).post(`/articles/${id}/withdrawal`).set('If-Match', `"${at + 4}"`).send({ reason: 'Legal advice.' }));

      const db = t.app.get(EventStore).dataSource;
      const rows = {
        events: await db.query(`SELECT stream_id, version, type, schema_version, data::text, metadata::text, recorded_at, hash, position FROM events WHERE stream_id LIKE 'article-%' ORDER BY position`),
        streams: await db.query(`SELECT stream_id, version, head_hash FROM streams WHERE stream_id LIKE 'article-%' ORDER BY stream_id`),
        articles: await db.query(`SELECT id, version, status, created_at, updated_at, state::text FROM article_view ORDER BY id`),
        published: await db.query(`SELECT * FROM published_article ORDER BY 1`),
        audit: await db.query(`SELECT position, article_id, stream_id, version, type, at, actor_id, actor::text, summary, changes::text, hash FROM audit_entry WHERE stream_id LIKE 'article-%' ORDER BY position`),
      };
      return { answers, rows, hits: t.app.get(HeadCache).hits };
    } finally {
      uuid.mockRestore();
      await t.close();
    }
  }

  it('a workflow gives byte-identical answers, events, hashes, read-model and audit rows with the cache on and off', async () => {
    const on = await deterministicRun('256');
    const off = await deterministicRun('0');
    expect(on.answers).toEqual(off.answers);
    expect(JSON.stringify(on.rows)).toBe(JSON.stringify(off.rows));
    expect(on.rows.events.length).toBe(13);
    expect(on.hits).toBeGreaterThan(10);
    expect(off.hits).toBe(0);
  });

  describe('on one app', () => {
    let t: TestApp;
    let reporter: User;
    let cache: HeadCache;
    const post = (url: string) => t.http().post(url).set(bearer(reporter.token));
    const patch = (url: string) => t.http().patch(url).set(bearer(reporter.token));
    const drafted = async () => (await post('/articles').send(draft).expect(201)).body.id as string;

    /** Another writer (another instance, the scheduler): an event appended with its read models, not through this handler. */
    async function appendElsewhere(id: string, name: string): Promise<number> {
      const store = t.app.get(EventStore);
      const manager = store.dataSource.manager;
      const { events, head } = await store.readStream(manager, articleStreamId(id));
      const state: Article | null = fold(events.map(toRecorded));
      const { writes } = t.app.get(ProjectionRunner).inlineWrites(state);
      const data = { bylineId: nodeCrypto.randomUUID(), name, role: null, organisation: null };
      const stored = await store.append(manager, head.streamId, head, [{ type: 'BylineAdded', data }], {
        actorId: reporter.id, username: reporter.username, roles: ['reporter'], correlationId: nodeCrypto.randomUUID(), causationId: nodeCrypto.randomUUID(),
      }, t.clock.now(), writes);
      return stored[stored.length - 1].version;
    }

    beforeAll(async () => {
      t = await startApp({ NEWSROOM_SCHEDULER: 'off' });
      reporter = await t.user(['reporter']);
      cache = t.app.get(HeadCache);
    });
    afterAll(() => t?.close());

    it('skips the read: the second and later commands on an article this instance wrote last do not read the head', async () => {
      const store = t.app.get(EventStore);
      const reads = jest.spyOn(store, 'headWithSnapshot');
      try {
        const id = await drafted(); // a new article: one read (version 0)
        for (let i = 0; i < 5; i++) await post(`/articles/${id}/bylines`).send({ name: `Writer ${i}` }).expect(201);
        expect(reads).toHaveBeenCalledTimes(1);
        expect(cache.peek(articleStreamId(id))?.head.version).toBe(6);
        const { head } = await store.headWithSnapshot(store.dataSource.manager, articleStreamId(id), t.app.get(ArticleViewProjection).snapshot(id));
        expect(cache.peek(articleStreamId(id))?.head).toEqual(head);
      } finally {
        reads.mockRestore();
      }
    });

    it('a stale entry: without If-Match the command is retried on the fresh state; with the version read it succeeds; with an old one 412', async () => {
      const id = await drafted();
      const stream = articleStreamId(id);
      await post(`/articles/${id}/bylines`).send({ name: 'Mine' }).expect(201);
      expect(cache.peek(stream)?.head.version).toBe(2);

      expect(await appendElsewhere(id, 'Theirs')).toBe(3);
      expect(cache.peek(stream)?.head.version).toBe(2); // stale now
      const res = await post(`/articles/${id}/bylines`).send({ name: 'Mine again' }).expect(201);
      expect(res.body.version).toBe(4);
      const after = (await t.http().get(`/articles/${id}`).set(bearer(reporter.token)).expect(200)).body;
      expect(after.bylines.map((b: { name: string }) => b.name)).toEqual(['Mine', 'Theirs', 'Mine again']);
      expect(cache.peek(stream)?.head.version).toBe(4);

      // The client read version 5 (written elsewhere): If-Match "5" is right although this instance remembers 4.
      expect(await appendElsewhere(id, 'Theirs again')).toBe(5);
      await patch(`/articles/${id}`).set('If-Match', '"5"').send({ headline: 'Fresh' }).expect(200);
      expect(cache.peek(stream)?.head.version).toBe(6);

      // The client read version 6 and another writer went first: 412, with the message the read gives, nothing appended.
      expect(await appendElsewhere(id, 'Third')).toBe(7);
      const stale = await patch(`/articles/${id}`).set('If-Match', '"6"').send({ headline: 'Lost update' });
      expect(stale.status).toBe(412);
      expect(stale.body.detail).toMatch(/If-Match names version 6, but the article is at version 7/);
      expect(cache.peek(stream)).toBeUndefined();
      const events = (await t.http().get(`/articles/${id}/events`).set(bearer(t.adminToken)).expect(200)).body;
      expect(events.map((e: { version: number }) => e.version)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    });

    it('a failed command leaves no entry: a workflow error, and an idempotent transaction that rolls back after the append', async () => {
      const id = await drafted();
      const stream = articleStreamId(id);
      await post(`/articles/${id}/bylines`).send({ name: 'One' }).expect(201);
      expect(cache.peek(stream)).toBeDefined();
      await t.http().delete(`/articles/${id}/bylines/00000000-0000-4000-8000-00000000dead`).set(bearer(reporter.token)).expect(404);
      expect(cache.peek(stream)).toBeUndefined();

      await post(`/articles/${id}/bylines`).send({ name: 'Two' }).expect(201);
      expect(cache.peek(stream)?.head.version).toBe(3);
      // The events are appended, the transaction still open: the cache must not know of them yet; then it rolls back.
      let duringTransaction: number | undefined;
      const complete = jest.spyOn(t.app.get(IdempotencyStore), 'complete').mockImplementationOnce(async () => {
        duringTransaction = cache.peek(stream)?.head.version;
        throw new Error('the answer could not be stored');
      });
      try {
        await post(`/articles/${id}/bylines`).set('Idempotency-Key', `fails-${id}`).send({ name: 'Rolled back' }).expect(500);
      } finally {
        complete.mockRestore();
      }
      expect(duringTransaction).toBe(3);
      expect(cache.peek(stream)).toBeUndefined();
      const res = await post(`/articles/${id}/bylines`).send({ name: 'Three' }).expect(201);
      expect(res.body.version).toBe(4);
    });

    it('an idempotent replay leaves the cache as it was', async () => {
      const id = await drafted();
      const stream = articleStreamId(id);
      const first = await post(`/articles/${id}/bylines`).set('Idempotency-Key', `once-${id}`).send({ name: 'Once' }).expect(201);
      const entry = cache.peek(stream);
      expect(entry?.head.version).toBe(2);
      const counts = [cache.hits, cache.misses];
      const again = await post(`/articles/${id}/bylines`).set('Idempotency-Key', `once-${id}`).send({ name: 'Once' }).expect(201);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.body).toEqual(first.body);
      expect([cache.hits, cache.misses]).toEqual(counts);
      expect(cache.peek(stream)).toEqual(entry);
    });
  });

  // Two instances on one PostgreSQL database (PGlite has one session per process: the event store stands in above).
  (process.env.DATABASE_URL ? describe : describe.skip)('two instances on one database', () => {
    let a: TestApp;
    let b: TestApp;
    let reporter: User;
    beforeAll(async () => {
      a = await startApp({ NEWSROOM_SCHEDULER: 'off' });
      b = await startApp({ NEWSROOM_SCHEDULER: 'off' }, a.database);
      reporter = await a.user(['reporter']);
    });
    afterAll(async () => {
      await b?.stop();
      await a?.close();
    });
    const on = (t: TestApp) => ({
      post: (url: string) => t.http().post(url).set(bearer(reporter.token)),
      patch: (url: string) => t.http().patch(url).set(bearer(reporter.token)),
    });

    it('each instance works on what the other wrote: retried without If-Match, judged on the database with it', async () => {
      const id: string = (await on(a).post('/articles').send(draft).expect(201)).body.id;
      expect((await on(b).post(`/articles/${id}/bylines`).send({ name: 'B1' }).expect(201)).body.version).toBe(2);
      expect((await on(a).post(`/articles/${id}/bylines`).send({ name: 'A1' }).expect(201)).body.version).toBe(3); // A's entry (1) is stale
      expect((await on(b).patch(`/articles/${id}`).set('If-Match', '"3"').send({ headline: 'B read 3' }).expect(200)).body.version).toBe(4);
      const stale = await on(a).patch(`/articles/${id}`).set('If-Match', '"3"').send({ headline: 'A read 3 too' });
      expect(stale.status).toBe(412);
      expect(stale.body.detail).toMatch(/but the article is at version 4/);
      expect((await on(a).patch(`/articles/${id}`).set('If-Match', '"4"').send({ headline: 'A read 4' }).expect(200)).body.version).toBe(5);

      // Concurrent writers on both instances, no If-Match: each lands once or (its retries spent, as without the cache)
      // is a 412 that wrote nothing; the 2xx take consecutive versions.
      const names = Array.from({ length: 12 }, (_, i) => `W${i}`);
      const res = await Promise.all(names.map((name, i) => on(i % 2 ? a : b).post(`/articles/${id}/bylines`).send({ name })));
      expect(res.every((r) => r.status === 201 || r.status === 412)).toBe(true);
      const landed = names.filter((_, i) => res[i].status === 201);
      expect(landed.length).toBeGreaterThan(0);
      expect(res.filter((r) => r.status === 201).map((r) => r.body.version).sort((x, y) => x - y)).toEqual(landed.map((_, i) => 6 + i));
      const last = (await on(b).post(`/articles/${id}/bylines`).send({ name: 'last' }).expect(201)).body;
      expect(last.version).toBe(6 + landed.length);
      const state = (await a.http().get(`/articles/${id}`).set(bearer(reporter.token)).expect(200)).body;
      expect(state.headline).toBe('A read 4');
      expect(state.bylines.map((x: { name: string }) => x.name).sort()).toEqual(['A1', 'B1', ...landed, 'last'].sort());
      expect(a.app.get(HeadCache).hits + b.app.get(HeadCache).hits).toBeGreaterThan(3);
    });
  });
});
