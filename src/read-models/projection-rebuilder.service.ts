import { Injectable, Logger, NotFoundException } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { isArticleStream } from '../articles/domain/article-stream';
import { Clock } from '../common/clock';
import { CheckpointStore } from '../event-store/checkpoint.store';
import { EventStore } from '../event-store/event-store.service';
import { GlobalPosition, START, StoredEvent } from '../event-store/event-store.types';
import { ChangeFolder } from './change-folder';
import { columnNames, jsonColumns, Projection, RowBatch } from './projection';
import { ProjectionRunner } from './projection-runner.service';
import { RebuildJob, RebuildJobs } from './rebuild-jobs';
import { ShadowCopy } from './shadow-copy';

/** Events read per page of a rebuild; the next page is fetched while this one is folded and written. */
const PAGE = 2000;

const shadowOf = (p: Projection) => `${p.table}_rebuild`;

/** One rebuild under way: what it rebuilds, its jobs, and where in the log it has got to. */
interface Rebuild {
  /** In the order an append writes the live tables, so an append and a rebuild never wait on each other crosswise. */
  projections: Projection[];
  /** The job of each projection. */
  jobOf: Map<Projection, RebuildJob>;
  folder: ChangeFolder;
  /** On PostgreSQL, the rebuild's own connection (COPY, the rebuild lock); null on the embedded database. */
  copy: ShadowCopy | null;
  after: GlobalPosition;
  progress(events: number): void;
}

/**
 * Rebuild by replay and repair, in named steps: `createShadows` (unlogged copies of the live tables), `fillShadows`
 * (one pass over the log folds every event once and feeds every projection being rebuilt, each touched row written
 * once per page; on PostgreSQL by COPY, keyed after the pass), then in one short transaction holding the live tables
 * (exclusive lock): `catchUp` (what was appended meanwhile), `checksums` (rebuilt and live), `repair` (where they
 * differ, only the rows that differ are replaced: the live table, its indexes and triggers stay) and the checkpoints
 * moved to where the rebuild ended. The live tables keep answering until that last transaction.
 */
@Injectable()
export class ProjectionRebuilder {
  private readonly logger = new Logger(ProjectionRebuilder.name);
  private readonly jobs: RebuildJobs;

  constructor(
    private readonly store: EventStore,
    private readonly checkpoints: CheckpointStore,
    private readonly runner: ProjectionRunner,
    clock: Clock,
  ) {
    this.jobs = new RebuildJobs(clock);
  }

  job(id: string): RebuildJob | undefined {
    return this.jobs.get(id);
  }

  /** Starts a rebuild in the background and returns its job at once. */
  start(name: string): RebuildJob {
    const projection = this.runner.get(name);
    if (!projection) throw new NotFoundException(`no projection named ${name}`);
    const running = this.jobs.running(name);
    if (running) return running;
    const job = this.jobs.create(name);
    this.run([projection], [job]).catch(() => undefined);
    return job;
  }

  async rebuild(name: string, onProgress?: (job: RebuildJob) => void): Promise<RebuildJob> {
    const projection = this.runner.get(name);
    if (!projection) throw new Error(`no projection named ${name}; known: ${this.runner.projections.map((p) => p.name).join(', ')}`);
    const job = this.jobs.create(name);
    await this.run([projection], [job], onProgress && (() => onProgress(job)));
    return job;
  }

  /** Every projection in one pass over the log; one job each. */
  async rebuildAll(onProgress?: (jobs: RebuildJob[]) => void): Promise<RebuildJob[]> {
    const projections = this.runner.projections;
    const jobs = projections.map((p) => this.jobs.create(p.name));
    await this.run(projections, jobs, onProgress && (() => onProgress(jobs)));
    return jobs;
  }

  private run(projections: Projection[], jobs: RebuildJob[], onProgress?: () => void): Promise<void> {
    const ordered = this.runner.projections.filter((p) => projections.includes(p));
    const jobOf = new Map(projections.map((p, i) => [p, jobs[i]]));
    return this.jobs.run(jobs, () => this.replay(ordered, jobOf, onProgress), onProgress);
  }

