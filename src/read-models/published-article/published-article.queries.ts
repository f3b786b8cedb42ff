import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { UUID } from '../../common/uuid';
import { querySearch, searchSql } from '../search/search-sql';
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

  /**
   * The latest live (not withdrawn) articles, most recently published or corrected first; with `q`, only those whose
   * published text matches it (a feed stays in time order: its readers sort by date).
   */
  async latestPublished(limit = 50, q?: string): Promise<PublishedArticle[]> {
    const params: unknown[] = ['published', limit];
    const search = q !== undefined ? searchSql(q, params) : null;
    const sql = `SELECT document FROM published_article WHERE status = $1 ${search ? `AND ${search.where.join(' AND ')}` : ''}
        ORDER BY updated_at DESC, id DESC LIMIT $2`;
    const rows: { document: PublishedArticle | string }[] = search ? await querySearch(this.dataSource, sql, params) : await this.dataSource.query(sql, params);
    return rows.map((r) => (typeof r.document === 'string' ? (JSON.parse(r.document) as PublishedArticle) : r.document));
  }
}
