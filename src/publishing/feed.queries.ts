import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { PublishedArticle } from '../articles/domain/article.views';

/** A withdrawn article in the feed: only its id and when it went (RFC 6721 tombstone), never its text. */
export interface FeedTombstone {
  id: string;
  when: string;
}

/** Reads for the public feed, from the published_article read model. */
@Injectable()
export class FeedQueries {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * The latest changes readers can see, most recent first: live articles (published or corrected) and withdrawals,
   * so a subscriber that kept an entry learns it was taken down.
   */
  async latest(limit = 50): Promise<{ live: PublishedArticle[]; withdrawn: FeedTombstone[] }> {
    const rows: { id: string; status: string; updated_at: Date | string; document: PublishedArticle | string }[] = await this.dataSource.query(
      `SELECT id, status, updated_at, CASE WHEN status = 'published' THEN document END AS document FROM published_article
        ORDER BY updated_at DESC, id DESC LIMIT $1`,
      [limit],
    );
    const live: PublishedArticle[] = [];
    const withdrawn: FeedTombstone[] = [];
    for (const r of rows) {
      if (r.status === 'published') live.push(typeof r.document === 'string' ? (JSON.parse(r.document) as PublishedArticle) : r.document);
      else withdrawn.push({ id: r.id, when: new Date(r.updated_at).toISOString() });
    }
    return { live, withdrawn };
  }
}
