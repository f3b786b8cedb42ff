import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { querySearch, searchSql } from '../read-models/search/search-sql';
import type { PublishedArticle } from '../articles/domain/article.views';

/** Reads for the public feed, from the published_article read model. */
@Injectable()
export class FeedQueries {
  constructor(private readonly dataSource: DataSource) {}

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
