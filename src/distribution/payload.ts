import type { Article } from '../articles/domain/article';
import { publishedView } from '../read-models/published-article/published-article';
import type { StoredEvent } from '../event-store/event-store.types';
import { Ninjs, toNinjs } from '../publishing/ninjs';

/**
 * The events partners receive: the publication, each correction as it goes live (a note at once, a new headline or
 * body when its proposal is approved: a proposal readers cannot see is not sent), the withdrawal.
 */
export const DELIVERED_EVENTS: ReadonlySet<string> = new Set(['ArticlePublished', 'ArticleCorrected', 'CorrectionApproved', 'ArticleWithdrawn']);

/**
 * What a partner receives: the ninjs 2.1 document of the article as it stood after the event.
 * - Under embargo: `embargoed` is the time the story may be shown (the public page opens then too).
 * - A withdrawal is a kill notice: `pubstatus` "canceled" (ninjs: "the news object is no longer usable, take it
 *   down"), the headline kept so the partner can find it, the body, pictures and links taken out, the reason as a
 *   `descriptions` entry with role `withdrawal`.
 */
export type DeliveredNinjs = Omit<Ninjs, 'pubstatus' | 'bodies' | 'renditions'> & {
  pubstatus: 'usable' | 'canceled';
  embargoed?: string;
  bodies?: Ninjs['bodies'];
  renditions?: Ninjs['renditions'];
};

/** The event id a delivery carries (webhook-id, Masthead-Event-Id): the event's stream and version, the same on every attempt. */
export const messageIdOf = (event: Pick<StoredEvent, 'streamId' | 'version'>) => `${event.streamId}:${event.version}`;

/** The document for the article state `after` the event; null when the event is not one partners receive. */
export function deliveredDocument(event: StoredEvent, after: Article, baseUrl: string): DeliveredNinjs | null {
  if (!DELIVERED_EVENTS.has(event.type)) return null;
  const doc = publishedView(after);
  if (!doc) return null;
  const ninjs = toNinjs(doc, baseUrl);
  const embargo = doc.embargoUntil ? { embargoed: doc.embargoUntil } : {};
  if (event.type !== 'ArticleWithdrawn' || !after.withdrawal) return { ...ninjs, ...embargo };
  const { bodies: _bodies, renditions: _renditions, associations: _associations, ...kept } = ninjs;
  return {
    ...kept,
    ...embargo,
    pubstatus: 'canceled',
    versioncreated: after.withdrawal.at,
    descriptions: [...(ninjs.descriptions ?? []), { role: 'withdrawal', contenttype: 'text/plain', value: after.withdrawal.reason }],
  };
}
