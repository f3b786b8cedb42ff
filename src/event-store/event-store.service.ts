import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { EventSchemas } from './event-schemas';
import {
  AppendContext,
  AppendWrites,
  EventMetadata,
  GlobalPosition,
  LedgerEntry,
  NewEvent,
  SnapshotQuery,
  START,
  StoredEvent,
  StreamHead,
  WrongExpectedVersion,
} from './event-store.types';
import { preparedQuery } from '../database/prepared';
import { eventHash, genesisHash } from './hash-chain';
import { GroupCommit, Grouped } from './group-commit';

const UNIQUE_VIOLATION = '23505';

/**
 * Grouped statements in flight at once. One gives the largest batches and the least CPU per event (measured against
 * 2 and 4 in docs/optimisation/append.md); the cost is that a statement waiting on a row lock held elsewhere (another
 * instance's transaction on the same stream) holds back every append of this process until it ends.
 */
const GROUP_IN_FLIGHT = 1;

/**
 * The one visibility rule, "events a reader may see now": only from transactions older than every transaction still
 * running. The reader's own transaction does not count (the snapshot's xmin would): a reader holding a transaction id
 * (it locked a row) would not see what younger transactions committed meanwhile, though the read models it feeds may
 * already hold it.
 */
const VISIBLE = `transaction_id < COALESCE((SELECT min(x) FROM pg_snapshot_xip(pg_current_snapshot()) AS x), pg_snapshot_xmax(pg_current_snapshot()))`;

const COLUMNS = `position, transaction_id, stream_id, version, type, schema_version, data, metadata, recorded_at, hash`;

export interface EventRow {
  position: string;
  transaction_id: string;
  stream_id: string;
  version: number;
  type: string;
  schema_version: number;
  data: Record<string, unknown>;
  metadata: EventMetadata;
  recorded_at: Date;
  hash: string;
}

/** The row exactly as stored: what the hash chain covers. */
export function storedFromRow(row: EventRow): StoredEvent {
  return {
    position: Number(row.position),
    transactionId: String(row.transaction_id),
    streamId: row.stream_id,
    version: row.version,
    type: row.type,
    schemaVersion: row.schema_version,
    data: row.data,
    metadata: row.metadata,
    recordedAt: new Date(row.recorded_at).toISOString(),
    hash: row.hash,
  };
}

/**
 * The only code that knows the log's tables (events, streams; projection_checkpoints in CheckpointStore). Appends are optimistic: the stream ledger row is moved from the
 * expected version with a conditional UPDATE, and UNIQUE (stream_id, version) backs it, so of two writers at
 * the same version exactly one commits.
 */
@Injectable()
export class EventStore {
  constructor(
    readonly dataSource: DataSource,
    private readonly schemas: EventSchemas,
  ) {}

