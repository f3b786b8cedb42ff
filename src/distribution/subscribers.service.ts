import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { Clock } from '../common/clock';
import { problem } from '../common/problem.filter';
import { APP_CONFIG, AppConfig } from '../config/config';
import { EventStore } from '../event-store/event-store.service';
import { START } from '../event-store/event-store.types';
import { UserEventProjections } from '../auth/user-event-projections';
import type { UserActor } from '../auth/users.service';
import { UUID } from '../common/uuid';
import { DeliveryWorker } from './delivery-worker.service';
import { Destination, OnFailure, SubscriberEvent, subscriberStreamId } from './subscriber-events';
import { newWebhookSecret } from './webhook.destination';

export interface NewSubscriber {
  name: string;
  destination: Destination;
  onFailure?: OnFailure;
  maxAttempts?: number;
  /** Where in the log it starts: every publication so far ("beginning") or only what comes next ("now", the default). */
  from?: 'beginning' | 'now';
}

const COLUMNS = `s.id, s.name, s.kind, s.url, s.subject, s.status, s.on_failure, s.max_attempts, s.created_at, s.created_by, s.updated_at,
  s.checkpoint_position, s.lease_owner, s.lease_until,
  (SELECT count(*) FROM distribution_delivery d WHERE d.subscriber_id = s.id AND d.status = 'pending') AS pending,
  (SELECT count(*) FROM distribution_delivery d WHERE d.subscriber_id = s.id AND d.status = 'parked') AS parked,
  (SELECT count(*) FROM distribution_delivery d WHERE d.subscriber_id = s.id AND d.status = 'delivered') AS delivered`;

/** A subscriber as the API shows it: never its secret. */
function view(r: Record<string, any>) {
  const parked = Number(r.parked);
  return {
    id: r.id,
    name: r.name,
    destination: r.kind === 'webhook' ? { kind: 'webhook', url: r.url } : { kind: 'nats', subject: r.subject },
    status: r.status,
    onFailure: r.on_failure,
    maxAttempts: r.max_attempts,
    /** With onFailure "stop", a parked delivery stops the subscriber until a redelivery. */
    halted: r.on_failure === 'stop' && parked > 0,
    position: Number(r.checkpoint_position),
    deliveries: { pending: Number(r.pending), parked, delivered: Number(r.delivered) },
    createdAt: new Date(r.created_at).toISOString(),
    createdBy: r.created_by,
    updatedAt: new Date(r.updated_at).toISOString(),
  };
}

export type SubscriberView = ReturnType<typeof view>;

const notFound = () => new NotFoundException(problem(404, 'no such subscriber', { code: 'SUBSCRIBER_NOT_FOUND' }, 'SUBSCRIBER_NOT_FOUND'));

/**
 * Subscriber management by admins. Each change is an event in the subscriber's stream (who did it, when), written in
 * the same transaction as the subscriber's row and its audit trail entry, as user management is.
 */
@Injectable()
export class SubscribersService {
  constructor(
    private readonly store: EventStore,
    private readonly clock: Clock,
    private readonly projections: UserEventProjections,
    private readonly worker: DeliveryWorker,
    private readonly config: ConfigService,
  ) {}

  private async record(m: EntityManager, subscriberId: string, events: SubscriberEvent[], by: UserActor): Promise<void> {
    const head = await this.store.head(m, subscriberStreamId(subscriberId));
    const stored = await this.store.append(
      m,
      head.streamId,
      head,
      events,
      { actorId: by.id, username: by.username, roles: by.roles, correlationId: by.correlationId ?? randomUUID(), causationId: randomUUID() },
      this.clock.now(),
    );
    await this.projections.projectInline(m, stored);
  }

  async create(input: NewSubscriber, by: UserActor): Promise<{ id: string; secret: string | null }> {
    if (input.destination.kind === 'nats' && !this.config.get<AppConfig>(APP_CONFIG)?.NEWSROOM_NATS_URL) {
      throw new ConflictException(
        problem(409, 'this service has no NATS server configured (NEWSROOM_NATS_URL): a NATS subscriber cannot be added', { code: 'NATS_NOT_CONFIGURED' }, 'NATS_NOT_CONFIGURED'),
      );
    }
    const id = randomUUID();
    const secret = input.destination.kind === 'webhook' ? newWebhookSecret() : null;
    const from = input.from ?? 'now';
    const onFailure = input.onFailure ?? 'continue';
    const maxAttempts = input.maxAttempts ?? this.config.get<AppConfig>(APP_CONFIG)!.NEWSROOM_DISTRIBUTION_MAX_ATTEMPTS;
    await this.store.transaction(async (m) => {
      const start = from === 'beginning' ? START : await this.store.visibleHead(m);
      const now = this.clock.now();
      const d = input.destination;
      await m.query(
        `INSERT INTO distribution_subscriber (id, name, kind, url, subject, secret, status, on_failure, max_attempts, created_at, created_by, updated_at,
                                              checkpoint_transaction_id, checkpoint_position)
         VALUES ($1, $2, $3, $4, $5, $6, 'active', $7, $8, $9::timestamptz, $10::jsonb, $9::timestamptz, $11::xid8, $12)`,
        [id, input.name, d.kind, d.kind === 'webhook' ? d.url : null, d.kind === 'nats' ? d.subject : null, secret, onFailure, maxAttempts, now,
          JSON.stringify({ id: by.id, username: by.username }), start.transactionId, start.position],
      );
      await this.record(m, id, [{ type: 'SubscriberAdded', data: { subscriberId: id, name: input.name, destination: d, onFailure, maxAttempts, from } }], by);
    });
    this.worker.wake();
    return { id, secret };
  }

