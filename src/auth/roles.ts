import { SetMetadata } from '@nestjs/common';

import type { Role } from './domain/user';

export { ROLES, type Role } from './domain/user';

/** Who may do what (docs/api.md), in one table. */
export const CAN = {
  write: ['reporter', 'editor', 'publisher'],
  approve: ['editor', 'publisher'],
  publish: ['publisher'],
  read: ['reporter', 'editor', 'publisher', 'auditor', 'admin'],
  audit: ['editor', 'publisher', 'auditor', 'admin'],
  verify: ['auditor', 'admin'],
  /** User events (accounts: names, ids, roles) in /audit and /events/stream: those who manage or audit users. */
  auditUsers: ['auditor', 'admin'],
  admin: ['admin'],
} as const satisfies Record<string, readonly Role[]>;

export const ROLES_KEY = 'roles';
export const PUBLIC_KEY = 'public';

/** Whether someone holding `roles` may see account events (who has an account, with which roles). */
export const seesUserEvents = (roles: readonly string[]): boolean => CAN.auditUsers.some((role) => roles.includes(role));

/** The route needs one of these roles. */
export const Roles = (...roles: readonly Role[]) => SetMetadata(ROLES_KEY, roles);
/** No token needed. */
export const Public = () => SetMetadata(PUBLIC_KEY, true);
