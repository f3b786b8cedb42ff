import type { StoredEvent } from '../../event-store/event-store.types';

/**
 * The audit trail's lines for subscriber management (src/distribution/subscriber-events.ts has the events). Kept with
 * the audit trail, so the read models do not depend on the distribution feature (which depends on them).
 */
type Destination = { kind: 'webhook'; url: string } | { kind: 'nats'; subject: string };

const where = (d: Destination) => (d.kind === 'webhook' ? `webhook ${d.url}` : `NATS subject ${d.subject}`);

/** One line for the audit trail, and the field-level changes; null for an event that is not subscriber management. */
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
