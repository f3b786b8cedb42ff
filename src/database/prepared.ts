import { createHash } from 'node:crypto';
import { EntityManager, QueryFailedError } from 'typeorm';

/**
 * A query as a named (prepared) statement: PostgreSQL parses and plans it once per connection instead of on every
 * call. For the hot statements only (the append, the head read, the user lookup): measured on the append, the same
 * statement went from 0.52× to 0.92× the raw INSERT baseline (docs/benchmarks.md). Parameterised like any query.
 *
 * It runs on the manager's own connection (the transaction's, or a pooled one for a bare manager) through
 * `QueryRunner.connect()`, which hands out the driver's client; errors come back as TypeORM's QueryFailedError,
 * as from `manager.query`.
 */
export async function preparedQuery<T = Record<string, unknown>>(manager: EntityManager, text: string, values: unknown[]): Promise<T[]> {
  const runner = manager.queryRunner ?? manager.connection.createQueryRunner();
  const own = !manager.queryRunner;
  try {
    const client: { query(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: T[] }> } = await runner.connect();
    try {
      return (await client.query({ name: statementName(text), text, values })).rows;
    } catch (err) {
      throw new QueryFailedError(text, values, err as Error);
    }
  } finally {
    if (own) await runner.release();
  }
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
