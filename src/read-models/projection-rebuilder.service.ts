import { Injectable, Logger, NotFoundException } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { isArticleStream } from '../articles/domain/article-stream';
import { CheckpointStore } from '../event-store/checkpoint.store';
import { EventStore } from '../event-store/event-store.service';
import { GlobalPosition, START, StoredEvent } from '../event-store/event-store.types';
import { ChangeFolder } from './change-folder';
import { columnNames, jsonColumns, Projection, RowBatch } from './projection';
import { ProjectionRunner } from './projection-runner.service';
import { ShadowCopy } from './shadow-copy';

export interface RebuildJob {
  jobId: string;
  projection: string;
  status: 'running' | 'succeeded' | 'failed';
  eventsProcessed: number;
  eventsTotal: number;
  startedAt: string;
  finishedAt: string | null;
  /** Checksums of the live table just before the repair, and of the rebuilt one: equal when replay matches the live path. */
  liveChecksum: string | null;
  rebuiltChecksum: string | null;
  identical: boolean | null;
  error: string | null;
}

/** Events read per page of a rebuild; the next page is fetched while this one is folded and written. */
const PAGE = 2000;

/**
 * Rebuild by replay and repair: one pass over the log folds every event once and feeds every projection being
 * rebuilt, each touched row written once per page, into shadow tables (unlogged, primary key only; on PostgreSQL
 * filled by COPY and keyed after the pass) while the live
 * tables keep answering. Then, under a short exclusive lock on the live tables, the shadows catch up with what
 * was appended meanwhile and are compared with the live tables by checksum: where they agree the live table is not
 * touched; where they differ only the rows that differ are replaced (the live table, its indexes and triggers stay).
 */
