import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { fold } from '../domain/article';
import { decide } from '../domain/article.decide';
import { articleStreamId, toRecorded } from '../domain/article.views';
import { EventStore } from '../../event-store/event-store.service';
import { WrongExpectedVersion } from '../../event-store/event-store.types';
import { IdempotencyStore } from '../../event-store/idempotency.store';
import { ProjectionRunner } from '../../projections/projection-runner.service';
import { CommandResult, ExecuteArticleCommand } from './article-command';

/** If-Match named a version the article is no longer (or never was) at. */
export class PreconditionFailed extends Error {
  constructor(
    readonly expected: number,
    readonly actual?: number,
  ) {
    super(
      actual === undefined
        ? `If-Match names version ${expected}, but another change was committed first`
        : `If-Match names version ${expected}, but the article is at version ${actual}`,
    );
  }
}

const MAX_ATTEMPTS = 5;

/**
 * Load, decide, append, project, remember the answer: one transaction. A conflicting writer without If-Match is
 * retried on the new state (the caller did not claim to have read a version); with If-Match it is a 412.
 */
@CommandHandler(ExecuteArticleCommand)
export class ExecuteArticleCommandHandler implements ICommandHandler<ExecuteArticleCommand> {
  constructor(
    private readonly store: EventStore,
    private readonly projections: ProjectionRunner,
    private readonly idempotency: IdempotencyStore,
  ) {}

  async execute({ articleId, command, envelope }: ExecuteArticleCommand): Promise<CommandResult> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.store.transaction(async (manager) => {
          if (envelope.idempotency) {
            const earlier = await this.idempotency.claim(manager, envelope.actor.id, envelope.idempotency, envelope.now);
            if (earlier) return { ...(earlier as CommandResult), replayed: true };
          }
          const streamId = articleStreamId(articleId);
          const { events, head } = await this.store.readStream(manager, streamId);
          const state = fold(events.map(toRecorded));
          if (state && envelope.expectedVersion !== undefined && envelope.expectedVersion !== head.version) {
            throw new PreconditionFailed(envelope.expectedVersion, head.version);
          }
          const decided = decide(command, state, { now: envelope.now, actor: envelope.actor });
          const { id: actorId, username, roles } = envelope.actor;
          const stored = await this.store.append(manager, streamId, head, decided, {
            actorId,
            username,
            roles,
            correlationId: envelope.correlationId,
            causationId: envelope.commandId,
            ...(envelope.idempotency ? { idempotencyKey: envelope.idempotency.key } : {}),
          }, envelope.now);
          const after = (await this.projections.projectInline(manager, stored, state))!;
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
      } catch (err) {
        const retry = err instanceof WrongExpectedVersion && envelope.expectedVersion === undefined && attempt < MAX_ATTEMPTS;
        if (!retry) {
          if (err instanceof WrongExpectedVersion) throw new PreconditionFailed(envelope.expectedVersion ?? err.expected);
          throw err;
        }
      }
    }
  }
}

function subjectOf(command: ExecuteArticleCommand['command']): { subjectId?: string } {
  if (command.type === 'AddByline') return { subjectId: command.data.bylineId };
  if (command.type === 'AttachPhotoCredit') return { subjectId: command.data.photoId };
  return {};
}
