import { createHash } from 'node:crypto';
import { EntityManager, QueryFailedError } from 'typeorm';

/**
 * A query as a named (prepared) statement: PostgreSQL parses and plans it once per connection instead of on every
 * call. For the hot statements only (the append, the head read, the user lookup): measured on the append, the same
 * statement went from 0.52× to 0.92× the raw INSERT baseline (docs/benchmarks.md). Parameterised like any query.
 *
 * It runs on the manager's own connection (the transaction's, through `QueryRunner.connect()`, which hands out the
 * driver's client), or for a bare manager on the driver's pool; errors come back as TypeORM's QueryFailedError, as
 * from `manager.query`.
 */
export async function preparedQuery<T = Record<string, unknown>>(manager: EntityManager, text: string, values: unknown[]): Promise<T[]> {
  const config = { name: statementName(text), text, values };
  try {
    if (manager.queryRunner) return (await ((await manager.queryRunner.connect()) as Queryable<T>).query(config)).rows;
    // A bare manager: straight to the driver's pool (pg.Pool, or the embedded one), as TypeORM's query would go.
    return (await (manager.connection.driver as unknown as { master: Queryable<T> }).master.query(config)).rows;
  } catch (err) {
    throw err instanceof QueryFailedError ? err : new QueryFailedError(text, values, err as Error);
  }
}

interface Queryable<T> {
  query(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: T[] }>;
}

const names = new Map<string, string>();

/** A name per statement text: pg refuses one name for two texts on a connection, so the name is the text's digest. */
function statementName(text: string): string {
  let name = names.get(text);
  if (!name) {
    name = `masthead_${createHash('sha1').update(text).digest('hex').slice(0, 16)}`;
    names.set(text, name);
  }
  return name;
}
