import type { Article } from '../../articles/domain/article';

/**
 * The version readers last saw change. A proposed or rejected correction is not public: until one goes live, readers
 * (and a fold at ?asOf=) keep the version of the publication or the last correction. A withdrawal is public.
 */
function publicVersion(a: Article & { publication: NonNullable<Article['publication']> }): number {
  if (a.status === 'withdrawn') return a.version;
  const last = a.corrections[a.corrections.length - 1];
  return Math.max(a.publication.version, last?.version ?? 0);
}

/** What readers see (GET /published/{id}); null before the first publication. */
export function publishedView(a: Article) {
  if (!a.publication) return null;
  const lastPublicChange = a.corrections.length ? a.corrections[a.corrections.length - 1].at : a.publication.at;
  return {
    id: a.id,
    version: publicVersion(a as Article & { publication: NonNullable<Article['publication']> }),
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
