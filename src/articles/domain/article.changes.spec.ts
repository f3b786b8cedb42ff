import seed from '../../../test/fixtures/seed-article.json';
import { Actor, Article, Block, CopyrightNotice, RecordedArticleEvent, evolve } from './article';
import { diffArticles, summarise } from './article.changes';
import { GivenEvent, record } from './decider.spec-helper';

const alice: Actor = { id: 'user-alice', username: 'alice', roles: ['reporter'] };
const bob: Actor = { id: 'user-bob', username: 'bob', roles: ['editor'] };
const pat: Actor = { id: 'user-pat', username: 'pat', roles: ['publisher'] };
const at = (hhmm: string) => `2025-09-18T${hhmm}:00.000Z`;

const body = seed.draft.body as Block[];
const [byline1, byline2] = seed.bylines;
const photo = seed.photos[0];
const notice: CopyrightNotice = { holder: seed.copyrightNotice.holder, text: seed.copyrightNotice.text, usageTerms: null };
const newHeadline = '2025中國—東盟人工智能部長圓桌會議在廣西南寧召開';

/** The seed article's life, one event per step (version = index + 1). */
const life: GivenEvent[] = [
  {
    type: 'ArticleDrafted',
    data: { articleId: 'a-1', headline: seed.draft.headline, summary: null, body, language: seed.draft.language, source: seed.draft.source },
    actor: alice,
    at: at('08:00'),
  }, // v1
  { type: 'BylineAdded', data: { bylineId: 'b-1', ...byline1 }, actor: alice, at: at('08:05') }, // v2
  { type: 'BylineAdded', data: { bylineId: 'b-2', ...byline2 }, actor: alice, at: at('08:06') }, // v3
  { type: 'PhotoCreditAttached', data: { photoId: 'p-1', ...photo }, actor: alice, at: at('08:10') }, // v4
  { type: 'ArticleApproved', data: { approvedVersion: 4, note: null }, actor: bob, at: at('09:00') }, // v5
  { type: 'DraftRevised', data: { changes: { headline: newHeadline } }, actor: alice, at: at('09:10') }, // v6
  { type: 'ArticleApproved', data: { approvedVersion: 6, note: '核對了部長姓名' }, actor: bob, at: at('09:20') }, // v7
  { type: 'ArticlePublished', data: { copyrightNotice: notice, publishedAt: at('10:00'), scheduledFor: null }, actor: pat, at: at('10:00') }, // v8
  { type: 'ArticleCorrected', data: { kind: 'correction', note: 'Correction: the date.', headline: null, body: null }, actor: pat, at: at('10:30') }, // v9
  { type: 'ArticleWithdrawn', data: { reason: 'legal request' }, actor: pat, at: at('11:00') }, // v10
];

/** The recorded events and the states they produce: states[v] is the article at version v (states[0] = null). */
function replay(history: GivenEvent[]): { events: RecordedArticleEvent[]; states: (Article | null)[] } {
  const events = record(history);
  const states: (Article | null)[] = [null];
  for (const event of events) states.push(evolve(states[states.length - 1], event));
  return { events, states };
}

const { events, states } = replay(life);
const v = (version: number) => states[version] as Article;
/** A state derived from `base` by one more recorded event (version base.version + 1). */
const next = (base: Article, event: GivenEvent) => evolve(base, record([event], base.version)[0]);

