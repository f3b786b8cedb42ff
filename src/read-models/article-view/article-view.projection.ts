import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { AppendContext, SnapshotQuery, StoredEvent } from '../../event-store/event-store.types';
import { appliedByVersion, ArticleChange, inlineRow, Projection, ProjectionRow, versionGuard } from '../projection';

const COLUMNS = 'id uuid, version int, status text, created_at timestamptz, updated_at timestamptz, state jsonb';

const GUARD = versionGuard('id', ['version', 'status', 'updated_at', 'state']);

/** The working state of every article: list and detail of GET /articles. */
@Injectable()
export class ArticleViewProjection implements Projection {
  readonly name = 'articles';
  readonly table = 'article_view';
  readonly key = 'id';
  readonly columns = COLUMNS;
  readonly onConflict = GUARD.onConflict;
  readonly supersedes = GUARD.supersedes;

  applied(manager: EntityManager, events: StoredEvent[], table = this.table): Promise<Set<number>> {
    return appliedByVersion(manager, table, events);
  }

  row({ after }: ArticleChange): ProjectionRow {
    return { id: after.id, version: after.version, status: after.status, created_at: after.createdAt, updated_at: after.updatedAt, state: after };
  }

  /**
   * An article's row as its stream's snapshot, read with the head in one round trip: written with every append, so
   * when it is at the head's version it is the fold of the stream.
   */
  snapshot(id: string): SnapshotQuery {
    return { id, select: (version, param) => `(SELECT r.state FROM ${this.table} r WHERE r.id = ${param} AND r.version = ${version})` };
  }

  /** Only the last state counts: each event's upsert would overwrite the one before. */
  inline(changes: ArticleChange[], context: AppendContext): string | null {
    const last = changes[changes.length - 1];
    return last ? inlineRow(this, this.row(last), context) : null;
  }
}
