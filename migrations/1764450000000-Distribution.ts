import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Distribution (issue #18): partners (subscribers) and what was delivered to them.
 *
 * `distribution_subscriber` is the current state of each subscriber, written in the same transaction as the
 * subscriber's events (stream `subscriber-<id>`), plus what only the delivery needs: the signing secret (never in an
 * event), the checkpoint in the log (transaction id, position: the order `EventStore.readAll` reads in) and the lease
 * that gives one instance at a time the right to serve it.
 *
 * `distribution_delivery` is the delivery log and the outbox in one: one row per subscriber and event delivered
 * (publication, correction, withdrawal), with the exact payload, its state and every time it was received.
 */
export class Distribution1764450000000 implements MigrationInterface {
  name = 'Distribution1764450000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE distribution_subscriber (
        id                        uuid PRIMARY KEY,
        name                      text NOT NULL,
        kind                      text NOT NULL CHECK (kind IN ('webhook', 'nats')),
        url                       text,
        subject                   text,
        secret                    text,
        status                    text NOT NULL CHECK (status IN ('active', 'paused', 'deleted')),
        on_failure                text NOT NULL CHECK (on_failure IN ('continue', 'stop')),
        max_attempts              integer NOT NULL CHECK (max_attempts > 0),
        created_at                timestamptz NOT NULL,
        created_by                jsonb NOT NULL,
        updated_at                timestamptz NOT NULL,
        checkpoint_transaction_id xid8 NOT NULL,
        checkpoint_position       bigint NOT NULL,
        lease_owner               text,
        lease_until               timestamptz
      )`);
    await q.query(`
      CREATE TABLE distribution_delivery (
        subscriber_id      uuid NOT NULL REFERENCES distribution_subscriber (id),
        position           bigint NOT NULL,
        transaction_id     xid8 NOT NULL,
        message_id         text NOT NULL,
        article_id         uuid NOT NULL,
        article_version    integer NOT NULL,
        event_type         text NOT NULL,
        payload            text NOT NULL,
        status             text NOT NULL CHECK (status IN ('pending', 'delivered', 'parked')),
        attempts           integer NOT NULL DEFAULT 0,
        next_attempt_at    timestamptz NOT NULL,
        last_error         text,
        queued_at          timestamptz NOT NULL,
        first_delivered_at timestamptz,
        delivered_at       timestamptz,
        deliveries         integer NOT NULL DEFAULT 0,
        PRIMARY KEY (subscriber_id, position)
      )`);
    // The sender's question: the oldest undelivered delivery of each article of a subscriber.
    await q.query(`CREATE INDEX distribution_delivery_open ON distribution_delivery (subscriber_id, article_id, transaction_id, position) WHERE status <> 'delivered'`);
    await q.query(`CREATE INDEX distribution_delivery_article ON distribution_delivery (article_id, subscriber_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE distribution_delivery`);
    await q.query(`DROP TABLE distribution_subscriber`);
  }
}
