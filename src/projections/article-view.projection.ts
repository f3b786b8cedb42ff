import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Article } from '../articles/domain/article';
import type { AppendContext, StoredEvent } from '../event-store/event-store.types';
import { appliedByVersion, ArticleChange, Projection } from './projection';

/** The working state of every article: list and detail of GET /articles. */
@Injectable()
export class ArticleViewProjection implements Projection {
  readonly name = 'articles';
  readonly table = 'article_view';
  readonly key = 'id';

  applied(manager: EntityManager, events: StoredEvent[], table = this.table): Promise<Set<number>> {
    return appliedByVersion(manager, table, events);
  }

  /** The stored state of an article and the version it reflects, if any. */
  async load(manager: EntityManager, id: string): Promise<Article | null> {
    const [row] = await manager.query(`SELECT state FROM ${this.table} WHERE id = $1`, [id]);
    return row?.state ?? null;
  }

  async apply(manager: EntityManager, { after }: ArticleChange, table = this.table): Promise<void> {
    await manager.query(this.upsert(table, `jsonb_to_recordset($1::jsonb) AS r(${COLUMNS})`), [JSON.stringify([row(after)])]);
  }

  /** Only the last state counts: each event's upsert would overwrite the one before. */
  inline(changes: ArticleChange[], { param, appended }: AppendContext): string | null {
    const last = changes[changes.length - 1];
    if (!last) return null;
    return this.upsert(this.table, `jsonb_to_recordset(${param(JSON.stringify([row(last.after)]))}::jsonb) AS r(${COLUMNS})
      WHERE EXISTS (SELECT 1 FROM ${appended})`);
  }

  private upsert(table: string, source: string): string {
    return `INSERT INTO ${table} AS t (id, version, status, created_at, updated_at, state)
      SELECT r.id, r.version, r.status, r.created_at, r.updated_at, r.state FROM ${source}
      ON CONFLICT (id) DO UPDATE
        SET version = EXCLUDED.version, status = EXCLUDED.status, updated_at = EXCLUDED.updated_at, state = EXCLUDED.state
      WHERE t.version < EXCLUDED.version`;
  }
}

const COLUMNS = 'id uuid, version int, status text, created_at timestamptz, updated_at timestamptz, state jsonb';

const row = (a: Article) => ({ id: a.id, version: a.version, status: a.status, created_at: a.createdAt, updated_at: a.updatedAt, state: a });
