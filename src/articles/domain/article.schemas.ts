import { EventSchemas } from '../../event-store/event-schemas';

/**
 * Schema versions of the article events, with the upcasters that bring rows written in an old shape to the
 * current one when they are read. Stored rows (and their hashes) are never rewritten.
 *
 * ArticlePublished v2 (scheduled publication): adds `scheduledFor` (null when published by hand) and makes
 * `copyrightNotice.usageTerms` always present. v1 rows, written before scheduling existed, read as v2.
 */
export function articleEventSchemas(): EventSchemas {
  return new EventSchemas().register('ArticlePublished', 2, {
    1: (data) => {
      const notice = (data.copyrightNotice ?? {}) as Record<string, unknown>;
      return { ...data, copyrightNotice: { ...notice, usageTerms: notice.usageTerms ?? null }, scheduledFor: data.scheduledFor ?? null };
    },
  });
}
