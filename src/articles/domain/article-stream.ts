import type { RecordedArticleEvent } from './article';
import type { StoredEvent } from '../../event-store/event-store.types';

/** An article's event stream: its name, and its stored events as the domain reads them. */

/** UUIDs are case-insensitive; the stream is named by the lower-case form, which the service generates. */
export const articleStreamId = (articleId: string) => `article-${articleId.toLowerCase()}`;
export const isArticleStream = (streamId: string) => streamId.startsWith('article-');

export function toRecorded(event: StoredEvent): RecordedArticleEvent {
  const { actorId, username, roles } = event.metadata;
  return {
    type: event.type,
    data: event.data,
    version: event.version,
    at: event.recordedAt,
    actor: { id: actorId, username, roles },
  } as RecordedArticleEvent;
}
