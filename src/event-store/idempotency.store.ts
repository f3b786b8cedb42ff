import { Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { preparedQuery } from '../database/prepared';
import { DataSource, EntityManager } from 'typeorm';

/** The same Idempotency-Key sent with a different request. */
export class IdempotencyKeyReused extends Error {
  readonly code = 'IDEMPOTENCY_KEY_REUSED';

  constructor(readonly key: string) {
    super(`Idempotency-Key ${key} was already used for a different request`);
  }
}

/** How long a key is remembered: at least 24 hours, as the API promises. */
export const IDEMPOTENCY_WINDOW_MS = Number(process.env.NEWSROOM_IDEMPOTENCY_WINDOW_MS || 24 * 3600 * 1000);

/**
 * Idempotency keys live in the command's transaction, next to its events: the key, a fingerprint of the
 * request and the answer commit together or not at all. A concurrent duplicate blocks on the primary key until
 * the first commits, then gets the stored answer; if the first rolled back, the duplicate runs the command.
 */
@Injectable()
export class IdempotencyStore implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer?: NodeJS.Timeout;

  constructor(private readonly dataSource: DataSource) {}

  /** Keys past the window are forgotten lazily on reuse, and swept every ten minutes. */
  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      this.expire(this.dataSource.manager, new Date().toISOString()).catch(() => undefined);
    }, 600_000);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Claims the key for this request, or returns the stored answer of the earlier one. */
  async claim(manager: EntityManager, userId: string, { key, fingerprint }: { key: string; fingerprint: string }, now: string): Promise<unknown | null> {
    const expiredBefore = new Date(Date.parse(now) - IDEMPOTENCY_WINDOW_MS).toISOString();
    // A new key is inserted; a key past the window is taken over as if new (one statement, one round trip).
    const claimed = await preparedQuery(
      manager,
      `INSERT INTO idempotency_keys AS k (user_id, key, fingerprint, created_at) VALUES ($1, $2, $3, $4::timestamptz)
       ON CONFLICT (user_id, key) DO UPDATE
         SET fingerprint = EXCLUDED.fingerprint, created_at = EXCLUDED.created_at, status = NULL, response = NULL
       WHERE k.created_at < $5::timestamptz
       RETURNING key`,
      [userId, key, fingerprint, now, expiredBefore],
    );
    if (claimed.length) return null;
    const [earlier] = await manager.query(`SELECT fingerprint, response FROM idempotency_keys WHERE user_id = $1 AND key = $2`, [
      userId,
      key,
    ]);
    if (!earlier || earlier.fingerprint !== fingerprint) throw new IdempotencyKeyReused(key);
    return earlier.response;
  }

  async complete(manager: EntityManager, userId: string, key: string, response: unknown): Promise<void> {
    await preparedQuery(manager, `UPDATE idempotency_keys SET status = 200, response = $3::jsonb WHERE user_id = $1 AND key = $2`, [
      userId,
      key,
      JSON.stringify(response),
    ]);
  }

  /** Forgets keys older than the window. */
  async expire(manager: EntityManager, now: string): Promise<number> {
    const deleted = await manager.query(`DELETE FROM idempotency_keys WHERE created_at < $1::timestamptz RETURNING key`, [
      new Date(Date.parse(now) - IDEMPOTENCY_WINDOW_MS).toISOString(),
    ]);
    return (Array.isArray(deleted[0]) ? deleted[0] : deleted).length;
  }
}
