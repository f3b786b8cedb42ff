import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { DataSource, QueryRunner } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver.js';
import { PGlitePool } from '../database/pglite-pool';
import { columnNames, jsonColumns, Projection, ProjectionRow } from './projection';

/** COPY text format's escapes: a backslash, and the characters that end a field or a line. */
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };
const SPECIAL = /[\\\n\r\t]/g;
const ANY_SPECIAL = /[\\\n\r\t]/;
const TAB = 0x09;
const NEWLINE = 0x0a;

/** An arbitrary constant: the advisory lock a rebuild holds on PostgreSQL (the migrations take another). */
export const REBUILD_LOCK = 7_310_420_252;

const escape = (text: string): string => (ANY_SPECIAL.test(text) ? text.replace(SPECIAL, (c) => ESCAPES[c]) : text);

/** JSON text has its line breaks, tabs and other control characters escaped already: only its backslashes need doubling. */
const escapeJson = (text: string): string => (text.includes('\\') ? text.replaceAll('\\', '\\\\') : text);

/**
 * The text a column takes from a row value, as json_to_recordset gives it from the value's JSON (the path the live
 * writes take, so both end in the same row): jsonb columns the JSON text; others a string as is, a number or boolean
 * in its JSON form, an object its JSON text, unless it renders as a JSON string (a Date), then that string.
 */
function fieldText(value: unknown, json: boolean): string {
  if (value === null || value === undefined) return '\\N';
  if (json) return escapeJson(JSON.stringify(value));
  if (typeof value === 'string') return escape(value);
  if (typeof value === 'number' && !Number.isFinite(value)) return '\\N'; // JSON has no NaN or Infinity: null
  if (typeof value !== 'object') return escape(JSON.stringify(value));
  const text = JSON.stringify(value);
  return escape(text.startsWith('"') ? (JSON.parse(text) as string) : text);
}

/** Rows as COPY text, UTF-8: a line each, the fields in `columns` order. */
export function copyText(projection: Projection, rows: ProjectionRow[]): Buffer {
  const json = new Set(jsonColumns(projection.columns));
  const columns = columnNames(projection.columns).map((name) => ({ name, json: json.has(name) }));
  // Each field encoded straight into one buffer: concatenating a page into one string and encoding that cost more
  // than building it.
  let buffer = Buffer.allocUnsafe(1 << 20);
  let length = 0;
  const append = (text: string) => {
    const most = length + text.length * 3 + 1; // UTF-8 takes at most 3 bytes per UTF-16 unit
    if (most > buffer.length) {
      const grown = Buffer.allocUnsafe(Math.max(most, buffer.length * 2));
      buffer.copy(grown, 0, 0, length);
      buffer = grown;
    }
    length += buffer.write(text, length);
  };
  for (const row of rows) {
    for (let i = 0; i < columns.length; i++) {
      append(fieldText(row[columns[i].name], columns[i].json));
      buffer[length++] = i < columns.length - 1 ? TAB : NEWLINE; // append left room for one more byte
    }
  }
  return buffer.subarray(0, length);
}

/**
 * Rows streamed into tables with COPY on a connection of its own: PostgreSQL takes COPY text far more cheaply than
 * rows parsed out of a JSON parameter (a tenth of the server time in a rebuild). COPY only inserts, so the tables it
 * fills take no conflict rule: a rebuild copies into shadows without a key and removes superseded rows afterwards.
 */
export class ShadowCopy {
  private locked = false;

  private constructor(
    private readonly runner: QueryRunner,
    private readonly client: PoolClient,
  ) {}

  /** False on the embedded database, whose connections do not speak COPY FROM STDIN. */
  static supported(dataSource: DataSource): boolean {
    return !((dataSource.driver as PostgresDriver).master instanceof PGlitePool);
  }

  /** A connection of its own, held until `release`. */
  static async open(dataSource: DataSource): Promise<ShadowCopy> {
    const runner = dataSource.createQueryRunner();
    try {
      return new ShadowCopy(runner, (await runner.connect()) as PoolClient);
    } catch (err) {
      await runner.release();
      throw err;
    }
  }

  /** Appends the rows to `table` (columns as `projection.columns`), in one COPY. */
  async write(projection: Projection, table: string, rows: ProjectionRow[]): Promise<void> {
    if (!rows.length) return;
    const data = copyText(projection, rows);
    const stream = this.client.query(copyFrom(`COPY ${table} (${columnNames(projection.columns).join(', ')}) FROM STDIN`));
    await new Promise<void>((resolve, reject) => {
      stream.on('error', reject);
      stream.on('finish', resolve);
      stream.end(data);
    });
  }

  /** A statement on this connection, outside any transaction of the rebuild's: its rows as pg gives them. */
  async query<T>(sql: string, parameters: unknown[] = []): Promise<T[]> {
    return (await this.client.query(sql, parameters)).rows as T[];
  }

  /**
   * Waits for, then holds until `release`, the lock every instance's rebuild takes. A session lock: if this process
   * dies, PostgreSQL ends the session and the lock with it.
   */
  async lockRebuilds(): Promise<void> {
    await this.client.query('SELECT pg_advisory_lock($1)', [REBUILD_LOCK]);
    this.locked = true;
  }

  async release(): Promise<void> {
    let broken: Error | undefined;
    if (this.locked) {
      // The connection goes back to the pool, where a session lock would outlive the rebuild: unlocked first, or,
      // if that fails, the connection closed (PostgreSQL drops the lock with the session).
      await this.client.query('SELECT pg_advisory_unlock($1)', [REBUILD_LOCK]).catch((err: Error) => (broken = err));
      this.locked = false;
    }
    // TypeORM's PostgreSQL runner releases with an error (the pool then closes the connection) through this method;
    // its type marks it private.
    if (broken) await (this.runner as unknown as { releasePostgresConnection(err: Error): Promise<void> }).releasePostgresConnection(broken);
    else await this.runner.release();
  }
}
