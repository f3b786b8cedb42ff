import { Injectable } from '@nestjs/common';
import { ArticleChange, ArticleRowProjection, ProjectionRow } from '../projection';
import { SEARCH_COLUMN_NAMES, SEARCH_COLUMNS, withSearchColumns } from '../search/search-text';
import { PUBLIC_EVENTS, publishedRow } from './published-article.projection';

/**
 * Search over what readers see (the feed's ?q=): a row per published article, written with each public change (a
 * publication, a correction, a withdrawal), from the same document as published_article's row. Written by the
 * projection daemon just after the commit, as article_search is.
 */
@Injectable()
export class PublishedSearchProjection extends ArticleRowProjection {
  readonly afterCommit = true;

  constructor() {
    super('published-search', 'published_search', SEARCH_COLUMNS, ['version', ...SEARCH_COLUMN_NAMES], (e) => PUBLIC_EVENTS.has(e.type));
  }

  row(change: ArticleChange): ProjectionRow | null {
    const row = publishedRow(change);
    return row && withSearchColumns({ id: row.id, version: row.version }, row.document);
  }
}
