/** Who caused an event and why: stored with every event. */
export interface EventMetadata {
  actorId: string;
  username: string;
  roles: string[];
  /** The request (or job) this event belongs to. */
  correlationId: string;
  /** What caused it: the command's id. */
  causationId: string;
  idempotencyKey?: string;
}

export interface NewEvent {
  type: string;
  data: object;
}

export interface StoredEvent<D = Record<string, unknown>> {
  position: number;
  transactionId: string;
  streamId: string;
  version: number;
  type: string;
  schemaVersion: number;
  data: D;
  metadata: EventMetadata;
  recordedAt: string;
  hash: string;
}

/** A stream's head as read: what an append expects to still be there. */
export interface StreamHead {
  streamId: string;
  version: number;
  hash: string;
}

/**
 * A read model's row that serves as a stream's snapshot, read in the same round trip as the head
 * (EventStore.headWithSnapshot): `select` gives a scalar subquery for the state, given the SQL of the head's version
 * and of the parameter that holds `id`; it yields null unless the row is at that version.
 */
export interface SnapshotQuery {
  readonly id: string;
  readonly select: (version: string, id: string) => string;
}

/** A stream as the ledger records it, next to whether the log holds events of it (verification). */
export interface LedgerEntry {
  streamId: string;
  /** Null when the ledger has no row for a stream the log has events of. */
  version: number | null;
  headHash: string | null;
  inLog: boolean;
}

/** A place in the global log: events are read in (transactionId, position) order. */
export interface GlobalPosition {
  transactionId: string;
  position: number;
}

export const START: GlobalPosition = { transactionId: '0', position: 0 };

/** Two writers raced for the same stream version, or If-Match named a stale one. */
export class WrongExpectedVersion extends Error {
  constructor(
    readonly streamId: string,
    readonly expected: number,
    readonly actual?: number,
  ) {
    super(`stream ${streamId} is not at version ${expected}${actual !== undefined ? ` (it is at ${actual})` : ''}`);
    this.name = 'WrongExpectedVersion';
  }
}

/** Builds statements that run inside an append's own statement (see EventStore.append). */
export interface AppendContext {
  /** Adds a parameter and returns its placeholder (`$n`). */
  param(value: unknown): string;
  /**
   * The name of the relation of the events just inserted, with columns version and position; empty when the
   * append did not happen (the stream had moved), so a statement that reads it writes nothing then.
   */
  readonly appended: string;
}

/**
 * Writes that belong to an append (the inline projections): given the events as they will be stored (positions not
 * yet known), data-modifying statements to run in the same SQL statement, so they commit with the events or not at all.
 * Appends outside a transaction to different streams may share that statement (group commit): the writes of one
 * append must not touch a row another stream's append could write (PostgreSQL applies only one of two updates of a
 * row in one statement, silently). Rows keyed by the stream, or by the appended events, are safe. Called again if
 * the append is retried alone, so it must give the same writes each time.
 */
export type AppendWrites = (events: StoredEvent[], context: AppendContext) => string[];
