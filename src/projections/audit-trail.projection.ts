import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { diffArticles, summarise } from '../articles/domain/article.changes';
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
    const { actorId, username, roles } = event.metadata;
    await manager.query(
      `INSERT INTO ${table} (position, article_id, version, type, at, actor_id, actor, summary, changes, hash)
       VALUES ($1, $2, $3, $4, $5::timestamptz, $6, $7::jsonb, $8, $9::jsonb, $10)
       ON CONFLICT (position) DO NOTHING`,
      [
        event.position,
        after.id,
        event.version,
        event.type,
        event.recordedAt,
        actorId,
        JSON.stringify({ id: actorId, username, roles }),
        summarise(before, recorded, after),
        JSON.stringify(diffArticles(before, after)),
        event.hash,
      ],
    );
  }
}
