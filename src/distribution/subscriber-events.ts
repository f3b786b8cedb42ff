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
