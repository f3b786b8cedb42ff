import { Injectable, Logger, NotFoundException } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { EventStore } from '../event-store/event-store.service';
import { Projection } from './projection';
import { ProjectionRunner } from './projection-runner.service';

export interface RebuildJob {
  jobId: string;
  projection: string;
  status: 'running' | 'succeeded' | 'failed';
  eventsProcessed: number;
  eventsTotal: number;
  startedAt: string;
  finishedAt: string | null;
  /** md5 of the live table just before the swap, and of the rebuilt one: equal when replay matches the live path. */
  liveChecksum: string | null;
  rebuiltChecksum: string | null;
  identical: boolean | null;
  error: string | null;
}

/**
 * Blue/green rebuild: replay the log into a shadow copy of the table while the live one keeps answering, then,
 * under a short exclusive lock, catch the shadow up with what was appended meanwhile, compare checksums and copy
 * it over the live table in one transaction. Readers wait for that moment at most; they never see a half table.
 */
@Injectable()
export class ProjectionRebuilder {
  private readonly logger = new Logger(ProjectionRebuilder.name);
  private readonly jobs = new Map<string, RebuildJob>();

  constructor(
    private readonly store: EventStore,
    private readonly runner: ProjectionRunner,
  ) {}

  job(id: string): RebuildJob | undefined {
    return this.jobs.get(id);
  }

  /** Starts a rebuild in the background and returns its job at once. */
  start(name: string): RebuildJob {
    const projection = this.runner.get(name);
    if (!projection) throw new NotFoundException(`no projection named ${name}`);
    const running = [...this.jobs.values()].find((j) => j.projection === name && j.status === 'running');
    if (running) return running;
    const job = this.newJob(name);
    this.run(projection, job).catch(() => undefined);
    return job;
  }

  async rebuild(name: string, onProgress?: (job: RebuildJob) => void): Promise<RebuildJob> {
    const projection = this.runner.get(name);
    if (!projection) throw new Error(`no projection named ${name}; known: ${this.runner.projections.map((p) => p.name).join(', ')}`);
    const job = this.newJob(name);
    await this.run(projection, job, onProgress);
    return job;
  }

  private newJob(name: string): RebuildJob {
    const job: RebuildJob = {
      jobId: randomUUID(),
      projection: name,
      status: 'running',
      eventsProcessed: 0,
      eventsTotal: 0,
      startedAt: new Date().toISOString(),
      finishedAt: null,
      liveChecksum: null,
      rebuiltChecksum: null,
      identical: null,
      error: null,
    };
    this.jobs.set(job.jobId, job);
    return job;
  }

  private async run(projection: Projection, job: RebuildJob, onProgress?: (job: RebuildJob) => void): Promise<void> {
    const shadow = `${projection.table}_rebuild`;
    const checkpoint = `${projection.name}:rebuild`;
    try {
      const [{ total }] = await this.store.dataSource.query(`SELECT count(*) AS total FROM events`);
      job.eventsTotal = Number(total);
      await this.store.transaction(async (m) => {
        await m.query(`DROP TABLE IF EXISTS ${shadow}`);
        await m.query(`CREATE TABLE ${shadow} (LIKE ${projection.table} INCLUDING ALL)`);
        await m.query(
          `INSERT INTO projection_checkpoints (name, status) VALUES ($1, 'rebuilding')
           ON CONFLICT (name) DO UPDATE SET transaction_id = '0', position = 0, status = 'rebuilding', error = NULL, updated_at = now()`,
          [checkpoint],
        );
      });
      await this.runner.catchUp(projection, (n) => {
        job.eventsProcessed = n;
        onProgress?.(job);
      }, shadow, checkpoint);

      await this.store.transaction(async (m) => {
        // The live checkpoint first, then the table: the background catch-up takes them in that order too.
        await m.query(`SELECT 1 FROM projection_checkpoints WHERE name = $1 FOR UPDATE`, [projection.name]);
        await m.query(`LOCK TABLE ${projection.table} IN EXCLUSIVE MODE`);
        // What was appended while we replayed: committed events the shadow has not seen yet.
        job.eventsProcessed += await this.runner.catchUpWith(m, projection, shadow, checkpoint);
        job.liveChecksum = await this.checksum(m, projection.table, projection.key);
        job.rebuiltChecksum = await this.checksum(m, shadow, projection.key);
        job.identical = job.liveChecksum === job.rebuiltChecksum;
        await m.query(`DELETE FROM ${projection.table}`);
        await m.query(`INSERT INTO ${projection.table} SELECT * FROM ${shadow}`);
        await m.query(`DROP TABLE ${shadow}`);
        await m.query(
          `UPDATE projection_checkpoints SET (transaction_id, position, status, error, updated_at) =
             (SELECT transaction_id, position, 'running', NULL, now() FROM projection_checkpoints WHERE name = $2)
           WHERE name = $1`,
          [projection.name, checkpoint],
        );
        await m.query(`DELETE FROM projection_checkpoints WHERE name = $1`, [checkpoint]);
      });
      job.status = 'succeeded';
      if (!job.identical) this.logger.warn({ job }, 'rebuilt projection differs from the live one; the rebuilt one is now live');
    } catch (err) {
      job.status = 'failed';
      job.error = err instanceof Error ? err.message : String(err);
      this.logger.error({ job }, 'projection rebuild failed; the live table is unchanged');
      throw err;
    } finally {
      job.finishedAt = new Date().toISOString();
      onProgress?.(job);
    }
  }

  /** An order-stable digest of a table's rows. */
  async checksum(manager: EntityManager, table: string, key: string): Promise<string> {
    const [row] = await manager.query(`SELECT md5(COALESCE(string_agg(t::text, E'\\n' ORDER BY t.${key}), '')) AS sum FROM ${table} t`);
    return row.sum;
  }
}
