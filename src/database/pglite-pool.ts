import { EventEmitter } from 'node:events';
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import { PRIVATE_FILE } from './private-files';

/**
 * A pg-compatible Pool over one PGlite instance for TypeORM's postgres driver.
 *
 * PGlite has a single session. A connection takes a mutex held until release(), so a transaction has the
 * database to itself (sharing the session, as typeorm-pglite does, lets one transaction's COMMIT commit
 * another's rows). Release rolls back anything left open. Inside a transaction, use only its EntityManager:
 * a query on a second connection waits for the first forever.
 */

type QueryResult = { rows: unknown[]; rowCount: number; command: string; fields: unknown[] };

class PGliteConnection extends EventEmitter {
  constructor(private readonly db: PGlite) {
    super();
  }

  async query(query: string | { text: string; values?: unknown[] }, values?: unknown[]): Promise<QueryResult> {
    // pg's config form ({ name, text, values }, a prepared statement): PGlite runs in process, so the name adds nothing.
    const [text, params] = typeof query === 'string' ? [query, values] : [query.text, query.values];
    if (params && params.length > 0) {
      const r = await this.db.query(text, params);
      return { rows: r.rows, rowCount: r.rowCount ?? r.affectedRows ?? r.rows.length, command: r.command ?? '', fields: r.fields };
    }
    // Without parameters, allow several statements (migrations); answer with the last one, as pg does.
    const results = await this.db.exec(text);
    const r = results[results.length - 1] ?? { rows: [], fields: [] };
    return { rows: r.rows, rowCount: r.rowCount ?? r.affectedRows ?? r.rows.length, command: r.command ?? '', fields: r.fields };
  }
}

export class PGlitePool extends EventEmitter {
  private queue: Promise<void> = Promise.resolve();
  private ended = false;

  /** `db` settles when PGlite has started (or failed to): the pool may be created while it is still starting. */
  constructor(
    private readonly db: Promise<PGlite>,
    private readonly onEnd: () => Promise<void>,
  ) {
    super();
  }

  connect(callback?: (err: Error | undefined, client?: PGliteConnection, release?: (err?: unknown) => void) => void) {
    const acquired = this.acquire();
    if (!callback) return acquired;
    acquired.then(
      ({ client, release }) => callback(undefined, client, release),
      (err: Error) => callback(err),
    );
    return undefined;
  }

  private async acquire(): Promise<{ db: PGlite; client: PGliteConnection; release: (err?: unknown) => void }> {
    if (this.ended) throw new Error('the embedded database is closed');
    let unlock!: () => void;
    const previous = this.queue;
    this.queue = new Promise<void>((resolve) => (unlock = resolve));
    await previous;
    let db: PGlite;
    try {
      db = await this.db;
    } catch (err) {
      unlock();
      throw err;
    }
    const client = new PGliteConnection(db);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      // A connection handed back mid-transaction must not leak its open transaction to the next holder.
      db
        .query('ROLLBACK')
        .catch(() => undefined)
        .finally(unlock);
    };
    return { db, client, release };
  }

  /** A one-off query on its own connection (pg.Pool#query). */
  async query(query: string | { text: string; values?: unknown[] }, values?: unknown[]): Promise<QueryResult> {
    const { client, release } = await this.acquire();
    try {
      return await client.query(query, values);
    } finally {
      release();
    }
  }

  /**
   * LISTEN on the embedded database: PGlite delivers notifications only through its instance's listen(). Taken under
   * the mutex so the LISTEN does not land inside (and roll back with) another holder's open transaction.
   */
  async listen(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>> {
    const { db, release } = await this.acquire();
    let unlisten: () => Promise<void>;
    try {
      unlisten = await db.listen(channel, onNotify);
    } finally {
      release();
    }
    return async () => {
      if (this.ended) return;
      const held = await this.acquire();
      try {
        await unlisten();
      } finally {
        held.release();
      }
    };
  }

  end(callback?: (err?: Error) => void): Promise<void> {
    const done = (async () => {
      if (this.ended) return;
      await this.queue;
      this.ended = true;
      await this.onEnd();
    })();
    if (callback) done.then(() => callback(), (err: Error) => callback(err));
    return done;
  }
}

/** Refuse a second process on the same data directory: PGlite would let both write, and lose one's writes. */
export function lockDataDirectory(dir: string): () => void {
  const lockFile = join(dir, 'masthead.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lockFile, 'wx', PRIVATE_FILE);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(lockFile, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number(readFileSync(lockFile, 'utf8').trim());
      if (pid && pid !== process.pid && isAlive(pid)) {
        throw new Error(
          `The embedded database in ${dir} is in use by process ${pid}. Stop that process, or set NEWSROOM_DATA_DIR to another directory (or DATABASE_URL to use PostgreSQL).`,
        );
      }
      // A stale lock from a process that died (or from this very process): take it over.
      rmSync(lockFile, { force: true });
    }
  }
  throw new Error(`Could not lock ${lockFile}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
