import type { Role, UserEvent, UserState } from './user';

/** The rules of user management: `decide(command, state, context)` returns the events, or throws a UserError. */

export type UserCommand =
  | { type: 'CreateUser'; data: { userId: string; username: string; roles: Role[] } }
  /** Only the fields given change; `newPassword` says a new password comes with it (its hash is not the domain's). */
  | { type: 'ChangeUser'; data: { roles?: Role[]; disabled?: boolean; newPassword: boolean } };

export interface UserContext {
  /** Who asks: an admin, or the system (first start, the command line). */
  actor: { id: string; roles: readonly string[] };
  /** The ids of the enabled admins (locked for the change when it may take an admin's rights away). */
  enabledAdmins: readonly string[];
}

export type UserErrorCode = 'USER_ADMIN_ONLY' | 'USER_EXISTS' | 'USER_NOT_FOUND' | 'LAST_ADMIN';

/** A broken user-management rule, with a stable code (src/error-statuses.ts maps it to its HTTP status). */
export class UserError extends Error {
  constructor(
    readonly code: UserErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'UserError';
  }
}

const fail = (code: UserErrorCode, message: string): never => {
  throw new UserError(code, message);
};

/** Whether a change can take an admin's rights away (then the enabled admins must be known, and locked, first). */
export function mayRemoveAdmin(change: Extract<UserCommand, { type: 'ChangeUser' }>['data']): boolean {
  return change.disabled === true || (change.roles !== undefined && !change.roles.includes('admin'));
}

const sameRoles = (a: readonly string[], b: readonly string[]) => [...a].sort().join() === [...b].sort().join();

export function decide(command: UserCommand, state: UserState | null, ctx: UserContext): UserEvent[] {
  // Who may change whom: admins manage every user, themselves included; the system acts for nobody in particular.
  if (!ctx.actor.roles.includes('admin') && !ctx.actor.roles.includes('system')) fail('USER_ADMIN_ONLY', 'only an admin manages users');
  switch (command.type) {
    case 'CreateUser': {
      if (state) fail('USER_EXISTS', `user ${command.data.userId} exists`);
      const { userId, username, roles } = command.data;
      return [{ type: 'UserCreated', data: { userId, username, roles } }];
    }
    case 'ChangeUser': {
      if (!state) return fail('USER_NOT_FOUND', 'no such user');
      const change = command.data;
      // Nobody could manage users any more (but from the server's command line).
      if (mayRemoveAdmin(change) && ctx.enabledAdmins.length === 1 && ctx.enabledAdmins[0] === state.id) {
        fail('LAST_ADMIN', `${state.username} is the last enabled admin: enable or make another admin first`);
      }
      const { username } = state;
      const events: UserEvent[] = [];
      if (change.roles && !sameRoles(change.roles, state.roles)) events.push({ type: 'UserRolesChanged', data: { username, from: state.roles, to: change.roles } });
      if (change.disabled !== undefined && change.disabled !== state.disabled) {
        events.push(change.disabled ? { type: 'UserDisabled', data: { username } } : { type: 'UserEnabled', data: { username } });
      }
      if (change.newPassword) events.push({ type: 'UserPasswordChanged', data: { username } });
      return events;
    }
  }
}
