import { Injectable } from '@nestjs/common';
import type { SnapshotQuery } from '../../event-store/event-store.types';
import { ArticleChange, ArticleRowProjection, ProjectionRow } from '../projection';

const COLUMNS = `id uuid, version int, status text, created_at timestamptz, updated_at timestamptz, state jsonb`;

/** The working state of every article: list and detail of GET /articles, and the commands' snapshot. */
@Injectable()
export class ArticleViewProjection extends ArticleRowProjection {
  constructor() {
    super('articles', 'article_view', COLUMNS, ['version', 'status', 'updated_at', 'state']);
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
}
