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
import { summaryView } from './article-view';

/** A time as list cursors carry it (toISOString, four-digit year): anything else could be a time PostgreSQL refuses. */
const isCursorTime = (time: string) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(time) && new Date(Date.parse(time) || 0).toISOString() === time;

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

  async list(status: ArticleStatus | undefined, cursor: string | undefined, limit: number) {
    const after = cursor
      ? decodeCursor(cursor, (v): v is [string, string] => Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && UUID.test(String(v[1])))
      : undefined;
    if (after === null || (after && !isCursorTime(after[0]))) throw new BadCursor('the cursor is not one this service gave out');
    const params: unknown[] = [limit + 1];
    const where: string[] = [];
    if (status) where.push(`status = $${params.push(status)}`);
    if (after) where.push(`(created_at, id) < ($${params.push(after[0])}::timestamptz, $${params.push(after[1])}::uuid)`);
    const rows: { state: Article; created_at: Date }[] = await this.dataSource.query(
      `SELECT state, created_at FROM article_view ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY created_at DESC, id DESC LIMIT $1`,
      params,
    );
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map((r) => summaryView(r.state)),
      nextCursor: rows.length > limit && last ? encodeCursor([new Date(last.created_at).toISOString(), last.state.id]) : null,
    };
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
