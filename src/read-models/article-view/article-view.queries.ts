import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Article, fold } from '../../articles/domain/article';
import type { ArticleStatus } from '../../articles/domain/article';
import { diffArticles } from '../../articles/domain/article.changes';
import { articleStreamId, toRecorded } from '../../articles/domain/article-stream';
import { BadCursor, decodeCursor, encodeCursor } from '../../common/cursor';
import { UUID } from '../../common/uuid';
import { EventStore } from '../../event-store/event-store.service';
import { StoredEvent } from '../../event-store/event-store.types';
import { querySearch, searchSql } from '../search/search-sql';
import { snippet } from '../search/search-text';
import { summaryView } from './article-view';

/** A time as list cursors carry it (toISOString, four-digit year): anything else could be a time PostgreSQL refuses. */
const isCursorTime = (time: string) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(time) && new Date(Date.parse(time) || 0).toISOString() === time;

export interface ListFilter {
  status?: ArticleStatus;
  /** The drafter: a user id or a username. */
  author?: string;
  q?: string;
  cursor?: string;
  limit: number;
}

/** Reads of articles' working state: from article_view for the present, by folding the stream for the past. */
@Injectable()
export class ArticleViewQueries {
  constructor(
    private readonly dataSource: DataSource,
    private readonly store: EventStore,
  ) {}

  async current(id: string): Promise<Article | null> {
    if (!UUID.test(id)) return null;
    const [row] = await this.dataSource.query(`SELECT state FROM article_view WHERE id = $1`, [id]);
    return row?.state ?? null;
  }

  /** The article as it stood at a version or a time, folded from its events (not from a stored copy). */
  async at(id: string, until: { version?: number; asOf?: string }): Promise<Article | null> {
    if (!UUID.test(id)) return null;
    const { events } = await this.store.readStream(this.dataSource.manager, articleStreamId(id), until);
    return fold(events.map(toRecorded));
  }

  /**
   * A page of the working states, newest first; with `q`, the matches, best first (then newest), each with its rank
   * and a snippet. `author` is the drafter's user id or username.
   */
  async list(filter: ListFilter) {
    const { sql, params, search } = this.listStatement(filter);
    const rows: { state: Article; created_at: Date; rank?: number }[] = search
      ? await querySearch(this.dataSource, sql, params)
      : await this.dataSource.query(sql, params);
    const items = rows.slice(0, filter.limit);
    const last = items[items.length - 1];
    return {
      items: items.map((r) => (search ? { ...summaryView(r.state), rank: r.rank, snippet: snippet(r.state, search.terms) } : summaryView(r.state))),
      nextCursor:
        rows.length > filter.limit && last
          ? encodeCursor([...(search ? [last.rank] : []), new Date(last.created_at).toISOString(), last.state.id])
          : null,
    };
  }

  /** The statement `list` runs (one more row than the limit: whether a next page exists). */
  listStatement(filter: ListFilter) {
    const { limit } = filter;
    const params: unknown[] = [limit + 1];
    const where: string[] = [];
    if (filter.status) where.push(`status = $${params.push(filter.status)}`);
    if (filter.author) {
      where.push(
        UUID.test(filter.author)
          ? `state->'createdBy'->>'id' = $${params.push(filter.author.toLowerCase())}`
          : `state->'createdBy'->>'username' = $${params.push(filter.author)}`,
      );
    }
    const search = filter.q !== undefined ? searchSql(filter.q, params) : null;
    if (search) where.push(...search.where);
    // The cursor is the last item's sort key: (created_at, id), or (rank, created_at, id) with q.
    const key = search ? ['rank', 'created_at', 'id'] : ['created_at', 'id'];
    const past: string[] = [];
    if (filter.cursor) {
      const after = decodeCursor(filter.cursor, (v): v is unknown[] => Array.isArray(v) && v.length === key.length);
      const [rank, time, id] = search ? (after ?? []) : [0, ...(after ?? [])];
      if (!after || !Number.isSafeInteger(rank) || typeof time !== 'string' || !isCursorTime(time) || !UUID.test(String(id))) {
        throw new BadCursor('the cursor is not one this service gave out');
      }
      const values = [...(search ? [`$${params.push(rank)}::int`] : []), `$${params.push(time)}::timestamptz`, `$${params.push(id)}::uuid`];
      past.push(`(${key.join(', ')}) < (${values.join(', ')})`);
    }
    const sql = `SELECT state, created_at${search ? ', rank' : ''} FROM (
         SELECT id, state, created_at${search ? `, ${search.rank} AS rank` : ''} FROM article_view${search ? ' JOIN article_search USING (id)' : ''}
         ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ) a ${past.length ? `WHERE ${past.join(' AND ')}` : ''}
        ORDER BY ${key.map((k) => `${k} DESC`).join(', ')} LIMIT $1`;
    return { sql, params, search };
  }

  async events(id: string): Promise<StoredEvent[]> {
    const { events } = await this.store.readStream(this.dataSource.manager, articleStreamId(id));
    return events;
  }

  async diff(id: string, from: number, to: number) {
    const { events } = await this.store.readStream(this.dataSource.manager, articleStreamId(id), { version: Math.max(from, to) });
    const recorded = events.map(toRecorded);
    const state = (v: number) => fold(recorded.filter((e) => e.version <= v));
    return { id, from, to, changes: diffArticles(state(from), state(to)) };
  }

  /** Scheduled articles whose time has come (`now`), oldest due first: what the scheduler publishes. */
  async dueForPublication(now: string, limit = 100): Promise<string[]> {
    const due: { id: string }[] = await this.dataSource.query(
      `SELECT id FROM article_view
        WHERE status = 'scheduled' AND (state->'schedule'->>'publishAt')::timestamptz <= $1::timestamptz
        ORDER BY (state->'schedule'->>'publishAt')::timestamptz LIMIT $2`,
      [now, limit],
    );
    return due.map((r) => r.id);
  }
}
