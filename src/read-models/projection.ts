import type { EntityManager } from 'typeorm';
import { isArticleStream } from '../articles/domain/article-stream';
import type { Article, RecordedArticleEvent } from '../articles/domain/article';
import type { AppendContext, StoredEvent } from '../event-store/event-store.types';

/** One event with the article before and after it: everything a read model needs to evolve. */
export interface ArticleChange {
  event: StoredEvent;
  recorded: RecordedArticleEvent;
  before: Article | null;
  after: Article;
}

/** One row of a read model's table, column name to value (JSON-serialisable). */
export type ProjectionRow = Record<string, unknown>;

/**
 * A read model fed from the event log. Its rows are pure functions of a change (`row`, `rowOther`); writing them is
 * idempotent (guarded by stream version or position), so the inline path (in the append's statement) and the
 * catch-up path (from the log by position, many events per statement through `writeRows`) never double-apply,
 * and the same code serves both: a replay gives what the live path gave.
 */
export interface Projection {
  readonly name: string;
  /** The table it owns; a rebuild fills a shadow copy of it and replaces the rows that differ. */
  readonly table: string;
  /** Primary key column: the order of a checksum, and the key rows are folded by within a batch. */
  readonly key: string;
  /** The columns `row` gives, with their types (a json_to_recordset column list). */
  readonly columns: string;
  /** What a write does when the key exists: `ON CONFLICT ...`, a guard that makes writes idempotent. */
  readonly onConflict: string;
  /**
   * The same rule between two rows of one key, `n` and `o`, as SQL: true when writing `n` replaces `o`. A rebuild
   * appends every row it folds and keeps, of each key, the one the writes would have left. Left out when a key is
   * written once per replay (a row per event).
   */
  readonly supersedes?: string;
  /**
   * Written only by the catch-up, just after the commit (the daemon is woken by each append), never in the append's
   * statement: a read model no command waits for (search).
   */
  readonly afterCommit?: boolean;
  /** Positions among `events` this projection has already applied to `table`. */
  applied(manager: EntityManager, events: StoredEvent[], table?: string): Promise<Set<number>>;
  /** The row an article change writes, or null when it changes nothing here. */
  row(change: ArticleChange): ProjectionRow | null;
  /** Events of streams other than articles (user management); projections that ignore them leave this out. */
  rowOther?(event: StoredEvent): ProjectionRow | null;
  /**
   * The same writes for events being appended, as one data-modifying statement that runs inside the append's own
   * statement (so they commit together): positions come from `context.appended`, and when that is empty (the
   * append did not happen) it writes nothing. Null when these events change nothing here.
   */
  inline(changes: ArticleChange[], context: AppendContext): string | null;
}

export const PROJECTIONS = Symbol('PROJECTIONS');

/** The columns of a `columns` list, name and type ("id uuid, doc jsonb" → [{ name: "id", type: "uuid" }, …]). */
function columnList(columns: string): { name: string; type: string }[] {
  return columns.split(',').map((c) => {
    const [name, type] = c.trim().split(/\s+/);
    return { name, type };
  });
}

/** Column names of a `columns` list ("id uuid, version int" → ["id", "version"]). */
export function columnNames(columns: string): string[] {
  return columnList(columns).map((c) => c.name);
}

/** The json and jsonb columns of a `columns` list. */
export function jsonColumns(columns: string): string[] {
  return columnList(columns)
    .filter((c) => c.type === 'jsonb' || c.type === 'json')
    .map((c) => c.name);
}

/** INSERT of rows from `source` (aliased r) into `table` with the projection's conflict rule. */
export function insertSql(projection: Projection, table: string, source: string, select: Record<string, string> = {}): string {
  const names = columnNames(projection.columns);
  return `INSERT INTO ${table} AS t (${names.join(', ')})
    SELECT ${names.map((n) => select[n] ?? `r.${n}`).join(', ')} FROM ${source}
    ${projection.onConflict}`;
}

/**
 * Rows folded per key: for a batch of changes, each touched row written once (the last one wins, as the version
 * guard would have it anyway; a multi-row upsert may not touch a row twice).
 */
export class RowBatch {
  private readonly rows = new Map<string, ProjectionRow>();

  constructor(readonly projection: Projection) {}

  get size(): number {
    return this.rows.size;
  }

  add(row: ProjectionRow | null): void {
    if (row) this.rows.set(String(row[this.projection.key]), row);
  }

  /** The rows, and the batch emptied. */
  take(): ProjectionRow[] {
    const rows = [...this.rows.values()];
    this.rows.clear();
    return rows;
  }

  /** Writes every row in one statement and empties the batch. */
  async write(manager: EntityManager, table = this.projection.table): Promise<void> {
    await writeRows(manager, this.projection, table, this.take());
  }
}

/**
 * Rows as a record set from one JSON parameter: json, not jsonb, so only the jsonb columns are parsed into jsonb, not
 * the whole document (about 13 % faster in a rebuild).
 */
export function recordset(projection: Projection, parameter: string): string {
  return `json_to_recordset(${parameter}::json) AS r(${projection.columns})`;
}

/** Many rows in one parameterised statement (one JSON parameter, however many rows). */
export async function writeRows(manager: EntityManager, projection: Projection, table: string, rows: ProjectionRow[]): Promise<void> {
  if (!rows.length) return;
  await manager.query(insertSql(projection, table, recordset(projection, '$1')), [JSON.stringify(rows)]);
}

/** The inline write of a read model keyed by article: its one row, written only if the append happened. */
export function inlineRow(projection: Projection, row: ProjectionRow, { param, appended }: AppendContext): string {
  return insertSql(projection, projection.table, `${recordset(projection, param(JSON.stringify([row])))} WHERE EXISTS (SELECT 1 FROM ${appended})`);
}

/**
 * The version guard of a read model keyed by article id, a row only moves forward: as the upsert's conflict rule, and
 * as `supersedes` for the rows a rebuild copies.
 */
export function versionGuard(key: string, set: string[]): Pick<Projection, 'onConflict' | 'supersedes'> {
  const newer = (row: string, than: string) => `${row}.version > ${than}.version`;
  return {
    onConflict: `ON CONFLICT (${key}) DO UPDATE SET ${set.map((n) => `${n} = EXCLUDED.${n}`).join(', ')}
      WHERE ${newer('EXCLUDED', 't')}`,
    supersedes: newer('n', 'o'),
  };
}

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

/**
 * A read model with one row per article carrying the stream version it reflects (article_view, published_article): a
 * write only moves a row forward, an event counts as applied once its row is at its version (or when `relevant` says
 * it cannot change a row), and an append writes only the last row its events give (each upsert would overwrite the
 * one before).
 */
export abstract class ArticleRowProjection implements Projection {
  readonly key = 'id';
  readonly onConflict: string;
  readonly supersedes?: string;

  constructor(
    readonly name: string,
    readonly table: string,
    readonly columns: string,
    updated: string[],
    private readonly relevant?: (event: StoredEvent) => boolean,
  ) {
    const guard = versionGuard('id', updated);
    this.onConflict = guard.onConflict;
    this.supersedes = guard.supersedes;
  }

  applied(manager: EntityManager, events: StoredEvent[], table = this.table): Promise<Set<number>> {
    return appliedByVersion(manager, table, events, this.relevant);
  }

  abstract row(change: ArticleChange): ProjectionRow | null;

  inline(changes: ArticleChange[], context: AppendContext): string | null {
    const last = changes.map((c) => this.row(c)).filter((r) => r !== null).pop();
    return last ? inlineRow(this, last, context) : null;
  }
}
