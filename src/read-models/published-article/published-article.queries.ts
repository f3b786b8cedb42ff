import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { UUID } from '../../common/uuid';
import { querySearch, searchSql } from '../search/search-sql';
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
   * The latest changes readers can see, most recent first: live articles (published or corrected, and not under
   * embargo at `now`) and withdrawals, so a subscriber that kept an entry learns it was taken down. With `q`, only
   * those whose published text matches it (a feed stays in time order: its readers sort by date); a withdrawal is a
   * tombstone and shows no text.
   */
  async latest(limit: number, now: string, q?: string): Promise<{ live: PublishedArticle[]; withdrawn: FeedTombstone[] }> {
    const params: unknown[] = [limit, now];
    const search = q !== undefined ? searchSql(q, params) : null;
    const where = [`(document->>'embargoUntil' IS NULL OR (document->>'embargoUntil')::timestamptz <= $2::timestamptz)`, ...(search?.where ?? [])];
    const sql = `SELECT id, status, updated_at, CASE WHEN status = 'published' THEN document END AS document
        FROM published_article${search ? ' JOIN published_search USING (id)' : ''}
        WHERE ${where.join(' AND ')} ORDER BY updated_at DESC, id DESC LIMIT $1`;
    const rows: { id: string; status: string; updated_at: Date | string; document: PublishedArticle | string }[] = search
      ? await querySearch(this.dataSource, sql, params)
      : await this.dataSource.query(sql, params);
    const live: PublishedArticle[] = [];
    const withdrawn: FeedTombstone[] = [];
    for (const r of rows) {
      if (r.status === 'published') live.push(typeof r.document === 'string' ? (JSON.parse(r.document) as PublishedArticle) : r.document);
      else withdrawn.push({ id: r.id, when: new Date(r.updated_at).toISOString() });
    }
    return { live, withdrawn };
  }
}
