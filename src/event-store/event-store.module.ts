import { DynamicModule, Module } from '@nestjs/common';
import { CheckpointStore } from './checkpoint.store';
import { EventSchemas } from './event-schemas';
import { EventStore } from './event-store.service';
import { IdempotencyStore } from './idempotency.store';

/**
 * The log: append, read a stream, read everything in commit-safe order, readers' checkpoints, idempotency. The only
 * module that runs SQL on events, streams and projection_checkpoints. Global: every feature writes or reads the log.
 * `schemas` gives the event types' versions and upcasters (the features own their events).
 */
@Module({})
export class EventStoreModule {
  static forRoot(schemas: () => EventSchemas): DynamicModule {
    return {
      module: EventStoreModule,
      global: true,
      providers: [{ provide: EventSchemas, useFactory: schemas }, EventStore, IdempotencyStore, CheckpointStore],
      exports: [EventSchemas, EventStore, IdempotencyStore, CheckpointStore],
    };
  }
}
