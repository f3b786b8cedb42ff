import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Failed sign-ins per username, shared by every instance: after a few in a row the username is locked for a time that
 * doubles with each further failure (src/auth/sign-in-throttle.ts). Kept for usernames that exist and that do not
 * alike, so the answer tells nobody which exist. A success deletes the row.
 */
export class SignInFailures1764420000001 implements MigrationInterface {
  name = 'SignInFailures1764420000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE sign_in_failures (
        username        text PRIMARY KEY,
        failures        integer NOT NULL,
        last_failure_at timestamptz NOT NULL,
        locked_until    timestamptz
      )`);
    await q.query(`CREATE INDEX sign_in_failures_last_failure_at ON sign_in_failures (last_failure_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE sign_in_failures`);
  }
}
