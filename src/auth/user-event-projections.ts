import type { EntityManager } from 'typeorm';
import type { StoredEvent } from '../event-store/event-store.types';

/**
 * The read models that record user-management events (the audit trail), written in the events' own transaction.
 * ReadModelsModule provides it; declared here so that auth does not depend on the read models (they depend on it).
 */
export abstract class UserEventProjections {
  abstract projectInline(manager: EntityManager, events: StoredEvent[]): Promise<void>;
}
