import { DataSource } from 'typeorm';
import { EventStore } from '../src/event-store/event-store.service';
import { ProjectionDaemon } from '../src/read-models/projection-daemon.service';
import { ProjectionRebuilder } from '../src/read-models/projection-rebuilder.service';
import { ProjectionRunner } from '../src/read-models/projection-runner.service';
import { REBUILD_LOCK } from '../src/read-models/shadow-copy';
import seed from './fixtures/seed-article.json';
import { seedWorkflows } from './support/seed-load';
import { bearer, startApp, TestApp } from './support/test-app';

const onPostgres = Boolean(process.env.DATABASE_URL);

const TABLES = [
  { name: 'articles', table: 'article_view', key: 'id' },
  { name: 'articles-search', table: 'article_search', key: 'id' },
  { name: 'published', table: 'published_article', key: 'id' },
  { name: 'published-search', table: 'published_search', key: 'id' },
  { name: 'audit', table: 'audit_entry', key: 'position' },
];

/** One pass over the log rebuilds every read model, repairs only what differs, and agrees with the inline path. */
describe('projection rebuild (int)', () => {
  let t: TestApp;
  let db: DataSource;
  let ids: string[];
  let reporter: string;

  /** Every row of every read model, as text, in key order. */
  const dump = async () => {
    const out: Record<string, string[]> = {};
    for (const { table, key } of TABLES) out[table] = (await db.query(`SELECT t::text AS r FROM ${table} t ORDER BY t.${key}`)).map((r: { r: string }) => r.r);
    return out;
  };
  /** Each row's key and xmin: a row rewritten by the rebuild gets a new xmin. */
  const versions = async (table: string, key: string) =>
    new Map<string, string>((await db.query(`SELECT ${key}::text AS k, xmin::text AS x FROM ${table}`)).map((r: { k: string; x: string }) => [r.k, r.x]));
  const checkpoints = async () =>
    (await db.query(`SELECT name, position FROM projection_checkpoints WHERE name = ANY($1) ORDER BY name`, [TABLES.map((p) => p.name)])).map(
      (r: { name: string; position: string }) => [r.name, Number(r.position)],
    );
  const lastPosition = async () => Number((await db.query(`SELECT position FROM events ORDER BY transaction_id DESC, position DESC LIMIT 1`))[0].position);

  beforeAll(async () => {
    t = await startApp({ NEWSROOM_PROJECTION_DAEMON: 'off' });
    db = t.app.get(DataSource);
    reporter = (await t.user(['reporter'])).token;
    ({ ids } = await seedWorkflows(t, 10, 2));
    await t.app.get(ProjectionRunner).ensureCheckpoints();
    expect(await t.app.get(ProjectionDaemon).tick()).toBe(true); // search is written after the commit, by the daemon
  });
  afterAll(() => {
    jest.restoreAllMocks();
    return t?.close();
  });

  it('with nothing wrong, compares equal and leaves every live row untouched', async () => {
    const before = await dump();
    const xmins = await Promise.all(TABLES.map((p) => versions(p.table, p.key)));
    const jobs = await t.app.get(ProjectionRebuilder).rebuildAll();
    expect(jobs.map((j) => [j.projection, j.status, j.identical])).toEqual(TABLES.map((p) => [p.name, 'succeeded', true]));
    expect(await dump()).toEqual(before);
    expect(await Promise.all(TABLES.map((p) => versions(p.table, p.key)))).toEqual(xmins);
    expect(await checkpoints()).toHaveLength(TABLES.length);
    for (const [, position] of await checkpoints()) expect(position).toBe(await lastPosition());
    const [{ n }] = await db.query(`SELECT count(*)::int AS n FROM pg_class WHERE relname LIKE '%\\_rebuild'`);
    expect(n).toBe(0); // no shadow table left behind
  });

  it('after tampering with live rows, restores exactly the folded state and rewrites only the rows that differ', async () => {
    const folded = await dump();
    const published = await db.query(`SELECT id FROM published_article ORDER BY id`);
    await db.query(`UPDATE published_article SET document = jsonb_set(document, '{headline}', '"tampered"') WHERE id = $1`, [published[0].id]);
    await db.query(`DELETE FROM article_view WHERE id = $1`, [ids[1]]);
    await db.query(
      `INSERT INTO article_view (id, version, status, created_at, updated_at, state)
       SELECT '00000000-0000-4000-8000-000000000001', version, status, created_at, updated_at, state FROM article_view WHERE id = $1`,
      [ids[2]],
    );
    const [{ position: tamperedEntry }] = await db.query(`SELECT position FROM audit_entry ORDER BY position LIMIT 1 OFFSET 3`);
    await db.query(`UPDATE audit_entry SET summary = 'nothing happened' WHERE position = $1`, [tamperedEntry]);
    const untouched = await versions('published_article', 'id');
    untouched.delete(published[0].id);

    const jobs = await t.app.get(ProjectionRebuilder).rebuildAll();
    // The search tables were not tampered with.
    expect(jobs.map((j) => [j.projection, j.status, j.identical])).toEqual(TABLES.map((p) => [p.name, 'succeeded', p.name.endsWith('-search')]));
    expect(await dump()).toEqual(folded);
    const after = await versions('published_article', 'id');
    for (const [id, xmin] of untouched) expect([id, after.get(id)]).toEqual([id, xmin]);
    expect(after.get(published[0].id)).not.toBe(untouched.get(published[0].id));
  });

  it('includes events appended while it replayed, and sets the checkpoints after them', async () => {
    const store = t.app.get(EventStore);
    const realReadAll = store.readAll.bind(store);
    let appended: string | null = null;
    // The pass has just read the end of the log: an article is drafted before the final catch-up under the lock.
    const readAll = jest.spyOn(store, 'readAll').mockImplementation(async (manager, after, limit) => {
      const events = await realReadAll(manager, after, limit);
      if (!events.length && appended === null) {
        appended = 'pending';
        const res = await t.http().post('/articles').set(bearer(reporter)).send({ ...seed.draft, headline: 'drafted during a rebuild' }).expect(201);
        appended = res.body.id as string;
      }
      return events;
    });
    try {
      const jobs = await t.app.get(ProjectionRebuilder).rebuildAll();
      expect(appended).toEqual(expect.any(String));
      expect(jobs.map((j) => [j.projection, j.status, j.identical])).toEqual(TABLES.map((p) => [p.name, 'succeeded', true]));
      const [{ n }] = await db.query(`SELECT count(*)::int AS n FROM events`);
      expect(jobs[0].eventsProcessed).toBe(n);
    } finally {
      readAll.mockRestore();
    }
    expect(await db.query(`SELECT status FROM article_view WHERE id = $1`, [appended])).toEqual([{ status: 'draft' }]);
    expect(await db.query(`SELECT type FROM audit_entry WHERE article_id = $1`, [appended])).toEqual([{ type: 'ArticleDrafted' }]);
    for (const [, position] of await checkpoints()) expect(position).toBe(await lastPosition());
  });

  it('keeps, of an article whose events fall on several pages, the row its last event wrote', async () => {
    const folded = await dump();
    const store = t.app.get(EventStore);
    const realReadAll = store.readAll.bind(store);
    // Pages of three events: every article's events span pages, so each of its rows is written more than once.
    const readAll = jest.spyOn(store, 'readAll').mockImplementation((manager, after) => realReadAll(manager, after, 3));
    try {
      const jobs = await t.app.get(ProjectionRebuilder).rebuildAll();
      expect(jobs.map((j) => [j.projection, j.status, j.identical])).toEqual(TABLES.map((p) => [p.name, 'succeeded', true]));
    } finally {
      readAll.mockRestore();
    }
    expect(await dump()).toEqual(folded);
  });

  it('rebuilds text with tabs, line breaks, backslashes and quotes exactly', async () => {
    const awkward = 'tab\there, line\nbreak, carriage\rreturn, back\\slash \\N, "quoted", \u00e9\u2713';
    await t
      .http()
      .post('/articles')
      .set(bearer(reporter))
      .send({ ...seed.draft, summary: awkward, body: [{ type: 'paragraph', text: awkward }] })
      .expect(201);
    expect(await t.app.get(ProjectionDaemon).tick()).toBe(true);
    const folded = await dump();
    const jobs = await t.app.get(ProjectionRebuilder).rebuildAll();
    expect(jobs.map((j) => [j.projection, j.status, j.identical])).toEqual(TABLES.map((p) => [p.name, 'succeeded', true]));
    expect(await dump()).toEqual(folded);
    expect(await db.query(`SELECT count(*)::int AS n FROM article_view WHERE state->>'summary' = $1`, [awkward])).toEqual([{ n: 1 }]);
  });

  it('runs rebuilds started together one after the other (they share the shadow tables)', async () => {
    const rebuilder = t.app.get(ProjectionRebuilder);
    const [all, audit] = await Promise.all([rebuilder.rebuildAll(), rebuilder.rebuild('audit')]);
    expect([...all, audit].map((j) => [j.projection, j.status, j.identical])).toEqual([
      ...TABLES.map((p) => [p.name, 'succeeded', true]),
      ['audit', 'succeeded', true],
    ]);
  });

  // Instances share the database, and so the shadow tables' names: on PostgreSQL a rebuild takes an advisory lock.
  (onPostgres ? it : it.skip)('waits while another instance rebuilds, and releases the lock when done', async () => {
    const other = db.createQueryRunner(); // stands for another instance in the middle of a rebuild
    await other.connect();
    try {
      await other.query('SELECT pg_advisory_lock($1)', [REBUILD_LOCK]);
      const rebuilder = t.app.get(ProjectionRebuilder);
      let finished = false;
      const rebuilding = rebuilder.rebuild('audit').finally(() => (finished = true));
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(finished).toBe(false);
      expect(await db.query(`SELECT to_regclass('audit_entry_rebuild') AS shadow`)).toEqual([{ shadow: null }]);
      await other.query('SELECT pg_advisory_unlock($1)', [REBUILD_LOCK]);
      expect([await rebuilding].map((j) => [j.status, j.identical])).toEqual([['succeeded', true]]);
      // Released with the rebuild: the other instance can take its turn.
      expect(await other.query('SELECT pg_try_advisory_lock($1) AS taken', [REBUILD_LOCK])).toEqual([{ taken: true }]);
    } finally {
      await other.query('SELECT pg_advisory_unlock_all()').catch(() => undefined);
      await other.release();
    }
  });

  // On PostgreSQL the live tables are summed on the rebuild's own connection, beside its locked transaction: the
  // sums must come after the lock, so a write the lock had to wait for is in them, and repaired.
  (onPostgres ? it : it.skip)('sums the live tables after taking the lock: a write it waited for is seen and repaired', async () => {
    const folded = await dump();
    const writer = db.createQueryRunner(); // a transaction writing a live row while the rebuild replays
    await writer.connect();
    try {
      await writer.startTransaction();
      await writer.query(`UPDATE article_view SET state = jsonb_set(state, '{headline}', '"tampered"') WHERE id = $1`, [ids[0]]);
      const rebuilding = t.app.get(ProjectionRebuilder).rebuild('articles');
      const waiting = async () =>
        (await db.query(`SELECT count(*)::int AS n FROM pg_locks WHERE relation = 'article_view'::regclass AND NOT granted`))[0].n > 0;
      for (let tries = 0; !(await waiting()); tries++) {
        if (tries > 200) throw new Error('the rebuild never waited for the lock on article_view');
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      await writer.commitTransaction();
      const job = await rebuilding;
      expect([job.status, job.identical]).toEqual(['succeeded', false]);
      expect(await dump()).toEqual(folded);
    } finally {
      if (writer.isTransactionActive) await writer.rollbackTransaction();
      await writer.release();
    }
  });

  it('catch-up from the log, many events per statement, gives the tables the inline path wrote', async () => {
    const inline = await dump();
    expect(inline.published_article.length).toBeGreaterThan(0);
    for (const { table } of TABLES) await db.query(`DELETE FROM ${table}`);
    await db.query(`UPDATE projection_checkpoints SET transaction_id = '0', position = 0 WHERE name = ANY($1)`, [TABLES.map((p) => p.name)]);
    const runner = t.app.get(ProjectionRunner);
    for (const p of runner.projections) await runner.catchUp(p);
    expect(await dump()).toEqual(inline);
  });
});