describe('diffArticles', () => {
  it('drafting sets status, headline, language and source, and adds every body block by index', () => {
    expect(diffArticles(null, v(1))).toStrictEqual([
      { field: 'status', op: 'set', from: null, to: 'draft' },
      { field: 'headline', op: 'set', from: null, to: seed.draft.headline },
      { field: 'language', op: 'set', from: null, to: 'zh-Hant' },
      { field: 'source', op: 'set', from: null, to: '廣西雲-廣西日報' },
      ...body.map((block, i) => ({ field: `body[${i}]`, op: 'added', value: block })),
    ]);
    expect(body).toHaveLength(19);
  });

  it('two equal states have no differences', () => {
    expect(diffArticles(v(4), v(4))).toStrictEqual([]);
    expect(diffArticles(v(4), JSON.parse(JSON.stringify(v(4))))).toStrictEqual([]);
  });

  it('a headline revision is one change: headline old → new, op set', () => {
    const revised = next(v(4), { type: 'DraftRevised', data: { changes: { headline: newHeadline } }, actor: bob, at: at('08:30') });
    expect(diffArticles(v(4), revised)).toStrictEqual([{ field: 'headline', op: 'set', from: seed.draft.headline, to: newHeadline }]);
  });

  it('body blocks are compared by index: changed is set, extra is added, missing is removed', () => {
    const changed = body.map((block, i) => (i === 0 ? { ...block, text: block.text.replace('9月18日', '9月17日') } : block));
    const longer = [...changed, { type: 'quote' as const, text: '“獨行快,眾行遠。”' }];
    const afterLonger = next(v(4), { type: 'DraftRevised', data: { changes: { body: longer } }, actor: alice, at: at('08:30') });
    expect(diffArticles(v(4), afterLonger)).toStrictEqual([
      { field: 'body[0]', op: 'set', from: body[0], to: changed[0] },
      { field: 'body[19]', op: 'added', value: { type: 'quote', text: '“獨行快,眾行遠。”' } },
    ]);
    const shorter = body.slice(0, 17);
    const afterShorter = next(v(4), { type: 'DraftRevised', data: { changes: { body: shorter } }, actor: alice, at: at('08:30') });
    expect(diffArticles(v(4), afterShorter)).toStrictEqual([
      { field: 'body[17]', op: 'removed', value: body[17] },
      { field: 'body[18]', op: 'removed', value: body[18] },
    ]);
  });

  it('bylines added and removed are named with their id', () => {
    expect(diffArticles(v(1), v(2))).toStrictEqual([{ field: 'bylines', op: 'added', value: { id: 'b-1', ...byline1 } }]);
    const removed = next(v(3), { type: 'BylineRemoved', data: { bylineId: 'b-1' }, actor: alice, at: at('08:07') });
    expect(diffArticles(v(3), removed)).toStrictEqual([{ field: 'bylines', op: 'removed', value: { id: 'b-1', ...byline1 } }]);
  });

  it('photos added and removed are named with their id and credit', () => {
    expect(diffArticles(v(3), v(4))).toStrictEqual([{ field: 'photos', op: 'added', value: { id: 'p-1', ...photo } }]);
    const removed = next(v(4), { type: 'PhotoRemoved', data: { photoId: 'p-1' }, actor: alice, at: at('08:20') });
    expect(diffArticles(v(4), removed)).toStrictEqual([{ field: 'photos', op: 'removed', value: { id: 'p-1', ...photo } }]);
  });

  it('approval is a status transition draft → approved with the approval set', () => {
    expect(diffArticles(v(4), v(5))).toStrictEqual([
      { field: 'status', op: 'set', from: 'draft', to: 'approved' },
      { field: 'approval', op: 'set', from: null, to: { by: { id: bob.id, username: 'bob' }, at: at('09:00'), version: 4, note: null } },
    ]);
  });

  it('a content change on an approved article shows status approved → draft and the approval voided', () => {
    expect(diffArticles(v(5), v(6))).toStrictEqual([
      { field: 'status', op: 'set', from: 'approved', to: 'draft' },
      { field: 'headline', op: 'set', from: seed.draft.headline, to: newHeadline },
      { field: 'approval', op: 'set', from: v(5).approval, to: null },
    ]);
  });

  it('publication, correction and withdrawal are status transitions with what they add', () => {
    expect(diffArticles(v(7), v(8))).toStrictEqual([
      { field: 'status', op: 'set', from: 'approved', to: 'published' },
      { field: 'publication', op: 'set', from: null, to: { at: at('10:00'), version: 8, copyrightNotice: notice, firstPublishedAt: at('10:00') } },
    ]);
    expect(diffArticles(v(8), v(9))).toStrictEqual([
      { field: 'corrections', op: 'added', value: { kind: 'correction', note: 'Correction: the date.', at: at('10:30'), version: 9 } },
    ]);
    expect(diffArticles(v(9), v(10))).toStrictEqual([
      { field: 'status', op: 'set', from: 'published', to: 'withdrawn' },
      { field: 'withdrawal', op: 'set', from: null, to: { reason: 'legal request', at: at('11:00'), by: { id: pat.id, username: 'pat' } } },
    ]);
  });

  it('a proposed correction shows what it would change; its approval shows the text changing; a rejection the proposal removed', () => {
    const live = v(8);
    const newBody: Block[] = [{ type: 'paragraph', text: '更正後的第一段。' }, ...body.slice(1)];
    const proposed = next(live, { type: 'CorrectionProposed', data: { correctionId: 'c-1', kind: 'correction', note: 'Correction: the date.', headline: 'New', body: newBody }, actor: pat, at: at('10:30') });
    const outline = { id: 'c-1', kind: 'correction', note: 'Correction: the date.', by: { id: pat.id, username: 'pat' } };
    expect(diffArticles(live, proposed)).toStrictEqual([
      { field: 'pendingCorrection', op: 'added', value: outline },
      { field: 'pendingCorrection.headline', op: 'set', from: newHeadline, to: 'New' },
      { field: 'pendingCorrection.body[0]', op: 'set', from: body[0], to: newBody[0] },
    ]);
    const approvedCorrection = next(proposed, { type: 'CorrectionApproved', data: { correctionId: 'c-1' }, actor: bob, at: at('10:40') });
    expect(diffArticles(proposed, approvedCorrection)).toStrictEqual([
      { field: 'headline', op: 'set', from: newHeadline, to: 'New' },
      { field: 'body[0]', op: 'set', from: body[0], to: newBody[0] },
      { field: 'pendingCorrection', op: 'removed', value: outline },
      { field: 'corrections', op: 'added', value: { kind: 'correction', note: 'Correction: the date.', at: at('10:40'), version: 10 } },
    ]);
    const rejected = next(proposed, { type: 'CorrectionRejected', data: { correctionId: 'c-1', reason: 'the date was right' }, actor: bob, at: at('10:40') });
    expect(diffArticles(proposed, rejected)).toStrictEqual([{ field: 'pendingCorrection', op: 'removed', value: outline }]);
    expect(summarise(live, record([{ type: 'CorrectionProposed', data: { correctionId: 'c-1', kind: 'correction', note: 'Correction: the date.', headline: 'New', body: newBody }, actor: pat, at: at('10:30') }], 8)[0], proposed)).toBe(
      'pat proposed a correction of the headline and body, for a second person to approve: Correction: the date.',
    );
    expect(summarise(proposed, record([{ type: 'CorrectionApproved', data: { correctionId: 'c-1' }, actor: bob, at: at('10:40') }], 9)[0], approvedCorrection)).toBe(
      'bob approved the correction proposed by pat; it is live: Correction: the date.',
    );
    expect(summarise(proposed, record([{ type: 'CorrectionRejected', data: { correctionId: 'c-1', reason: null }, actor: pat, at: at('10:40') }], 9)[0], rejected)).toBe(
      'pat withdrew their proposed correction',
    );
  });

  it('scheduling and cancelling show status approved ⇄ scheduled and the schedule', () => {
    const publishAt = at('12:00');
    const scheduled = next(v(7), { type: 'PublicationScheduled', data: { copyrightNotice: notice, publishAt }, actor: pat, at: at('09:30') });
    const schedule = { publishAt, copyrightNotice: notice, by: { id: pat.id, username: 'pat' } };
    expect(diffArticles(v(7), scheduled)).toStrictEqual([
      { field: 'status', op: 'set', from: 'approved', to: 'scheduled' },
      { field: 'schedule', op: 'set', from: null, to: schedule },
    ]);
    const cancelled = next(scheduled, { type: 'PublicationCancelled', data: { publishAt }, actor: pat, at: at('09:40') });
    expect(diffArticles(scheduled, cancelled)).toStrictEqual([
      { field: 'status', op: 'set', from: 'scheduled', to: 'approved' },
      { field: 'schedule', op: 'set', from: schedule, to: null },
    ]);
  });
});

