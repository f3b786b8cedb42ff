import { MigrationInterface, QueryRunner } from 'typeorm';
import { searchColumns, SearchFields } from '../src/read-models/search/search-text';

const TABLES = [
  { table: 'article_view', source: 'state' },
  { table: 'published_article', source: 'document' },
];
const BATCH = 200;

/**
 * Search over the working state (GET /articles?q=) and what readers see (the Atom feed's ?q=): each row carries its
 * normalised text and the grams of it (src/read-models/search/search-text.ts), written by the projections, filled
 * here for the rows that exist. The grams (text[]) are indexed with GIN; the author filter reads the drafter
 * from the state.
 */
export class ArticleSearch1764430000000 implements MigrationInterface {
  name = 'ArticleSearch1764430000000';

  async up(q: QueryRunner): Promise<void> {
    for (const { table, source } of TABLES) {
      await q.query(`ALTER TABLE ${table}
        ADD COLUMN search_title text NOT NULL DEFAULT '',
        ADD COLUMN search_text text NOT NULL DEFAULT '',
        ADD COLUMN search_grams text[] NOT NULL DEFAULT '{}'`);
      // Keyset batches: the documents of a large newsroom do not fit in memory at once.
      for (let after = '00000000-0000-0000-0000-000000000000'; ; ) {
        const rows: { id: string; fields: SearchFields }[] = await q.query(
          `SELECT id, ${source} AS fields FROM ${table} WHERE id > $1 ORDER BY id LIMIT ${BATCH}`,
          [after],
        );
        if (!rows.length) break;
        const columns = rows.map((r) => ({ id: r.id, ...searchColumns(r.fields) }));
        await q.query(
          `UPDATE ${table} t SET search_title = r.search_title, search_text = r.search_text, search_grams = r.search_grams
             FROM json_to_recordset($1::json) AS r(id uuid, search_title text, search_text text, search_grams text[]) WHERE t.id = r.id`,
          [JSON.stringify(columns)],
        );
        after = rows[rows.length - 1].id;
      }
      await q.query(`CREATE INDEX ${table}_search ON ${table} USING gin (search_grams)`);
    }
    await q.query(`CREATE INDEX article_view_author_list ON article_view ((state->'createdBy'->>'id'), created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX article_view_author_name_list ON article_view ((state->'createdBy'->>'username'), created_at DESC, id DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX article_view_author_name_list`);
    await q.query(`DROP INDEX article_view_author_list`);
    for (const { table } of TABLES) {
      await q.query(`DROP INDEX ${table}_search`);
      await q.query(`ALTER TABLE ${table} DROP COLUMN search_grams, DROP COLUMN search_text, DROP COLUMN search_title`);
    }
  }
}
