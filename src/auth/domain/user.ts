/** Users: who may sign in and with which roles. Pure: state, events and evolve; the rules are in user.decide.ts. */

export const ROLES = ['reporter', 'editor', 'publisher', 'auditor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** A user as their events left them. The users table holds this and the password hash (never in an event). */
export interface UserState {
  id: string;
  username: string;
  roles: Role[];
  disabled: boolean;
  /** Signed into the user's access tokens; a new password or disabling the account moves it on, ending every token issued before. */
  tokenGeneration: number;
}

/** User management, recorded as events in the user's own stream (`user-<id>`). Never a password or its hash. */
export type UserEvent =
  | { type: 'UserCreated'; data: { userId: string; username: string; roles: string[] } }
  | { type: 'UserRolesChanged'; data: { username: string; from: string[]; to: string[] } }
  | { type: 'UserDisabled'; data: { username: string } }
  | { type: 'UserEnabled'; data: { username: string } }
  | { type: 'UserPasswordChanged'; data: { username: string } };

export const userStreamId = (userId: string) => `user-${userId}`;

export function evolve(state: UserState | null, event: UserEvent): UserState {
  if (event.type === 'UserCreated') {
    return { id: event.data.userId, username: event.data.username, roles: event.data.roles as Role[], disabled: false, tokenGeneration: 0 };
  }
  if (!state) throw new Error(`${event.type} before UserCreated`);
  switch (event.type) {
    case 'UserRolesChanged':
      return { ...state, roles: event.data.to as Role[] };
    // A disabled account's tokens never work again, even once it is enabled.
    case 'UserDisabled':
      return { ...state, disabled: true, tokenGeneration: state.tokenGeneration + 1 };
    case 'UserEnabled':
      return { ...state, disabled: false };
    // The old password may be known to someone else: its tokens end with it.
    case 'UserPasswordChanged':
      return { ...state, tokenGeneration: state.tokenGeneration + 1 };
  }
}
