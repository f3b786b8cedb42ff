import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { jetstream, JetStreamClient } from '@nats-io/jetstream';
import { connect, headers, NatsConnection } from '@nats-io/transport-node';
import { APP_CONFIG, AppConfig } from '../config/config';
import type { AttemptResult } from './webhook.destination';

/**
 * The service's one connection to NATS (NEWSROOM_NATS_URL), opened at the first delivery and kept open: once
 * connected it reconnects for ever; before that, each delivery tries to connect again. NATS being down delays
 * deliveries (they fail and are retried) but never the service or publishing.
 */
@Injectable()
export class NatsPublisher implements OnApplicationShutdown {
  private readonly logger = new Logger('NatsConnection');
  private connection?: Promise<NatsConnection>;
  private js?: JetStreamClient;
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
   * Publishes one delivery to a JetStream subject with `Nats-Msg-Id` (JetStream drops a second copy within the
   * stream's duplicate window) and waits for the stream's acknowledgement.
   */
  async publish(subject: string, message: { id: string; eventType: string; body: string }, timeoutMs: number): Promise<AttemptResult> {
    if (this.closed) return { ok: false, error: 'shutting down' };
    if (!this.url) return { ok: false, error: 'NEWSROOM_NATS_URL is not set' };
    try {
      const nc = await withTimeout(this.open(), timeoutMs, 'NATS is not reachable');
      this.js ??= jetstream(nc);
      const h = headers();
      h.set('Masthead-Event', message.eventType);
      h.set('Content-Type', 'application/json');
      const ack = await this.js.publish(subject, message.body, { msgID: message.id, headers: h, timeout: timeoutMs });
      return ack.duplicate || ack.seq > 0 ? { ok: true } : { ok: false, error: 'no acknowledgement' };
    } catch (err) {
      return { ok: false, error: (err as Error).message || String(err) };
    }
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
