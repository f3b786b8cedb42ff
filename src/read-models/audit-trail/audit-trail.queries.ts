import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { BadCursor, decodeCursor, encodeCursor } from '../../common/cursor';
import { UUID } from '../../common/uuid';

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

/** Reads of the audit trail (audit_entry): one article's history, and the global trail filtered and paged. */
@Injectable()
export class AuditTrailQueries {
  constructor(private readonly dataSource: DataSource) {}

  async history(id: string): Promise<AuditEntry[]> {
    const rows: AuditRow[] = await this.dataSource.query(
      `SELECT position, article_id, stream_id, version, type, at, actor, summary, changes, hash FROM audit_entry WHERE article_id = $1 ORDER BY version`,
      [id],
    );
    return rows.map(toEntry);
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
