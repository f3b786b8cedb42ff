import { Article, RecordedArticleEvent } from './article';
import type { StoredEvent } from '../../event-store/event-store.types';

/** Shapes readers and clients see, derived from the state: one place, shared by live reads and time travel. */

/** UUIDs are case-insensitive; the stream is named by the lower-case form, which the service generates. */
export const articleStreamId = (articleId: string) => `article-${articleId.toLowerCase()}`;

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

/** The working state as the API returns it (GET /articles/{id}). */
export function workingView(a: Article) {
  return {
    id: a.id,
    version: a.version,
    status: a.status,
    headline: a.headline,
    language: a.language,
    source: a.source,
    summary: a.summary,
    body: a.body,
    bylines: a.bylines,
    photos: a.photos,
    approval: a.approval,
    publication: a.publication && {
      at: a.publication.at,
      version: a.publication.version,
      copyrightNotice: a.publication.copyrightNotice,
      ...(a.publication.embargoUntil ? { embargoUntil: a.publication.embargoUntil } : {}),
    },
    schedule: a.schedule,
    corrections: a.corrections,
    withdrawal: a.withdrawal,
    createdBy: a.createdBy,
    lastChangedBy: a.lastEditor,
    createdAt: a.createdAt,
    updatedAt: a.updatedAt,
  };
}

export function summaryView(a: Article) {
  return {
    id: a.id,
    version: a.version,
    status: a.status,
    headline: a.headline,
    language: a.language,
    createdAt: a.createdAt,
    updatedAt: a.updatedAt,
  };
}

/** What readers see (GET /published/{id}); null before the first publication. */
export function publishedView(a: Article) {
  if (!a.publication) return null;
  const lastPublicChange = a.corrections.length ? a.corrections[a.corrections.length - 1].at : a.publication.at;
  return {
    id: a.id,
    version: a.version,
    headline: a.headline,
    language: a.language,
    source: a.source,
    summary: a.summary,
    body: a.body,
    bylines: a.bylines.map(({ id, name, role, organisation }) => ({ id, name, role, organisation })),
    photos: a.photos,
    copyrightNotice: a.publication.copyrightNotice,
    publishedAt: a.publication.firstPublishedAt,
    updatedAt: lastPublicChange,
    corrections: a.corrections.map(({ kind, note, at }) => ({ kind, note, at })),
    // Only when embargoed: readers get the document from this time on (isEmbargoed), partners before it.
    ...(a.publication.embargoUntil ? { embargoUntil: a.publication.embargoUntil } : {}),
  };
}

/** True while a published document is under embargo at `now`: public reads answer as if it were not published. */
export function isEmbargoed(document: { embargoUntil?: string }, now: string): boolean {
  return document.embargoUntil !== undefined && Date.parse(document.embargoUntil) > Date.parse(now);
}

export type PublishedArticle = NonNullable<ReturnType<typeof publishedView>>;
