import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Article } from '../articles/domain/article';
import type { StoredEvent } from '../event-store/event-store.types';
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
    await manager.query(
      `INSERT INTO ${table} AS t (id, version, status, created_at, updated_at, state)
       VALUES ($1, $2, $3, $4::timestamptz, $5::timestamptz, $6::jsonb)
       ON CONFLICT (id) DO UPDATE
         SET version = EXCLUDED.version, status = EXCLUDED.status, updated_at = EXCLUDED.updated_at, state = EXCLUDED.state
       WHERE t.version < EXCLUDED.version`,
      [after.id, after.version, after.status, after.createdAt, after.updatedAt, JSON.stringify(after)],
    );
  }
}
