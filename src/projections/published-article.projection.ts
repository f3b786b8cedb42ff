import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { publishedView } from '../articles/domain/article.views';
import { isArticleStream } from '../auth/user-events';
import type { StoredEvent } from '../event-store/event-store.types';
import type { ArticleChange, Projection } from './projection';

const PUBLIC_EVENTS = new Set(['ArticlePublished', 'ArticleCorrected', 'ArticleWithdrawn']);
const idOf = (streamId: string) => streamId.slice('article-'.length);

/** What readers see: one row per article ever published, its status published or withdrawn. */
@Injectable()
export class PublishedArticleProjection implements Projection {
  readonly name = 'published';
  readonly table = 'published_article';
  readonly key = 'id';

  async applied(manager: EntityManager, all: StoredEvent[], table = this.table): Promise<Set<number>> {
    // Only article streams concern this read model: anything else counts as done.
    const events = all.filter((e) => isArticleStream(e.streamId));
    const others = all.filter((e) => !isArticleStream(e.streamId)).map((e) => e.position);
    const ids = [...new Set(events.map((e) => idOf(e.streamId)))];
    const rows: { id: string; version: number }[] = ids.length
      ? await manager.query(`SELECT id, version FROM ${table} WHERE id = ANY($1::uuid[])`, [ids])
      : [];
    const versions = new Map(rows.map((r) => [r.id, r.version]));
    // Events that change nothing public count as applied: there is nothing to do for them.
    return new Set([
      ...others,
      ...events.filter((e) => !PUBLIC_EVENTS.has(e.type) || e.version <= (versions.get(idOf(e.streamId)) ?? 0)).map((e) => e.position),
    ]);
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
