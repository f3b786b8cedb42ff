import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { UUID } from '../../common/uuid';
import type { PublishedArticle } from './published-article';

/** A withdrawn article in the feed: only its id and when it went (RFC 6721 tombstone), never its text. */
export interface FeedTombstone {
  id: string;
  when: string;
}

/** Reads of what readers see now, from published_article: one article, and the latest for the feed. */
@Injectable()
export class PublishedArticleQueries {
  constructor(private readonly dataSource: DataSource) {}

  /** What readers see now, from the published read model. */
  async published(id: string): Promise<{ status: string; document: PublishedArticle } | null> {
    if (!UUID.test(id)) return null;
    const [row] = await this.dataSource.query(`SELECT status, document FROM published_article WHERE id = $1`, [id]);
    return row ?? null;
  }

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
