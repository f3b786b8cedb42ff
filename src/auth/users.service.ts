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
import { preparedQuery } from '../database/prepared';
import { evolve, Role, UserState, userStreamId } from './domain/user';
import { decide, mayRemoveAdmin, UserCommand } from './domain/user.decide';
import { SYSTEM_ACTOR } from './user-events';
import { validationProblem } from '../common/validation';
import { MAX_PASSWORD_BYTES, passwordProblem } from './password-policy';
import { ensurePrivateDirectory, PRIVATE_FILE } from '../database/private-files';
import { UserEventProjections } from './user-event-projections';
import { UUID } from '../common/uuid';

/** Who manages users: an admin (with the request's correlation id) or the system. */
export interface UserActor {
  id: string;
  username: string;
  roles: string[];
  correlationId?: string;
}

/** A user as the users table holds them: the fold of their events (token generation: migrations/1764360000000). */
export type User = UserState;

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

/** A password the policy refuses: a 400 naming the field over HTTP, a message in the CLI and at start. */
function acceptablePassword(password: string, username: string): void {
  const problem = passwordProblem(password, username);
  if (problem) throw validationProblem([{ field: 'password', message: problem }]);
}

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
    // A weak or over-long first password stops the start with the reason, rather than creating an admin anyone could guess.
    const refused = password && passwordProblem(password, cfg.NEWSROOM_ADMIN_USERNAME);
    if (refused) throw new Error(`NEWSROOM_ADMIN_PASSWORD: ${refused}`);
    if (!password && !cfg.production) {
      ensurePrivateDirectory(cfg.dataDir);
      const file = join(cfg.dataDir, 'admin-password');
      password = existsSync(file) ? readFileSync(file, 'utf8').trim() : randomBytes(18).toString('base64url');
      writeFileSync(file, `${password}\n`, { mode: PRIVATE_FILE });
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

  /**
   * Decides a command on the user's state, appends the events to the user's stream (the audit trail's rows with them),
   * then writes the users row from the state they leave, in the caller's transaction: the row never runs ahead of the
   * log. `write` gives the row's statement; no events, nothing written.
   */
  private async execute(
    manager: EntityManager,
    userId: string,
    state: UserState | null,
    command: UserCommand,
    by: UserActor,
    enabledAdmins: readonly string[],
    write: (after: UserState) => Promise<User | undefined>,
  ): Promise<User | undefined> {
    const events = decide(command, state, { actor: by, enabledAdmins });
    if (!events.length) return state ?? undefined;
    const head = await this.store.head(manager, userStreamId(userId));
    const stored = await this.store.append(manager, head.streamId, head, events, {
      actorId: by.id,
      username: by.username,
      roles: by.roles,
      correlationId: by.correlationId ?? randomUUID(),
      causationId: randomUUID(),
    }, this.clock.now());
    await this.projections.projectInline(manager, stored);
    return write(events.reduce<UserState | null>(evolve, state)!);
  }

  async create(username: string, password: string, roles: Role[], by: UserActor, manager?: EntityManager): Promise<User> {
    acceptablePassword(password, username);
    const hash = await bcrypt.hash(password, BCRYPT_ROUNDS);
    return this.within(manager, async (m) => {
      const userId = randomUUID();
      const now = this.clock.now();
      const user = await this.execute(m, userId, null, { type: 'CreateUser', data: { userId, username, roles } }, by, [], async (after) => {
        const [row] = await m.query(
          `INSERT INTO users (id, username, password_hash, roles, disabled, token_generation, created_at, updated_at)
           VALUES ($1, $2, $3, $4::text[], $5, $6, $7::timestamptz, $7::timestamptz)
           ON CONFLICT (username) DO NOTHING RETURNING ${USER_COLUMNS}`,
          [after.id, after.username, hash, after.roles, after.disabled, after.tokenGeneration, now],
        );
        return row;
      });
      // Taken: the transaction ends here, and the events appended for it with it.
      if (!user) throw new ConflictException(`username ${username} is taken`);
      return user;
    });
  }

  /** The user, if the password is right and the account enabled; the same answer otherwise either way. */
  async authenticate(username: string, password: string): Promise<User | null> {
    const [row]: UserRow[] = await this.dataSource.query(
      `SELECT ${USER_COLUMNS}, password_hash FROM users WHERE username = $1`,
      [username],
    );
    // bcrypt reads 72 bytes: a longer password would match any that shares them, so it is wrong (no account can have one
    // since the policy; an older account with one needs a new password from an admin). Compared anyway: the same time.
    const tooLong = Buffer.byteLength(password, 'utf8') > MAX_PASSWORD_BYTES;
    const ok = (await bcrypt.compare(password, row?.password_hash ?? DUMMY_HASH)) && !tooLong;
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
    if (changes.password !== undefined) {
      const user = await this.find(id, manager);
      if (!user) throw new NotFoundException('no such user');
      acceptablePassword(changes.password, user.username);
    }
    const hash = changes.password ? await bcrypt.hash(changes.password, BCRYPT_ROUNDS) : null;
    return this.within(manager, (m) => this.updateIn(m, id, changes, hash, by));
  }

  private async updateIn(manager: EntityManager, id: string, changes: { roles?: Role[]; disabled?: boolean }, hash: string | null, by: UserActor): Promise<User> {
    const change = { ...changes, newPassword: hash !== null };
    // A change that can take an admin's rights away locks every enabled admin first, in id order (before the user's own
    // row, so two such changes cannot deadlock): two admins disabling each other at once cannot both succeed.
    const admins: { id: string }[] = mayRemoveAdmin(change)
      ? await manager.query(`SELECT id FROM users WHERE 'admin' = ANY(roles) AND NOT disabled ORDER BY id FOR UPDATE`)
      : [];
    const [user]: User[] = UUID.test(id) ? await manager.query(`SELECT ${USER_COLUMNS} FROM users WHERE id = $1 FOR UPDATE`, [id]) : [];
    if (!user) throw new NotFoundException('no such user');
    const row = await this.execute(manager, id, user, { type: 'ChangeUser', data: change }, by, admins.map((a) => a.id), async (after) => {
      // TypeORM answers an UPDATE with [rows, affectedCount], not with the rows.
      const [rows] = await manager.query(
        `UPDATE users SET roles = $2::text[], disabled = $3, token_generation = $4, password_hash = COALESCE($5, password_hash),
                updated_at = $6::timestamptz
          WHERE id = $1 RETURNING ${USER_COLUMNS}`,
        [id, after.roles, after.disabled, after.tokenGeneration, hash, this.clock.now()],
      );
      return (Array.isArray(rows) ? rows[0] : rows) as User | undefined;
    });
    if (!row) throw new NotFoundException('no such user');
    return row;
  }
}
