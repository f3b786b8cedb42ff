import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { EventSchemas } from './event-schemas';
import {
  AppendContext,
  AppendWrites,
  EventMetadata,
  GlobalPosition,
  NewEvent,
  StoredEvent,
  StreamHead,
  WrongExpectedVersion,
} from './event-store.types';
import { preparedQuery } from '../database/prepared';
import { eventHash, genesisHash } from './hash-chain';

const UNIQUE_VIOLATION = '23505';

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
 * The only code that knows the events table. Appends are optimistic: the stream ledger row is moved from the
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

  /** A stream's events, oldest first, in the current schema; optionally only up to a version or a time. */
  async readStream(
    manager: EntityManager,
    streamId: string,
    until: { version?: number; asOf?: string } = {},
  ): Promise<{ events: StoredEvent[]; head: StreamHead }> {
    const rows: EventRow[] = await manager.query(
      `SELECT ${COLUMNS} FROM events
        WHERE stream_id = $1 AND version <= $2 AND recorded_at <= $3::timestamptz
        ORDER BY version`,
      [streamId, until.version ?? 2147483647, until.asOf ?? 'infinity'],
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
   * The head, and in the same round trip the `state` column of a read model's row `id` if that row is at the head's
   * version: then it is the fold of the stream and serves as a snapshot. `source.table` is an internal constant.
   */
  async headWithSnapshot<S>(
    manager: EntityManager,
    streamId: string,
    source: { table: string; id: string },
  ): Promise<{ head: StreamHead; snapshot: S | null }> {
    const [row] = await preparedQuery<{ version: number; head_hash: string; state: S | null }>(
      manager,
      `SELECT s.version, s.head_hash, r.state FROM streams s
         LEFT JOIN ${source.table} r ON r.id = $2 AND r.version = s.version
        WHERE s.stream_id = $1`,
      [streamId, source.id],
    );
    if (!row) return { head: { streamId, version: 0, hash: genesisHash(streamId) }, snapshot: null };
    return { head: { streamId, version: row.version, hash: row.head_hash }, snapshot: row.state ?? null };
  }

  /**
   * Appends `events` after `expected`: a version number, or the head as read in this transaction (which saves
   * a round trip). Throws WrongExpectedVersion when the stream has moved on.
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
    const head = stored[stored.length - 1];

    // One statement, so one round trip, and atomic on its own (outside a transaction it commits by itself): move the
    // ledger from the expected version (or create it), insert the events only if it moved, and run the caller's
    // writes (the inline projections) off the inserted events.
    const moveLedger =
      expectedVersion === 0
        ? `INSERT INTO streams (stream_id, version, head_hash, updated_at) VALUES ($1, $2, $3, $4::timestamptz)
           ON CONFLICT (stream_id) DO NOTHING RETURNING stream_id`
        : `UPDATE streams SET version = $2, head_hash = $3, updated_at = $4::timestamptz
            WHERE stream_id = $1 AND version = $7 RETURNING stream_id`;
    const rows = stored.map((e) => ({ version: e.version, type: e.type, schema_version: e.schemaVersion, data: e.data, hash: e.hash }));
    const params: unknown[] = [streamId, head.version, head.hash, recordedAt, JSON.stringify(rows), JSON.stringify(stored[0].metadata)];
    if (expectedVersion !== 0) params.push(expectedVersion);
    const context: AppendContext = {
      param: (value) => `$${params.push(value)}`,
      appended: 'appended',
    };
    const also = (writes?.(stored, context) ?? []).map((sql, i) => `, write_${i} AS (${sql})`).join('');
    try {
      const inserted = await preparedQuery<{ version: number; position: string; transaction_id: string }>(
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
      if (inserted.length !== stored.length) throw new WrongExpectedVersion(streamId, expectedVersion);
      const byVersion = new Map(inserted.map((row) => [row.version, row]));
      for (const event of stored) {
        const row = byVersion.get(event.version)!;
        event.position = Number(row.position);
        event.transactionId = String(row.transaction_id);
      }
      return stored;
    } catch (err) {
      if ((err as { driverError?: { code?: string } }).driverError?.code === UNIQUE_VIOLATION) {
        throw new WrongExpectedVersion(streamId, expectedVersion);
      }
      throw err;
    }
  }

  /**
   * Events after `after`, in (transaction id, position) order, and only from transactions older than every
   * transaction still running: a position taken by a transaction that commits late is never skipped.
   */
  async readAll(manager: EntityManager, after: GlobalPosition, limit: number): Promise<StoredEvent[]> {
    const rows: EventRow[] = await manager.query(
      `SELECT ${COLUMNS} FROM events
        WHERE (transaction_id, position) > ($1::xid8, $2::bigint)
          AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())
        ORDER BY transaction_id, position
        LIMIT $3`,
      [after.transactionId, after.position, limit],
    );
    return rows.map((row) => this.upcast(storedFromRow(row)));
  }

  /** Events recorded in the log, by global position (raw, as stored). */
  async readRaw(manager: EntityManager, streamId?: string): Promise<StoredEvent[]> {
    const rows: EventRow[] = await manager.query(
      `SELECT ${COLUMNS} FROM events ${streamId ? 'WHERE stream_id = $1' : ''} ORDER BY position`,
      streamId ? [streamId] : [],
    );
    return rows.map(storedFromRow);
  }

  private upcast(event: StoredEvent): StoredEvent {
    const { version, data } = this.schemas.upcast(event.type, event.schemaVersion, event.data);
    return version === event.schemaVersion ? event : { ...event, schemaVersion: version, data };
  }
}
