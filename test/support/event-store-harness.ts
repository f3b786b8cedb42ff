import { DataSource, EntityManager } from 'typeorm';
import { validateEnvironment } from '../../src/config/config';
import { dataSourceOptions } from '../../src/database/data-source-options';
import { EventSchemas } from '../../src/event-store/event-schemas';
import { EventStore } from '../../src/event-store/event-store.service';
import { EventMetadata, GlobalPosition, START, StoredEvent } from '../../src/event-store/event-store.types';
import { freshDatabase } from './test-app';

/**
 * An EventStore on a fresh, migrated database of whichever engine the environment selects (PGlite, or the
 * PostgreSQL server in DATABASE_URL), without a Nest app.
 */
export interface EventStoreHarness {
  dataSource: DataSource;
  store: EventStore;
  /** True on a real PostgreSQL server: connections run concurrently. False on PGlite: they take turns. */
  postgres: boolean;
  close(): Promise<void>;
}

export async function startEventStore(): Promise<EventStoreHarness> {
  const db = await freshDatabase();
  const config = validateEnvironment({ ...db.env, LOG_LEVEL: 'silent' });
  const dataSource = new DataSource(dataSourceOptions(config));
  try {
    await dataSource.initialize();
    await dataSource.runMigrations({ transaction: 'each' });
  } catch (err) {
    if (dataSource.isInitialized) await dataSource.destroy().catch(() => undefined);
    await db.drop().catch(() => undefined);
    throw err;
  }
  return {
    dataSource,
    store: new EventStore(dataSource, new EventSchemas()),
    postgres: !config.embedded,
    async close() {
      // The DataSource first: on PGlite its pool's end() closes the PGlite instance and frees the lock file.
      if (dataSource.isInitialized) await dataSource.destroy();
      await db.drop();
    },
  };
}

let streamCounter = 0;
/** A stream id not used before in this process. */
export const newStreamId = (prefix = 'test') => `${prefix}-${++streamCounter}-${Math.random().toString(36).slice(2, 8)}`;

export const metadata = (extra: Partial<EventMetadata> = {}): EventMetadata => ({
  actorId: '00000000-0000-4000-8000-000000000001',
  username: 'tester',
  roles: ['editor'],
  correlationId: 'corr-1',
  causationId: 'cmd-1',
  ...extra,
});

/** Resolves after `ms` milliseconds with the value `timedOut`. */
export const delay = <T = 'timed out'>(ms: number, value: T = 'timed out' as T) =>
  new Promise<T>((resolve) => setTimeout(() => resolve(value), ms));

/** Reads the whole log from `from` with store.readAll, page by page, and the position after the last event. */
export async function drainAll(
  store: EventStore,
  manager: EntityManager,
  from: GlobalPosition = START,
  pageSize = 100,
): Promise<{ events: StoredEvent[]; checkpoint: GlobalPosition }> {
  const events: StoredEvent[] = [];
  let checkpoint = from;
  for (;;) {
    const page = await store.readAll(manager, checkpoint, pageSize);
    events.push(...page);
    if (page.length === 0) return { events, checkpoint };
    const last = page[page.length - 1];
    checkpoint = { transactionId: last.transactionId, position: last.position };
    if (page.length < pageSize) return { events, checkpoint };
  }
}

/** A barrier for `n` parties: each awaits arrive(), and all are released when the n-th arrives. */
export function barrier(n: number): { arrive(): Promise<void> } {
  let arrived = 0;
  let release!: () => void;
  const all = new Promise<void>((resolve) => (release = resolve));
  return {
    arrive() {
      if (++arrived >= n) release();
      return all;
    },
  };
}
