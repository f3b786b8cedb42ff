import { DataSource } from 'typeorm';
import { validateEnvironment } from '../src/config/config';
import { dataSourceOptions } from '../src/database/data-source-options';
import { ProjectionDaemon } from '../src/read-models/projection-daemon.service';
import { desk, publishThroughHttp } from './support/publish';
import { bearer, startApp } from './support/test-app';

/**
 * Search on a database that already has articles. Migration 1764430000000-ArticleSearch filled search columns on
 * the read models' rows; 1764460000000-SearchTables moves search to tables of its own (article_search,
 * published_search), which their projections fill from the log. Both revert cleanly.
 */
describe('search over articles written before search existed (int)', () => {
  it('finds an article written before the migrations, in the list and in the feed, once the search projections caught up', async () => {
    let t = await startApp();
    const d = await desk(t);
    const { id } = await publishThroughHttp(t, d);
    await t.stop();

    const dataSource = new DataSource(dataSourceOptions(validateEnvironment({ ...t.env, LOG_LEVEL: 'silent' })));
    await dataSource.initialize();
    const columns = async (table: string) =>
      (await dataSource.query(`SELECT column_name FROM information_schema.columns WHERE table_name = $1 AND column_name LIKE 'search_%' ORDER BY 1`, [table])).map(
        (r: { column_name: string }) => r.column_name,
      );
    try {
      // Back to the schema before search, then forward again. Later migrations are undone first.
      const undone: string[] = [];
      while (!undone.at(-1)?.startsWith('ArticleSearch')) {
        const [{ name }] = await dataSource.query(`SELECT name FROM migrations ORDER BY timestamp DESC, id DESC LIMIT 1`);
        await dataSource.undoLastMigration({ transaction: 'each' });
        undone.push(name);
        // Undoing SearchTables puts the columns back, filled for the rows there.
        if (name.startsWith('SearchTables')) {
          const [row] = await dataSource.query(`SELECT search_title, cardinality(search_grams) > 100 AS grams, strpos(search_text, '南寧') > 0 AS found FROM published_article WHERE id = $1`, [id]);
          expect(row).toEqual({ search_title: '2025中國東盟人工智能部長圓桌會議在南寧召開', grams: true, found: true });
        }
      }
      expect(await columns('article_view')).toEqual([]);
      await dataSource.runMigrations({ transaction: 'each' });
      // The read models' own rows carry no search columns (nor their GIN index): a command does not rewrite them.
      expect({ article_view: await columns('article_view'), published_article: await columns('published_article') }).toEqual({ article_view: [], published_article: [] });
      for (const table of ['article_search', 'published_search']) {
        expect(await columns(table)).toEqual(['search_keys', 'search_text', 'search_title']);
      }
    } finally {
      await dataSource.destroy();
    }

    t = await startApp({ NEWSROOM_PROJECTION_DAEMON: 'off' }, t.database);
    try {
      expect(await t.app.get(ProjectionDaemon).tick()).toBe(true); // the new projections catch up from the start of the log
      const found = await t.http().get(`/articles?q=${encodeURIComponent('南寧')}`).set(bearer(t.adminToken)).expect(200);
      expect(found.body.items.map((i: { id: string }) => i.id)).toEqual([id]);
      const feed = await t.http().get(`/feeds/published.atom?q=${encodeURIComponent('東盟')}`).expect(200);
      expect(feed.text).toContain(`/news/${id}`);
      const projections = await t.http().get('/admin/projections').set(bearer(t.adminToken)).expect(200);
      for (const name of ['articles-search', 'published-search']) {
        expect(projections.body.find((p: { name: string }) => p.name === name)).toMatchObject({ name, lagEvents: 0 });
      }
    } finally {
      await t.close();
    }
  }, 240_000); // two starts and the migrations twice: slow on a busy machine
});
