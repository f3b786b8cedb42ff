import { MigrationInterface, QueryRunner } from 'typeorm';
import { addSearchColumns, dropSearchColumns, SEARCH_COLUMN_TABLES } from './support/search-columns';

const SEARCH_TABLES = [
  { table: 'article_search', projection: 'articles-search' },
  { table: 'published_search', projection: 'published-search' },
];

/**
 * Search moves out of article_view and published_article into tables of its own, written only when an article's
 * text changes: every command rewrote its article_view row, and with it a GIN index of a few thousand grams, which
 * cut commands/s to a third (docs/optimisation/search-writes.md). The grams are indexed as int4 keys (search-text.ts).
 * The new tables start empty: their projections are new, so the projection daemon fills them from the log, as it
 * does any read model added later (GET /admin/projections shows how far it has come).
 */
export class SearchTables1764460000000 implements MigrationInterface {
  name = 'SearchTables1764460000000';

  async up(q: QueryRunner): Promise<void> {
    for (const { table } of SEARCH_TABLES) {
      await q.query(`
        CREATE TABLE ${table} (
          id           uuid PRIMARY KEY,
          version      int NOT NULL,
          search_title text NOT NULL,
          search_text  text NOT NULL,
          search_keys  int4[] NOT NULL
        )`);
      await q.query(`CREATE INDEX ${table}_keys ON ${table} USING gin (search_keys)`);
    }
    for (const { table } of SEARCH_COLUMN_TABLES) await dropSearchColumns(q, table);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const { table, source } of SEARCH_COLUMN_TABLES) await addSearchColumns(q, table, source);
    for (const { table, projection } of SEARCH_TABLES) {
      await q.query(`DROP TABLE ${table}`);
      // Up again starts the projection from the beginning of the log.
      await q.query(`DELETE FROM projection_checkpoints WHERE name = $1`, [projection]);
    }
  }
}
