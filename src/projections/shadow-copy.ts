import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { DataSource, QueryRunner } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver.js';
import { PGlitePool } from '../database/pglite-pool';
import { columnNames, Projection, ProjectionRow } from './projection';

/** COPY text format's escapes: a backslash, and the characters that end a field or a line. */
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };
const SPECIAL = /[\\\n\r\t]/g;

const escape = (text: string): string => text.replace(SPECIAL, (c) => ESCAPES[c]);

/**
 * The text a column takes from a row value, as json_to_recordset gives it from the value's JSON (the path the live
 * writes take, so both end in the same row): jsonb columns the JSON text; others a string as is, a number or boolean
 * in its JSON form, an object its JSON text, unless it renders as a JSON string (a Date), then that string.
 */
function fieldText(value: unknown, json: boolean): string {
  if (value === null || value === undefined) return '\\N';
  if (json) return escape(JSON.stringify(value));
  if (typeof value === 'string') return escape(value);
  if (typeof value !== 'object') return escape(JSON.stringify(value));
  const text = JSON.stringify(value);
  return escape(text.startsWith('"') ? (JSON.parse(text) as string) : text);
}

/** Rows as COPY text: a line each, the fields in `columns` order. */
export function copyText(projection: Projection, rows: ProjectionRow[]): string {
  const columns = projection.columns.split(',').map((c) => {
    const [name, type] = c.trim().split(/\s+/);
    return { name, json: type === 'jsonb' || type === 'json' };
  });
  let text = '';
  for (const row of rows) {
    text += columns.map((c) => fieldText(row[c.name], c.json)).join('\t');
    text += '\n';
  }
  return text;
}

/**
 * Rows streamed into tables with COPY on a connection of its own: PostgreSQL takes COPY text far more cheaply than
 * rows parsed out of a JSON parameter (a tenth of the server time in a rebuild). COPY only inserts, so the tables it
 * fills take no conflict rule: a rebuild copies into shadows without a key and removes superseded rows afterwards.
 */
export class ShadowCopy {
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
    const text = copyText(projection, rows);
    const stream = this.client.query(copyFrom(`COPY ${table} (${columnNames(projection.columns).join(', ')}) FROM STDIN`));
    await new Promise<void>((resolve, reject) => {
      stream.on('error', reject);
      stream.on('finish', resolve);
      stream.end(text);
    });
  }

  release(): Promise<void> {
    return this.runner.release();
  }
}
