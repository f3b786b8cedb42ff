import type { StoredEvent } from '../event-store/event-store.types';

/** User management, recorded as events in the user's own stream (`user-<id>`). Never a password or its hash. */
export type UserEvent =
  | { type: 'UserCreated'; data: { userId: string; username: string; roles: string[] } }
  | { type: 'UserRolesChanged'; data: { username: string; from: string[]; to: string[] } }
  | { type: 'UserDisabled'; data: { username: string } }
  | { type: 'UserEnabled'; data: { username: string } }
  | { type: 'UserPasswordChanged'; data: { username: string } };

export const userStreamId = (userId: string) => `user-${userId}`;

/** The actor of what nobody in particular did: the first admin at start-up, users added from the CLI. */
export const SYSTEM_ACTOR = { id: '00000000-0000-4000-8000-000000000000', username: 'system', roles: ['system'] };

/** One line for the audit trail, and the field-level changes. */
export function describeUserEvent(event: StoredEvent): { summary: string; changes: unknown[] } {
  const who = event.metadata.username;
  const data = event.data as Record<string, unknown>;
  switch (event.type) {
    case 'UserCreated':
      return {
        summary: `${who} created the user ${String(data.username)} with roles ${(data.roles as string[]).join(', ')}`,
        changes: [{ field: 'user', op: 'added', value: { username: data.username, roles: data.roles } }],
      };
    case 'UserRolesChanged':
      return {
        summary: `${who} changed the roles of ${String(data.username)} from ${(data.from as string[]).join(', ')} to ${(data.to as string[]).join(', ')}`,
        changes: [{ field: 'roles', op: 'set', from: data.from, to: data.to }],
      };
    case 'UserDisabled':
      return { summary: `${who} disabled the user ${String(data.username)}`, changes: [{ field: 'disabled', op: 'set', from: false, to: true }] };
    case 'UserEnabled':
      return { summary: `${who} enabled the user ${String(data.username)}`, changes: [{ field: 'disabled', op: 'set', from: true, to: false }] };
    case 'UserPasswordChanged':
      return { summary: `${who} set a new password for ${String(data.username)}`, changes: [{ field: 'password', op: 'set' }] };
    default:
      return { summary: `${who}: ${event.type}`, changes: [] };
  }
}
