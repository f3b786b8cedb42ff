import { MigrationInterface, QueryRunner } from 'typeorm';

/** The event store, its stream ledger, projection checkpoints, idempotency keys, users and the read models. */
export class EventStore1764320000000 implements MigrationInterface {
  name = 'EventStore1764320000000';

  async up(q: QueryRunner): Promise<void> {
    // One row per event. transaction_id orders readers by commit visibility, not by the sequence alone.
    await q.query(`
      CREATE TABLE events (
        position       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        transaction_id xid8 NOT NULL DEFAULT pg_current_xact_id(),
        stream_id      text NOT NULL,
        version        integer NOT NULL CHECK (version > 0),
        type           text NOT NULL,
        schema_version integer NOT NULL,
        data           jsonb NOT NULL,
        metadata       jsonb NOT NULL,
        recorded_at    timestamptz NOT NULL,
        hash           text NOT NULL,
        CONSTRAINT events_stream_version UNIQUE (stream_id, version)
      )`);
    await q.query(`CREATE INDEX events_transaction_position ON events (transaction_id, position)`);
    // The ledger of stream heads: optimistic concurrency without reading max(version), the previous hash for
    // the chain, and a record of every stream so a deleted one is noticed.
    await q.query(`
      CREATE TABLE streams (
        stream_id  text PRIMARY KEY,
        version    integer NOT NULL,
        head_hash  text NOT NULL,
        updated_at timestamptz NOT NULL
      )`);
    await q.query(`
      CREATE TABLE projection_checkpoints (
        name           text PRIMARY KEY,
        transaction_id xid8 NOT NULL DEFAULT '0',
        position       bigint NOT NULL DEFAULT 0,
        status         text NOT NULL DEFAULT 'running',
        error          text,
        updated_at     timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE idempotency_keys (
        user_id     uuid NOT NULL,
        key         text NOT NULL,
        fingerprint text NOT NULL,
        status      integer,
        response    jsonb,
        created_at  timestamptz NOT NULL,
        PRIMARY KEY (user_id, key)
      )`);
    await q.query(`CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at)`);
    await q.query(`
      CREATE TABLE users (
        id            uuid PRIMARY KEY,
        username      text NOT NULL UNIQUE,
        password_hash text NOT NULL,
        roles         text[] NOT NULL,
        disabled      boolean NOT NULL DEFAULT false,
        created_at    timestamptz NOT NULL,
        updated_at    timestamptz NOT NULL
      )`);
    // Read model: the working state of each article (the fold of its stream).
    await q.query(`
      CREATE TABLE article_view (
        id         uuid PRIMARY KEY,
        version    integer NOT NULL,
        status     text NOT NULL,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        state      jsonb NOT NULL
      )`);
    await q.query(`CREATE INDEX article_view_list ON article_view (created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX article_view_status_list ON article_view (status, created_at DESC, id DESC)`);
    // Read model: what readers see.
    await q.query(`
      CREATE TABLE published_article (
        id                 uuid PRIMARY KEY,
        version            integer NOT NULL,
        status             text NOT NULL,
        first_published_at timestamptz NOT NULL,
        updated_at         timestamptz NOT NULL,
        document           jsonb NOT NULL
      )`);
    await q.query(`CREATE INDEX published_article_updated ON published_article (updated_at DESC, id DESC)`);
    // Read model: the audit trail, one entry per event.
    await q.query(`
      CREATE TABLE audit_entry (
        position   bigint PRIMARY KEY,
        article_id uuid NOT NULL,
        version    integer NOT NULL,
        type       text NOT NULL,
        at         timestamptz NOT NULL,
        actor_id   uuid NOT NULL,
        actor      jsonb NOT NULL,
        summary    text NOT NULL,
        changes    jsonb NOT NULL,
        hash       text NOT NULL
      )`);
    await q.query(`CREATE UNIQUE INDEX audit_entry_article ON audit_entry (article_id, version)`);
    await q.query(`CREATE INDEX audit_entry_actor ON audit_entry (actor_id, position DESC)`);
    await q.query(`CREATE INDEX audit_entry_type ON audit_entry (type, position DESC)`);
    await q.query(`CREATE INDEX audit_entry_at ON audit_entry (at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of [
      'audit_entry',
      'published_article',
      'article_view',
      'users',
      'idempotency_keys',
      'projection_checkpoints',
      'streams',
      'events',
    ]) {
      await q.query(`DROP TABLE ${table}`);
    }
  }
}
