import { canonicalJson } from '../../common/canonical-json';
import { Article, ArticleContent, RecordedArticleEvent } from './article';

/**
 * Field-level differences between two states of an article, and the one-line summary an auditor reads.
 * Pure; shared by the audit-trail projection and the diff endpoint so both say the same thing.
 */

export type Change =
  | { field: string; op: 'set'; from: unknown; to: unknown }
  | { field: string; op: 'added'; value: unknown }
  | { field: string; op: 'removed'; value: unknown };

// evolve keeps what it does not change by reference: identity settles most comparisons without serialising.
const same = (a: unknown, b: unknown) => a === b || sameJson(a, b);

/**
 * Whether two values are the same JSON whatever the order of their object keys: a state read back from jsonb has
 * its keys in jsonb's order (shorter first), a command's or an event's data in the order the client sent them.
 */
export const sameJson = (a: unknown, b: unknown): boolean => canonicalJson(a) === canonicalJson(b);

const SCALAR_FIELDS: (keyof ArticleContent)[] = ['headline', 'summary', 'language', 'source'];

export function diffArticles(before: Article | null, after: Article | null): Change[] {
  const changes: Change[] = [];
  const set = (field: string, from: unknown, to: unknown) => {
    if (!same(from, to)) changes.push({ field, op: 'set', from, to });
  };
  set('status', before?.status ?? null, after?.status ?? null);
  for (const field of SCALAR_FIELDS) set(field, before?.[field] ?? null, after?.[field] ?? null);

  const oldBody = before?.body ?? [];
  const newBody = after?.body ?? [];
  for (let i = 0; i < Math.max(oldBody.length, newBody.length); i++) {
    const field = `body[${i}]`;
    if (i >= oldBody.length) changes.push({ field, op: 'added', value: newBody[i] });
    else if (i >= newBody.length) changes.push({ field, op: 'removed', value: oldBody[i] });
    else set(field, oldBody[i], newBody[i]);
  }

  diffById('bylines', before?.bylines ?? [], after?.bylines ?? [], changes);
  diffById('photos', before?.photos ?? [], after?.photos ?? [], changes);
  set('approval', before?.approval ?? null, after?.approval ?? null);
  set('schedule', before?.schedule ?? null, after?.schedule ?? null);
  set('publication', before?.publication ?? null, after?.publication ?? null);
  const oldCorrections = before?.corrections.length ?? 0;
  for (const correction of after?.corrections.slice(oldCorrections) ?? []) {
    changes.push({ field: 'corrections', op: 'added', value: correction });
  }
  set('withdrawal', before?.withdrawal ?? null, after?.withdrawal ?? null);
  return changes;
}

function diffById<T extends { id: string }>(field: string, before: T[], after: T[], changes: Change[]): void {
  const oldIds = new Set(before.map((x) => x.id));
  const newIds = new Set(after.map((x) => x.id));
  for (const item of before) if (!newIds.has(item.id)) changes.push({ field, op: 'removed', value: item });
  for (const item of after) if (!oldIds.has(item.id)) changes.push({ field, op: 'added', value: item });
}

const quote = (text: string, max = 80) => `“${text.length > max ? `${text.slice(0, max - 1)}…` : text}”`;

/** One line in human terms: who did what to which story. */
export function summarise(before: Article | null, event: RecordedArticleEvent, after: Article): string {
  const who = event.actor.username;
  switch (event.type) {
    case 'ArticleDrafted':
      return `${who} drafted ${quote(after.headline)} (${after.language}, ${after.body.length} blocks)`;
    case 'DraftRevised':
      return `${who} revised ${Object.keys(event.data.changes).join(', ')}${
        before?.status === 'approved' ? '; the approval no longer stands' : ''
      }`;
    case 'BylineAdded':
      return `${who} added the byline ${event.data.name}${event.data.role ? ` (${event.data.role})` : ''}${
        event.data.organisation ? `, ${event.data.organisation}` : ''
      }`;
    case 'BylineRemoved': {
      const byline = before?.bylines.find((b) => b.id === event.data.bylineId);
      return `${who} removed the byline ${byline?.name ?? event.data.bylineId}`;
    }
    case 'PhotoCreditAttached':
      return `${who} attached a photo by ${event.data.credit.photographer}${
        event.data.credit.organisation ? ` / ${event.data.credit.organisation}` : ''
      }`;
    case 'PhotoRemoved': {
      const photo = before?.photos.find((p) => p.id === event.data.photoId);
      return `${who} removed the photo ${photo ? quote(photo.caption, 40) : event.data.photoId}`;
    }
    case 'ArticleApproved':
      return `${who} approved version ${event.data.approvedVersion}${event.data.note ? `: ${event.data.note}` : ''}`;
    case 'PublicationScheduled':
      return `${who} scheduled publication for ${event.data.publishAt} with © ${event.data.copyrightNotice.holder}`;
    case 'PublicationCancelled':
      return `${who} cancelled the publication scheduled for ${event.data.publishAt}`;
    case 'ArticlePublished': {
      const late =
        event.data.scheduledFor && Date.parse(event.data.publishedAt) - Date.parse(event.data.scheduledFor) > 60_000
          ? `, late: it was scheduled for ${event.data.scheduledFor}`
          : event.data.scheduledFor
            ? ' as scheduled'
            : '';
      return `${who} published version ${event.version} with © ${event.data.copyrightNotice.holder}${late}`;
    }
    case 'ArticleCorrected':
      return `${who} published a ${event.data.kind}: ${event.data.note}`;
    case 'ArticleWithdrawn':
      return `${who} withdrew the article: ${event.data.reason}`;
  }
}
