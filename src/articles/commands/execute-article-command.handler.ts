import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import type { EntityManager } from 'typeorm';
import { Article, fold } from '../domain/article';
import { decide } from '../domain/article.decide';
import { articleStreamId, toRecorded } from '../domain/article-stream';
import { EventStore } from '../../event-store/event-store.service';
import { StreamHead, WrongExpectedVersion } from '../../event-store/event-store.types';
import { IdempotencyStore } from '../../event-store/idempotency.store';
import { ArticleReadModels } from './article-read-models';
import { CommandResult, ExecuteArticleCommand, PreconditionFailed } from './article-command';
import { CachedHead, HeadCache } from './head-cache';

const MAX_ATTEMPTS = 5;

/**
 * Load (one read), decide (pure), append with every read model's writes (one statement), remember the answer when
 * there is an Idempotency-Key. A conflicting writer without If-Match is retried on the new state (the caller did not
 * claim to have read a version); with If-Match it is a 412.
 *
 * The read is skipped when this instance made the article's last append it knows of (HeadCache): the head and state
 * it left are used instead. That is safe because events are immutable and the state at version v is the fold of
 * events 1..v wherever it was computed, so a remembered (head, state) is exactly what the read would give back while
 * the stream is still at that head; and the append moves the ledger only from that head (`WHERE version = expected`),
 * so if the stream has moved (another instance, the scheduler, any other writer) the append is refused and nothing is
 * written: a stale entry costs a conflict, never a wrong write. Such a conflict is then treated as if the cache had
 * not been asked: the entry is evicted and the command runs again on a fresh read, where If-Match is judged as it
 * always was (so the 412 and its message are the ones the read would have given). An If-Match that differs from the
 * remembered head is never answered from memory: the database is read. Entries are stored only once the write is
 * known committed (after the transaction, with an Idempotency-Key), from the stored events' last version and hash
 * and the state the inline projections wrote; any error evicts (a lost connection leaves the commit unknown). The
 * state is kept as jsonb gives it back (see jsonbCopy), so decide() and the audit diff see the snapshot's twin.
 */
@CommandHandler(ExecuteArticleCommand)
export class ExecuteArticleCommandHandler implements ICommandHandler<ExecuteArticleCommand> {
  constructor(
    private readonly store: EventStore,
    private readonly readModels: ArticleReadModels,
    private readonly idempotency: IdempotencyStore,
    private readonly heads: HeadCache,
  ) {}

  async execute(command: ExecuteArticleCommand): Promise<CommandResult> {
    try {
      return await this.run(command);
    } finally {
      // Read-your-write on this instance without waiting for the notification (even after an error: it may have committed).
      this.readModels.changed(command.articleId);
    }
  }

  private async run({ articleId, command, envelope }: ExecuteArticleCommand): Promise<CommandResult> {
    const streamId = articleStreamId(articleId);
    // After a conflict on a remembered head, this command reads the database for the rest of its attempts.
    let useCache = true;
    for (let attempt = 1; ; ) {
      let cached: CachedHead | undefined;
      let committed: CachedHead | undefined;
      try {
        const result = await this.within(envelope, async (manager) => {
          if (envelope.idempotency) {
            const earlier = await this.idempotency.claim(manager, envelope.actor.id, envelope.idempotency, envelope.now);
            if (earlier) return { ...(earlier as CommandResult), replayed: true };
          }
          cached = useCache ? this.heads.get(streamId) : undefined;
          if (cached && envelope.expectedVersion !== undefined && envelope.expectedVersion !== cached.head.version) {
            this.heads.evict(streamId);
            cached = undefined;
          }
          const { state, head } = cached ?? (await this.load(manager, articleId));
          if (state && envelope.expectedVersion !== undefined && envelope.expectedVersion !== head.version) {
            throw new PreconditionFailed(envelope.expectedVersion, head.version);
          }
          const decided = decide(command, state, { now: envelope.now, actor: envelope.actor });
          const { id: actorId, username, roles } = envelope.actor;
          const { writes, result: projected } = this.readModels.inlineWrites(state);
          const stored = await this.store.append(manager, head.streamId, head, decided, {
            actorId,
            username,
            roles,
            correlationId: envelope.correlationId,
            causationId: envelope.commandId,
            ...(envelope.idempotency ? { idempotencyKey: envelope.idempotency.key } : {}),
          }, envelope.now, writes);
          const after = projected.after!;
          const last = stored[stored.length - 1];
          if (last) committed = { head: { streamId, version: last.version, hash: last.hash }, state: after };
          const result: CommandResult = {
            articleId,
            version: after.version,
            status: after.status,
            ...subjectOf(command),
            ...(after.publication ? { publishedAt: after.publication.at } : {}),
          };
          if (envelope.idempotency) await this.idempotency.complete(manager, envelope.actor.id, envelope.idempotency.key, result);
          return result;
        });
        // Committed: with an Idempotency-Key, `within` returns only after the transaction did.
        if (committed) this.heads.set(committed.head, committed.state);
        return result;
      } catch (err) {
        this.heads.evict(streamId);
        if (err instanceof WrongExpectedVersion && cached) {
          // The remembered head was stale: as if it had not been asked, read the stream and decide again.
          useCache = false;
          continue;
        }
        const retry = err instanceof WrongExpectedVersion && envelope.expectedVersion === undefined && attempt < MAX_ATTEMPTS;
        if (!retry) {
          if (err instanceof WrongExpectedVersion) throw new PreconditionFailed(envelope.expectedVersion ?? err.expected);
          throw err;
        }
        attempt++;
      }
    }
  }

  /**
   * With an Idempotency-Key, the claim, the events and the remembered answer share one transaction. Without, none is
   * needed: the read is one statement, and the append with its projections is another that commits on its own only
   * if the stream is still where the read found it (two round trips in all).
   */
  private within<T>(envelope: ExecuteArticleCommand['envelope'], work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return envelope.idempotency ? this.store.transaction(work) : work(this.store.dataSource.manager);
  }

  /**
   * The article as of its stream head. The working-state row is written in the same transaction as every append,
   * so when its version equals the ledger's it is the fold of the stream and serves as a snapshot (a command on a
   * 10,000-event article does not read 10,000 events); otherwise (a rebuild in progress, an event appended
   * outside this service) the stream is folded from the log.
   */
  private async load(manager: EntityManager, articleId: string): Promise<{ state: Article | null; head: StreamHead }> {
    const streamId = articleStreamId(articleId);
    const { head, snapshot } = await this.store.headWithSnapshot<Article>(manager, streamId, this.readModels.snapshot(articleId));
    if (head.version === 0 || snapshot) return { state: snapshot, head };
    const { events, head: read } = await this.store.readStream(manager, streamId);
    return { state: fold(events.map(toRecorded)), head: read };
  }
}

function subjectOf(command: ExecuteArticleCommand['command']): { subjectId?: string } {
  if (command.type === 'AddByline') return { subjectId: command.data.bylineId };
  if (command.type === 'AttachPhotoCredit') return { subjectId: command.data.photoId };
  return {};
}