describe('summarise', () => {
  const line = (version: number) => summarise(states[version - 1], events[version - 1], v(version));

  it('every event of the seed life is summarised in one line naming the actor', () => {
    const lines = events.map((e) => line(e.version));
    for (const [i, text] of lines.entries()) {
      expect(text.startsWith(`${events[i].actor.username} `)).toBe(true);
      expect(text).not.toMatch(/\n/);
    }
  });

  it('drafting names the headline, language and number of blocks', () => {
    expect(line(1)).toBe(`alice drafted “${seed.draft.headline}” (zh-Hant, 19 blocks)`);
  });

  it('a long headline is quoted cut to 80 characters with an ellipsis', () => {
    const long = body[4].text; // 201 characters
    const drafted = record([{ ...life[0], data: { ...(life[0] as Extract<GivenEvent, { type: 'ArticleDrafted' }>).data, headline: long } } as GivenEvent])[0];
    const text = summarise(null, drafted, evolve(null, drafted));
    expect(text).toBe(`alice drafted “${long.slice(0, 79)}…” (zh-Hant, 19 blocks)`);
  });

  it('bylines added and removed name the person, role and organisation', () => {
    expect(line(2)).toBe('alice added the byline 許丹婷 (reporter), 廣西雲-廣西日報');
    const removedEvent = record([{ type: 'BylineRemoved', data: { bylineId: 'b-2' }, actor: bob, at: at('08:07') }], 3)[0];
    expect(summarise(v(3), removedEvent, evolve(v(3), removedEvent))).toBe('bob removed the byline 劉冬蓮');
  });

  it('photos attached and removed name the photographer and the caption', () => {
    expect(line(4)).toBe('alice attached a photo by 徐天保 / 廣西雲-廣西日報');
    const removedEvent = record([{ type: 'PhotoRemoved', data: { photoId: 'p-1' }, actor: alice, at: at('08:20') }], 4)[0];
    expect(summarise(v(4), removedEvent, evolve(v(4), removedEvent))).toBe('alice removed the photo “2025中國—東盟人工智能部長圓桌會議現場。”');
  });

  it('approval names the version approved, and the note when there is one', () => {
    expect(line(5)).toBe('bob approved version 4');
    expect(line(7)).toBe('bob approved version 6: 核對了部長姓名');
  });

  it('a revision names the fields, and says the approval no longer stands when it voided one', () => {
    expect(line(6)).toBe('alice revised headline; the approval no longer stands');
    const onDraft = record([{ type: 'DraftRevised', data: { changes: { headline: newHeadline, summary: '摘要' } }, actor: bob, at: at('08:30') }], 4)[0];
    expect(summarise(v(4), onDraft, evolve(v(4), onDraft))).toBe('bob revised headline, summary');
  });

  it('publication names the version and the copyright holder', () => {
    expect(line(8)).toBe('pat published version 8 with © 國廣國際在線網絡(北京)有限公司');
  });

  it('scheduling, cancelling and the scheduled publication (on time or late) are each summarised', () => {
    const publishAt = at('12:00');
    const [sched, cancel] = record(
      [
        { type: 'PublicationScheduled', data: { copyrightNotice: notice, publishAt }, actor: pat, at: at('09:30') },
        { type: 'PublicationCancelled', data: { publishAt }, actor: pat, at: at('09:40') },
      ],
      7,
    );
    const scheduledState = evolve(v(7), sched);
    expect(summarise(v(7), sched, scheduledState)).toBe(`pat scheduled publication for ${publishAt} with © 國廣國際在線網絡(北京)有限公司`);
    expect(summarise(scheduledState, cancel, evolve(scheduledState, cancel))).toBe(`pat cancelled the publication scheduled for ${publishAt}`);
    const publishedAt = (t: string) =>
      record([{ type: 'ArticlePublished', data: { copyrightNotice: notice, publishedAt: at(t), scheduledFor: publishAt }, actor: pat, at: at(t) }], 8)[0];
    const onTime = publishedAt('12:01');
    expect(summarise(scheduledState, onTime, evolve(scheduledState, onTime))).toBe('pat published version 9 with © 國廣國際在線網絡(北京)有限公司 as scheduled');
    const late = publishedAt('12:05');
    expect(summarise(scheduledState, late, evolve(scheduledState, late))).toBe(
      `pat published version 9 with © 國廣國際在線網絡(北京)有限公司, late: it was scheduled for ${publishAt}`,
    );
  });

  it('a correction names its kind and note; a withdrawal its reason', () => {
    expect(line(9)).toBe('pat published a correction: Correction: the date.');
    expect(line(10)).toBe('pat withdrew the article: legal request');
  });
});