  async list(): Promise<SubscriberView[]> {
    const rows = await this.store.dataSource.query(`SELECT ${COLUMNS} FROM distribution_subscriber s WHERE s.status <> 'deleted' ORDER BY s.created_at, s.id`);
    return rows.map(view);
  }

  async get(id: string): Promise<SubscriberView> {
    const [row] = UUID.test(id) ? await this.store.dataSource.query(`SELECT ${COLUMNS} FROM distribution_subscriber s WHERE s.id = $1`, [id]) : [];
    if (!row || row.status === 'deleted') throw notFound();
    return view(row);
  }

  /** Locks a live subscriber's row for a change. */
  private async lock(m: EntityManager, id: string): Promise<{ name: string; status: string }> {
    const [row] = UUID.test(id) ? await m.query(`SELECT name, status FROM distribution_subscriber WHERE id = $1 FOR UPDATE`, [id]) : [];
    if (!row || row.status === 'deleted') throw notFound();
    return row;
  }

  /** Pause, resume or remove. A change to the state it already has is no event (nothing happened). */
  async setStatus(id: string, to: 'active' | 'paused' | 'deleted', by: UserActor): Promise<SubscriberView> {
    await this.store.transaction(async (m) => {
      const { name, status } = await this.lock(m, id);
      if (status === to) return;
      // A removed subscriber's secret is erased: nothing will be signed with it again.
      await m.query(
        `UPDATE distribution_subscriber SET status = $2, updated_at = $3::timestamptz, secret = CASE WHEN $2 = 'deleted' THEN NULL ELSE secret END,
                lease_owner = CASE WHEN $2 = 'active' THEN lease_owner ELSE NULL END
          WHERE id = $1`,
        [id, to, this.clock.now()],
      );
      const type = to === 'active' ? 'SubscriberResumed' : to === 'paused' ? 'SubscriberPaused' : 'SubscriberRemoved';
      await this.record(m, id, [{ type, data: { name } }], by);
    });
    this.worker.wake();
    if (to === 'deleted') return { ...(await this.viewAnyStatus(id)) };
    return this.get(id);
  }

  private async viewAnyStatus(id: string): Promise<SubscriberView> {
    const [row] = await this.store.dataSource.query(`SELECT ${COLUMNS} FROM distribution_subscriber s WHERE s.id = $1`, [id]);
    return view(row);
  }

  /**
   * Delivers again to one subscriber every publication, correction and withdrawal from the event at `fromPosition`
   * on (0: from the beginning of the log), in order, as at first: its checkpoint moves back there and each such
   * delivery is queued again (parked ones included). For a partner that lost its data, or after a parked delivery's
   * cause was fixed.
   */
  async redeliver(id: string, fromPosition: number, by: UserActor): Promise<SubscriberView> {
    await this.store.transaction(async (m) => {
      const { name } = await this.lock(m, id);
      const from = fromPosition === 0 ? START : await this.store.positionBefore(m, fromPosition);
      if (!from) throw new NotFoundException(problem(404, `there is no event at position ${fromPosition}`, { code: 'POSITION_NOT_FOUND' }, 'POSITION_NOT_FOUND'));
      // Only ever back: a position ahead of the checkpoint would skip what is not yet delivered.
      await m.query(
        `UPDATE distribution_subscriber
            SET checkpoint_transaction_id = $2::xid8, checkpoint_position = $3, updated_at = $4::timestamptz
          WHERE id = $1 AND (checkpoint_transaction_id, checkpoint_position) > ($2::xid8, $3::bigint)`,
        [id, from.transactionId, from.position, this.clock.now()],
      );
      // Deliveries at or after the position not read again (the checkpoint was already before them) are queued again here.
      await m.query(
        `UPDATE distribution_delivery SET status = 'pending', attempts = 0, last_error = NULL, next_attempt_at = $4::timestamptz
          WHERE subscriber_id = $1 AND (transaction_id, position) > ($2::xid8, $3::bigint)`,
        [id, from.transactionId, from.position, this.clock.now()],
      );
      await this.record(m, id, [{ type: 'RedeliveryRequested', data: { name, fromPosition } }], by);
    });
    this.worker.wake();
    return this.get(id);
  }
}
