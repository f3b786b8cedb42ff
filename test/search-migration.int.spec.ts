import { DataSource } from 'typeorm';
import { validateEnvironment } from '../src/config/config';
import { dataSourceOptions } from '../src/database/data-source-options';
import { desk, publishThroughHttp } from './support/publish';
import { bearer, startApp } from './support/test-app';

/**
 * Migration 1764430000000-ArticleSearch on a database that already has articles: it fills the search columns of the
 * rows that exist (working state and published), so they are found without a rebuild; and it reverts cleanly.
 */
describe('the search migration backfills existing articles (int)', () => {
  it('finds an article written before the migration, in the list and in the feed', async () => {
    let t = await startApp();
    const d = await desk(t);
    const { id } = await publishThroughHttp(t, d);
    await t.stop();

    const dataSource = new DataSource(dataSourceOptions(validateEnvironment({ ...t.env, LOG_LEVEL: 'silent' })));
    await dataSource.initialize();
    try {
      // Back to the schema before search, then forward again: the up migration must fill what is there.
      // Later migrations (distribution's) are undone first, down to and including the search migration.
      for (let undone = ''; !undone.startsWith('ArticleSearch'); ) {
        [{ name: undone }] = await dataSource.query(`SELECT name FROM migrations ORDER BY timestamp DESC, id DESC LIMIT 1`);
        await dataSource.undoLastMigration({ transaction: 'each' });
      }
      const [{ count }] = await dataSource.query(`SELECT count(*)::int AS count FROM information_schema.columns WHERE table_name = 'article_view' AND column_name LIKE 'search_%'`);
      expect(count).toBe(0);
      await dataSource.runMigrations({ transaction: 'each' });
      for (const table of ['article_view', 'published_article']) {
        const [row] = await dataSource.query(`SELECT search_title, cardinality(search_grams) AS grams, strpos(search_text, '南寧') > 0 AS found FROM ${table} WHERE id = $1`, [id]);
        expect({ table, ...row }).toEqual({ table, search_title: '2025中國東盟人工智能部長圓桌會議在南寧召開', grams: expect.any(Number), found: true });
        expect(row.grams).toBeGreaterThan(100);
      }
    } finally {
      await dataSource.destroy();
    }

    t = await startApp({}, t.database);
    try {
      const found = await t.http().get(`/articles?q=${encodeURIComponent('南寧')}`).set(bearer(t.adminToken)).expect(200);
      expect(found.body.items.map((i: { id: string }) => i.id)).toEqual([id]);
      const feed = await t.http().get(`/feeds/published.atom?q=${encodeURIComponent('東盟')}`).expect(200);
      expect(feed.text).toContain(`/news/${id}`);
    } finally {
      await t.close();
    }
  }, 240_000); // two starts and the migrations twice: slow on a busy machine
});
