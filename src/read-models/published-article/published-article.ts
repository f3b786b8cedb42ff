import type { Article } from '../../articles/domain/article';

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
