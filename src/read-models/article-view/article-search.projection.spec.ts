import { Article, ArticleEventType, evolve } from '../../articles/domain/article';
import { GivenEvent, record } from '../../articles/domain/decider.spec-helper';
import type { StoredEvent } from '../../event-store/event-store.types';
import { ArticleChange } from '../projection';
import { sameSearchText } from '../search/search-text';
import { ArticleSearchProjection, TEXT_NEUTRAL_EVENTS } from './article-search.projection';

const notice = { holder: 'Masthead', text: '© Masthead', usageTerms: null };
const body = [{ type: 'paragraph' as const, text: 'Talks opened in Hà Nội.' }];
const corrected = [{ type: 'paragraph' as const, text: 'Talks opened in Đà Nẵng.' }];

/** Every event type in an order the domain allows, so each is folded onto a realistic article. */
const history: GivenEvent[] = [
  { type: 'ArticleDrafted', data: { articleId: 'a1', headline: 'Talks open', summary: null, body, language: 'en', source: null } },
  { type: 'DraftRevised', data: { changes: { summary: 'Ministers meet' } } },
  { type: 'BylineAdded', data: { bylineId: 'b1', name: 'Lan Nguyen', role: 'Reporter', organisation: null } },
  { type: 'BylineRemoved', data: { bylineId: 'b1' } },
  { type: 'PhotoCreditAttached', data: { photoId: 'p1', href: 'https://example.org/p.jpg', caption: 'The hall', credit: { photographer: 'An', organisation: null, line: null } } },
  { type: 'PhotoRemoved', data: { photoId: 'p1' } },
  { type: 'ArticleApproved', data: { approvedVersion: 6, note: null } },
  { type: 'PublicationScheduled', data: { copyrightNotice: notice, publishAt: '2025-09-19T00:00:00.000Z' } },
  { type: 'PublicationCancelled', data: { publishAt: '2025-09-19T00:00:00.000Z' } },
  { type: 'ArticlePublished', data: { copyrightNotice: notice, publishedAt: '2025-09-18T01:00:00.000Z', scheduledFor: null } },
  { type: 'ArticleCorrected', data: { kind: 'clarification', note: 'Named the city', headline: null, body: corrected } },
  { type: 'CorrectionProposed', data: { correctionId: 'c1', kind: 'correction', note: 'Headline', headline: 'Talks open in Đà Nẵng', body: null } },
  { type: 'CorrectionRejected', data: { correctionId: 'c1', reason: null } },
  { type: 'CorrectionProposed', data: { correctionId: 'c2', kind: 'correction', note: 'Headline', headline: 'Talks open in Đà Nẵng', body: null } },
  { type: 'CorrectionApproved', data: { correctionId: 'c2' } },
  { type: 'ArticleWithdrawn', data: { reason: 'Legal' } },
];

function changes(): ArticleChange[] {
  const out: ArticleChange[] = [];
  let state: Article | null = null;
  for (const recorded of record(history)) {
    const after = evolve(state, recorded);
    const event = { type: recorded.type, version: recorded.version, streamId: 'article-a1' } as StoredEvent;
    out.push({ event, recorded, before: state, after });
    state = after;
  }
  return out;
}

describe('ArticleSearchProjection', () => {
  const projection = new ArticleSearchProjection();

  it('the history above holds every event type, so the checks below cover each', () => {
    // A Record over the union: a new event type does not compile until it is listed here (and so in the history).
    const every: Record<ArticleEventType, true> = {
      ArticleDrafted: true, DraftRevised: true, BylineAdded: true, BylineRemoved: true, PhotoCreditAttached: true, PhotoRemoved: true,
      ArticleApproved: true, PublicationScheduled: true, PublicationCancelled: true, ArticlePublished: true, ArticleCorrected: true,
      CorrectionProposed: true, CorrectionApproved: true, CorrectionRejected: true, ArticleWithdrawn: true,
    };
    expect(new Set(history.map((e) => e.type))).toEqual(new Set(Object.keys(every)));
  });

  it.each(changes().map((c) => [c.event.type, c] as const))('%s: text-neutral exactly when it leaves the searchable text as it was', (type, change) => {
    const unchanged = sameSearchText(change.before ?? { headline: '', summary: null, body: [], bylines: [], photos: [] }, change.after);
    // A neutral type that changed the text would leave the search row behind on a catch-up.
    if (TEXT_NEUTRAL_EVENTS.has(type as never)) expect({ type, unchanged }).toEqual({ type, unchanged: true });
    expect({ type, row: projection.row(change) !== null }).toEqual({ type, row: !unchanged || change.before === null });
  });

  it('a row carries the normalised text, its keys and the version that changed it', () => {
    const corrected = changes().find((c) => c.event.type === 'CorrectionApproved')!;
    const row = JSON.parse(JSON.stringify(projection.row(corrected)));
    expect(row).toMatchObject({ id: 'a1', version: 15, search_title: 'talksopenindanang' });
    expect(row.search_text).toContain('talksopenedindanang');
    expect(row.search_keys).toMatch(/^\{-?\d+(,-?\d+)*\}$/);
  });
});
