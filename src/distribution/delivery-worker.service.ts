import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown, Optional } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { isArticleStream } from '../articles/domain/article-stream';
import { Clock } from '../common/clock';
import { APP_CONFIG, AppConfig } from '../config/config';
import { EventStore } from '../event-store/event-store.service';
import type { GlobalPosition } from '../event-store/event-store.types';
import { ChangeFolder } from '../read-models/change-folder';
import { retryDelayMs } from './backoff';
import { NatsPublisher } from './nats.publisher';
import { deliveredDocument, messageIdOf } from './payload';
import { AttemptResult, postWebhook } from './webhook.destination';

/** The random numbers of the retry jitter; a provider so tests can fix them. */
export const DISTRIBUTION_RANDOM = Symbol('DISTRIBUTION_RANDOM');

/** Events read from the log per ingest transaction, and due deliveries taken per round. */
const INGEST_BATCH = 500;
const SEND_BATCH = 100;

interface SubscriberRow {
  id: string;
  kind: 'webhook' | 'nats';
  url: string | null;
  subject: string | null;
  secret: string | null;
  on_failure: 'continue' | 'stop';
  max_attempts: number;
}

interface DueDelivery {
  position: string;
  message_id: string;
  event_type: string;
  payload: string;
  attempts: number;
}

/**
 * Delivers the log to every active subscriber. Per subscriber, on the one instance holding its lease:
 * - ingest: the log read through the subscriber's own checkpoint with `EventStore.readAll` (the projections' order and
 *   visibility rule, so nothing committed late is passed over), each publication, correction and withdrawal queued as a
 *   delivery with its exact payload, and the checkpoint moved, in one transaction;
 * - send: of each article, only its oldest undelivered delivery, when due (so one article's deliveries arrive in log
 *   order); several articles at once; a failure is retried with exponential back-off and jitter, and after the
 *   subscriber's maxAttempts parked: its article waits (later deliveries of it stay queued) and the subscriber goes
 *   on with its other articles, or, with onFailure "stop", sends nothing more until a redelivery.
 * A delivery is marked delivered only after the receiver acknowledged it, so a crash in between sends it again
 * with the same message id (at least once; receivers de-duplicate by id).
 */
