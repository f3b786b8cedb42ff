import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy, Provider } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver.js';
import { APP_CONFIG, AppConfig } from '../../config/config';
import type { PGlitePool } from '../../database/pglite-pool';
import { PublishedCache } from './published-cache';

/** The channel the published_article trigger notifies (migrations/1764350000000-PublishedArticleChanged.ts). */
export const CHANNEL = 'published_article_changed';
/** How the listener's connection shows in pg_stat_activity. */
export const LISTENER_APPLICATION_NAME = 'masthead-published-cache';

const FIRST_RETRY_MS = 100;
const LAST_RETRY_MS = 5_000;

/**
 * Feeds the published cache the changes to published_article, from this instance and every other on the database:
 * on PostgreSQL a dedicated connection LISTENs (reconnecting with backoff; the cache is off while it is down), on
 * the embedded database the PGlite instance's own listen().
 */
@Injectable()
export class PublishedCacheListener implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(PublishedCacheListener.name);
  private client: Client | null = null;
  private unlisten: (() => Promise<void>) | null = null;
  private retry: NodeJS.Timeout | null = null;
  private stopped = false;
  private retryMs = FIRST_RETRY_MS;

  constructor(
    private readonly cache: PublishedCache,
    private readonly dataSource: DataSource,
    private readonly config: ConfigService,
  ) {}

  /** The server process of the listening connection, for operators (and the test that kills it). */
  get backendPid(): number | null {
    return (this.client as (Client & { processID?: number }) | null)?.processID ?? null;
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.cache.switchedOn) return;
    const url = this.config.get<AppConfig>(APP_CONFIG)!.DATABASE_URL;
    if (!url) {
      await this.listenEmbedded();
      return;
    }
    // The first attempt is awaited so an instance that can reach its database starts with the cache on.
    await this.connect(url);
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    if (this.retry) clearTimeout(this.retry);
    this.cache.setLive(false);
    await this.client?.end().catch(() => undefined);
    await this.unlisten?.().catch(() => undefined);
  }

  private onNotification = (payload: string | undefined): void => {
    if (payload === '*') this.cache.clear();
    else if (payload) this.cache.evict(payload);
  };

  private async listenEmbedded(): Promise<void> {
    const pool = (this.dataSource.driver as PostgresDriver).master as PGlitePool;
    this.unlisten = await pool.listen(CHANNEL, this.onNotification);
    this.cache.setLive(true);
  }

  private async connect(url: string): Promise<void> {
    const client = new Client({ connectionString: url, application_name: LISTENER_APPLICATION_NAME, connectionTimeoutMillis: 5_000, keepAlive: true });
    this.client = client;
    let lost = false;
    const onLost = (err?: Error) => {
      if (lost) return;
      lost = true;
      // Changes made while nobody listens would be missed: serve from the database until listening again.
      this.cache.setLive(false);
      client.end().catch(() => undefined);
      if (this.stopped) return;
      this.logger.warn(`lost the ${CHANNEL} listener (${err?.message ?? 'connection ended'}); retrying in ${this.retryMs} ms`);
      this.scheduleRetry(url);
    };
    client.on('notification', (message) => this.onNotification(message.payload));
    client.on('error', onLost);
    client.on('end', () => onLost());
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
    } catch (err) {
      onLost(err as Error);
      return;
    }
    if (lost || this.stopped) return;
    this.retryMs = FIRST_RETRY_MS;
    this.cache.setLive(true);
  }

  private scheduleRetry(url: string): void {
    const wait = this.retryMs;
    this.retryMs = Math.min(this.retryMs * 2, LAST_RETRY_MS);
    this.retry = setTimeout(() => {
      this.retry = null;
      if (!this.stopped) void this.connect(url);
    }, wait);
    this.retry.unref();
  }
}

/** The cache, sized by the settings. */
export const publishedCacheProvider: Provider = {
  provide: PublishedCache,
  useFactory: (config: ConfigService) => {
    const { NEWSROOM_PUBLISHED_CACHE_ENTRIES: entries, NEWSROOM_PUBLISHED_CACHE_MB: mb } = config.get<AppConfig>(APP_CONFIG)!;
    return new PublishedCache(entries, mb * 2 ** 20);
  },
  inject: [ConfigService],
};
