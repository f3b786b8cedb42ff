import { BadRequestException } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { problem } from '../../common/problem.filter';
import { BadSearch, parseQuery } from './search-text';

/** A query the search cannot take: 400 naming q, as any bad query parameter. */
export const badSearch = (err: BadSearch) =>
  new BadRequestException(problem(400, err.message, { errors: [{ field: 'q', message: err.message }] }, 'VALIDATION_FAILED'));

/**
 * The WHERE conditions and the rank of a search over a read model's search columns (see search-text.ts), with its
 * values pushed onto `params`. The keys condition is what the GIN index answers; strpos is the exact, literal check
 * (no LIKE: %, _ and \ in a query are plain characters, and normalisation drops them anyway).
 */
export function searchSql(q: string, params: unknown[]): { where: string[]; rank: string; terms: string[] } {
  const { terms, keys } = parseQuery(q);
  const where = [`search_keys @> $${params.push(keys)}::int4[]`];
  const rank: string[] = [];
  for (const term of terms) {
    const p = `$${params.push(term)}::text`;
    where.push(`strpos(search_text, ${p}) > 0`);
    // A term in the headline counts for ten occurrences; occurrences count up to ten.
    rank.push(`CASE WHEN strpos(search_title, ${p}) > 0 THEN 10 ELSE 0 END + LEAST((length(search_text) - length(replace(search_text, ${p}, ''))) / length(${p}), 10)`);
  }
  return { where, rank: rank.map((r) => `(${r})`).join(' + '), terms };
}

/**
 * Runs a search statement with sequential scans off: the planner counts @> on a row's grams (an array of a few
 * thousand, out of line) as one cheap call, and picked a scan of the whole table for a common word, 40 times slower
 * than the index on 5,000 articles (docs/search.md). SET LOCAL holds for this transaction only.
 */
export function querySearch<T>(dataSource: DataSource, sql: string, params: unknown[]): Promise<T[]> {
  return dataSource.transaction(async (m) => {
    await m.query('SET LOCAL enable_seqscan = off');
    return m.query(sql, params);
  });
}
