import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

const ENTRY = `d.subscriber_id, s.name AS subscriber_name, s.kind, d.position, d.message_id, d.article_id, d.article_version, d.event_type,
  d.status, d.attempts, d.last_error, d.queued_at, d.next_attempt_at, d.first_delivered_at, d.delivered_at, d.deliveries`;

const iso = (t: unknown) => (t ? new Date(t as string).toISOString() : null);

/** One delivery: who was sent which version of which article, and when they received it. */
function entry(r: Record<string, any>) {
  return {
    subscriber: { id: r.subscriber_id, name: r.subscriber_name, kind: r.kind },
    position: Number(r.position),
    messageId: r.message_id,
    articleId: r.article_id,
    version: r.article_version,
    event: r.event_type,
    status: r.status,
    attempts: r.attempts,
    lastError: r.last_error,
    queuedAt: iso(r.queued_at),
    nextAttemptAt: r.status === 'pending' ? iso(r.next_attempt_at) : null,
    /** When the receiver first acknowledged it, and the latest time (after redeliveries). */
    firstDeliveredAt: iso(r.first_delivered_at),
    deliveredAt: iso(r.delivered_at),
    deliveries: r.deliveries,
  };
}

export type DeliveryEntry = ReturnType<typeof entry>;

/** The delivery log, per article and per subscriber, and the distribution audit. */
@Injectable()
export class DeliveryLogQueries {
  constructor(private readonly dataSource: DataSource) {}

  async byArticle(articleId: string): Promise<DeliveryEntry[]> {
    const rows = await this.dataSource.query(
      `SELECT ${ENTRY} FROM distribution_delivery d JOIN distribution_subscriber s ON s.id = d.subscriber_id
        WHERE d.article_id = $1 ORDER BY d.transaction_id, d.position, s.name, s.id`,
      [articleId],
    );
    return rows.map(entry);
  }

  async bySubscriber(subscriberId: string, q: { status?: string; after?: number; limit?: number }): Promise<DeliveryEntry[]> {
    const rows = await this.dataSource.query(
      `SELECT ${ENTRY} FROM distribution_delivery d JOIN distribution_subscriber s ON s.id = d.subscriber_id
        WHERE d.subscriber_id = $1 AND ($2::text IS NULL OR d.status = $2) AND d.position > $3
        ORDER BY d.position LIMIT $4`,
      [subscriberId, q.status ?? null, q.after ?? 0, q.limit ?? 100],
    );
    return rows.map(entry);
  }

  /** The exact body sent for one delivery (what the signature covers). */
  async payload(subscriberId: string, position: number): Promise<string | null> {
    const [row] = await this.dataSource.query(`SELECT payload FROM distribution_delivery WHERE subscriber_id = $1 AND position = $2`, [subscriberId, position]);
    return row?.payload ?? null;
  }

  /**
   * Every partner that received a version of an article that was later corrected or withdrawn, without having received
   * that latest public version (the correction, or the kill notice). Removed subscribers count too: they still hold
   * what they were sent. `missing` says where the latest version is: pending (being delivered), parked, or not yet
   * queued (the subscriber is paused, removed, or behind in the log).
   */
  async gaps() {
    const rows = await this.dataSource.query(
      `WITH received AS (
         SELECT subscriber_id, article_id, max(article_version) AS received_version
           FROM distribution_delivery WHERE first_delivered_at IS NOT NULL GROUP BY subscriber_id, article_id
       )
       SELECT r.subscriber_id, s.name, s.status AS subscriber_status, r.article_id, r.received_version,
              p.version AS latest_version, p.status AS article_status,
              (SELECT l.status FROM distribution_delivery l
                WHERE l.subscriber_id = r.subscriber_id AND l.article_id = r.article_id AND l.article_version = p.version) AS latest_delivery
         FROM received r
         JOIN distribution_subscriber s ON s.id = r.subscriber_id
         JOIN published_article p ON p.id = r.article_id
        WHERE p.version > r.received_version
        ORDER BY s.name, r.subscriber_id, r.article_id`,
    );
    return rows.map((r: Record<string, any>) => ({
      subscriber: { id: r.subscriber_id, name: r.name, status: r.subscriber_status },
      articleId: r.article_id,
      articleStatus: r.article_status,
      receivedVersion: r.received_version,
      latestVersion: r.latest_version,
      missing: r.latest_delivery ?? 'not-queued',
    }));
  }
}
