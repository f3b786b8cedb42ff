import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { createHash, createHmac } from 'node:crypto';
import { jwtSecret } from '../auth/jwt-secret';
import { APP_CONFIG, AppConfig } from '../config/config';
import { CheckpointStore } from '../event-store/checkpoint.store';
import { EventStore } from '../event-store/event-store.service';

const GENESIS = 'masthead:notary:genesis';
/** Its checkpoint's name (its row is made by a migration). */
const NOTARY = 'notary';

export interface ChainLink {
  seq: number;
  position: number;
  streamId: string;
  version: number;
  eventHash: string;
  chainHash: string;
}

/**
 * Seals every committed event, in the order readers see them, into one keyed chain:
 * chain = HMAC(key, previous chain ‖ position ‖ stream ‖ version ‖ event hash). Someone who can write to the
 * database but does not hold the key cannot rebuild the chain after deleting a whole stream, inserting a
 * stream, or moving events between positions. Runs in the background, one instance at a time (the checkpoint
 * row is taken FOR UPDATE SKIP LOCKED), so appends never queue on it.
 */
@Injectable()
export class Notary implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(Notary.name);
  private readonly key: Buffer;
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private running?: Promise<unknown>;

  constructor(
    private readonly store: EventStore,
    private readonly checkpoints: CheckpointStore,
    private readonly config: ConfigService,
  ) {
    this.key = createHash('sha256').update(`masthead:notary:${jwtSecret(config.get<AppConfig>(APP_CONFIG)!)}`).digest();
  }

  link(previous: string, l: Omit<ChainLink, 'chainHash' | 'seq'>): string {
    return createHmac('sha256', this.key).update(`${previous}\n${l.position}\n${l.streamId}\n${l.version}\n${l.eventHash}`).digest('hex');
  }

  get genesis(): string {
    return createHmac('sha256', this.key).update(GENESIS).digest('hex');
  }

  onApplicationBootstrap(): void {
    if (this.config.get<AppConfig>(APP_CONFIG)?.NEWSROOM_PROJECTION_DAEMON === 'off') return;
    const tick = () => {
      if (this.stopped) return;
      this.running = this.seal()
        .catch((err: unknown) => this.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'notary pass failed; will retry'))
        .finally(() => {
          this.running = undefined;
          if (!this.stopped) {
            this.timer = setTimeout(tick, 1000);
            this.timer.unref();
          }
        });
    };
    this.timer = setTimeout(tick, 300);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /** Seals everything committed and not yet sealed; returns how many events it sealed. */
  async seal(batchSize = 1000): Promise<number> {
    let total = 0;
    for (;;) {
      const n = await this.store.transaction(async (m) => {
        const after = await this.checkpoints.claim(m, NOTARY);
        if (!after) return 0;
        const events = await this.store.readAll(m, after, batchSize);
        if (!events.length) return 0;
        const [last] = await m.query(`SELECT seq, chain_hash FROM event_chain ORDER BY seq DESC LIMIT 1`);
        let seq = last ? Number(last.seq) : 0;
        let previous: string = last?.chain_hash ?? this.genesis;
        const params: unknown[] = [];
        const rows = events.map((e) => {
          seq += 1;
          previous = this.link(previous, { position: e.position, streamId: e.streamId, version: e.version, eventHash: e.hash });
          const n = params.push(seq, e.position, e.streamId, e.version, e.hash, previous);
          return `($${n - 5}, $${n - 4}, $${n - 3}, $${n - 2}, $${n - 1}, $${n})`;
        });
        await m.query(`INSERT INTO event_chain (seq, position, stream_id, version, event_hash, chain_hash) VALUES ${rows.join(', ')}`, params);
        const end = events[events.length - 1];
        await this.checkpoints.advance(m, NOTARY, end);
        return events.length;
      });
      if (!n) return total;
      total += n;
    }
  }
}
