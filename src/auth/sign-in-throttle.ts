import { HttpException, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { DataSource } from 'typeorm';
import { Clock } from '../common/clock';
import { problem } from '../common/problem.filter';
import { APP_CONFIG, AppConfig } from '../config/config';

/** The longest lock, however many failures: a user locked out by someone else gets back in within this. */
export const MAX_LOCK_SECONDS = 15 * 60;
/** Failures older than this are forgotten: a count starts again, and the sweep deletes the row. */
const FORGET_AFTER_MS = 24 * 3600 * 1000;

/**
 * Failed sign-ins per username, in the database (every instance sees the same count; migrations/1764420000001).
 * After NEWSROOM_LOGIN_LOCKOUT_AFTER failures in a row, the username is locked for 1 s, and each further failure
 * doubles it (2 s, 4 s, … up to 15 minutes); a success clears it. Counted for every username asked for, existing or
 * not, and a locked one is refused before its password is checked: the answers are the same either way, so they tell
 * nobody which usernames exist. The per-address limit (rate-limit.ts) stays in front of it.
 */
@Injectable()
export class SignInThrottle implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly lockoutAfter: number;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly dataSource: DataSource,
    private readonly clock: Clock,
    config: ConfigService,
  ) {
    this.lockoutAfter = config.get<AppConfig>(APP_CONFIG)!.NEWSROOM_LOGIN_LOCKOUT_AFTER;
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.sweep().catch(() => undefined), 600_000);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** 429 with Retry-After while `username` is locked. */
  async assertNotLocked(username: string): Promise<void> {
    const now = this.clock.now();
    const [row] = await this.dataSource.query(`SELECT locked_until FROM sign_in_failures WHERE username = $1 AND locked_until > $2::timestamptz`, [username, now]);
    if (row) throw locked(Math.ceil((new Date(row.locked_until).getTime() - Date.parse(now)) / 1000));
  }

  /** One more failure for `username`; locks it once there have been enough in a row. */
  async failed(username: string): Promise<void> {
    const now = this.clock.now();
    const forgetBefore = new Date(Date.parse(now) - FORGET_AFTER_MS).toISOString();
    // One statement, so two instances counting at once cannot lose a failure.
    await this.dataSource.query(
      `INSERT INTO sign_in_failures AS f (username, failures, last_failure_at, locked_until)
       VALUES ($1, 1, $2::timestamptz, CASE WHEN $3::int <= 1 THEN $2::timestamptz + interval '1 second' END)
       ON CONFLICT (username) DO UPDATE SET
         failures = CASE WHEN f.last_failure_at < $4::timestamptz THEN 1 ELSE f.failures + 1 END,
         last_failure_at = EXCLUDED.last_failure_at,
         locked_until = CASE
           WHEN (CASE WHEN f.last_failure_at < $4::timestamptz THEN 1 ELSE f.failures + 1 END) < $3::int THEN NULL
           ELSE $2::timestamptz + make_interval(secs => least($5::int, power(2, (CASE WHEN f.last_failure_at < $4::timestamptz THEN 1 ELSE f.failures + 1 END) - $3::int)))
         END`,
      [username, now, this.lockoutAfter, forgetBefore, MAX_LOCK_SECONDS],
    );
  }

  async succeeded(username: string): Promise<void> {
    await this.dataSource.query(`DELETE FROM sign_in_failures WHERE username = $1`, [username]);
  }

  private async sweep(): Promise<void> {
    const forgetBefore = new Date(Date.parse(this.clock.now()) - FORGET_AFTER_MS).toISOString();
    await this.dataSource.query(`DELETE FROM sign_in_failures WHERE last_failure_at < $1::timestamptz AND (locked_until IS NULL OR locked_until < $1::timestamptz)`, [forgetBefore]);
  }
}

function locked(seconds: number): HttpException {
  const retryAfter = Math.max(1, seconds);
  const error = new HttpException(
    problem(429, `too many failed sign-ins for this username: try again in ${retryAfter} s`, { retryAfter }, 'SIGN_IN_LOCKED'),
    429,
  );
  return error;
}