@Injectable()
export class ProjectionRebuilder {
  private readonly logger = new Logger(ProjectionRebuilder.name);
  private readonly jobs = new Map<string, RebuildJob>();
  /** Rebuilds in this process run one after another: they share the shadow tables' names. */
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: EventStore,
    private readonly checkpoints: CheckpointStore,
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
    this.run([projection], [job]).catch(() => undefined);
    return job;
  }

  async rebuild(name: string, onProgress?: (job: RebuildJob) => void): Promise<RebuildJob> {
    const projection = this.runner.get(name);
    if (!projection) throw new Error(`no projection named ${name}; known: ${this.runner.projections.map((p) => p.name).join(', ')}`);
    const job = this.newJob(name);
    await this.run([projection], [job], onProgress && (() => onProgress(job)));
    return job;
  }

  /** Every projection in one pass over the log; one job each. */
  async rebuildAll(onProgress?: (jobs: RebuildJob[]) => void): Promise<RebuildJob[]> {
    const projections = this.runner.projections;
    const jobs = projections.map((p) => this.newJob(p.name));
    await this.run(projections, jobs, onProgress && (() => onProgress(jobs)));
    return jobs;
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

  private run(projections: Projection[], jobs: RebuildJob[], onProgress?: () => void): Promise<void> {
    const done = this.queue.then(() => this.replay(projections, jobs, onProgress));
    this.queue = done.catch(() => undefined);
    return done;
  }

  private async replay(projections: Projection[], jobs: RebuildJob[], onProgress?: () => void): Promise<void> {
    const shadow = (p: Projection) => `${p.table}_rebuild`;
    const folder = new ChangeFolder(this.store, 1_000_000);
    const progress = (n: number) => {
      for (const job of jobs) job.eventsProcessed += n;
      onProgress?.();
    };
    // Live tables in the order an append writes them, so an append and this rebuild never wait on each other crosswise.
    const ordered = this.runner.projections.filter((p) => projections.includes(p));
    // On PostgreSQL one connection of its own for the whole rebuild: it holds the rebuild lock, so that rebuilds
    // started by several instances take turns (their shadow tables share names), and it carries the COPY.
    const copied = ShadowCopy.supported(this.store.dataSource);
    const copy = copied ? await ShadowCopy.open(this.store.dataSource) : null;
    try {
      await copy?.lockRebuilds();
      const total = await this.store.count(this.store.dataSource.manager);
      for (const job of jobs) job.eventsTotal = total;
      // On PostgreSQL the pass appends with COPY into shadows without a key, and the key comes after; on the
      // embedded database (no COPY FROM STDIN) it upserts into keyed shadows.
      await this.store.transaction(async (m) => {
        for (const p of ordered) {
          await m.query(`DROP TABLE IF EXISTS ${shadow(p)}`);
          await m.query(`CREATE UNLOGGED TABLE ${shadow(p)} (LIKE ${p.table} INCLUDING DEFAULTS)`);
          // Documents stored uncompressed: a shadow lives minutes, and compressing them was a third of the copy.
          const documents = jsonColumns(p.columns);
          if (documents.length) await m.query(`ALTER TABLE ${shadow(p)} ${documents.map((c) => `ALTER COLUMN ${c} SET STORAGE EXTERNAL`).join(', ')}`);
          if (!copied) await m.query(`ALTER TABLE ${shadow(p)} ADD PRIMARY KEY (${p.key})`);
        }
      });

      // The pass: pages read ahead while the current one is folded and written.
      const manager = this.store.dataSource.manager;
      let after: GlobalPosition = START;
      let writing: Promise<void> = Promise.resolve();
      try {
        let next = this.store.readAll(manager, after, PAGE);
        for (;;) {
          const events = await next;
          if (!events.length) break;
          const last = events[events.length - 1];
          after = { transactionId: last.transactionId, position: last.position };
          next = this.store.readAll(manager, after, PAGE);
          next.catch(() => undefined); // awaited on the next turn; a failure here must not go unhandled meanwhile
          const batches = await this.fold(manager, folder, ordered, events);
          // The previous page's writes ran while this one was folded; one page in flight at a time. Order between
          // pages does not matter: upserts only move a row forward, inserts of entries ignore duplicates, and
          // copied rows are sorted out by `supersedes` below.
          await writing;
          writing = (
            copy
              ? batches.reduce((done, b) => done.then(() => copy.write(b.projection, shadow(b.projection), b.take())), Promise.resolve())
              : Promise.all(batches.map((b) => b.write(manager, shadow(b.projection))))
          ).then(() => progress(events.length));
          writing.catch(() => undefined);
        }
        await writing;
      } finally {
        await writing.catch(() => undefined);
      }
      if (copied) {
        for (const p of ordered) {
          // Of each key, the row the conflict rule would have left; a key copied twice that no rule sorts out
          // fails the primary key below, and the rebuild with it.
          if (p.supersedes) await manager.query(`DELETE FROM ${shadow(p)} o USING ${shadow(p)} n WHERE n.${p.key} = o.${p.key} AND ${p.supersedes}`);
          await manager.query(`ALTER TABLE ${shadow(p)} ADD PRIMARY KEY (${p.key})`);
        }
      }

      await this.store.transaction(async (m) => {
        // The live checkpoints first, then the tables: the background catch-up takes them in that order too.
        await this.checkpoints.lock(m, ordered.map((p) => p.name));
        for (const p of ordered) await m.query(`LOCK TABLE ${p.table} IN EXCLUSIVE MODE`);
        // The live tables cannot change until this transaction ends: taking the lock waited for every writer, and
        // none can start. So on PostgreSQL the rebuild's own connection sums them now, each statement's snapshot
        // (taken after the lock) seeing what this transaction sees, while this one catches up and sums the shadows.
        // On the embedded database (one connection) they are summed here, one after the other.
        const live = copy ? this.liveChecksums(copy, ordered) : null;
        live?.catch(() => undefined); // awaited below; a failure of the catch-up first must not leave it unhandled
        try {
          // What was appended while we replayed: committed events the shadows have not seen yet.
          for (;;) {
            const events = await this.store.readAll(m, after, PAGE);
            if (!events.length) break;
            const last = events[events.length - 1];
            after = { transactionId: last.transactionId, position: last.position };
            for (const batch of await this.fold(m, folder, ordered, events)) await batch.write(m, shadow(batch.projection));
            progress(events.length);
          }
          for (const p of ordered) jobs[projections.indexOf(p)].rebuiltChecksum = await this.checksum(m, shadow(p), p.key);
        } finally {
          await live?.catch(() => undefined); // the connection is released only once its statements are done
        }
        const sums = live ? await live : null;
        for (const [i, p] of ordered.entries()) {
          const job = jobs[projections.indexOf(p)];
          job.liveChecksum = sums ? sums[i] : await this.checksum(m, p.table, p.key);
          job.identical = job.liveChecksum === job.rebuiltChecksum;
          if (!job.identical) await this.repair(m, p, shadow(p));
          await m.query(`DROP TABLE ${shadow(p)}`);
          await this.checkpoints.reset(m, p.name, after);
        }
      });
      for (const job of jobs) {
        job.status = 'succeeded';
        if (!job.identical) this.logger.warn({ job }, 'rebuilt projection differs from the live one; the rows that differ were replaced');
      }
    } catch (err) {
      for (const job of jobs) {
        job.status = 'failed';
        job.error = err instanceof Error ? err.message : String(err);
      }
      this.logger.error({ jobs }, 'projection rebuild failed; the live tables are unchanged');
      for (const p of ordered) await this.store.dataSource.query(`DROP TABLE IF EXISTS ${shadow(p)}`).catch(() => undefined);
      throw err;
    } finally {
      await copy?.release();
      for (const job of jobs) job.finishedAt = new Date().toISOString();
      onProgress?.();
    }
  }

  /** One page of events folded for every projection: each event evolved once, each touched row kept once. */
  private async fold(manager: EntityManager, folder: ChangeFolder, projections: Projection[], events: StoredEvent[]): Promise<RowBatch[]> {
    const batches = projections.map((p) => new RowBatch(p));
    for (const event of events) {
      if (!isArticleStream(event.streamId)) {
        for (const batch of batches) batch.add(batch.projection.rowOther?.(event) ?? null);
        continue;
      }
      const change = await folder.change(manager, event);
      for (const batch of batches) batch.add(batch.projection.row(change));
    }
    return batches;
  }

  /** Makes the live table equal to the shadow by replacing only the rows that differ. */
  private async repair(manager: EntityManager, p: Projection, shadow: string): Promise<void> {
    const names = columnNames(p.columns);
    await manager.query(`DELETE FROM ${p.table} l WHERE NOT EXISTS (SELECT 1 FROM ${shadow} s WHERE s.${p.key} = l.${p.key})`);
    await manager.query(
      `INSERT INTO ${p.table} SELECT s.* FROM ${shadow} s LEFT JOIN ${p.table} l ON l.${p.key} = s.${p.key}
        WHERE l.${p.key} IS NULL OR l::text <> s::text
       ON CONFLICT (${p.key}) DO UPDATE SET ${names.filter((n) => n !== p.key).map((n) => `${n} = EXCLUDED.${n}`).join(', ')}`,
    );
  }

  /**
   * An order-stable digest of a table's rows: each row hashed by its column types' own hash functions (no text
   * rendering of jsonb, which costs more than the rebuild's reads), the hashes joined in key order, then md5.
   */
  async checksum(manager: EntityManager, table: string, key: string): Promise<string> {
    const [row] = await manager.query(checksumSql(table, key));
    return row.sum;
  }

  /** The live tables' checksums, one after another on the rebuild's own connection. */
  private async liveChecksums(copy: ShadowCopy, projections: Projection[]): Promise<string[]> {
    const sums: string[] = [];
    for (const p of projections) {
      const [row] = await copy.query<{ sum: string }>(checksumSql(p.table, p.key));
      sums.push(row.sum);
    }
    return sums;
  }
}

function checksumSql(table: string, key: string): string {
  return `SELECT md5(COALESCE(string_agg(hash_record_extended(t, 0)::text, ',' ORDER BY t.${key}), '')) AS sum FROM ${table} t`;
}
