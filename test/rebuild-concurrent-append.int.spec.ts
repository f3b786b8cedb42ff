import { DataSource, EntityManager } from 'typeorm';
import { EventStore } from '../src/event-store/event-store.service';
import { ProjectionRebuilder } from '../src/read-models/projection-rebuilder.service';
import { ProjectionRunner } from '../src/read-models/projection-runner.service';
import seed from './fixtures/seed-article.json';
import { seedWorkflows } from './support/seed-load';
import { bearer, startApp, TestApp } from './support/test-app';

const onPostgres = Boolean(process.env.DATABASE_URL);

/**
 * A rebuild's last step locks the checkpoints (which gives its transaction an id), then the live tables. An append that
 * commits between the two (the table lock waits for appends in flight) has a later transaction id than the rebuild's
 * own: it is in the live tables, and the rebuild must see it too.
 */
describe('projection rebuild and an append committed while it takes its locks (int)', () => {
  let t: TestApp;
  let db: DataSource;
  let reporter: string;

  beforeAll(async () => {
    t = await startApp({ NEWSROOM_PROJECTION_DAEMON: 'off' });
    db = t.app.get(DataSource);
    reporter = (await t.user(['reporter'])).token;
    await seedWorkflows(t, 3, 1);
    await t.app.get(ProjectionRunner).ensureCheckpoints();
  });
  afterAll(() => {
    jest.restoreAllMocks();
    return t?.close();
  });

  // On the embedded database transactions take turns: nothing can commit inside the rebuild's last step.
  (onPostgres ? it : it.skip)('keeps it in every read model and compares equal', async () => {
    const store = t.app.get(EventStore);
    const transaction = store.transaction.bind(store);
    let drafted: string | null = null;
    const spy = jest.spyOn(store, 'transaction').mockImplementation((work) =>
      transaction((m: EntityManager) => {
        const query = m.query.bind(m);
        m.query = (async (sql: string, params?: unknown[]) => {
          const rows = await query(sql, params);
          if (drafted === null && sql.includes('FROM projection_checkpoints WHERE name = ANY')) {
            drafted = 'pending';
            const res = await t.http().post('/articles').set(bearer(reporter)).send({ ...seed.draft, headline: 'drafted while the rebuild took its locks' }).expect(201);
            drafted = res.body.id as string;
          }
          return rows;
        }) as EntityManager['query'];
        return work(m);
      }),
    );
    let jobs;
    try {
      jobs = await t.app.get(ProjectionRebuilder).rebuildAll();
    } finally {
      spy.mockRestore();
    }
    expect(drafted).toEqual(expect.any(String));
    expect(await db.query(`SELECT status FROM article_view WHERE id = $1`, [drafted])).toEqual([{ status: 'draft' }]);
    expect(await db.query(`SELECT type FROM audit_entry WHERE article_id = $1`, [drafted])).toEqual([{ type: 'ArticleDrafted' }]);
    expect(jobs.map((j) => [j.projection, j.status, j.identical])).toEqual([
      ['articles', 'succeeded', true],
      ['articles-search', 'succeeded', true],
      ['published', 'succeeded', true],
      ['published-search', 'succeeded', true],
      ['audit', 'succeeded', true],
    ]);
    const [{ n }] = await db.query(`SELECT count(*)::int AS n FROM events`);
    expect(jobs[0].eventsProcessed).toBe(n);
  });
});
