import { ConflictException, Injectable, Logger, NotFoundException, OnApplicationBootstrap } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import bcrypt from 'bcryptjs';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataSource, EntityManager } from 'typeorm';
import { APP_CONFIG, AppConfig } from '../config/config';
import { Clock } from '../common/clock';
import { EventStore } from '../event-store/event-store.service';
import type { Role } from './roles';
import { preparedQuery } from '../database/prepared';
import { problem } from '../common/problem.filter';
import { SYSTEM_ACTOR, UserEvent, userStreamId } from './user-events';
import { UserEventProjections } from './user-event-projections';
import { UUID } from '../common/uuid';

/** Who manages users: an admin (with the request's correlation id) or the system. */
export interface UserActor {
  id: string;
  username: string;
  roles: string[];
  correlationId?: string;
}

export interface User {
  id: string;
  username: string;
  roles: Role[];
  disabled: boolean;
  /** Signed into the user's access tokens; a new password or disabling the account moves it on (migrations/1764360000000). */
  tokenGeneration: number;
}

interface UserRow extends User {
  password_hash: string;
}

const USER_COLUMNS = `id, username, roles, disabled, token_generation AS "tokenGeneration"`;

export const BCRYPT_ROUNDS = 10;
/**
 * Compared against when the user does not exist, so a login takes the same time either way. A fixed hash of a random
 * string nobody knows, at the same cost as real ones (BCRYPT_ROUNDS; a unit test checks it): hashing it at module
 * load cost ~130 ms of every start.
 */
export const DUMMY_HASH = '$2b$10$jYnH7LQ6beQN6.EmtuyByuZH5KPlDOpRZZfjCWE7OFj/wiHHJAZ5y';

@Injectable()
export class UsersService implements OnApplicationBootstrap {
  private readonly logger = new Logger(UsersService.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly config: ConfigService,
    private readonly clock: Clock,
    private readonly store: EventStore,
    private readonly projections: UserEventProjections,
  ) {}

  /** The first admin: from NEWSROOM_ADMIN_PASSWORD, or in development a generated one kept in the data directory. */
  async onApplicationBootstrap(): Promise<void> {
    const cfg = this.config.get<AppConfig>(APP_CONFIG)!;
    const [{ count }] = await this.dataSource.query(`SELECT count(*) AS count FROM users`);
    if (Number(count) > 0) return;
    let password = cfg.NEWSROOM_ADMIN_PASSWORD;
    if (!password && !cfg.production) {
      const file = join(cfg.dataDir, 'admin-password');
      password = existsSync(file) ? readFileSync(file, 'utf8').trim() : randomBytes(18).toString('base64url');
      writeFileSync(file, `${password}\n`, { mode: 0o600 });
      this.logger.warn(`No NEWSROOM_ADMIN_PASSWORD: created admin user "${cfg.NEWSROOM_ADMIN_USERNAME}" with a generated password in ${file}`);
    }
    if (!password) {
      this.logger.warn('No users and no NEWSROOM_ADMIN_PASSWORD: nobody can sign in until an admin is created with the CLI');
      return;
    }
    await this.create(cfg.NEWSROOM_ADMIN_USERNAME, password, ['admin'], SYSTEM_ACTOR).catch((err) => {
      if (!(err instanceof ConflictException)) throw err;
    });
  }

  /** Runs in the caller's transaction when it has one (an Idempotency-Key is kept in it), else in a new one. */
  private within<T>(manager: EntityManager | undefined, work: (m: EntityManager) => Promise<T>): Promise<T> {
    return manager?.queryRunner?.isTransactionActive ? work(manager) : this.dataSource.transaction('READ COMMITTED', work);
  }

  /** Appends user-management events to the user's stream and the audit trail, in the same transaction as the change. */
  private async record(manager: EntityManager, userId: string, events: UserEvent[], by: UserActor): Promise<void> {
    if (!events.length) return;
    const head = await this.store.head(manager, userStreamId(userId));
    const stored = await this.store.append(manager, head.streamId, head, events, {
      actorId: by.id,
      username: by.username,
      roles: by.roles,
      correlationId: by.correlationId ?? randomUUID(),
      causationId: randomUUID(),
    }, this.clock.now());
    await this.projections.projectInline(manager, stored);
  }

