import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { diffArticles, summarise } from '../articles/domain/article.changes';
import { describeUserEvent } from '../auth/user-events';
import type { AppendContext, StoredEvent } from '../event-store/event-store.types';
import type { ArticleChange, Projection } from './projection';

/** The audit trail: one entry per event, in human terms, with field-level changes. Never pruned. */
@Injectable()
export class AuditTrailProjection implements Projection {
  readonly name = 'audit';
  readonly table = 'audit_entry';
  readonly key = 'position';

  async applied(manager: EntityManager, events: StoredEvent[], table = this.table): Promise<Set<number>> {
    if (!events.length) return new Set();
    const rows: { position: string }[] = await manager.query(
      `SELECT position FROM ${table} WHERE position = ANY($1::bigint[])`,
      [events.map((e) => String(e.position))],
    );
    return new Set(rows.map((r) => Number(r.position)));
  }

  async apply(manager: EntityManager, change: ArticleChange, table = this.table): Promise<void> {
    await this.insert(manager, table, articleRow(change));
  }

  /** Events of other streams (user management): recorded in the same trail. */
  async applyOther(manager: EntityManager, event: StoredEvent, table = this.table): Promise<void> {
    const { summary, changes } = describeUserEvent(event);
    await this.insert(manager, table, entryRow(event, null, summary, changes));
  }

  /** One entry per event; the positions are the ones the append just took. */
  inline(changes: ArticleChange[], { param, appended }: AppendContext): string | null {
    if (!changes.length) return null;
    return this.insertSql(this.table, 'a.position', `jsonb_to_recordset(${param(JSON.stringify(changes.map(articleRow)))}::jsonb) AS r(${COLUMNS}),
      ${appended} a WHERE a.version = r.version`);
  }

  private async insert(manager: EntityManager, table: string, row: ReturnType<typeof entryRow>): Promise<void> {
    await manager.query(this.insertSql(table, 'r.position', `jsonb_to_recordset($1::jsonb) AS r(position bigint, ${COLUMNS})`), [JSON.stringify([row])]);
  }

  private insertSql(table: string, position: string, source: string): string {
    return `INSERT INTO ${table} (position, article_id, stream_id, version, type, at, actor_id, actor, summary, changes, hash)
      SELECT ${position}, r.article_id, r.stream_id, r.version, r.type, r.at, r.actor_id, r.actor, r.summary, r.changes, r.hash FROM ${source}
      ON CONFLICT (position) DO NOTHING`;
  }
}

const COLUMNS =
  'article_id uuid, stream_id text, version int, type text, at timestamptz, actor_id uuid, actor jsonb, summary text, changes jsonb, hash text';

function articleRow({ event, recorded, before, after }: ArticleChange) {
  return entryRow(event, after.id, summarise(before, recorded, after), diffArticles(before, after));
}

function entryRow(event: StoredEvent, articleId: string | null, summary: string, changes: unknown[]) {
  const { actorId, username, roles } = event.metadata;
  return {
    position: event.position,
    article_id: articleId,
    stream_id: event.streamId,
    version: event.version,
    type: event.type,
    at: event.recordedAt,
    actor_id: actorId,
    actor: { id: actorId, username, roles },
    summary,
    changes,
    hash: event.hash,
  };
}
