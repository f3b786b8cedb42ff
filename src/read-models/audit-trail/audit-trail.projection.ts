import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { diffArticles, summarise } from '../../articles/domain/article.changes';
import { describeUserEvent } from '../../auth/user-events';
import { describeSubscriberEvent } from './subscriber-event-summary';
import type { AppendContext, StoredEvent } from '../../event-store/event-store.types';
import { ArticleChange, insertSql, Projection, ProjectionRow, recordset } from '../projection';

const COLUMNS =
  'position bigint, article_id uuid, stream_id text, version int, type text, at timestamptz, actor_id uuid, actor jsonb, summary text, changes jsonb, hash text';

/** The audit trail: one entry per event, in human terms, with field-level changes. Never pruned. */
@Injectable()
export class AuditTrailProjection implements Projection {
  readonly name = 'audit';
  readonly table = 'audit_entry';
  readonly key = 'position';
  readonly columns = COLUMNS;
  readonly onConflict = 'ON CONFLICT (position) DO NOTHING';

  async applied(manager: EntityManager, events: StoredEvent[], table = this.table): Promise<Set<number>> {
    if (!events.length) return new Set();
    const rows: { position: string }[] = await manager.query(
      `SELECT position FROM ${table} WHERE position = ANY($1::bigint[])`,
      [events.map((e) => String(e.position))],
    );
    return new Set(rows.map((r) => Number(r.position)));
  }

  row({ event, recorded, before, after }: ArticleChange): ProjectionRow {
    return entryRow(event, after.id, summarise(before, recorded, after), diffArticles(before, after));
  }

  /** Events of other streams (user and subscriber management): recorded in the same trail. */
  rowOther(event: StoredEvent): ProjectionRow {
    const { summary, changes } = describeSubscriberEvent(event) ?? describeUserEvent(event);
    return entryRow(event, null, summary, changes);
  }

  /** One entry per event; the positions are the ones the append just took. */
  inline(changes: ArticleChange[], { param, appended }: AppendContext): string | null {
    if (!changes.length) return null;
    return insertSql(
      this,
      this.table,
      `${recordset(this, param(JSON.stringify(changes.map((c) => this.row(c)))))}, ${appended} a WHERE a.version = r.version`,
      { position: 'a.position' },
    );
  }
}

function entryRow(event: StoredEvent, articleId: string | null, summary: string, changes: unknown[]): ProjectionRow {
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
