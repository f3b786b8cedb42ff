import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The log is append-only in the database itself, not only detectably so: UPDATE, DELETE and TRUNCATE on `events` and
 * on the notary's `event_chain` are refused by triggers. An operator who must rewrite history (a court order, a repair
 * by hand) says so in the same transaction: `SET LOCAL masthead.allow_log_rewrite = 'on'` (README, "The log is
 * append-only"); `verify` still reports whatever was changed that way. The application itself never needs it.
 */
export class AppendOnlyLog1764420000000 implements MigrationInterface {
  name = 'AppendOnlyLog1764420000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION refuse_log_rewrite() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF coalesce(current_setting('masthead.allow_log_rewrite', true), '') = 'on' THEN
          RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
        END IF;
        RAISE EXCEPTION '% on % refused: the log is append-only', TG_OP, TG_TABLE_NAME
          USING ERRCODE = 'insufficient_privilege',
                HINT = 'an operator may rewrite it deliberately: SET LOCAL masthead.allow_log_rewrite = ''on'' in the same transaction';
      END $$`);
    for (const table of ['events', 'event_chain']) {
      await q.query(`
        CREATE TRIGGER ${table}_append_only BEFORE UPDATE OR DELETE ON ${table}
        FOR EACH ROW EXECUTE FUNCTION refuse_log_rewrite()`);
      await q.query(`
        CREATE TRIGGER ${table}_no_truncate BEFORE TRUNCATE ON ${table}
        FOR EACH STATEMENT EXECUTE FUNCTION refuse_log_rewrite()`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['events', 'event_chain']) {
      await q.query(`DROP TRIGGER ${table}_no_truncate ON ${table}`);
      await q.query(`DROP TRIGGER ${table}_append_only ON ${table}`);
    }
    await q.query(`DROP FUNCTION refuse_log_rewrite()`);
  }
}
