import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Article } from '../articles/domain/article';
import type { AppendContext, StoredEvent } from '../event-store/event-store.types';
import { appliedByVersion, ArticleChange, insertSql, Projection, ProjectionRow, upsertByVersion } from './projection';

const COLUMNS = 'id uuid, version int, status text, created_at timestamptz, updated_at timestamptz, state jsonb';

/** The working state of every article: list and detail of GET /articles. */
@Injectable()
export class ArticleViewProjection implements Projection {
  readonly name = 'articles';
  readonly table = 'article_view';
  readonly key = 'id';
  readonly columns = COLUMNS;
  readonly onConflict = upsertByVersion('id', ['version', 'status', 'updated_at', 'state']);

  applied(manager: EntityManager, events: StoredEvent[], table = this.table): Promise<Set<number>> {
    return appliedByVersion(manager, table, events);
  }

  /** The stored state of an article and the version it reflects, if any. */
  async load(manager: EntityManager, id: string): Promise<Article | null> {
    const [row] = await manager.query(`SELECT state FROM ${this.table} WHERE id = $1`, [id]);
    return row?.state ?? null;
  }

  row({ after }: ArticleChange): ProjectionRow {
    return { id: after.id, version: after.version, status: after.status, created_at: after.createdAt, updated_at: after.updatedAt, state: after };
  }

  /** Only the last state counts: each event's upsert would overwrite the one before. */
  inline(changes: ArticleChange[], { param, appended }: AppendContext): string | null {
    const last = changes[changes.length - 1];
    if (!last) return null;
    return insertSql(this, this.table, `jsonb_to_recordset(${param(JSON.stringify([this.row(last)]))}::jsonb) AS r(${COLUMNS})
      WHERE EXISTS (SELECT 1 FROM ${appended})`);
  }
}
