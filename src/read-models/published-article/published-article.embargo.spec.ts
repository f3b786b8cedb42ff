import { Actor, CopyrightNotice } from '../../articles/domain/article';
import { publishedView, isEmbargoed } from './published-article';
import { ArticleCommand, CommandContext } from '../../articles/domain/article.decide';
import { GivenEvent, given } from '../../articles/domain/decider.spec-helper';

/** Embargo (issue #18): partners get the story at publication, readers from `embargoUntil` on. */
const reporter: Actor = { id: 'user-r', username: 'r', roles: ['reporter'] };
const editor: Actor = { id: 'user-e', username: 'e', roles: ['editor'] };
const pat: Actor = { id: 'user-pat', username: 'pat', roles: ['publisher'] };
const notice: CopyrightNotice = { holder: 'Masthead', text: '© Masthead', usageTerms: null };
const NOW = '2025-09-18T09:00:00.000Z';
const LATER = '2025-09-18T12:00:00.000Z';
const ctx: CommandContext = { actor: pat, now: NOW };

const approved: GivenEvent[] = [
  { type: 'ArticleDrafted', data: { articleId: 'a1', headline: 'H', summary: null, body: [{ type: 'paragraph', text: 'B' }], language: 'en', source: null }, actor: reporter },
  { type: 'BylineAdded', data: { bylineId: 'b1', name: 'R', role: null, organisation: null }, actor: reporter },
  { type: 'ArticleApproved', data: { approvedVersion: 2, note: null }, actor: editor },
];
const publish = (extra: { publishAt?: string | null; embargoUntil?: string | null }): ArticleCommand => ({
  type: 'PublishArticle',
  data: { copyrightNotice: notice, publishAt: extra.publishAt ?? null, embargoUntil: extra.embargoUntil },
});

describe('decide: embargo', () => {
  it('publishes now with the embargo recorded on the event; the state and the published view carry it', () => {
    const { state } = given(approved)
      .when(publish({ embargoUntil: LATER }), ctx)
      .then([{ type: 'ArticlePublished', data: { copyrightNotice: notice, publishedAt: NOW, scheduledFor: null, embargoUntil: LATER } }]);
    expect(state.status).toBe('published');
    expect(state.publication?.embargoUntil).toBe(LATER);
    const view = publishedView(state)!;
    expect(view.embargoUntil).toBe(LATER);
    expect(isEmbargoed(view, NOW)).toBe(true);
    expect(isEmbargoed(view, LATER)).toBe(false);
  });

  it('without an embargo the event is exactly as before (no embargoUntil field)', () => {
    const { state } = given(approved)
      .when(publish({}), ctx)
      .then([{ type: 'ArticlePublished', data: { copyrightNotice: notice, publishedAt: NOW, scheduledFor: null } }]);
    expect(state.publication).not.toHaveProperty('embargoUntil');
    expect(publishedView(state)).not.toHaveProperty('embargoUntil');
    expect(isEmbargoed(publishedView(state)!, NOW)).toBe(false);
  });

  it('an embargo ending at or before the publication is refused', () => {
    given(approved).when(publish({ embargoUntil: NOW }), ctx).thenThrows('EMBARGO_NOT_FUTURE');
  });

  it('an embargo together with a schedule is refused', () => {
    given(approved).when(publish({ embargoUntil: LATER, publishAt: LATER }), ctx).thenThrows('EMBARGO_WITH_SCHEDULE');
  });

  it('a correction keeps the embargo', () => {
    const published: GivenEvent[] = [
      ...approved,
      { type: 'ArticlePublished', data: { copyrightNotice: notice, publishedAt: NOW, scheduledFor: null, embargoUntil: LATER }, actor: pat },
    ];
    const { state } = given(published)
      .when({ type: 'CorrectArticle', data: { correctionId: 'c1', kind: 'correction', note: 'n', headline: null, body: null } }, ctx)
      .then([{ type: 'ArticleCorrected', data: { kind: 'correction', note: 'n', headline: null, body: null } }]);
    expect(state.publication?.embargoUntil).toBe(LATER);
  });
});