  private async replay(projections: Projection[], jobOf: Map<Projection, RebuildJob>, onProgress?: () => void): Promise<void> {
    const jobs = [...jobOf.values()];
    // On PostgreSQL one connection of its own for the whole rebuild: it holds the rebuild lock, so that rebuilds
    // started by several instances take turns (their shadow tables share names), and it carries the COPY.
    const copy = ShadowCopy.supported(this.store.dataSource) ? await ShadowCopy.open(this.store.dataSource) : null;
    const rebuild: Rebuild = {
      projections,
      jobOf,
      folder: new ChangeFolder(this.store, 1_000_000),
      copy,
      after: START,
      progress: (n) => {
        for (const job of jobs) job.eventsProcessed += n;
        onProgress?.();
      },
    };
    try {
      await copy?.lockRebuilds();
      const total = await this.store.count(this.store.dataSource.manager);
      for (const job of jobs) job.eventsTotal = total;
      await this.createShadows(rebuild);
      await this.fillShadows(rebuild);
      await this.store.transaction(async (m) => {
        // The live checkpoints first, then the tables: the background catch-up takes them in that order too.
        await this.checkpoints.lock(m, projections.map((p) => p.name));
        for (const p of projections) await m.query(`LOCK TABLE ${p.table} IN EXCLUSIVE MODE`);
        // A read model written after the commit may be a few events behind: brought to the log's end first, so that
        // both sides of the comparison hold the same events.
        for (const p of projections) if (p.afterCommit) await this.runner.catchUpWith(m, p, p.table, p.name);
        await this.catchUpAndCompare(m, rebuild);
        for (const p of projections) {
          if (!jobOf.get(p)!.identical) await this.repair(m, p);
          await m.query(`DROP TABLE ${shadowOf(p)}`);
          await this.checkpoints.reset(m, p.name, rebuild.after);
        }
      });
      for (const job of jobs) if (!job.identical) this.logger.warn({ job }, 'rebuilt projection differs from the live one; the rows that differ were replaced');
    } catch (err) {
      this.logger.error({ jobs, err: err instanceof Error ? err.message : String(err) }, 'projection rebuild failed; the live tables are unchanged');
      for (const p of projections) await this.store.dataSource.query(`DROP TABLE IF EXISTS ${shadowOf(p)}`).catch(() => undefined);
      throw err;
    } finally {
      await copy?.release();
    }
  }

  /**
   * Step 1: an unlogged shadow of each live table. On PostgreSQL the pass appends with COPY into shadows without a key,
   * and the key comes after; on the embedded database (no COPY FROM STDIN) it upserts into keyed shadows.
   */
  private async createShadows({ projections, copy }: Rebuild): Promise<void> {
    await this.store.transaction(async (m) => {
      for (const p of projections) {
        await m.query(`DROP TABLE IF EXISTS ${shadowOf(p)}`);
        await m.query(`CREATE UNLOGGED TABLE ${shadowOf(p)} (LIKE ${p.table} INCLUDING DEFAULTS)`);
        // Documents stored uncompressed: a shadow lives minutes, and compressing them was a third of the copy.
        const documents = jsonColumns(p.columns);
        if (documents.length) await m.query(`ALTER TABLE ${shadowOf(p)} ${documents.map((c) => `ALTER COLUMN ${c} SET STORAGE EXTERNAL`).join(', ')}`);
        if (!copy) await m.query(`ALTER TABLE ${shadowOf(p)} ADD PRIMARY KEY (${p.key})`);
      }
    });
  }