  /** Runs `work` in one transaction; everything appended and projected in it commits or none of it does. */
  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    // READ COMMITTED is PostgreSQL's default; naming it would cost a SET TRANSACTION round trip per transaction.
    return this.dataSource.transaction(work);
  }

  /**
   * A stream's events, oldest first, in the current schema; optionally only up to a version or a time. Up to a time is
   * the events before the first one recorded after it: a command takes its time when it arrives, so an event can be
   * recorded earlier than the one before it (a retried command), and skipping just the later one would fold a state
   * the stream never held.
   */
  async readStream(
    manager: EntityManager,
    streamId: string,
    until: { version?: number; asOf?: string } = {},
  ): Promise<{ events: StoredEvent[]; head: StreamHead }> {
    const rows: EventRow[] = await manager.query(
      `SELECT ${COLUMNS} FROM events
        WHERE stream_id = $1 AND version <= $2${
          until.asOf === undefined
            ? ''
            : ` AND version < COALESCE((SELECT min(version) FROM events WHERE stream_id = $1 AND recorded_at > $3::timestamptz), 2147483647)`
        }
        ORDER BY version`,
      until.asOf === undefined ? [streamId, until.version ?? 2147483647] : [streamId, until.version ?? 2147483647, until.asOf],
    );
    const events = rows.map((row) => this.upcast(storedFromRow(row)));
    const last = events[events.length - 1];
    return { events, head: { streamId, version: last?.version ?? 0, hash: last?.hash ?? genesisHash(streamId) } };
  }

  /** A stream's head from the ledger, without reading its events; version 0 for a stream that does not exist. */
  async head(manager: EntityManager, streamId: string): Promise<StreamHead> {
    const [row] = await manager.query(`SELECT version, head_hash FROM streams WHERE stream_id = $1`, [streamId]);
    return row ? { streamId, version: row.version, hash: row.head_hash } : { streamId, version: 0, hash: genesisHash(streamId) };
  }

  /**
   * The head, and in the same round trip a snapshot of the stream's state from a read model (`snapshot`, which the
   * read model gives: this store names no read-model table): null unless the read model's row is at the head's version.
   */
  async headWithSnapshot<S>(manager: EntityManager, streamId: string, snapshot: SnapshotQuery): Promise<{ head: StreamHead; snapshot: S | null }> {
    const [row] = await preparedQuery<{ version: number; head_hash: string; state: S | null }>(
      manager,
      `SELECT s.version, s.head_hash, ${snapshot.select('s.version', '$2')} AS state FROM streams s WHERE s.stream_id = $1`,
      [streamId, snapshot.id],
    );
    if (!row) return { head: { streamId, version: 0, hash: genesisHash(streamId) }, snapshot: null };
    return { head: { streamId, version: row.version, hash: row.head_hash }, snapshot: row.state ?? null };
  }

  /**
   * Appends `events` after `expected`: a version number, or the head as read in this transaction (which saves
   * a round trip). Throws WrongExpectedVersion when the stream has moved on, or when it is at that version with
   * another head hash (the caller's head is not the stream's: the events would be chained to a head that is not
   * there).
   *
   * On a bare manager (no transaction), appends made meanwhile by other callers may be committed in the same
   * statement (group commit, see `appendBatch`); each still succeeds or fails on its own. On a transaction's
   * manager the append runs alone, in that transaction.
   */
  async append(
    manager: EntityManager,
    streamId: string,
    expected: number | StreamHead,
    events: NewEvent[],
    metadata: EventMetadata,
    recordedAt: string,
    writes?: AppendWrites,
  ): Promise<StoredEvent[]> {
    if (events.length === 0) return [];
    // Hash what is stored: the time as the database gives it back (ISO, milliseconds, UTC) and the data as JSON
    // (a Date or any toJSON() would otherwise be hashed as one thing and stored as another).
    recordedAt = new Date(recordedAt).toISOString();
    const expectedVersion = typeof expected === 'number' ? expected : expected.version;
    let previousHash: string;
    if (typeof expected !== 'number') previousHash = expected.hash;
    else if (expected === 0) previousHash = genesisHash(streamId);
    else {
      const [head] = await manager.query(`SELECT version, head_hash FROM streams WHERE stream_id = $1`, [streamId]);
      if (!head || head.version !== expected) throw new WrongExpectedVersion(streamId, expected, head?.version ?? 0);
      previousHash = head.head_hash;
    }
    const expectedHash = previousHash;

    const stored: StoredEvent[] = events.map((event, i) => {
      const row = {
        streamId,
        version: expectedVersion + i + 1,
        type: event.type,
        schemaVersion: this.schemas.currentVersion(event.type),
        data: JSON.parse(JSON.stringify(event.data)) as Record<string, unknown>,
        metadata: JSON.parse(JSON.stringify(metadata)) as EventMetadata,
        recordedAt,
      };
      previousHash = eventHash(previousHash, row);
      return { ...row, hash: previousHash, position: 0, transactionId: '' };
    });
    const pending: Append = { key: streamId, expectedVersion, expectedHash, stored, writes };
    if (manager.queryRunner) return this.appendAlone(manager, pending);
    return this.group.submit(pending);
  }

  /**
   * One append in one statement, so one round trip, and atomic on its own (outside a transaction it commits by
   * itself): move the ledger from the expected head (or create it), insert the events only if it moved, and run
   * the caller's writes (the inline projections) off the inserted events.
   */
  private async appendAlone(manager: EntityManager, { expectedVersion, expectedHash, stored, writes }: Append): Promise<StoredEvent[]> {
    const { streamId, recordedAt } = stored[0];
    const head = stored[stored.length - 1];
    const moveLedger =
      expectedVersion === 0
        ? `INSERT INTO streams (stream_id, version, head_hash, updated_at) VALUES ($1, $2, $3, $4::timestamptz)
           ON CONFLICT (stream_id) DO NOTHING RETURNING stream_id`
        : `UPDATE streams SET version = $2, head_hash = $3, updated_at = $4::timestamptz
            WHERE stream_id = $1 AND version = $7 AND head_hash = $8 RETURNING stream_id`;
    const rows = stored.map((e) => ({ version: e.version, type: e.type, schema_version: e.schemaVersion, data: e.data, hash: e.hash }));
    const params: unknown[] = [streamId, head.version, head.hash, recordedAt, JSON.stringify(rows), JSON.stringify(stored[0].metadata)];
    if (expectedVersion !== 0) params.push(expectedVersion, expectedHash);
    const also = writesSql([{ stored, writes, appended: 'appended' }], params);
    try {
      const inserted = await preparedQuery<InsertedRow>(
        manager,
        `WITH moved AS (${moveLedger}),
         appended AS (
           INSERT INTO events (stream_id, version, type, schema_version, data, metadata, recorded_at, hash)
           SELECT moved.stream_id, e.version, e.type, e.schema_version, e.data, $6::jsonb, $4::timestamptz, e.hash
             FROM moved, jsonb_to_recordset($5::jsonb) AS e(version int, type text, schema_version int, data jsonb, hash text)
            ORDER BY e.version
           RETURNING version, position, transaction_id
         )${also}
         SELECT version, position, transaction_id FROM appended`,
        params,
      );
      return placed(stored, expectedVersion, inserted);
    } catch (err) {
      if (sqlState(err) === UNIQUE_VIOLATION) throw new WrongExpectedVersion(streamId, expectedVersion);
      throw err;
    }
  }

  /**
   * Group commit (src/event-store/group-commit.ts): the appends waiting while a statement is in flight, one per
   * stream, in one statement and one commit. The ledger and events part has a fixed shape over two jsonb record sets
   * (the appends, their events), so without inline writes it stays one prepared statement whatever the batch;
   * each append's writes follow as CTEs reading only its own events (`appended_<n>`), and such a statement, its text
   * varying with the batch, is not prepared. Each append is conditional on its own stream's expected version: one
   * whose stream moved gets no rows back and is a WrongExpectedVersion while the others commit. If the statement
   * fails (a unique violation, a write that breaks a constraint), nothing of it committed and each append is run
   * again alone, so the error lands on its own append only.
   */
  private readonly group = new GroupCommit<PendingAppend, StoredEvent[]>((batch) => this.appendBatch(batch), GROUP_IN_FLIGHT, 64);

  private async appendBatch(pending: PendingAppend[]): Promise<void> {
    const manager = this.dataSource.manager;
    if (pending.length === 1) return settle(pending[0], this.appendAlone(manager, pending[0]));
    // In stream id order, the order the statement locks the ledger rows in: two instances' batches never wait on each
    // other's rows in opposite orders (a deadlock PostgreSQL would break only after deadlock_timeout).
    const sorted = [...pending].sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0));
    const params: unknown[] = [undefined, undefined]; // $1 the appends, $2 their events, once the batch is known
    const batch: PendingAppend[] = [];
    let also = '';
    for (const p of sorted) {
      const mark = params.length;
      try {
        if (p.writes) {
          const from = `SELECT version, position FROM appended WHERE stream_id = $${params.push(p.key)}`;
          also += writesSql([{ ...p, appended: `appended_${batch.length}`, from }], params);
        }
        batch.push(p);
      } catch (err) {
        // Its writes could not be given (a bug in a projection): that append fails on its own, the others go on.
        params.length = mark;
        p.reject(err);
      }
    }
    if (batch.length <= 1) return batch.length ? settle(batch[0], this.appendAlone(manager, batch[0])) : undefined;
    const appends = batch.map(({ expectedVersion, expectedHash, stored }, n) => {
      const head = stored[stored.length - 1];
      return { n, stream_id: head.streamId, expected: expectedVersion, expected_hash: expectedHash, version: head.version, head_hash: head.hash, recorded_at: head.recordedAt, metadata: head.metadata };
    });
    const events = batch.flatMap(({ stored }, n) => stored.map((e) => ({ n, version: e.version, type: e.type, schema_version: e.schemaVersion, data: e.data, hash: e.hash })));
    params[0] = JSON.stringify(appends);
    params[1] = JSON.stringify(events);
    const text = `${APPEND_BATCH}${also}
      SELECT stream_id, version, position, transaction_id FROM appended`;
    let inserted: (InsertedRow & { stream_id: string })[];
    try {
      inserted = batch.some((p) => p.writes) ? await manager.query(text, params) : await preparedQuery(manager, text, params);
    } catch (err) {
      // A statement the server refused committed nothing: each append alone, its error (if any) its own. Any other
      // failure (the connection lost) may have come after the commit: it is every append's answer, as it would be alone.
      if (sqlState(err) === undefined) throw err;
      await Promise.all(batch.map((p) => settle(p, this.appendAlone(manager, p))));
      return;
    }
    const byStream = new Map<string, InsertedRow[]>();
    for (const row of inserted) byStream.set(row.stream_id, [...(byStream.get(row.stream_id) ?? []), row]);
    for (const p of batch) {
      try {
        p.resolve(placed(p.stored, p.expectedVersion, byStream.get(p.key) ?? []));
      } catch (err) {
        p.reject(err);
      }
    }
  }

  /**
   * Events after `after` that a reader may see now (VISIBLE), in (transaction id, position) order: a position taken by
   * a transaction that commits late is never skipped.
   */
  async readAll(manager: EntityManager, after: GlobalPosition, limit: number): Promise<StoredEvent[]> {
    const rows: EventRow[] = await manager.query(
      `SELECT ${COLUMNS} FROM events
        WHERE (transaction_id, position) > ($1::xid8, $2::bigint) AND ${VISIBLE}
        ORDER BY transaction_id, position
        LIMIT $3`,
      [after.transactionId, after.position, limit],
    );
    return rows.map((row) => this.upcast(storedFromRow(row)));
  }

  /** The last event a reader may see now (VISIBLE): a live feed that starts here misses nothing committed later. */
  async visibleHead(manager: EntityManager): Promise<GlobalPosition> {
    const [row] = await manager.query(`SELECT transaction_id, position FROM events WHERE ${VISIBLE} ORDER BY transaction_id DESC, position DESC LIMIT 1`);
    return row ? { transactionId: String(row.transaction_id), position: Number(row.position) } : START;
  }

  /** The place just before the event at `position`, for a reader to read it again from there; null if there is none. */
  async positionBefore(manager: EntityManager, position: number): Promise<GlobalPosition | null> {
    const [row] = await manager.query(`SELECT transaction_id FROM events WHERE position = $1`, [position]);
    return row ? { transactionId: String(row.transaction_id), position: position - 1 } : null;
  }

  /** How many events the log holds. */
  async count(manager: EntityManager): Promise<number> {
    const [{ total }] = await manager.query(`SELECT count(*) AS total FROM events`);
    return Number(total);
  }

  /** Events as stored (no upcasting: what the hash chain covers): one stream's by version, or the whole log's by position. */
  async readRaw(manager: EntityManager, streamId?: string): Promise<StoredEvent[]> {
    const rows: EventRow[] = await manager.query(
      `SELECT ${COLUMNS} FROM events ${streamId ? 'WHERE stream_id = $1 ORDER BY version' : 'ORDER BY position'}`,
      streamId ? [streamId] : [],
    );
    return rows.map(storedFromRow);
  }

  /**
   * Every stream the ledger or the log knows, in id order, with the ledger's head (null when the ledger lacks the
   * stream) and whether the log has any of its events: what verification compares.
   */
  async ledger(manager: EntityManager): Promise<LedgerEntry[]> {
    const rows: { stream_id: string; version: number | null; head_hash: string | null; in_log: boolean }[] = await manager.query(
      `SELECT COALESCE(s.stream_id, e.stream_id) AS stream_id, s.version, s.head_hash, e.stream_id IS NOT NULL AS in_log
         FROM streams s FULL OUTER JOIN (SELECT DISTINCT stream_id FROM events) e ON e.stream_id = s.stream_id
        ORDER BY 1`,
    );
    return rows.map((r) => ({ streamId: r.stream_id, version: r.version, headHash: r.head_hash, inLog: r.in_log }));
  }

  /** What the log holds at these positions now (stream, version, hash), for checking seals against it. */
  async atPositions(manager: EntityManager, positions: number[]): Promise<Map<number, { streamId: string; version: number; hash: string }>> {
    const rows: { position: string; stream_id: string; version: number; hash: string }[] = positions.length
      ? await manager.query(`SELECT position, stream_id, version, hash FROM events WHERE position = ANY($1::bigint[])`, [positions.map(String)])
      : [];
    return new Map(rows.map((r) => [Number(r.position), { streamId: r.stream_id, version: r.version, hash: r.hash }]));
  }

  private upcast(event: StoredEvent): StoredEvent {
    const { version, data } = this.schemas.upcast(event.type, event.schemaVersion, event.data);
    return version === event.schemaVersion ? event : { ...event, schemaVersion: version, data };
  }
}

