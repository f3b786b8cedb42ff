import { Injectable } from '@nestjs/common';
import type { ArticleEventType } from '../../articles/domain/article';
import { ArticleChange, ArticleRowProjection, ProjectionRow } from '../projection';
import { SEARCH_COLUMN_NAMES, SEARCH_COLUMNS, sameSearchText, withSearchColumns } from '../search/search-text';

/**
 * Events that never change an article's searchable text (headline, summary, body, bylines, photos). The catch-up
 * counts them as applied without folding the article; any other event, a new type included, is looked at.
 */
export const TEXT_NEUTRAL_EVENTS: ReadonlySet<ArticleEventType> = new Set([
  'ArticleApproved',
  'PublicationScheduled',
  'PublicationCancelled',
  'ArticlePublished',
  'CorrectionProposed',
  'CorrectionRejected',
  'ArticleWithdrawn',
]);

/**
 * Search over the working state (GET /articles?q=): a row per article, its version the last that changed its text.
 * A table of its own, written only when the text changes, and by the projection daemon just after the commit rather
 * than in the command's statement: indexing a few thousand keys per change cut commands/s to a third
 * (docs/optimisation/search-writes.md).
 */
@Injectable()
export class ArticleSearchProjection extends ArticleRowProjection {
  readonly afterCommit = true;

  constructor() {
    super('articles-search', 'article_search', SEARCH_COLUMNS, ['version', ...SEARCH_COLUMN_NAMES], (e) => !TEXT_NEUTRAL_EVENTS.has(e.type as ArticleEventType));
  }

  row({ before, after }: ArticleChange): ProjectionRow | null {
    if (before && sameSearchText(before, after)) return null;
    return withSearchColumns({ id: after.id, version: after.version }, after);
  }
}
