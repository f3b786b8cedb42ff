import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { publishedView } from '../articles/domain/article.views';
import type { StoredEvent } from '../event-store/event-store.types';
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

  async apply(manager: EntityManager, { event, after }: ArticleChange, table = this.table): Promise<void> {
    if (!PUBLIC_EVENTS.has(event.type)) return;
    const document = publishedView(after);
    if (!document || !after.publication) return;
    await manager.query(
      `INSERT INTO ${table} AS t (id, version, status, first_published_at, updated_at, document)
       VALUES ($1, $2, $3, $4::timestamptz, $5::timestamptz, $6::jsonb)
       ON CONFLICT (id) DO UPDATE
         SET version = EXCLUDED.version, status = EXCLUDED.status, updated_at = EXCLUDED.updated_at, document = EXCLUDED.document
       WHERE t.version < EXCLUDED.version`,
      [after.id, after.version, after.status, after.publication.firstPublishedAt, event.recordedAt, JSON.stringify(document)],
    );
  }
}