interface Append {
  /** The stream id. */
  readonly key: string;
  readonly expectedVersion: number;
  /** The head hash at the expected version, which the new events chain from: the ledger must hold it too. */
  readonly expectedHash: string;
  readonly stored: StoredEvent[];
  readonly writes?: AppendWrites;
}

type PendingAppend = Append & Grouped<StoredEvent[]>;

interface InsertedRow {
  version: number;
  position: string;
  transaction_id: string;
}

/**
 * The ledger and events part of a grouped append: $1 the appends (one per stream), $2 their events. A stream is
 * created (expected 0) or moved from its expected head (version and hash); only the events of the streams that moved
 * are inserted.
 * The ledger rows are locked in stream id order first (`locked`; an ORDER BY under FOR UPDATE locks in that order),
 * so batches of two instances sharing a database cannot deadlock on them; a row another transaction moved meanwhile
 * is re-checked against the expected head before it is locked, and is then a conflict.
 */
export const APPEND_BATCH = `WITH a AS (
  SELECT * FROM jsonb_to_recordset($1::jsonb)
    AS a(n int, stream_id text, expected int, expected_hash text, version int, head_hash text, recorded_at timestamptz, metadata jsonb)
), created AS (
  INSERT INTO streams (stream_id, version, head_hash, updated_at)
  SELECT stream_id, version, head_hash, recorded_at FROM a WHERE expected = 0 ORDER BY stream_id
  ON CONFLICT (stream_id) DO NOTHING RETURNING stream_id
), locked AS MATERIALIZED (
  SELECT s.stream_id FROM streams s
    JOIN a ON a.expected > 0 AND s.stream_id = a.stream_id AND s.version = a.expected AND s.head_hash = a.expected_hash
   ORDER BY s.stream_id FOR UPDATE OF s
), moved AS (
  UPDATE streams s SET version = a.version, head_hash = a.head_hash, updated_at = a.recorded_at
    FROM a JOIN locked USING (stream_id)
   WHERE a.expected > 0 AND s.stream_id = a.stream_id AND s.version = a.expected AND s.head_hash = a.expected_hash
  RETURNING s.stream_id
), appended AS (
  INSERT INTO events (stream_id, version, type, schema_version, data, metadata, recorded_at, hash)
  SELECT a.stream_id, e.version, e.type, e.schema_version, e.data, a.metadata, a.recorded_at, e.hash
    FROM (SELECT stream_id FROM created UNION ALL SELECT stream_id FROM moved) ok
    JOIN a USING (stream_id)
    JOIN jsonb_to_recordset($2::jsonb) AS e(n int, version int, type text, schema_version int, data jsonb, hash text) ON e.n = a.n
   ORDER BY a.n, e.version
  RETURNING stream_id, version, position, transaction_id
)`;

