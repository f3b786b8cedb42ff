import type { DataSource } from 'typeorm';

/** The operator's deliberate bypass of the append-only log (README, "The log is append-only"), as a test tampers. */
export const ALLOW_LOG_REWRITE = `SET LOCAL masthead.allow_log_rewrite = 'on'`;

/** Runs one statement on the log as an operator would: in a transaction that says it means to rewrite history. */
export function rewriteLog(dataSource: DataSource, sql: string, params: unknown[] = []): Promise<unknown> {
  return dataSource.transaction(async (manager) => {
    await manager.query(ALLOW_LOG_REWRITE);
    return manager.query(sql, params);
  });
}
