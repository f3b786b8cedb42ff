import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { PublishedArticle } from '../articles/domain/article.views';

/** Reads for the public feed, from the published_article read model. */
@Injectable()
export class FeedQueries {
  constructor(private readonly dataSource: DataSource) {}

  /** The latest live (not withdrawn, not under embargo at `now`) articles, most recently published or corrected first. */
  async latestPublished(limit = 50, now: string): Promise<PublishedArticle[]> {
    const rows: { document: PublishedArticle | string }[] = await this.dataSource.query(
      `SELECT document FROM published_article
        WHERE status = $1 AND (document->>'embargoUntil' IS NULL OR (document->>'embargoUntil')::timestamptz <= $3::timestamptz)
        ORDER BY updated_at DESC, id DESC LIMIT $2`,
      ['published', limit, now],
    );
    return rows.map((r) => (typeof r.document === 'string' ? (JSON.parse(r.document) as PublishedArticle) : r.document));
  }
}
