import type { EntityManager } from 'typeorm';
import { isArticleStream } from '../auth/user-events';
import type { Article, RecordedArticleEvent } from '../articles/domain/article';
import type { AppendContext, StoredEvent } from '../event-store/event-store.types';

/** One event with the article before and after it: everything a read model needs to evolve. */
export interface ArticleChange {
  event: StoredEvent;
  recorded: RecordedArticleEvent;
  before: Article | null;
  after: Article;
}

/**
 * A read model fed from the event log. `apply` is idempotent (guarded by stream version or position), so the
 * inline path (in the append's transaction) and the catch-up path (from the log by position) never
 * double-apply, and the same code serves both: a replay gives what the live path gave.
 */
export interface Projection {
  readonly name: string;
  /** The table it owns; a rebuild fills a shadow copy of it and swaps it in. */
  readonly table: string;
  /** Primary key columns, for the order of a checksum. */
  readonly key: string;
  /** Positions among `events` this projection has already applied to `table`. */
  applied(manager: EntityManager, events: StoredEvent[], table?: string): Promise<Set<number>>;
  apply(manager: EntityManager, change: ArticleChange, table?: string): Promise<void>;
  /**
   * The same writes for events being appended, as one data-modifying statement that runs inside the append's own
   * statement (so they commit together): positions come from `context.appended`, and when that is empty (the
   * append did not happen) it writes nothing. Null when these events change nothing here.
   */
  inline(changes: ArticleChange[], context: AppendContext): string | null;
  /** Events of streams other than articles (user management); projections that ignore them leave this out. */
  applyOther?(manager: EntityManager, event: StoredEvent, table?: string): Promise<void>;
}

export const PROJECTIONS = Symbol('PROJECTIONS');

/**
 * `applied` for a read model keyed by article id with the stream version it reflects: an event is applied when the
 * row is at its version or past it. Events of other streams, and those `relevant` rejects, count as done.
 */
export async function appliedByVersion(
  manager: EntityManager,
  table: string,
  all: StoredEvent[],
  relevant: (e: StoredEvent) => boolean = () => true,
): Promise<Set<number>> {
  const idOf = (streamId: string) => streamId.slice('article-'.length);
  const events = all.filter((e) => isArticleStream(e.streamId) && relevant(e));
  const ids = [...new Set(events.map((e) => idOf(e.streamId)))];
  const rows: { id: string; version: number }[] = ids.length
    ? await manager.query(`SELECT id, version FROM ${table} WHERE id = ANY($1::uuid[])`, [ids])
    : [];
  const versions = new Map(rows.map((r) => [r.id, r.version]));
  const pending = new Set(events.filter((e) => e.version > (versions.get(idOf(e.streamId)) ?? 0)).map((e) => e.position));
  return new Set(all.filter((e) => !pending.has(e.position)).map((e) => e.position));
}
