import { Inject, Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Article, evolve } from '../articles/domain/article';
import { toRecorded } from '../articles/domain/article-stream';
import { isArticleStream } from '../articles/domain/article-stream';
import { isDatabaseUnavailable } from '../common/database-errors';
import { CheckpointStatus, CheckpointStore } from '../event-store/checkpoint.store';
import { EventStore } from '../event-store/event-store.service';
import { AppendWrites, StoredEvent } from '../event-store/event-store.types';
import { ChangeFolder } from './change-folder';
import { ArticleChange, Projection, PROJECTIONS, RowBatch, writeRows } from './projection';

export type ProjectionStatus = CheckpointStatus;

/**
 * Feeds the read models. Inline: in the append's own statement, so a 2xx means the next read shows it.
 * Catch-up: from the log in (transaction id, position) order, the rows and the checkpoint in one transaction,
 * one instance at a time (the checkpoint row is taken FOR UPDATE SKIP LOCKED). A projection that throws stops
 * at that event and says so; it is retried, never skipped.
 */
@Injectable()
export class ProjectionRunner {
  private readonly logger = new Logger(ProjectionRunner.name);
  private readonly folder: ChangeFolder;
  private readonly appendListeners: (() => void)[] = [];

  constructor(
    private readonly store: EventStore,
    private readonly checkpoints: CheckpointStore,
    @Inject(PROJECTIONS) readonly projections: Projection[],
  ) {
    this.folder = new ChangeFolder(store);
  }

  get(name: string): Projection | undefined {
    return this.projections.find((p) => p.name === name);
  }

  /**
   * The inline projections of an article's append, to run inside the append's own statement (EventStore.append's
   * `writes`): every read model written in the same round trip as the events, committed with them or not at all.
   * `result.after` is the article after the events, once the writes have been built.
   */
  inlineWrites(before: Article | null): { writes: AppendWrites; result: { after: Article | null } } {
    const result: { after: Article | null } = { after: before };
    const writes: AppendWrites = (events, context) => {
      const changes: ArticleChange[] = [];
      let state = before;
      for (const event of events) {
        const recorded = toRecorded(event);
        const after = evolve(state, recorded);
        changes.push({ event, recorded, before: state, after });
        state = after;
      }
      result.after = state;
      return this.projections
        .filter((p) => !p.afterCommit)
        .map((p) => p.inline(changes, context))
        .filter((sql): sql is string => sql !== null);
    };
    return { writes, result };
  }

  /** Who catches the read models up in the background (the daemon), told of each committed append. */
  onAppended(listener: () => void): void {
    this.appendListeners.push(listener);
  }

  /** An append committed: the read models written after the commit (search) have work. */
  appended(): void {
    for (const listener of this.appendListeners) listener();
  }

  /** Applies freshly appended events of other streams (user management) inside their transaction. */
  async projectOtherInline(manager: EntityManager, events: StoredEvent[]): Promise<void> {
    for (const projection of this.projections) {
      if (!projection.rowOther) continue;
      await writeRows(manager, projection, projection.table, events.map((e) => projection.rowOther!(e)).filter((r) => r !== null));
    }
  }

  async ensureCheckpoints(): Promise<void> {
    await this.checkpoints.ensure(this.projections.map((p) => p.name));
  }

  /**
   * One batch of catch-up for a projection. Returns the number of events read, 0 when caught up, or null
   * when another instance holds the projection right now.
   */
  async catchUpBatch(projection: Projection, batchSize = 500, table = projection.table, checkpointName = projection.name): Promise<number | null> {
    try {
      return await this.store.transaction((manager) => this.batch(manager, projection, batchSize, table, checkpointName));
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (isDatabaseUnavailable(err)) {
        this.logger.warn({ projection: projection.name, err: message }, 'database unavailable: catch-up will resume when it answers');
        throw err;
      }
      this.logger.error({ projection: projection.name, err: message }, 'projection stopped at a failing event');
      await this.checkpoints.fail(checkpointName, message).catch(() => undefined);
      throw err;
    }
  }

  /** Catch-up inside a transaction the caller holds (the rebuild's final step under its lock). */
  async catchUpWith(manager: EntityManager, projection: Projection, table: string, checkpointName: string): Promise<number> {
    let total = 0;
    for (;;) {
      const n = await this.batch(manager, projection, 1000, table, checkpointName);
      if (!n) return total;
      total += n;
    }
  }

  private async batch(manager: EntityManager, projection: Projection, batchSize: number, table: string, checkpointName: string): Promise<number | null> {
    const after = await this.checkpoints.claim(manager, checkpointName);
    if (!after) return null;
    const events = await this.store.readAll(manager, after, batchSize);
    if (!events.length) return 0;
    await this.applyAll(manager, projection, events, table);
    const last = events[events.length - 1];
    await this.checkpoints.advance(manager, checkpointName, last);
    return events.length;
  }

  /** Catches a projection up with the log, batch by batch. */
  async catchUp(projection: Projection, onProgress?: (done: number) => void, table?: string, checkpointName?: string): Promise<number> {
    let total = 0;
    for (;;) {
      const n = await this.catchUpBatch(projection, 1000, table, checkpointName);
      if (!n) return total;
      total += n;
      onProgress?.(total);
    }
  }

  /** The pending events of one batch folded in memory; each touched row written once, in one statement. */
  private async applyAll(manager: EntityManager, projection: Projection, events: StoredEvent[], table: string): Promise<void> {
    const done = await projection.applied(manager, events, table);
    const batch = new RowBatch(projection);
    for (const event of events) {
      if (done.has(event.position)) continue;
      if (!isArticleStream(event.streamId)) {
        batch.add(projection.rowOther?.(event) ?? null);
        continue;
      }
      batch.add(projection.row(await this.folder.change(manager, event)));
    }
    await batch.write(manager, table);
  }

  /** Each projection's checkpoint: position, events behind the log, status. */
  async status(): Promise<ProjectionStatus[]> {
    return (await this.checkpoints.status()).filter((c) => this.get(c.name));
  }
}
