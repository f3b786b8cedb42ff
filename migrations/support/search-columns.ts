import type { QueryRunner } from 'typeorm';
import { searchDocument, SearchFields } from '../../src/read-models/search/search-text';

/** The search columns of 1764430000000-ArticleSearch, which 1764460000000-SearchTables takes out again (its down puts them back). */
export const SEARCH_COLUMN_TABLES = [
  { table: 'article_view', source: 'state' },
  { table: 'published_article', source: 'document' },
];
const BATCH = 200;

/** The search columns of this migration on a read model's table, filled for the rows there, and their GIN index. */
export async function addSearchColumns(q: QueryRunner, table: string, source: string): Promise<void> {
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
    const columns = rows.map((r) => {
      const { title, text, grams } = searchDocument(r.fields);
      return { id: r.id, search_title: title, search_text: text, search_grams: `{${[...grams].map((g) => `"${g}"`).join(',')}}` };
    });
    await q.query(
      `UPDATE ${table} t SET search_title = r.search_title, search_text = r.search_text, search_grams = r.search_grams
         FROM json_to_recordset($1::json) AS r(id uuid, search_title text, search_text text, search_grams text[]) WHERE t.id = r.id`,
      [JSON.stringify(columns)],
    );
    after = rows[rows.length - 1].id;
  }
  await q.query(`CREATE INDEX ${table}_search ON ${table} USING gin (search_grams)`);
}

export async function dropSearchColumns(q: QueryRunner, table: string): Promise<void> {
  await q.query(`DROP INDEX ${table}_search`);
  await q.query(`ALTER TABLE ${table} DROP COLUMN search_grams, DROP COLUMN search_text, DROP COLUMN search_title`);
}
