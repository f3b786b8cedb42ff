import { evolve, UserEvent, UserState } from './user';
import { decide, UserCommand, UserContext, UserError, UserErrorCode } from './user.decide';

/**
 * given(history).when(command, ctx).then(events) | .thenThrows(code), for the user decider (as decider.spec-helper.ts
 * is for articles). Note: `when(...)` returns an object with a `then` method, so never `return` or `await` it.
 */
export function given(history: readonly UserEvent[] = []) {
  const state = history.reduce<UserState | null>(evolve, null);
  return {
    state,
    when(command: UserCommand, ctx: UserContext) {
      const attempt = () => decide(command, state, ctx);
      return {
        /** Asserts the exact events, then returns them and the state they leave. */
        then(expected: UserEvent[]): { events: UserEvent[]; state: UserState | null } {
          const events = attempt();
          expect(events).toStrictEqual(expected);
          return { events, state: events.reduce<UserState | null>(evolve, state) };
        },
        thenThrows(code: UserErrorCode): void {
          let outcome: string;
          try {
            outcome = `accepted: ${JSON.stringify(attempt().map((e) => e.type))}`;
          } catch (error) {
            outcome = error instanceof UserError ? error.code : `threw ${String(error)}`;
          }
          expect({ command: command.type, outcome }).toStrictEqual({ command: command.type, outcome: code });
        },
      };
    },
  };
}
