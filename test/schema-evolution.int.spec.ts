import { DataSource } from 'typeorm';
import { articleEventSchemas } from '../src/articles/domain/article.schemas';
import { Verifier } from '../src/audit/verifier.service';
import { EventStore } from '../src/event-store/event-store.service';
import { eventHash } from '../src/event-store/hash-chain';
import seed from './fixtures/seed-article.json';
import { bearer, startApp, TestApp } from './support/test-app';

/**
 * A real change of an event's shape: ArticlePublished v1 (before scheduling existed) had no `scheduledFor` and
 * could omit `usageTerms`. Rows written that way are read in the v2 shape, without a migration and without
 * touching the stored row, so the hash chain still verifies.
 */
describe('event schema evolution', () => {
  let t: TestApp;
  let id: string;
  let editor: string;

  beforeAll(async () => {
    t = await startApp();
    const reporter = await t.user(['reporter']);
    const ed = await t.user(['editor']);
    editor = ed.token;
    const { body } = await t.http().post('/articles').set(bearer(reporter.token)).send(seed.draft).expect(201);
    id = body.id;
    await t.http().post(`/articles/${id}/bylines`).set(bearer(reporter.token)).send(seed.bylines[0]).expect(201);
    await t.http().post(`/articles/${id}/approval`).set(bearer(editor)).set('If-Match', '"2"').send({}).expect(200);

    // Write version 4 as the v1 service did: the old shape, hashed as stored.
    const store = t.app.get(EventStore);
    const db = t.app.get(DataSource);
    const [{ head_hash }] = await db.query(`SELECT head_hash FROM streams WHERE stream_id = $1`, [`article-${id}`]);
    const [prior] = await db.query(`SELECT metadata FROM events WHERE stream_id = $1 AND version = 3`, [`article-${id}`]);
    const old = {
      streamId: `article-${id}`,
      version: 4,
      type: 'ArticlePublished',
      schemaVersion: 1,
      data: { copyrightNotice: { holder: seed.copyrightNotice.holder, text: seed.copyrightNotice.text }, publishedAt: '2026-01-02T03:04:05.000Z' },
      metadata: { ...prior.metadata, username: 'legacy-publisher', roles: ['publisher'] },
      recordedAt: '2026-01-02T03:04:05.000Z',
    };
    const hash = eventHash(head_hash, old);
    await store.transaction(async (m) => {
      await m.query(
        `INSERT INTO events (stream_id, version, type, schema_version, data, metadata, recorded_at, hash) VALUES ($1, 4, $2, 1, $3, $4, $5, $6)`,
        [old.streamId, old.type, JSON.stringify(old.data), JSON.stringify(old.metadata), old.recordedAt, hash],
      );
      await m.query(`UPDATE streams SET version = 4, head_hash = $2 WHERE stream_id = $1`, [old.streamId, hash]);
    });
  });
  afterAll(() => t?.close());

  it('registers ArticlePublished at schema version 2 with an upcaster from 1', () => {
    const schemas = articleEventSchemas();
    expect(schemas.currentVersion('ArticlePublished')).toBe(2);
    expect(schemas.upcast('ArticlePublished', 1, { copyrightNotice: { holder: 'h', text: 't' }, publishedAt: 'x' })).toEqual({
      version: 2,
      data: { copyrightNotice: { holder: 'h', text: 't', usageTerms: null }, publishedAt: 'x', scheduledFor: null },
    });
  });

  it('reads the old row in the new shape', async () => {
    const events = (await t.http().get(`/articles/${id}/events`).set(bearer(editor)).expect(200)).body;
    expect(events[3]).toMatchObject({ type: 'ArticlePublished', schemaVersion: 2, data: { scheduledFor: null, copyrightNotice: { usageTerms: null } } });
    const [raw] = await t.app.get(DataSource).query(`SELECT schema_version, data FROM events WHERE stream_id = $1 AND version = 4`, [`article-${id}`]);
    expect(raw.schema_version).toBe(1);
    expect(raw.data).not.toHaveProperty('scheduledFor');
  });

  it('folds it like any other event: the article is published as of the old event', async () => {
    const at = (await t.http().get(`/articles/${id}?version=4`).set(bearer(editor)).expect(200)).body;
    expect(at).toMatchObject({ status: 'published', publication: { at: '2026-01-02T03:04:05.000Z', copyrightNotice: { usageTerms: null } } });
  });

  it('still verifies: the stored row was never rewritten', async () => {
    const report = await t.app.get(Verifier).verify();
    expect(report).toMatchObject({ ok: true, failures: [] });
  });

  it('new events are written at the current schema version', async () => {
    const res = await t.app.get(DataSource).query(`SELECT DISTINCT type, schema_version FROM events WHERE type = 'ArticleApproved'`);
    expect(res).toEqual([{ type: 'ArticleApproved', schema_version: 1 }]);
  });
});

/**
 * The four-eyes rule reads fields of the article's state that rows written before issue #16 lack (`contentAuthors`,
 * `pendingCorrection`). Such a working-state row is not used as the command's snapshot: the stream is folded from the
 * log instead, so the rule judges the whole history and nothing fails on the missing field.
 */
describe('a working-state row written before the four-eyes fields existed', () => {
  let t: TestApp;

  beforeAll(async () => {
    // No head cache: every command reads the row.
    t = await startApp({ NEWSROOM_HEAD_CACHE_ENTRIES: '0' });
  });
  afterAll(() => t?.close());

  it('is folded again from the log: the drafter is refused (403), another editor approves', async () => {
    const drafter = await t.user(['editor']);
    const reporter = await t.user(['reporter']);
    const other = await t.user(['editor']);
    const { body } = await t.http().post('/articles').set(bearer(drafter.token)).send(seed.draft).expect(201);
    await t.http().post(`/articles/${body.id}/bylines`).set(bearer(reporter.token)).send(seed.bylines[0]).expect(201);
    const db = t.app.get(DataSource);
    await db.query(`UPDATE article_view SET state = state - 'contentAuthors' - 'pendingCorrection' WHERE id = $1`, [body.id]);
    const refused = await t.http().post(`/articles/${body.id}/approval`).set(bearer(drafter.token)).set('If-Match', '"2"').send({});
    expect([refused.status, refused.body.code ?? refused.body.detail]).toEqual([403, expect.stringMatching(/FOUR_EYES|four-eyes/)]);
    await t.http().post(`/articles/${body.id}/approval`).set(bearer(other.token)).set('If-Match', '"2"').send({}).expect(200);
    const [{ state }] = await db.query(`SELECT state FROM article_view WHERE id = $1`, [body.id]);
    expect(state.contentAuthors.map((a: { id: string }) => a.id)).toEqual([drafter.id, reporter.id]);
  });
});

