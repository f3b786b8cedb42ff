import { MigrationInterface, QueryRunner } from 'typeorm';

/** User management goes into the event log and the audit trail: audit entries are no longer only about articles. */
export class UserAudit1764340000000 implements MigrationInterface {
  name = 'UserAudit1764340000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE audit_entry ADD COLUMN stream_id text`);
    await q.query(`UPDATE audit_entry SET stream_id = 'article-' || article_id`);
    await q.query(`ALTER TABLE audit_entry ALTER COLUMN stream_id SET NOT NULL`);
    await q.query(`ALTER TABLE audit_entry ALTER COLUMN article_id DROP NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM audit_entry WHERE article_id IS NULL`);
    await q.query(`ALTER TABLE audit_entry ALTER COLUMN article_id SET NOT NULL`);
    await q.query(`ALTER TABLE audit_entry DROP COLUMN stream_id`);
  }
}
