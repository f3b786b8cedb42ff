import { Injectable } from '@nestjs/common';
import { ArticleChange, ArticleRowProjection, ProjectionRow } from '../projection';
import { PublishedArticle, publishedView } from './published-article';

/** A proposed or rejected correction is not public: readers keep the current version until one is approved. */
export const PUBLIC_EVENTS = new Set(['ArticlePublished', 'ArticleCorrected', 'CorrectionApproved', 'ArticleWithdrawn']);

const COLUMNS = `id uuid, version int, status text, first_published_at timestamptz, updated_at timestamptz, document jsonb`;

/** The published row a change writes (published_article's, and the text published_search indexes), or null. */
export function publishedRow({ event, after }: ArticleChange): (ProjectionRow & { id: string; version: number; document: PublishedArticle }) | null {
  if (!PUBLIC_EVENTS.has(event.type)) return null;
  const document = publishedView(after);
  if (!document || !after.publication) return null;
  return { id: after.id, version: after.version, status: after.status, first_published_at: after.publication.firstPublishedAt, updated_at: event.recordedAt, document };
}

/** What readers see: one row per article ever published, its status published or withdrawn. */
@Injectable()
export class PublishedArticleProjection extends ArticleRowProjection {
  constructor() {
    // Events that change nothing public count as applied: there is nothing to do for them.
    super('published', 'published_article', COLUMNS, ['version', 'status', 'updated_at', 'document'], (e) => PUBLIC_EVENTS.has(e.type));
  }

  /** The row for a change, or null when it changes nothing public. */
  row(change: ArticleChange): ProjectionRow | null {
    return publishedRow(change);
  }
}
