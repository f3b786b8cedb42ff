import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { UUID } from '../../common/uuid';
import type { PublishedArticle } from './published-article';

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
