import { BadRequestException } from '@nestjs/common';
import { problem } from '../../common/problem.filter';
import { BadSearch, parseQuery } from './search-text';

/** A query the search cannot take: 400 naming q, as any bad query parameter. */
export const badSearch = (err: BadSearch) =>
  new BadRequestException(problem(400, err.message, { errors: [{ field: 'q', message: err.message }] }, 'VALIDATION_FAILED'));

/**
 * The WHERE conditions and the rank of a search over a read model's search columns (see search-text.ts), with its
 * values pushed onto `params`. The grams condition is what the GIN index answers; strpos is the exact, literal check
 * (no LIKE: %, _ and \ in a query are plain characters, and normalisation drops them anyway).
 */
export function searchSql(q: string, params: unknown[]): { where: string[]; rank: string; terms: string[] } {
  const { terms, grams } = parseQuery(q);
  const where = [`string_to_array(search_grams, ' ') @> $${params.push(grams)}::text[]`];
  const rank: string[] = [];
  for (const term of terms) {
    const p = `$${params.push(term)}::text`;
    where.push(`strpos(search_text, ${p}) > 0`);
    // A term in the headline counts for ten occurrences; occurrences count up to ten.
    rank.push(`CASE WHEN strpos(search_title, ${p}) > 0 THEN 10 ELSE 0 END + LEAST((length(search_text) - length(replace(search_text, ${p}, ''))) / length(${p}), 10)`);
  }
  return { where, rank: rank.map((r) => `(${r})`).join(' + '), terms };
}
