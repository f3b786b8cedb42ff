import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A user's token generation: signed into every access token and compared on every request. A new password or a
 * disabled account moves it on, so the tokens issued before stop working for good — also once the account is enabled
 * again. Tokens from before this column carry no generation and count as generation 0.
 */
export class TokenGeneration1764360000000 implements MigrationInterface {
  name = 'TokenGeneration1764360000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE users ADD COLUMN token_generation integer NOT NULL DEFAULT 0`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE users DROP COLUMN token_generation`);
  }
}
