import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The notary: a keyed hash chain over the whole log in commit-safe order. Per-stream chains cannot see a stream
 * deleted together with its ledger row, or events reordered across streams; this chain can.
 */
export class Notary1764330000000 implements MigrationInterface {
  name = 'Notary1764330000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE event_chain (
        seq        bigint PRIMARY KEY,
        position   bigint NOT NULL UNIQUE,
        stream_id  text NOT NULL,
        version    integer NOT NULL,
        event_hash text NOT NULL,
        chain_hash text NOT NULL,
        sealed_at  timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`INSERT INTO projection_checkpoints (name) VALUES ('notary') ON CONFLICT (name) DO NOTHING`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE event_chain`);
    await q.query(`DELETE FROM projection_checkpoints WHERE name = 'notary'`);
  }
}