/**
 * The appends' writes as CTEs after `appended`, their parameters added to `params`. Each append's writes read its
 * own events under the name `appended` gives (a CTE of its own, `from`, when several appends share the statement).
 */
function writesSql(appends: { stored: StoredEvent[]; writes?: AppendWrites; appended: string; from?: string }[], params: unknown[]): string {
  return appends
    .map(({ stored, writes, appended, from }) => {
      const context: AppendContext = { param: (value) => `$${params.push(value)}`, appended };
      const own = from ? `, ${appended} AS (${from})` : '';
      return own + (writes?.(stored, context) ?? []).map((sql, i) => `, ${appended}_write_${i} AS (${sql})`).join('');
    })
    .join('');
}

/** The events with the positions and transaction id they were inserted at; none inserted: the stream had moved. */
function placed(stored: StoredEvent[], expectedVersion: number, inserted: InsertedRow[]): StoredEvent[] {
  if (inserted.length !== stored.length) throw new WrongExpectedVersion(stored[0].streamId, expectedVersion);
  const byVersion = new Map(inserted.map((row) => [row.version, row]));
  for (const event of stored) {
    const row = byVersion.get(event.version)!;
    event.position = Number(row.position);
    event.transactionId = String(row.transaction_id);
  }
  return stored;
}

async function settle<R>(item: Grouped<R>, outcome: Promise<R>): Promise<void> {
  try {
    item.resolve(await outcome);
  } catch (err) {
    item.reject(err);
  }
}

/** The SQLSTATE of an error the server reported (pg's or PGlite's), undefined for any other failure. */
function sqlState(err: unknown): string | undefined {
  const driverError = (err as { driverError?: { code?: unknown; severity?: unknown } }).driverError;
  return driverError?.severity !== undefined && typeof driverError.code === 'string' ? driverError.code : undefined;
}
