import { MigrationInterface, QueryRunner } from 'typeorm';
import { addSearchColumns, dropSearchColumns, SEARCH_COLUMN_TABLES } from './support/search-columns';

/**
 * Search over the working state (GET /articles?q=) and what readers see (the Atom feed's ?q=): each row carries its
 * normalised text and the grams of it (src/read-models/search/search-text.ts), written by the projections, filled
 * here for the rows that exist. The grams (text[]) are indexed with GIN; the author filter reads the drafter
 * from the state. (1764460000000-SearchTables moves the search columns to tables of their own.)
 */
export class ArticleSearch1764430000000 implements MigrationInterface {
  name = 'ArticleSearch1764430000000';

  async up(q: QueryRunner): Promise<void> {
    for (const { table, source } of SEARCH_COLUMN_TABLES) await addSearchColumns(q, table, source);
    await q.query(`CREATE INDEX article_view_author_list ON article_view ((state->'createdBy'->>'id'), created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX article_view_author_name_list ON article_view ((state->'createdBy'->>'username'), created_at DESC, id DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX article_view_author_name_list`);
    await q.query(`DROP INDEX article_view_author_list`);
    for (const { table } of SEARCH_COLUMN_TABLES) await dropSearchColumns(q, table);
  }
}
