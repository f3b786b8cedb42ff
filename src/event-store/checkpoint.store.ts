import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { GlobalPosition } from './event-store.types';

/** A reader's place in the log, as `GET /admin/projections` shows it. */
export interface CheckpointStatus {
  name: string;
  position: number;
  transactionId: string;
  /** Events in the log after the checkpoint. */
  lagEvents: number;
  status: string;
  error: string | null;
}

/**
 * Where each background reader of the log (a projection's catch-up, the notary) has got to: the projection_checkpoints
 * table. A reader takes its row FOR UPDATE SKIP LOCKED, reads on from it and moves it in the same transaction as its
 * own writes, so one instance at a time reads for it and nothing is applied twice.
 */
@Injectable()
export class CheckpointStore {
  constructor(private readonly dataSource: DataSource) {}

  async ensure(names: string[]): Promise<void> {
    for (const name of names) {
      await this.dataSource.query(`INSERT INTO projection_checkpoints (name) VALUES ($1) ON CONFLICT (name) DO NOTHING`, [name]);
    }
  }

  /** The reader's position, its row locked until the transaction ends; null when another instance holds it now. */
  async claim(manager: EntityManager, name: string): Promise<GlobalPosition | null> {
    const [row] = await manager.query(`SELECT transaction_id, position FROM projection_checkpoints WHERE name = $1 FOR UPDATE SKIP LOCKED`, [name]);
    return row ? { transactionId: String(row.transaction_id), position: Number(row.position) } : null;
  }

  /** Waits for and locks these readers' rows, in name order (the order every reader takes them in). */
  async lock(manager: EntityManager, names: string[]): Promise<void> {
    await manager.query(`SELECT 1 FROM projection_checkpoints WHERE name = ANY($1) ORDER BY name FOR UPDATE`, [names]);
  }

  /** Moves a claimed reader on to `to`; `running` again if it had failed. */
  async advance(manager: EntityManager, name: string, to: GlobalPosition): Promise<void> {
    await manager.query(
      `UPDATE projection_checkpoints SET transaction_id = $2::xid8, position = $3, status = 'running', error = NULL, updated_at = now()
        WHERE name = $1`,
      [name, to.transactionId, to.position],
    );
  }

  /** Sets a reader's position, creating its row if need be (a rebuilt projection starts from where its rebuild ended). */
  async reset(manager: EntityManager, name: string, to: GlobalPosition): Promise<void> {
    await manager.query(
      `INSERT INTO projection_checkpoints (name, transaction_id, position, status, error, updated_at)
       VALUES ($1, $2::xid8, $3, 'running', NULL, now())
       ON CONFLICT (name) DO UPDATE SET transaction_id = EXCLUDED.transaction_id, position = EXCLUDED.position,
         status = 'running', error = NULL, updated_at = now()`,
      [name, to.transactionId, to.position],
    );
  }

  /** Records that a reader stopped at a failing event (it is retried from its checkpoint, never skipped). */
  async fail(name: string, error: string): Promise<void> {
    await this.dataSource.query(`UPDATE projection_checkpoints SET status = 'failed', error = $2, updated_at = now() WHERE name = $1`, [name, error]);
  }

  async status(): Promise<CheckpointStatus[]> {
    const rows: { name: string; transaction_id: string; position: string; status: string; error: string | null; lag: string }[] = await this.dataSource.query(
      `SELECT c.name, c.transaction_id, c.position, c.status, c.error,
              (SELECT count(*) FROM events e WHERE (e.transaction_id, e.position) > (c.transaction_id, c.position)) AS lag
         FROM projection_checkpoints c ORDER BY c.name`,
    );
    return rows.map((r) => ({
      name: r.name,
      position: Number(r.position),
      transactionId: String(r.transaction_id),
      lagEvents: Number(r.lag),
      status: r.status,
      error: r.error,
    }));
  }
}
