import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Article, fold } from './domain/article';
import { diffArticles } from './domain/article.changes';
import { articleStreamId, publishedView, summaryView, toRecorded, workingView } from './domain/article.views';
import { EventStore } from '../event-store/event-store.service';
import { StoredEvent } from '../event-store/event-store.types';
import type { ArticleStatus } from './domain/article';
import { querySearch, searchSql } from '../read-models/search/search-sql';
import { snippet } from '../read-models/search/search-text';

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface AuditEntry {
  position: number;
  /** Null for entries about something else than an article (user management). */
  articleId: string | null;
  streamId: string;
  version: number;
  type: string;
  at: string;
  actor: { id: string; username: string; roles: string[] };
  summary: string;
  changes: unknown[];
  hash: string;
}

interface AuditRow {
  position: string;
  article_id: string | null;
  stream_id: string;
  version: number;
  type: string;
  at: Date;
  actor: AuditEntry['actor'];
  summary: string;
  changes: unknown[];
  hash: string;
}

const toEntry = (r: AuditRow): AuditEntry => ({
  position: Number(r.position),
  articleId: r.article_id,
  streamId: r.stream_id,
  version: r.version,
  type: r.type,
  at: new Date(r.at).toISOString(),
  actor: r.actor,
  summary: r.summary,
  changes: r.changes,
  hash: r.hash,
});

export const encodeCursor = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
export function decodeCursor<T>(cursor: string, valid: (v: unknown) => v is T): T | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    return valid(value) ? value : null;
  } catch {
    return null;
  }
}

export class BadCursor extends Error {}

export interface ListFilter {
  status?: ArticleStatus;
  /** The drafter: a user id or a username. */
  author?: string;
  q?: string;
  cursor?: string;
  limit: number;
}

/** A time as list cursors carry it (toISOString, four-digit year): anything else could be a time PostgreSQL refuses. */
const isCursorTime = (time: string) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(time) && new Date(Date.parse(time) || 0).toISOString() === time;

/** Reads: from the read models for the present, by folding the stream for the past. */
@Injectable()
export class ArticleQueries {
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
         SELECT id, state, created_at${search ? `, ${search.rank} AS rank` : ''} FROM article_view
         ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ) a ${past.length ? `WHERE ${past.join(' AND ')}` : ''}
        ORDER BY ${key.map((k) => `${k} DESC`).join(', ')} LIMIT $1`;
    return { sql, params, search };
  }

  async history(id: string): Promise<AuditEntry[]> {
    const rows: AuditRow[] = await this.dataSource.query(
      `SELECT position, article_id, stream_id, version, type, at, actor, summary, changes, hash FROM audit_entry WHERE article_id = $1 ORDER BY version`,
      [id],
    );
    return rows.map(toEntry);
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

  /** What readers see now, from the published read model. */
  async published(id: string): Promise<{ status: string; document: ReturnType<typeof publishedView> } | null> {
    if (!UUID.test(id)) return null;
    const [row] = await this.dataSource.query(`SELECT status, document FROM published_article WHERE id = $1`, [id]);
    return row ?? null;
  }

  async audit(filter: { actor?: string; articleId?: string; type?: string; from?: string; to?: string; cursor?: string; limit: number }) {
    const params: unknown[] = [filter.limit + 1];
    const where: string[] = [];
    if (filter.actor) {
      where.push(UUID.test(filter.actor) ? `actor_id = $${params.push(filter.actor)}` : `actor->>'username' = $${params.push(filter.actor)}`);
    }
    if (filter.articleId) where.push(`article_id = $${params.push(filter.articleId)}`);
    if (filter.type) where.push(`type = $${params.push(filter.type)}`);
    // Read as ?asOf= reads a time: to the millisecond, as JavaScript's Date does (PostgreSQL would keep microseconds).
    if (filter.from) where.push(`at >= $${params.push(new Date(filter.from).toISOString())}::timestamptz`);
    if (filter.to) where.push(`at < $${params.push(new Date(filter.to).toISOString())}::timestamptz`);
    if (filter.cursor) {
      const before = decodeCursor(filter.cursor, (v): v is number => Number.isSafeInteger(v));
      if (before === null) throw new BadCursor('the cursor is not one this service gave out');
      where.push(`position < $${params.push(before)}`);
    }
    const rows: AuditRow[] = await this.dataSource.query(
      `SELECT position, article_id, stream_id, version, type, at, actor, summary, changes, hash FROM audit_entry
        ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY position DESC LIMIT $1`,
      params,
    );
    const page = rows.slice(0, filter.limit).map(toEntry);
    return { items: page, nextCursor: rows.length > filter.limit ? encodeCursor(page[page.length - 1].position) : null };
  }
}

