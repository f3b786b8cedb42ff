import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { publishedView } from './published-article';
import type { AppendContext, StoredEvent } from '../../event-store/event-store.types';
import { appliedByVersion, ArticleChange, inlineRow, Projection, ProjectionRow, versionGuard } from '../projection';

const PUBLIC_EVENTS = new Set(['ArticlePublished', 'ArticleCorrected', 'ArticleWithdrawn']);

const COLUMNS = 'id uuid, version int, status text, first_published_at timestamptz, updated_at timestamptz, document jsonb';

const GUARD = versionGuard('id', ['version', 'status', 'updated_at', 'document']);

/** What readers see: one row per article ever published, its status published or withdrawn. */
@Injectable()
export class PublishedArticleProjection implements Projection {
  readonly name = 'published';
  readonly table = 'published_article';
  readonly key = 'id';
  readonly columns = COLUMNS;
  readonly onConflict = GUARD.onConflict;
  readonly supersedes = GUARD.supersedes;

  /** Events that change nothing public count as applied: there is nothing to do for them. */
  applied(manager: EntityManager, events: StoredEvent[], table = this.table): Promise<Set<number>> {
    return appliedByVersion(manager, table, events, (e) => PUBLIC_EVENTS.has(e.type));
  }

  /** The row for a change, or null when it changes nothing public. */
  row({ event, after }: ArticleChange): ProjectionRow | null {
    if (!PUBLIC_EVENTS.has(event.type)) return null;
    const document = publishedView(after);
    if (!document || !after.publication) return null;
    return { id: after.id, version: after.version, status: after.status, first_published_at: after.publication.firstPublishedAt, updated_at: event.recordedAt, document };
  }

  /** Only the last public change counts: each one's upsert would overwrite the one before. */
  inline(changes: ArticleChange[], context: AppendContext): string | null {
    const last = changes.map((c) => this.row(c)).filter((r) => r !== null).pop();
    return last ? inlineRow(this, last, context) : null;
  }
}
