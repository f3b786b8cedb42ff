import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every change to what readers see is announced on 'published_article_changed' (payload: the article id, or '*'
 * when the table is truncated), so each instance can drop its cached copy of the rendered article at once.
 * Row triggers catch every writer: commands, the scheduler, the projection daemon and rebuilds alike.
 */
export class PublishedArticleChanged1764350000000 implements MigrationInterface {
  name = 'PublishedArticleChanged1764350000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION published_article_changed() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'TRUNCATE' THEN
          PERFORM pg_notify('published_article_changed', '*');
        ELSIF TG_OP = 'DELETE' THEN
          PERFORM pg_notify('published_article_changed', OLD.id::text);
        ELSE
          PERFORM pg_notify('published_article_changed', NEW.id::text);
          -- An update that moves a row to another id leaves the old id stale too.
          IF TG_OP = 'UPDATE' AND OLD.id <> NEW.id THEN
            PERFORM pg_notify('published_article_changed', OLD.id::text);
          END IF;
        END IF;
        RETURN NULL;
      END
      $$`);
    await q.query(`
      CREATE TRIGGER published_article_changed AFTER INSERT OR UPDATE OR DELETE ON published_article
      FOR EACH ROW EXECUTE FUNCTION published_article_changed()`);
    await q.query(`
      CREATE TRIGGER published_article_truncated AFTER TRUNCATE ON published_article
      FOR EACH STATEMENT EXECUTE FUNCTION published_article_changed()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER published_article_truncated ON published_article`);
    await q.query(`DROP TRIGGER published_article_changed ON published_article`);
    await q.query(`DROP FUNCTION published_article_changed()`);
  }
}