  async create(username: string, password: string, roles: Role[], by: UserActor, manager?: EntityManager): Promise<User> {
    const hash = await bcrypt.hash(password, BCRYPT_ROUNDS);
    return this.within(manager, async (m) => {
      const now = this.clock.now();
      const rows = await m.query(
        `INSERT INTO users (id, username, password_hash, roles, created_at, updated_at)
         VALUES ($1, $2, $3, $4::text[], $5::timestamptz, $5::timestamptz)
         ON CONFLICT (username) DO NOTHING RETURNING ${USER_COLUMNS}`,
        [randomUUID(), username, hash, roles, now],
      );
      if (!rows.length) throw new ConflictException(`username ${username} is taken`);
      const user: User = rows[0];
      await this.record(m, user.id, [{ type: 'UserCreated', data: { userId: user.id, username, roles } }], by);
      return user;
    });
  }

  /** The user, if the password is right and the account enabled; the same answer otherwise either way. */
  async authenticate(username: string, password: string): Promise<User | null> {
    const [row]: UserRow[] = await this.dataSource.query(
      `SELECT ${USER_COLUMNS}, password_hash FROM users WHERE username = $1`,
      [username],
    );
    const ok = await bcrypt.compare(password, row?.password_hash ?? DUMMY_HASH);
    if (!row || !ok || row.disabled) return null;
    const { password_hash: _hash, ...user } = row;
    return user;
  }

  async find(id: string, manager: EntityManager = this.dataSource.manager): Promise<User | null> {
    if (!UUID.test(id)) return null;
    // Prepared: every authenticated request makes this lookup.
    const [row] = await preparedQuery<User>(manager, `SELECT ${USER_COLUMNS} FROM users WHERE id = $1`, [id]);
    return row ?? null;
  }

  async list(): Promise<User[]> {
    return this.dataSource.query(`SELECT ${USER_COLUMNS} FROM users ORDER BY created_at, username`);
  }

  async update(id: string, changes: { roles?: Role[]; disabled?: boolean; password?: string }, by: UserActor, manager?: EntityManager): Promise<User> {
    const hash = changes.password ? await bcrypt.hash(changes.password, BCRYPT_ROUNDS) : null;
    return this.within(manager, (m) => this.updateIn(m, id, changes, hash, by));
  }

  private async updateIn(manager: EntityManager, id: string, changes: { roles?: Role[]; disabled?: boolean }, hash: string | null, by: UserActor): Promise<User> {
    // A change that can take an admin's rights away locks every enabled admin first, in id order (before the user's own
    // row, so two such changes cannot deadlock): two admins disabling each other at once cannot both succeed.
    const mayRemoveAdmin = changes.disabled === true || (changes.roles !== undefined && !changes.roles.includes('admin'));
    const admins: { id: string }[] = mayRemoveAdmin
      ? await manager.query(`SELECT id FROM users WHERE 'admin' = ANY(roles) AND NOT disabled ORDER BY id FOR UPDATE`)
      : [];
    const [user] = UUID.test(id) ? await manager.query(`SELECT ${USER_COLUMNS} FROM users WHERE id = $1 FOR UPDATE`, [id]) : [];
    if (!user) throw new NotFoundException('no such user');
    if (mayRemoveAdmin && admins.some((a) => a.id === user.id) && admins.length === 1) {
      throw new ConflictException(
        problem(409, `${user.username} is the last enabled admin: enable or make another admin first`, {}, 'LAST_ADMIN'),
      );
    }
    const events: UserEvent[] = [];
    const { username } = user;
    if (changes.roles && [...changes.roles].sort().join() !== [...user.roles].sort().join()) {
      events.push({ type: 'UserRolesChanged', data: { username, from: user.roles, to: changes.roles } });
    }
    if (changes.disabled !== undefined && changes.disabled !== user.disabled) {
      events.push(changes.disabled ? { type: 'UserDisabled', data: { username } } : { type: 'UserEnabled', data: { username } });
    }
    if (hash) events.push({ type: 'UserPasswordChanged', data: { username } });
    // A new password (the old one may be known to someone else) or a disabled account ends every token issued so far:
    // enabling the account again does not bring them back. A change of roles needs nothing: roles are read per request.
    const revoke = hash !== null || (changes.disabled === true && !user.disabled);
    // TypeORM answers an UPDATE with [rows, affectedCount], not with the rows.
    const [rows] = await manager.query(
      `UPDATE users SET roles = COALESCE($2::text[], roles), disabled = COALESCE($3, disabled),
              password_hash = COALESCE($4, password_hash), updated_at = $5::timestamptz,
              token_generation = token_generation + CASE WHEN $6 THEN 1 ELSE 0 END
        WHERE id = $1 RETURNING ${USER_COLUMNS}`,
      [id, changes.roles ?? null, changes.disabled ?? null, hash, this.clock.now(), revoke],
    );
    const row = (Array.isArray(rows) ? rows[0] : rows) as User | undefined;
    if (!row) throw new NotFoundException('no such user');
    await this.record(manager, id, events, by);
    return row;
  }
}
