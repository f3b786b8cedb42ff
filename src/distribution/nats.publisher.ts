import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { jetstream, JetStreamClient, jetstreamManager, JetStreamManager, PubAck } from '@nats-io/jetstream';
import { connect, headers, NatsConnection } from '@nats-io/transport-node';
import { APP_CONFIG, AppConfig } from '../config/config';
import type { AttemptResult } from './webhook.destination';

/**
 * The service's one connection to NATS (NEWSROOM_NATS_URL), opened at the first delivery and kept open: once
 * connected it reconnects for ever; before that, each delivery tries to connect again. NATS being down delays
 * deliveries (they fail and are retried) but never the service or publishing.
 */
/** The JetStream message id of an event's delivery to a subject: the same on every attempt, one per subject. */
export const natsMessageId = (eventId: string, subject: string): string => `${eventId}@${subject}`;

@Injectable()
export class NatsPublisher implements OnApplicationShutdown {
  private readonly logger = new Logger('NatsConnection');
  private connection?: Promise<NatsConnection>;
  private js?: JetStreamClient;
  private jsm?: JetStreamManager;
  private closed = false;

  constructor(private readonly config: ConfigService) {}

  get configured(): boolean {
    return Boolean(this.url);
  }

  private get url(): string | undefined {
    return this.config.get<AppConfig>(APP_CONFIG)?.NEWSROOM_NATS_URL;
  }

  private open(): Promise<NatsConnection> {
    if (!this.connection) {
      const servers = this.url!.split(',');
      this.connection = connect({ servers, maxReconnectAttempts: -1, timeout: 2000, reconnectTimeWait: 250, name: 'masthead' }).then(
        (nc) => {
          this.logger.log(`connected to NATS at ${nc.getServer()}`);
          return nc;
        },
        (err: Error) => {
          this.connection = undefined;
          throw err;
        },
      );
    }
    return this.connection;
  }

  /**
   * Publishes one delivery to a JetStream subject and waits for the stream's acknowledgement. `Nats-Msg-Id` is the
   * event id and the subject: JetStream drops a second copy within the stream's duplicate window, and counts ids
   * across the whole stream, which may capture several partners' subjects (`partners.>`). A duplicate counts as
   * delivered only when the stream still holds the copy it kept, on this subject.
   */
  async publish(subject: string, message: { id: string; eventType: string; body: string }, timeoutMs: number): Promise<AttemptResult> {
    if (this.closed) return { ok: false, error: 'shutting down' };
    if (!this.url) return { ok: false, error: 'NEWSROOM_NATS_URL is not set' };
    try {
      const nc = await withTimeout(this.open(), timeoutMs, 'NATS is not reachable');
      this.js ??= jetstream(nc);
      const h = headers();
      h.set('Masthead-Event', message.eventType);
      h.set('Masthead-Event-Id', message.id);
      h.set('Content-Type', 'application/json');
      const msgID = natsMessageId(message.id, subject);
      const ack = await this.js.publish(subject, message.body, { msgID, headers: h, timeout: timeoutMs });
      if (ack.duplicate) return await withTimeout(this.keptCopy(nc, subject, msgID, ack), timeoutMs, 'NATS did not answer');
      return ack.seq > 0 ? { ok: true } : { ok: false, error: 'no acknowledgement' };
    } catch (err) {
      return { ok: false, error: (err as Error).message || String(err) };
    }
  }

  /** The copy a duplicate acknowledgement points at (ack.seq): delivered if the stream holds it on this subject. */
  private async keptCopy(nc: NatsConnection, subject: string, id: string, ack: PubAck): Promise<AttemptResult> {
    this.jsm ??= await jetstreamManager(nc, { checkAPI: false });
    const kept = await this.jsm.streams.getMessage(ack.stream, { seq: ack.seq });
    if (kept?.subject === subject) return { ok: true };
    // Retried: once the duplicate window has passed, the stream stores the copy again.
    return {
      ok: false,
      error: kept
        ? `stream ${ack.stream} holds message id ${id} on ${kept.subject}, not on ${subject}`
        : `stream ${ack.stream} reports message id ${id} as a duplicate of sequence ${ack.seq}, which it no longer holds`,
    };
  }

  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    const pending = this.connection;
    this.connection = undefined;
    if (!pending) return;
    const nc = await withTimeout(pending, 3000, '').catch(() => undefined);
    await nc?.close().catch(() => undefined);
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(message)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