  /** Step 2, the shadow fill: one pass over the log, pages read ahead while the current one is folded and written. */
  private async fillShadows(rebuild: Rebuild): Promise<void> {
    const { projections, folder, copy } = rebuild;
    const manager = this.store.dataSource.manager;
    let writing: Promise<void> = Promise.resolve();
    try {
      let next = this.store.readAll(manager, rebuild.after, PAGE);
      for (;;) {
        const events = await next;
        if (!events.length) break;
        const last = events[events.length - 1];
        rebuild.after = { transactionId: last.transactionId, position: last.position };
        next = this.store.readAll(manager, rebuild.after, PAGE);
        next.catch(() => undefined); // awaited on the next turn; a failure here must not go unhandled meanwhile
        const batches = await this.fold(manager, folder, projections, events);
        // The previous page's writes ran while this one was folded; one page in flight at a time. Order between
        // pages does not matter: upserts only move a row forward, inserts of entries ignore duplicates, and
        // copied rows are sorted out by `supersedes` below.
        await writing;
        writing = (
          copy
            ? batches.reduce((done, b) => done.then(() => copy.write(b.projection, shadowOf(b.projection), b.take())), Promise.resolve())
            : Promise.all(batches.map((b) => b.write(manager, shadowOf(b.projection)))).then(() => undefined)
        ).then(() => rebuild.progress(events.length));
        writing.catch(() => undefined);
      }
      await writing;
    } finally {
      await writing.catch(() => undefined);
    }
    if (!copy) return;
    for (const p of projections) {
      // Of each key, the row the conflict rule would have left; a key copied twice that no rule sorts out
      // fails the primary key below, and the rebuild with it.
      if (p.supersedes) await manager.query(`DELETE FROM ${shadowOf(p)} o USING ${shadowOf(p)} n WHERE n.${p.key} = o.${p.key} AND ${p.supersedes}`);
      await manager.query(`ALTER TABLE ${shadowOf(p)} ADD PRIMARY KEY (${p.key})`);
    }
  }

  /**
   * Steps 3 and 4, under the lock: the catch-up (committed events the shadows have not seen yet) and the checksums of
   * the rebuilt and the live tables. The live tables cannot change until this transaction ends: taking the lock
   * waited for every writer, and none can start. So on PostgreSQL the rebuild's own connection sums them now, each
   * statement's snapshot (taken after the lock) seeing what this transaction sees, while this one catches up and sums
   * the shadows. On the embedded database (one connection) they are summed here, one after the other; so are the
   * tables written after the commit, which this transaction has just caught up (the other connection cannot see that).
   */
  private async catchUpAndCompare(m: EntityManager, rebuild: Rebuild): Promise<void> {
    const { projections, jobOf, folder, copy } = rebuild;
    const live = copy ? this.liveChecksums(copy, projections.filter((p) => !p.afterCommit)) : null;
    live?.catch(() => undefined); // awaited below; a failure of the catch-up first must not leave it unhandled
    try {
      for (;;) {
        const events = await this.store.readAll(m, rebuild.after, PAGE);
        if (!events.length) break;
        const last = events[events.length - 1];
        rebuild.after = { transactionId: last.transactionId, position: last.position };
        for (const batch of await this.fold(m, folder, projections, events)) await batch.write(m, shadowOf(batch.projection));
        rebuild.progress(events.length);
      }
      for (const p of projections) jobOf.get(p)!.rebuiltChecksum = await this.checksum(m, shadowOf(p), p.key);
    } finally {
      await live?.catch(() => undefined); // the connection is released only once its statements are done
    }
    const sums = live ? await live : new Map<Projection, string>();
    for (const p of projections) {
      const job = jobOf.get(p)!;
      job.liveChecksum = sums.get(p) ?? (await this.checksum(m, p.table, p.key));
      job.identical = job.liveChecksum === job.rebuiltChecksum;
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

  /** Step 5, the repair: makes the live table equal to its shadow by replacing only the rows that differ. */
  private async repair(manager: EntityManager, p: Projection): Promise<void> {
    const shadow = shadowOf(p);
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
  private async liveChecksums(copy: ShadowCopy, projections: Projection[]): Promise<Map<Projection, string>> {
    const sums = new Map<Projection, string>();
    for (const p of projections) {
      const [row] = await copy.query<{ sum: string }>(checksumSql(p.table, p.key));
      sums.set(p, row.sum);
    }
    return sums;
  }
}

function checksumSql(table: string, key: string): string {
  return `SELECT md5(COALESCE(string_agg(hash_record_extended(t, 0)::text, ',' ORDER BY t.${key}), '')) AS sum FROM ${table} t`;
}