@Injectable()
export class DeliveryWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(DeliveryWorker.name);
  /** This instance, as the holder of subscriber leases. */
  readonly instanceId = randomUUID();
  private readonly serving = new Map<string, Promise<void>>();
  private readonly wakers = new Set<() => void>();
  private timer?: NodeJS.Timeout;
  private claiming?: Promise<void>;
  private stopped = false;
  private readonly cfg: AppConfig;
  private readonly random: () => number;

  constructor(
    private readonly store: EventStore,
    private readonly clock: Clock,
    private readonly nats: NatsPublisher,
    config: ConfigService,
    @Optional() @Inject(DISTRIBUTION_RANDOM) random?: () => number,
  ) {
    this.cfg = config.get<AppConfig>(APP_CONFIG)!;
    this.random = random ?? Math.random;
  }

  private get baseUrl(): string {
    return this.cfg.publicUrl;
  }

  onApplicationBootstrap(): void {
    if (this.cfg.NEWSROOM_DISTRIBUTION === 'off') return;
    this.scheduleClaim(0);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.wake();
    await this.claiming;
    await Promise.all(this.serving.values());
    // Give the leases back so another instance takes over at once, not after they expire.
    await this.store.dataSource
      .query(`UPDATE distribution_subscriber SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = $1`, [this.instanceId])
      .catch(() => undefined);
  }

  /** Ends every idle wait now: something was published, or the service is stopping. */
  wake(): void {
    for (const w of [...this.wakers]) w();
  }

  private scheduleClaim(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.claiming = this.claim()
        .then(() => undefined, (err) => this.logger.warn({ err: (err as Error).message }, 'could not claim subscribers; trying again'))
        .finally(() => {
          this.claiming = undefined;
          this.scheduleClaim(this.cfg.NEWSROOM_DISTRIBUTION_POLL_MS * 5);
        });
    }, ms);
    this.timer.unref();
  }

  /**
   * Takes the lease of every active subscriber nobody holds (or whose holder let it expire: a crashed instance) and
   * serves each. FOR UPDATE SKIP LOCKED: two instances claiming at once never wait on each other nor both win.
   */
  async claim(): Promise<string[]> {
    const claimed: { id: string }[] = await this.store.transaction(async (m) => {
      const free: { id: string }[] = await m.query(
        `SELECT id FROM distribution_subscriber
          WHERE status = 'active' AND (lease_owner IS NULL OR lease_owner = $1 OR lease_until < clock_timestamp())
          ORDER BY id FOR UPDATE SKIP LOCKED`,
        [this.instanceId],
      );
      if (!free.length) return [];
      await m.query(
        `UPDATE distribution_subscriber SET lease_owner = $1, lease_until = clock_timestamp() + $2 * interval '1 millisecond'
          WHERE id = ANY($3::uuid[])`,
        [this.instanceId, this.cfg.NEWSROOM_DISTRIBUTION_LEASE_MS, free.map((f) => f.id)],
      );
      return free;
    });
    for (const { id } of claimed) {
      if (this.serving.has(id) || this.stopped) continue;
      this.serving.set(id, this.serve(id).finally(() => this.serving.delete(id)));
    }
    return claimed.map((c) => c.id);
  }

  /** Serves one subscriber while this instance holds its lease and it is active. */
  private async serve(id: string): Promise<void> {
    const folder = new ChangeFolder(this.store, 2_000);
    let failures = 0;
    while (!this.stopped) {
      try {
        const subscriber = await this.renew(id);
        if (!subscriber) return;
        const ingested = await this.ingest(id, folder);
        const sent = await this.sendDue(subscriber);
        failures = 0;
        if (ingested === 0 && sent === 0) await this.idle(this.cfg.NEWSROOM_DISTRIBUTION_POLL_MS);
      } catch (err) {
        failures++;
        this.logger.warn({ subscriber: id, err: (err as Error).message }, 'delivery round failed; trying again');
        await this.idle(Math.min(10_000, 100 * 2 ** failures));
      }
    }
  }

  private idle(ms: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakers.add(done);
    });
  }

  /** Extends the lease; null when it was lost (another instance took over) or the subscriber is no longer active. */
  private async renew(id: string): Promise<SubscriberRow | null> {
    const [rows] = await this.store.dataSource.query(
      `UPDATE distribution_subscriber SET lease_until = clock_timestamp() + $3 * interval '1 millisecond'
        WHERE id = $1 AND lease_owner = $2 AND status = 'active'
        RETURNING id, kind, url, subject, secret, on_failure, max_attempts`,
      [id, this.instanceId, this.cfg.NEWSROOM_DISTRIBUTION_LEASE_MS],
    );
    return (rows as SubscriberRow[])[0] ?? null;
  }

  /** One batch of the log through the subscriber's checkpoint into its queue; the number of events read. */
  async ingest(id: string, folder = new ChangeFolder(this.store, 2_000)): Promise<number> {
    return this.store.transaction(async (m) => {
      const [row] = await m.query(
        `SELECT checkpoint_transaction_id AS tx, checkpoint_position AS pos FROM distribution_subscriber
          WHERE id = $1 AND lease_owner = $2 FOR UPDATE`,
        [id, this.instanceId],
      );
      if (!row) return 0;
      const after: GlobalPosition = { transactionId: String(row.tx), position: Number(row.pos) };
      const events = await this.store.readAll(m, after, INGEST_BATCH);
      if (!events.length) return 0;
      const now = this.clock.now();
      const queued: Record<string, unknown>[] = [];
      for (const event of events) {
        if (!isArticleStream(event.streamId)) continue;
        const { after: article } = await folder.change(m, event);
        const document = deliveredDocument(event, article, this.baseUrl);
        if (!document) continue;
        queued.push({
          position: event.position,
          transaction_id: event.transactionId,
          message_id: messageIdOf(event),
          article_id: article.id,
          article_version: event.version,
          event_type: event.type,
          payload: JSON.stringify(document),
        });
      }
      await this.queue(m, id, queued, now);
      const last = events[events.length - 1];
      await m.query(`UPDATE distribution_subscriber SET checkpoint_transaction_id = $2::xid8, checkpoint_position = $3 WHERE id = $1`, [
        id,
        last.transactionId,
        last.position,
      ]);
      return events.length;
    });
  }

  /** Queues deliveries; one already queued (read again after a redelivery moved the checkpoint back) is left as it is. */
  private async queue(m: EntityManager, subscriberId: string, rows: Record<string, unknown>[], now: string): Promise<void> {
    if (!rows.length) return;
    await m.query(
      `INSERT INTO distribution_delivery AS d
         (subscriber_id, position, transaction_id, message_id, article_id, article_version, event_type, payload, status, attempts, next_attempt_at, queued_at)
       SELECT $1, r.position, r.transaction_id::xid8, r.message_id, r.article_id, r.article_version, r.event_type, r.payload, 'pending', 0, $3::timestamptz, $3::timestamptz
         FROM json_to_recordset($2::json) AS r(position bigint, transaction_id text, message_id text, article_id uuid, article_version int, event_type text, payload text)
       ON CONFLICT (subscriber_id, position) DO NOTHING`,
      [subscriberId, JSON.stringify(rows), now],
    );
  }

  /**
   * Sends what is due, several articles at once, one delivery per article; the number of attempts made. Only what is
   * behind the checkpoint: after a redelivery moved it back, a later delivery queued again waits until the earlier
   * ones of its article have been read again and queued before it.
   */
  async sendDue(subscriber: SubscriberRow): Promise<number> {
    const now = this.clock.now();
    const due: DueDelivery[] = await this.store.dataSource.query(
      `SELECT h.position, h.message_id, h.event_type, h.payload, h.attempts FROM (
         SELECT DISTINCT ON (article_id) d.position, d.message_id, d.event_type, d.payload, d.attempts, d.status, d.next_attempt_at
           FROM distribution_delivery d JOIN distribution_subscriber s ON s.id = d.subscriber_id
          WHERE d.subscriber_id = $1 AND d.status <> 'delivered'
            AND (d.transaction_id, d.position) <= (s.checkpoint_transaction_id, s.checkpoint_position)
          ORDER BY d.article_id, d.transaction_id, d.position) h
        WHERE h.status = 'pending' AND h.next_attempt_at <= $2::timestamptz
          AND NOT ($3 AND EXISTS (SELECT 1 FROM distribution_delivery p WHERE p.subscriber_id = $1 AND p.status = 'parked'))
        ORDER BY h.position LIMIT $4`,
      [subscriber.id, now, subscriber.on_failure === 'stop', SEND_BATCH],
    );
    if (!due.length) return 0;
    let next = 0;
    const lane = async () => {
      while (next < due.length && !this.stopped) {
        const delivery = due[next++];
        const result = await this.attempt(subscriber, delivery);
        // Recorded as soon as the receiver acknowledged it: the log says when it was received, not when a batch ended.
        if (result.ok) await this.delivered(subscriber.id, delivery.position);
        else await this.failed(subscriber, delivery, result.error);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.cfg.NEWSROOM_DISTRIBUTION_CONCURRENCY, due.length) }, lane));
    return due.length;
  }

  private async delivered(subscriberId: string, position: string): Promise<void> {
    const at = this.clock.now();
    await this.store.dataSource.query(
      `UPDATE distribution_delivery SET status = 'delivered', attempts = attempts + 1, deliveries = deliveries + 1, last_error = NULL,
              delivered_at = $3::timestamptz, first_delivered_at = COALESCE(first_delivered_at, $3::timestamptz)
        WHERE subscriber_id = $1 AND position = $2 AND status = 'pending'`,
      [subscriberId, position, at],
    );
  }

  private attempt(subscriber: SubscriberRow, delivery: DueDelivery): Promise<AttemptResult> {
    const message = { id: delivery.message_id, eventType: delivery.event_type, body: delivery.payload };
    const timeout = this.cfg.NEWSROOM_DISTRIBUTION_TIMEOUT_MS;
    if (subscriber.kind === 'nats') return this.nats.publish(subscriber.subject!, message, timeout);
    return postWebhook(subscriber.url!, subscriber.secret!, message, new Date(this.clock.now()), timeout);
  }

  private async failed(subscriber: SubscriberRow, delivery: DueDelivery, error: string): Promise<void> {
    const attempts = delivery.attempts + 1;
    const parked = attempts >= subscriber.max_attempts;
    const retryAt = new Date(
      Date.parse(this.clock.now()) +
        retryDelayMs(attempts, { baseMs: this.cfg.NEWSROOM_DISTRIBUTION_RETRY_BASE_MS, maxMs: this.cfg.NEWSROOM_DISTRIBUTION_RETRY_MAX_MS }, this.random),
    ).toISOString();
    await this.store.dataSource.query(
      `UPDATE distribution_delivery SET attempts = $3, last_error = $4, status = $5, next_attempt_at = $6::timestamptz
        WHERE subscriber_id = $1 AND position = $2 AND status = 'pending'`,
      [subscriber.id, delivery.position, attempts, error.slice(0, 500), parked ? 'parked' : 'pending', retryAt],
    );
    if (parked) this.logger.warn({ subscriber: subscriber.id, message: delivery.message_id, attempts, err: error }, 'delivery parked');
  }
}
