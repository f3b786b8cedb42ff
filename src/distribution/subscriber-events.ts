import type { StoredEvent } from '../event-store/event-store.types';

export type DestinationKind = 'webhook' | 'nats';
export type Destination = { kind: 'webhook'; url: string } | { kind: 'nats'; subject: string };
/** What a subscriber does after a delivery is parked: go on with its other articles, or stop until redelivery. */
export type OnFailure = 'continue' | 'stop';

/**
 * Subscriber management, recorded as events in the subscriber's own stream (`subscriber-<id>`), like user management:
 * who added, paused, resumed, removed a partner or had the log delivered again. Never the signing secret.
 */
export type SubscriberEvent =
  | {
      type: 'SubscriberAdded';
      data: { subscriberId: string; name: string; destination: Destination; onFailure: OnFailure; maxAttempts: number; from: 'beginning' | 'now' };
    }
  | { type: 'SubscriberPaused'; data: { name: string } }
  | { type: 'SubscriberResumed'; data: { name: string } }
  | { type: 'SubscriberRemoved'; data: { name: string } }
  /** Delivery again of every publication, correction and withdrawal from `fromPosition` in the log (0: the beginning). */
  | { type: 'RedeliveryRequested'; data: { name: string; fromPosition: number } };

export const subscriberStreamId = (subscriberId: string) => `subscriber-${subscriberId}`;
export const isSubscriberStream = (streamId: string) => streamId.startsWith('subscriber-');

const where = (d: Destination) => (d.kind === 'webhook' ? `webhook ${d.url}` : `NATS subject ${d.subject}`);

/** One line for the audit trail, and the field-level changes. */
export function describeSubscriberEvent(event: StoredEvent): { summary: string; changes: unknown[] } | null {
  const who = event.metadata.username;
  const data = event.data as Record<string, unknown>;
  switch (event.type) {
    case 'SubscriberAdded':
      return {
        summary: `${who} added the subscriber ${String(data.name)} (${where(data.destination as Destination)}), from ${String(data.from)}`,
        changes: [{ field: 'subscriber', op: 'added', value: { name: data.name, destination: data.destination, onFailure: data.onFailure, maxAttempts: data.maxAttempts } }],
      };
    case 'SubscriberPaused':
      return { summary: `${who} paused the subscriber ${String(data.name)}`, changes: [{ field: 'status', op: 'set', from: 'active', to: 'paused' }] };
    case 'SubscriberResumed':
      return { summary: `${who} resumed the subscriber ${String(data.name)}`, changes: [{ field: 'status', op: 'set', from: 'paused', to: 'active' }] };
    case 'SubscriberRemoved':
      return { summary: `${who} removed the subscriber ${String(data.name)}`, changes: [{ field: 'status', op: 'set', to: 'deleted' }] };
    case 'RedeliveryRequested':
      return {
        summary: `${who} had the log delivered again to ${String(data.name)} from position ${String(data.fromPosition)}`,
        changes: [{ field: 'redelivery', op: 'added', value: { fromPosition: data.fromPosition } }],
      };
    default:
      return null;
  }
}
