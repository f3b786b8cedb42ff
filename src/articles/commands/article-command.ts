import { Command } from '@nestjs/cqrs';
import type { Actor, ArticleStatus } from '../domain/article';
import type { ArticleCommand } from '../domain/article.decide';

/** Everything a command carries besides its data: the clock, the actor, tracing and preconditions. */
export interface CommandEnvelope {
  /** RFC 3339 UTC time from the injectable clock. */
  now: string;
  actor: Actor;
  commandId: string;
  correlationId: string;
  /** From If-Match: the version the caller read. */
  expectedVersion?: number;
  idempotency?: { key: string; fingerprint: string };
}

export interface CommandResult {
  articleId: string;
  version: number;
  status: ArticleStatus;
  /** The byline or photo the command created, when it created one. */
  subjectId?: string;
  publishedAt?: string | null;
  /** True when this is the stored answer to an earlier request with the same Idempotency-Key. */
  replayed?: boolean;
}

/** One Nest command for the whole article workflow: the decider already tells the commands apart. */
export class ExecuteArticleCommand extends Command<CommandResult> {
  constructor(
    readonly articleId: string,
    readonly command: ArticleCommand,
    readonly envelope: CommandEnvelope,
  ) {
    super();
  }
}

/** If-Match named a version the article is no longer (or never was) at. */
export class PreconditionFailed extends Error {
  readonly code = 'VERSION_MISMATCH';

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

  get details() {
    return { expected: this.expected, actual: this.actual };
  }
}
