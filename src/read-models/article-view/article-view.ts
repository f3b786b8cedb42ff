import type { Article } from '../../articles/domain/article';

/** Shapes of the working state the API returns: one place, shared by live reads and time travel. */

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
    pendingCorrection: a.pendingCorrection ?? null,
    withdrawal: a.withdrawal,
    createdBy: a.createdBy,
    lastChangedBy: a.lastEditor,
    createdAt: a.createdAt,
    updatedAt: a.updatedAt,
  };
}

const SUMMARY = ['id', 'version', 'status', 'headline', 'language', 'createdAt', 'updatedAt'] as const;

/** An article in a list (GET /articles): the working state's identity, status, headline and times. */
export function summaryView(a: Article): Pick<Article, (typeof SUMMARY)[number]> {
  return Object.fromEntries(SUMMARY.map((field) => [field, a[field]])) as Pick<Article, (typeof SUMMARY)[number]>;
}
