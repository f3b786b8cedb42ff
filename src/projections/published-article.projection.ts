import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { publishedView } from '../articles/domain/article.views';
import type { AppendContext, StoredEvent } from '../event-store/event-store.types';
import { appliedByVersion, ArticleChange, Projection } from './projection';

const PUBLIC_EVENTS = new Set(['ArticlePublished', 'ArticleCorrected', 'ArticleWithdrawn']);

/** What readers see: one row per article ever published, its status published or withdrawn. */
@Injectable()
export class PublishedArticleProjection implements Projection {
  readonly name = 'published';
  readonly table = 'published_article';
  readonly key = 'id';

  /** Events that change nothing public count as applied: there is nothing to do for them. */
  applied(manager: EntityManager, events: StoredEvent[], table = this.table): Promise<Set<number>> {
    return appliedByVersion(manager, table, events, (e) => PUBLIC_EVENTS.has(e.type));
  }

  async apply(manager: EntityManager, change: ArticleChange, table = this.table): Promise<void> {
    const r = row(change);
    if (r) await manager.query(this.upsert(table, `jsonb_to_recordset($1::jsonb) AS r(${COLUMNS})`), [JSON.stringify([r])]);
  }

  /** Only the last public change counts: each one's upsert would overwrite the one before. */
  inline(changes: ArticleChange[], { param, appended }: AppendContext): string | null {
    const last = changes.map(row).filter((r) => r !== null).pop();
    if (!last) return null;
    return this.upsert(this.table, `jsonb_to_recordset(${param(JSON.stringify([last]))}::jsonb) AS r(${COLUMNS})
      WHERE EXISTS (SELECT 1 FROM ${appended})`);
  }

  private upsert(table: string, source: string): string {
    return `INSERT INTO ${table} AS t (id, version, status, first_published_at, updated_at, document)
      SELECT r.id, r.version, r.status, r.first_published_at, r.updated_at, r.document FROM ${source}
      ON CONFLICT (id) DO UPDATE
        SET version = EXCLUDED.version, status = EXCLUDED.status, updated_at = EXCLUDED.updated_at, document = EXCLUDED.document
      WHERE t.version < EXCLUDED.version`;
  }
}

const COLUMNS = 'id uuid, version int, status text, first_published_at timestamptz, updated_at timestamptz, document jsonb';

/** The row for a change, or null when it changes nothing public. */
function row({ event, after }: ArticleChange) {
  if (!PUBLIC_EVENTS.has(event.type)) return null;
  const document = publishedView(after);
  if (!document || !after.publication) return null;
  return { id: after.id, version: after.version, status: after.status, first_published_at: after.publication.firstPublishedAt, updated_at: event.recordedAt, document };
}
