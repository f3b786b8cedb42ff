import { Actor, Article, ArticleEvent, RecordedArticleEvent, fold } from './article';
import { ArticleCommand, CommandContext, DomainError, DomainErrorCode, decide } from './article.decide';

/**
 * given(history).when(command, ctx).then(events) | .thenThrows(code), for the article decider.
 * Time and actor are always explicit: the defaults below are fixed values, never the clock or a random id.
 * Note: `when(...)` returns an object with a `then` method, so never `return` or `await` it from a test.
 */

/** A past event: the fact, optionally by whom and when (else DEFAULT_ACTOR at DEFAULT_AT). */
export type GivenEvent = ArticleEvent & { actor?: Actor; at?: string };

export const DEFAULT_ACTOR: Actor = { id: 'user-given', username: 'given', roles: ['reporter'] };
export const DEFAULT_AT = '2025-09-18T00:00:00.000Z';

/** The events as the store records them: versions afterVersion+1, afterVersion+2, ... */
export function record(events: readonly GivenEvent[], afterVersion = 0): RecordedArticleEvent[] {
  return events.map(({ actor, at, ...event }, i) => ({
    ...(event as ArticleEvent),
    version: afterVersion + i + 1,
    actor: actor ?? DEFAULT_ACTOR,
    at: at ?? DEFAULT_AT,
  }));
}

export function given(history: readonly GivenEvent[] = []) {
  const state = fold(record(history));
  return {
    /** The state folded from `history` (null when there is none). */
    state,
    when(command: ArticleCommand, ctx: CommandContext) {
      const attempt = () => decide(command, state, ctx);
      return {
        /** Asserts the exact events, then returns them and the state after evolving them (by ctx.actor at ctx.now). */
        then(expected: ArticleEvent[]): { events: ArticleEvent[]; state: Article } {
          const events = attempt();
          expect(events).toStrictEqual(expected);
          const after = fold(record(events.map((e) => ({ ...e, actor: ctx.actor, at: ctx.now })), state?.version ?? 0), state);
          if (!after) throw new Error(`no article after ${command.type}`);
          return { events, state: after };
        },
        /** Asserts that the command is refused with `code` (the command type is named in a failure's diff). */
        thenThrows(code: DomainErrorCode): void {
          let outcome: string;
          try {
            outcome = `accepted: ${JSON.stringify(attempt().map((e) => e.type))}`;
          } catch (error) {
            outcome = error instanceof DomainError ? error.code : `threw ${String(error)}`;
          }
          expect({ command: command.type, outcome }).toStrictEqual({ command: command.type, outcome: code });
        },
      };
    },
  };
}
