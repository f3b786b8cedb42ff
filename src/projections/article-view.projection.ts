import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Article } from '../articles/domain/article';
import { isArticleStream } from '../auth/user-events';
import type { StoredEvent } from '../event-store/event-store.types';
import type { ArticleChange, Projection } from './projection';

const idOf = (streamId: string) => streamId.slice('article-'.length);

/** The working state of every article: list and detail of GET /articles. */
@Injectable()
export class ArticleViewProjection implements Projection {
  readonly name = 'articles';
  readonly table = 'article_view';
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
    return new Set([...others, ...events.filter((e) => e.version <= (versions.get(idOf(e.streamId)) ?? 0)).map((e) => e.position)]);
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
