import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { diffArticles, summarise } from '../articles/domain/article.changes';
import { describeUserEvent } from '../auth/user-events';
import type { StoredEvent } from '../event-store/event-store.types';
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

  async apply(manager: EntityManager, { event, recorded, before, after }: ArticleChange, table = this.table): Promise<void> {
    await this.insert(manager, table, event, after.id, summarise(before, recorded, after), diffArticles(before, after));
  }

  /** Events of other streams (user management): recorded in the same trail. */
  async applyOther(manager: EntityManager, event: StoredEvent, table = this.table): Promise<void> {
    const { summary, changes } = describeUserEvent(event);
    await this.insert(manager, table, event, null, summary, changes);
  }

  private async insert(manager: EntityManager, table: string, event: StoredEvent, articleId: string | null, summary: string, changes: unknown[]) {
    const { actorId, username, roles } = event.metadata;
    await manager.query(
      `INSERT INTO ${table} (position, article_id, stream_id, version, type, at, actor_id, actor, summary, changes, hash)
       VALUES ($1, $2, $3, $4, $5, $6::timestamptz, $7, $8::jsonb, $9, $10::jsonb, $11)
       ON CONFLICT (position) DO NOTHING`,
      [
        event.position,
        articleId,
        event.streamId,
        event.version,
        event.type,
        event.recordedAt,
        actorId,
        JSON.stringify({ id: actorId, username, roles }),
        summary,
        JSON.stringify(changes),
        event.hash,
      ],
    );
  }
}
