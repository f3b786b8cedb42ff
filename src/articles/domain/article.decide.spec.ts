import seed from '../../../test/fixtures/seed-article.json';
import { Actor, ArticleContent, ArticleEvent, Block, CopyrightNotice, evolve, fold } from './article';
import { ArticleCommand, ArticleCommandType, CommandContext } from './article.decide';
import { GivenEvent, given, record } from './decider.spec-helper';

// ---- people, times and the seed article ----

const alice: Actor = { id: 'user-alice', username: 'alice', roles: ['reporter'] };
const bob: Actor = { id: 'user-bob', username: 'bob', roles: ['editor'] };
const carol: Actor = { id: 'user-carol', username: 'carol', roles: ['editor'] };
const pat: Actor = { id: 'user-pat', username: 'pat', roles: ['publisher'] };

/** A time on the day of the seed's conference. */
const at = (hhmm: string) => `2025-09-18T${hhmm}:00.000Z`;
const ctx = (actor: Actor, hhmm: string): CommandContext => ({ actor, now: at(hhmm) });

const ARTICLE_ID = '0f7d6c1a-2b3e-4c5d-8e9f-a0b1c2d3e4f5';
const content: ArticleContent = {
  headline: seed.draft.headline,
  summary: null,
  body: seed.draft.body as Block[],
  language: seed.draft.language,
  source: seed.draft.source,
};
const byline = (n: 0 | 1) => ({
  bylineId: `byline-${n + 1}`,
  name: seed.bylines[n].name,
  role: seed.bylines[n].role,
  organisation: seed.bylines[n].organisation,
});
const photo = { photoId: 'photo-1', ...seed.photos[0] };
const notice: CopyrightNotice = { holder: seed.copyrightNotice.holder, text: seed.copyrightNotice.text, usageTerms: null };

// ---- past events ----

const ev = {
  drafted: (actor: Actor, t: string): GivenEvent => ({ type: 'ArticleDrafted', data: { articleId: ARTICLE_ID, ...content }, actor, at: at(t) }),
  revised: (changes: Partial<ArticleContent>, actor: Actor, t: string): GivenEvent => ({ type: 'DraftRevised', data: { changes }, actor, at: at(t) }),
  bylineAdded: (n: 0 | 1, actor: Actor, t: string): GivenEvent => ({ type: 'BylineAdded', data: byline(n), actor, at: at(t) }),
  bylineRemoved: (bylineId: string, actor: Actor, t: string): GivenEvent => ({ type: 'BylineRemoved', data: { bylineId }, actor, at: at(t) }),
  photoAttached: (actor: Actor, t: string, photographer = photo.credit.photographer): GivenEvent => ({
    type: 'PhotoCreditAttached',
    data: { ...photo, credit: { ...photo.credit, photographer } },
    actor,
    at: at(t),
  }),
  approved: (approvedVersion: number, actor: Actor, t: string): GivenEvent => ({ type: 'ArticleApproved', data: { approvedVersion, note: null }, actor, at: at(t) }),
  scheduled: (publishAt: string, actor: Actor, t: string): GivenEvent => ({ type: 'PublicationScheduled', data: { copyrightNotice: notice, publishAt }, actor, at: at(t) }),
  published: (actor: Actor, t: string): GivenEvent => ({
    type: 'ArticlePublished',
    data: { copyrightNotice: notice, publishedAt: at(t), scheduledFor: null },
    actor,
    at: at(t),
  }),
  corrected: (note: string, headline: string | null, actor: Actor, t: string): GivenEvent => ({
    type: 'ArticleCorrected',
    data: { kind: 'correction', note, headline, body: null },
    actor,
    at: at(t),
  }),
  proposed: (headline: string | null, body: Block[] | null, actor: Actor, t: string, correctionId = 'correction-1'): GivenEvent => ({
    type: 'CorrectionProposed',
    data: { correctionId, kind: 'correction', note: 'Correction: the date.', headline, body },
    actor,
    at: at(t),
  }),
  correctionApproved: (actor: Actor, t: string, correctionId = 'correction-1'): GivenEvent => ({ type: 'CorrectionApproved', data: { correctionId }, actor, at: at(t) }),
  withdrawn: (reason: string, actor: Actor, t: string): GivenEvent => ({ type: 'ArticleWithdrawn', data: { reason }, actor, at: at(t) }),
};

// ---- the article at each stage (alice drafts and credits, bob approves, pat publishes) ----

const drafted = [ev.drafted(alice, '08:00')]; // v1
const ready = [...drafted, ev.bylineAdded(0, alice, '08:05'), ev.bylineAdded(1, alice, '08:06'), ev.photoAttached(alice, '08:10')]; // v4
const approved = [...ready, ev.approved(4, bob, '09:00')]; // v5
const PUBLISH_AT = at('12:00');
const scheduled = [...approved, ev.scheduled(PUBLISH_AT, pat, '09:30')]; // v6
const published = [...approved, ev.published(pat, '10:00')]; // v6
const withdrawn = [...published, ev.withdrawn('the minister was misquoted', pat, '11:00')]; // v7

// ---- commands ----

const cmd = {
  draft: (): ArticleCommand => ({ type: 'DraftArticle', data: { articleId: ARTICLE_ID, ...content } }),
  revise: (changes: Partial<ArticleContent>): ArticleCommand => ({ type: 'ReviseDraft', data: { changes } }),
  addByline: (): ArticleCommand => ({
    type: 'AddByline',
    data: { bylineId: 'byline-3', name: '徐天保', role: 'photographer', organisation: '廣西雲-廣西日報' },
  }),
  removeByline: (bylineId = 'byline-1'): ArticleCommand => ({ type: 'RemoveByline', data: { bylineId } }),
  attachPhoto: (): ArticleCommand => ({
    type: 'AttachPhotoCredit',
    data: { photoId: 'photo-2', href: 'https://photos.example.org/nanning-2.jpg', caption: '南寧會場外景。', credit: { photographer: '徐天保', organisation: null, line: null } },
  }),
  removePhoto: (photoId = 'photo-1'): ArticleCommand => ({ type: 'RemovePhoto', data: { photoId } }),
  approve: (note: string | null = null): ArticleCommand => ({ type: 'ApproveArticle', data: { note } }),
  publish: (publishAt: string | null = null, copyrightNotice: CopyrightNotice = notice): ArticleCommand => ({
    type: 'PublishArticle',
    data: { copyrightNotice, publishAt },
  }),
  cancel: (): ArticleCommand => ({ type: 'CancelScheduledPublication', data: {} }),
  publishScheduled: (): ArticleCommand => ({ type: 'PublishScheduledArticle', data: {} }),
  correct: (note: string, headline: string | null = null, body: Block[] | null = null, correctionId = 'correction-1'): ArticleCommand => ({
    type: 'CorrectArticle',
    data: { correctionId, kind: 'correction', note, headline, body },
  }),
  approveCorrection: (correctionId = 'correction-1'): ArticleCommand => ({ type: 'ApproveCorrection', data: { correctionId } }),
  rejectCorrection: (correctionId = 'correction-1', reason: string | null = null): ArticleCommand => ({ type: 'RejectCorrection', data: { correctionId, reason } }),
  withdraw: (reason = 'legal request'): ArticleCommand => ({ type: 'WithdrawArticle', data: { reason } }),
};

/** One of every command but DraftArticle, each valid in some state. */
const everyCommandButDraft = (): ArticleCommand[] => [
  cmd.revise({ headline: '南寧會議:中國與東盟攜手人工智能合作' }),
  cmd.addByline(),
  cmd.removeByline(),
  cmd.attachPhoto(),
  cmd.removePhoto(),
  cmd.approve(),
  cmd.publish(),
  cmd.cancel(),
  cmd.publishScheduled(),
  cmd.correct('Correction: an earlier version misnamed the venue.'),
  cmd.approveCorrection(),
  cmd.rejectCorrection(),
  cmd.withdraw(),
];
const contentChanges = (): ArticleCommand[] => [
  cmd.revise({ headline: '南寧會議:中國與東盟攜手人工智能合作' }),
  cmd.addByline(),
  cmd.removeByline(),
  cmd.attachPhoto(),
  cmd.removePhoto(),
];

const revisedHeadline = '2025中國—東盟人工智能部長圓桌會議在廣西南寧召開';

describe('decide: drafting', () => {
  it('DraftArticle on no article drafts it: status draft, version 1, drafted by the actor at the command time', () => {
    const { state } = given([]).when(cmd.draft(), ctx(alice, '08:00')).then([{ type: 'ArticleDrafted', data: { articleId: ARTICLE_ID, ...content } }]);
    expect(state).toMatchObject({ id: ARTICLE_ID, version: 1, status: 'draft', headline: seed.draft.headline, language: 'zh-Hant', source: '廣西雲-廣西日報' });
    expect(state.body).toStrictEqual(seed.draft.body);
    expect(state.createdBy).toStrictEqual({ id: alice.id, username: 'alice' });
    expect(state.lastEditor).toStrictEqual({ id: alice.id, username: 'alice' });
    expect([state.createdAt, state.updatedAt]).toStrictEqual([at('08:00'), at('08:00')]);
    expect([state.bylines, state.photos, state.approval, state.publication]).toStrictEqual([[], [], null, null]);
  });

  it('DraftArticle on an existing article is refused: ARTICLE_EXISTS', () => {
    given(drafted).when(cmd.draft(), ctx(alice, '08:01')).thenThrows('ARTICLE_EXISTS');
    given(withdrawn).when(cmd.draft(), ctx(alice, '12:00')).thenThrows('ARTICLE_EXISTS');
  });

  it('any command but DraftArticle on no article is refused: ARTICLE_NOT_FOUND', () => {
    const commands = everyCommandButDraft();
    expect(commands).toHaveLength(13);
    for (const command of commands) given([]).when(command, ctx(pat, '08:00')).thenThrows('ARTICLE_NOT_FOUND');
  });
});

describe('decide: revising', () => {
  it('a revision emits only the fields that actually changed', () => {
    const { state } = given(ready)
      .when(cmd.revise({ headline: revisedHeadline, body: content.body, language: 'zh-Hant', summary: '中國與東盟在南寧共商人工智能合作。' }), ctx(bob, '08:30'))
      .then([{ type: 'DraftRevised', data: { changes: { headline: revisedHeadline, summary: '中國與東盟在南寧共商人工智能合作。' } } }]);
    expect(state).toMatchObject({ version: 5, headline: revisedHeadline, summary: '中國與東盟在南寧共商人工智能合作。', language: 'zh-Hant', updatedAt: at('08:30') });
    expect(state.body).toStrictEqual(content.body);
    expect(state.lastEditor).toStrictEqual({ id: bob.id, username: 'bob' });
  });

  it('a revision that changes nothing emits no event', () => {
    given(ready).when(cmd.revise({ headline: content.headline, body: content.body, language: content.language, source: content.source, summary: null }), ctx(bob, '08:30')).then([]);
    given(ready).when(cmd.revise({}), ctx(bob, '08:30')).then([]);
  });
});

describe('decide: bylines', () => {
  it('adding a byline emits BylineAdded and the byline joins the article', () => {
    const { state } = given(drafted).when(cmd.addByline(), ctx(alice, '08:05')).then([
      { type: 'BylineAdded', data: { bylineId: 'byline-3', name: '徐天保', role: 'photographer', organisation: '廣西雲-廣西日報' } },
    ]);
    expect(state.bylines).toStrictEqual([{ id: 'byline-3', name: '徐天保', role: 'photographer', organisation: '廣西雲-廣西日報' }]);
  });

  it('removing a byline emits BylineRemoved and only that byline leaves the article', () => {
    const { state } = given(ready).when(cmd.removeByline('byline-1'), ctx(alice, '08:20')).then([{ type: 'BylineRemoved', data: { bylineId: 'byline-1' } }]);
    expect(state.bylines.map((b) => b.name)).toStrictEqual(['劉冬蓮']);
  });

  it('removing a byline the article does not have is refused: BYLINE_NOT_FOUND', () => {
    given(ready).when(cmd.removeByline('byline-404'), ctx(alice, '08:20')).thenThrows('BYLINE_NOT_FOUND');
    given([...ready, ev.bylineRemoved('byline-1', alice, '08:20')]).when(cmd.removeByline('byline-1'), ctx(alice, '08:21')).thenThrows('BYLINE_NOT_FOUND');
  });
});

describe('decide: photos', () => {
  it('attaching a photo emits PhotoCreditAttached with its credit and the photo joins the article', () => {
    const { state } = given(drafted).when(cmd.attachPhoto(), ctx(alice, '08:10')).then([
      {
        type: 'PhotoCreditAttached',
        data: { photoId: 'photo-2', href: 'https://photos.example.org/nanning-2.jpg', caption: '南寧會場外景。', credit: { photographer: '徐天保', organisation: null, line: null } },
      },
    ]);
    expect(state.photos).toStrictEqual([
      { id: 'photo-2', href: 'https://photos.example.org/nanning-2.jpg', caption: '南寧會場外景。', credit: { photographer: '徐天保', organisation: null, line: null } },
    ]);
  });

  it('removing a photo emits PhotoRemoved and the photo leaves the article', () => {
    const { state } = given(ready).when(cmd.removePhoto('photo-1'), ctx(alice, '08:20')).then([{ type: 'PhotoRemoved', data: { photoId: 'photo-1' } }]);
    expect(state.photos).toStrictEqual([]);
  });

  it('removing a photo the article does not have is refused: PHOTO_NOT_FOUND', () => {
    given(ready).when(cmd.removePhoto('photo-404'), ctx(alice, '08:20')).thenThrows('PHOTO_NOT_FOUND');
    given(drafted).when(cmd.removePhoto('photo-1'), ctx(alice, '08:20')).thenThrows('PHOTO_NOT_FOUND');
  });
});

describe('decide: a content change to an approved article returns it to draft and voids the approval', () => {
  const expected: Record<string, ArticleEvent['type']> = {
    ReviseDraft: 'DraftRevised',
    AddByline: 'BylineAdded',
    RemoveByline: 'BylineRemoved',
    AttachPhotoCredit: 'PhotoCreditAttached',
    RemovePhoto: 'PhotoRemoved',
  };
  it.each(contentChanges().map((command) => [command.type, command] as const))(
    '%s on an approved article returns it to draft, with no approval',
    (type, command) => {
      const before = given(approved).state!;
      expect([before.status, before.approval?.version]).toStrictEqual(['approved', 4]);
      const { events, state } = given(approved).when(command, ctx(carol, '09:15')).then([{ type: expected[type], data: command.data } as ArticleEvent]);
      expect(events).toHaveLength(1);
      expect(state).toMatchObject({ status: 'draft', approval: null, version: 6, lastEditor: { id: carol.id, username: 'carol' } });
    },
  );
});

describe('decide: approval', () => {
  it('approval needs a non-empty headline: HEADLINE_REQUIRED', () => {
    given([...ready, ev.revised({ headline: '   ' }, alice, '08:30')]).when(cmd.approve(), ctx(bob, '09:00')).thenThrows('HEADLINE_REQUIRED');
  });

  it('approval needs a non-empty body: BODY_REQUIRED', () => {
    given([...ready, ev.revised({ body: [{ type: 'paragraph', text: ' \n ' }] }, alice, '08:30')]).when(cmd.approve(), ctx(bob, '09:00')).thenThrows('BODY_REQUIRED');
    given([...ready, ev.revised({ body: [] }, alice, '08:30')]).when(cmd.approve(), ctx(bob, '09:00')).thenThrows('BODY_REQUIRED');
  });

  it('approval needs at least one byline: BYLINE_REQUIRED', () => {
    given([...drafted, ev.photoAttached(alice, '08:10')]).when(cmd.approve(), ctx(bob, '09:00')).thenThrows('BYLINE_REQUIRED');
    given([...ready, ev.bylineRemoved('byline-1', alice, '08:20'), ev.bylineRemoved('byline-2', alice, '08:21')])
      .when(cmd.approve(), ctx(bob, '09:00'))
      .thenThrows('BYLINE_REQUIRED');
  });

  it('approval needs a photographer credited on every photo: PHOTO_CREDIT_REQUIRED', () => {
    given([...drafted, ev.bylineAdded(0, alice, '08:05'), ev.photoAttached(alice, '08:10', ' ')]).when(cmd.approve(), ctx(bob, '09:00')).thenThrows('PHOTO_CREDIT_REQUIRED');
  });

  it('an article with bylines and no photos at all can be approved (the credit rule is per photo)', () => {
    given([...drafted, ev.bylineAdded(0, alice, '08:05')]).when(cmd.approve(), ctx(bob, '09:00')).then([{ type: 'ArticleApproved', data: { approvedVersion: 2, note: null } }]);
  });

  it('four eyes: the user who made the latest content change cannot approve: FOUR_EYES', () => {
    // bob drafted and credited, alice revised last: alice may not approve.
    const history = [ev.drafted(bob, '08:00'), ev.bylineAdded(0, bob, '08:05'), ev.revised({ headline: revisedHeadline }, alice, '08:30')];
    given(history).when(cmd.approve(), ctx({ ...alice, roles: ['reporter', 'editor'] }, '09:00')).thenThrows('FOUR_EYES');
  });

  it('four eyes: the drafter cannot approve when no one else has changed the article since', () => {
    // Drafting counts as a content change (the draft has no byline yet, so alice also credits it herself).
    expect(given(drafted).state!.lastEditor).toStrictEqual({ id: alice.id, username: 'alice' });
    given(ready).when(cmd.approve(), ctx({ ...alice, roles: ['reporter', 'editor'] }, '09:00')).thenThrows('FOUR_EYES');
  });

  it('four eyes: another user than the latest editor can approve', () => {
    const { state } = given(ready).when(cmd.approve('checked names against the programme'), ctx(bob, '09:00')).then([
      { type: 'ArticleApproved', data: { approvedVersion: 4, note: 'checked names against the programme' } },
    ]);
    expect(state).toMatchObject({ status: 'approved', version: 5 });
    expect(state.approval).toStrictEqual({ by: { id: bob.id, username: 'bob' }, at: at('09:00'), version: 4, note: 'checked names against the programme' });
  });

  it('four eyes over every change: an editor who made an earlier change, not the latest, cannot approve: FOUR_EYES', () => {
    const history = [ev.drafted(alice, '08:00'), ev.bylineAdded(0, bob, '08:05'), ev.revised({ headline: revisedHeadline }, bob, '08:06'), ev.photoAttached(alice, '08:10')];
    given(history).when(cmd.approve(), ctx(bob, '09:00')).thenThrows('FOUR_EYES');
    // Someone who changed nothing can.
    given(history).when(cmd.approve(), ctx(carol, '09:00')).then([{ type: 'ArticleApproved', data: { approvedVersion: 4, note: null } }]);
  });

  it('four eyes over every change: the editor drafts, a reporter adds a byline, the editor cannot approve: FOUR_EYES', () => {
    const history = [ev.drafted(bob, '08:00'), ev.bylineAdded(0, alice, '08:05')];
    expect(given(history).state!.contentAuthors).toStrictEqual([{ id: bob.id, username: 'bob' }, { id: alice.id, username: 'alice' }]);
    given(history).when(cmd.approve(), ctx(bob, '09:00')).thenThrows('FOUR_EYES');
  });

  it('four eyes over every change: a byline added and removed again still counts as the drafter changing nothing else', () => {
    // The reporter's add and remove leave the text as the editor drafted it: the editor still may not approve it.
    const history = [ev.drafted(bob, '08:00'), ev.bylineAdded(0, alice, '08:05'), ev.bylineAdded(1, alice, '08:06'), ev.bylineRemoved('byline-2', alice, '08:07')];
    given(history).when(cmd.approve(), ctx(bob, '09:00')).thenThrows('FOUR_EYES');
    given(history).when(cmd.approve(), ctx(carol, '09:00')).then([{ type: 'ArticleApproved', data: { approvedVersion: 4, note: null } }]);
  });

  it('four eyes over every change: an approval that did not go live does not clear the authors', () => {
    // bob approves alice's draft; carol then revises (voiding it); bob approved before but changed nothing: he may approve.
    // carol, who revised, may not; and alice, the drafter, still may not, though bob approved her version once.
    const history = [...approved, ev.revised({ headline: revisedHeadline }, carol, '09:10')];
    given(history).when(cmd.approve(), ctx({ ...alice, roles: ['reporter', 'editor'] }, '09:20')).thenThrows('FOUR_EYES');
    given(history).when(cmd.approve(), ctx(carol, '09:20')).thenThrows('FOUR_EYES');
    given(history).when(cmd.approve(), ctx(bob, '09:20')).then([{ type: 'ArticleApproved', data: { approvedVersion: 6, note: null } }]);
  });

  it('the content authors are cleared when the approval goes live (publication)', () => {
    expect(given(approved).state!.contentAuthors).toStrictEqual([{ id: alice.id, username: 'alice' }]);
    expect(given(published).state!.contentAuthors).toStrictEqual([]);
  });

  it('approving an article that is already approved is refused: ARTICLE_NOT_DRAFT', () => {
    given(approved).when(cmd.approve(), ctx(carol, '09:05')).thenThrows('ARTICLE_NOT_DRAFT');
    given([...scheduled, { type: 'PublicationCancelled', data: { publishAt: PUBLISH_AT }, actor: pat, at: at('09:40') }])
      .when(cmd.approve(), ctx(carol, '09:45'))
      .thenThrows('ARTICLE_NOT_DRAFT');
  });

  it('approval records approvedVersion = the current version, the one the editor read', () => {
    // Approved at v5, voided by a revision (v6), approved again by someone else at v6.
    const history = [...approved, ev.revised({ headline: revisedHeadline }, alice, '09:10')];
    expect(given(history).state!.version).toBe(6);
    const { state } = given(history).when(cmd.approve(), ctx(carol, '09:20')).then([{ type: 'ArticleApproved', data: { approvedVersion: 6, note: null } }]);
    expect([state.version, state.approval?.version, state.approval?.by.username]).toStrictEqual([7, 6, 'carol']);
  });
});

describe('decide: publication', () => {
  it('publication needs status approved: a draft is refused with ARTICLE_NOT_APPROVED', () => {
    given(ready).when(cmd.publish(), ctx(pat, '10:00')).thenThrows('ARTICLE_NOT_APPROVED');
  });

  it('publication needs a non-blank copyright holder: COPYRIGHT_NOTICE_REQUIRED', () => {
    given(approved).when(cmd.publish(null, { ...notice, holder: '  ' }), ctx(pat, '10:00')).thenThrows('COPYRIGHT_NOTICE_REQUIRED');
    given(approved).when(cmd.publish(null, { ...notice, holder: '' }), ctx(pat, '10:00')).thenThrows('COPYRIGHT_NOTICE_REQUIRED');
  });

  it('publication needs a non-blank copyright text: COPYRIGHT_NOTICE_REQUIRED', () => {
    given(approved).when(cmd.publish(null, { ...notice, text: '\n\t ' }), ctx(pat, '10:00')).thenThrows('COPYRIGHT_NOTICE_REQUIRED');
  });

  it('publishing an approved article without publishAt publishes it now with the notice', () => {
    const { state } = given(approved).when(cmd.publish(), ctx(pat, '10:00')).then([
      { type: 'ArticlePublished', data: { copyrightNotice: notice, publishedAt: at('10:00'), scheduledFor: null } },
    ]);
    expect(state.status).toBe('published');
    expect(state.publication).toStrictEqual({ at: at('10:00'), version: 6, copyrightNotice: notice, firstPublishedAt: at('10:00') });
  });

  it('publishing with a future publishAt schedules the publication: PublicationScheduled', () => {
    const { state } = given(approved).when(cmd.publish(PUBLISH_AT), ctx(pat, '09:30')).then([
      { type: 'PublicationScheduled', data: { copyrightNotice: notice, publishAt: PUBLISH_AT } },
    ]);
    expect(state).toMatchObject({ status: 'scheduled', publication: null });
    expect(state.schedule).toStrictEqual({ publishAt: PUBLISH_AT, copyrightNotice: notice, by: { id: pat.id, username: 'pat' } });
  });

  it('publishing with a past publishAt publishes now: ArticlePublished', () => {
    given(approved).when(cmd.publish(at('09:59')), ctx(pat, '10:00')).then([
      { type: 'ArticlePublished', data: { copyrightNotice: notice, publishedAt: at('10:00'), scheduledFor: null } },
    ]);
  });

  it('publishing with publishAt equal to now publishes now: ArticlePublished', () => {
    given(approved).when(cmd.publish(at('10:00')), ctx(pat, '10:00')).then([
      { type: 'ArticlePublished', data: { copyrightNotice: notice, publishedAt: at('10:00'), scheduledFor: null } },
    ]);
  });

  it('cancelling a schedule returns the article to approved, approval intact', () => {
    const { state } = given(scheduled).when(cmd.cancel(), ctx(pat, '10:00')).then([{ type: 'PublicationCancelled', data: { publishAt: PUBLISH_AT } }]);
    expect(state).toMatchObject({ status: 'approved', schedule: null, publication: null, version: 7 });
    expect(state.approval?.version).toBe(4);
  });

  it('cancelling a schedule when none is pending is refused: ARTICLE_NOT_SCHEDULED', () => {
    given(ready).when(cmd.cancel(), ctx(pat, '10:00')).thenThrows('ARTICLE_NOT_SCHEDULED');
    given(approved).when(cmd.cancel(), ctx(pat, '10:00')).thenThrows('ARTICLE_NOT_SCHEDULED');
    given(published).when(cmd.cancel(), ctx(pat, '10:30')).thenThrows('ARTICLE_NOT_SCHEDULED');
  });

  it('the scheduler publishing before publishAt is refused: SCHEDULE_NOT_DUE', () => {
    given(scheduled).when(cmd.publishScheduled(), ctx(pat, '11:59')).thenThrows('SCHEDULE_NOT_DUE');
  });

  it('the scheduler publishing at or after publishAt publishes with scheduledFor and the scheduled notice', () => {
    given(scheduled).when(cmd.publishScheduled(), ctx(pat, '12:00')).then([
      { type: 'ArticlePublished', data: { copyrightNotice: notice, publishedAt: at('12:00'), scheduledFor: PUBLISH_AT } },
    ]);
    const { state } = given(scheduled).when(cmd.publishScheduled(), ctx(pat, '12:03')).then([
      { type: 'ArticlePublished', data: { copyrightNotice: notice, publishedAt: at('12:03'), scheduledFor: PUBLISH_AT } },
    ]);
    expect(state).toMatchObject({ status: 'published', schedule: null, publication: { at: at('12:03'), version: 7, copyrightNotice: notice } });
  });

  it('the scheduler publishing an article that is not scheduled is refused: ARTICLE_NOT_SCHEDULED', () => {
    given(approved).when(cmd.publishScheduled(), ctx(pat, '12:00')).thenThrows('ARTICLE_NOT_SCHEDULED');
  });

  it('a scheduled article refuses content changes and approval: ARTICLE_SCHEDULED', () => {
    for (const command of [...contentChanges(), cmd.approve()]) given(scheduled).when(command, ctx(carol, '10:00')).thenThrows('ARTICLE_SCHEDULED');
  });
});

describe('decide: a published article changes only through corrections', () => {
  it('a published article refuses revisions, bylines, photos and approval: ARTICLE_PUBLISHED', () => {
    for (const command of [...contentChanges(), cmd.approve()]) given(published).when(command, ctx(carol, '10:30')).thenThrows('ARTICLE_PUBLISHED');
  });

  it('a published article cannot be published again: ARTICLE_NOT_APPROVED', () => {
    given(published).when(cmd.publish(), ctx(pat, '10:30')).thenThrows('ARTICLE_NOT_APPROVED');
  });

  it('a correction that changes headline or body is proposed: readers keep the current text until it is approved', () => {
    const fixedBody: Block[] = content.body.map((block, i) => (i === 0 ? { ...block, text: block.text.replace('9月18日', '9月17日') } : block));
    const note = 'Correction: an earlier version gave the wrong date for the meeting.';
    const { state } = given(published).when(cmd.correct(note, revisedHeadline, fixedBody), ctx(pat, '11:00')).then([
      { type: 'CorrectionProposed', data: { correctionId: 'correction-1', kind: 'correction', note, headline: revisedHeadline, body: fixedBody } },
    ]);
    expect(state).toMatchObject({ status: 'published', version: 7, headline: content.headline, corrections: [] });
    expect(state.body).toStrictEqual(content.body);
    expect(state.pendingCorrection).toStrictEqual({
      id: 'correction-1', kind: 'correction', note, headline: revisedHeadline, body: fixedBody, by: { id: pat.id, username: 'pat' }, at: at('11:00'), version: 7,
    });
    expect(state.contentAuthors).toStrictEqual([{ id: pat.id, username: 'pat' }]);
  });

  it('an approved correction changes headline and body and appends kind, note and the approval time to the corrections', () => {
    const fixedBody: Block[] = content.body.map((block, i) => (i === 0 ? { ...block, text: block.text.replace('9月18日', '9月17日') } : block));
    const history = [...published, ev.proposed(revisedHeadline, fixedBody, pat, '11:00')];
    const { state } = given(history).when(cmd.approveCorrection(), ctx(bob, '11:10')).then([{ type: 'CorrectionApproved', data: { correctionId: 'correction-1' } }]);
    expect(state).toMatchObject({ status: 'published', version: 8, headline: revisedHeadline, updatedAt: at('11:10'), pendingCorrection: null, contentAuthors: [] });
    expect(state.body[0].text).toContain('9月17日');
    expect(state.body.slice(1)).toStrictEqual(content.body.slice(1));
    expect(state.corrections).toStrictEqual([{ kind: 'correction', note: 'Correction: the date.', at: at('11:10'), version: 8 }]);
    expect(state.publication).toMatchObject({ at: at('10:00'), version: 6 });
  });

  it('four eyes on corrections: the author of a proposal cannot approve it: FOUR_EYES', () => {
    const history = [...published, ev.proposed(revisedHeadline, null, { ...pat, roles: ['publisher', 'editor'] }, '11:00')];
    given(history).when(cmd.approveCorrection(), ctx({ ...pat, roles: ['publisher', 'editor'] }, '11:05')).thenThrows('FOUR_EYES');
  });

  it('approving or rejecting a correction that is not pending is refused: CORRECTION_NOT_FOUND', () => {
    given(published).when(cmd.approveCorrection(), ctx(bob, '11:05')).thenThrows('CORRECTION_NOT_FOUND');
    const history = [...published, ev.proposed(revisedHeadline, null, pat, '11:00')];
    given(history).when(cmd.approveCorrection('correction-404'), ctx(bob, '11:05')).thenThrows('CORRECTION_NOT_FOUND');
    given(history).when(cmd.rejectCorrection('correction-404'), ctx(bob, '11:05')).thenThrows('CORRECTION_NOT_FOUND');
    given([...history, ev.correctionApproved(bob, '11:05')]).when(cmd.approveCorrection(), ctx(carol, '11:06')).thenThrows('CORRECTION_NOT_FOUND');
  });

  it('a second proposal while one is pending is refused: CORRECTION_PENDING; a note-only correction is not', () => {
    const history = [...published, ev.proposed(revisedHeadline, null, pat, '11:00')];
    given(history).when(cmd.correct('Correction: the venue.', '另一個標題', null, 'correction-2'), ctx(pat, '11:05')).thenThrows('CORRECTION_PENDING');
    given(history).when(cmd.correct('Clarification: 老撾 is Laos.'), ctx(pat, '11:05')).then([
      { type: 'ArticleCorrected', data: { kind: 'correction', note: 'Clarification: 老撾 is Laos.', headline: null, body: null } },
    ]);
  });

  it('a rejected or withdrawn proposal leaves the text as it was and clears the authors', () => {
    const history = [...published, ev.proposed(revisedHeadline, null, pat, '11:00')];
    const { state } = given(history).when(cmd.rejectCorrection('correction-1', 'the date was right'), ctx(bob, '11:05')).then([
      { type: 'CorrectionRejected', data: { correctionId: 'correction-1', reason: 'the date was right' } },
    ]);
    expect(state).toMatchObject({ headline: content.headline, pendingCorrection: null, contentAuthors: [], corrections: [] });
    // The author may withdraw their own proposal.
    given(history).when(cmd.rejectCorrection(), ctx(pat, '11:05')).then([{ type: 'CorrectionRejected', data: { correctionId: 'correction-1', reason: null } }]);
  });

  it('a correction that repeats the current headline and body changes no text: one step, like a note', () => {
    given(published).when(cmd.correct('Correction: the byline.', content.headline, content.body), ctx(pat, '11:00')).then([
      { type: 'ArticleCorrected', data: { kind: 'correction', note: 'Correction: the byline.', headline: null, body: null } },
    ]);
  });

  it('a proposed headline or body must not be empty: HEADLINE_REQUIRED, BODY_REQUIRED', () => {
    given(published).when(cmd.correct('Correction: the title.', '  '), ctx(pat, '11:00')).thenThrows('HEADLINE_REQUIRED');
    given(published).when(cmd.correct('Correction: the text.', null, [{ type: 'paragraph', text: ' ' }]), ctx(pat, '11:00')).thenThrows('BODY_REQUIRED');
  });

  it('a later correction appends to earlier ones; one with no headline or body keeps them', () => {
    const history = [...published, ev.corrected('Correction: the date.', revisedHeadline, pat, '11:00')];
    const { state } = given(history)
      .when({ type: 'CorrectArticle', data: { correctionId: 'unused', kind: 'clarification', note: 'Clarification: 老撾 is Laos.', headline: null, body: null } }, ctx(pat, '11:30'))
      .then([{ type: 'ArticleCorrected', data: { kind: 'clarification', note: 'Clarification: 老撾 is Laos.', headline: null, body: null } }]);
    expect(state.headline).toBe(revisedHeadline);
    expect(state.body).toStrictEqual(content.body);
    expect(state.corrections.map((c) => [c.kind, c.note, c.at, c.version])).toStrictEqual([
      ['correction', 'Correction: the date.', at('11:00'), 7],
      ['clarification', 'Clarification: 老撾 is Laos.', at('11:30'), 8],
    ]);
  });

  it('a correction needs a note that says something: CORRECTION_NOTE_REQUIRED', () => {
    given(published).when(cmd.correct('   ', revisedHeadline), ctx(pat, '11:00')).thenThrows('CORRECTION_NOTE_REQUIRED');
    given(published).when(cmd.correct(''), ctx(pat, '11:00')).thenThrows('CORRECTION_NOTE_REQUIRED');
    given(published).when(cmd.correct('.', revisedHeadline), ctx(pat, '11:00')).thenThrows('CORRECTION_NOTE_REQUIRED');
    given(published).when(cmd.correct(' …!? 。、'), ctx(pat, '11:00')).thenThrows('CORRECTION_NOTE_REQUIRED');
    // Any script's letters or digits say something.
    given(published).when(cmd.correct('更正。'), ctx(pat, '11:00')).then([{ type: 'ArticleCorrected', data: { kind: 'correction', note: '更正。', headline: null, body: null } }]);
  });

  it('only a published article is corrected: ARTICLE_NOT_PUBLISHED', () => {
    given(approved).when(cmd.correct('Correction: the date.'), ctx(pat, '11:00')).thenThrows('ARTICLE_NOT_PUBLISHED');
  });
});

describe('decide: withdrawal', () => {
  it('withdrawing a published article records the reason, time and who', () => {
    const { state } = given(published).when(cmd.withdraw('the minister was misquoted'), ctx(pat, '11:00')).then([
      { type: 'ArticleWithdrawn', data: { reason: 'the minister was misquoted' } },
    ]);
    expect(state.status).toBe('withdrawn');
    expect(state.withdrawal).toStrictEqual({ reason: 'the minister was misquoted', at: at('11:00'), by: { id: pat.id, username: 'pat' } });
  });

  it('only a published article can be withdrawn: ARTICLE_NOT_PUBLISHED', () => {
    for (const history of [ready, approved, scheduled]) given(history).when(cmd.withdraw(), ctx(pat, '11:00')).thenThrows('ARTICLE_NOT_PUBLISHED');
  });

  it('a withdrawal needs a reason: WITHDRAWAL_REASON_REQUIRED', () => {
    given(published).when(cmd.withdraw('  '), ctx(pat, '11:00')).thenThrows('WITHDRAWAL_REASON_REQUIRED');
  });

  it('a withdrawn article refuses every command: ARTICLE_WITHDRAWN', () => {
    const refused = new Set<ArticleCommandType>();
    for (const command of everyCommandButDraft()) {
      given(withdrawn).when(command, ctx(pat, '12:30')).thenThrows('ARTICLE_WITHDRAWN');
      refused.add(command.type);
    }
    expect(refused.size).toBe(13);
  });
});

describe('determinism', () => {
  const history = [...withdrawn.slice(0, -1), ev.corrected('Correction: the date.', revisedHeadline, pat, '10:30'), withdrawn[withdrawn.length - 1]];

  afterEach(() => jest.useRealTimers());

  it('folding the same events twice gives deep-equal states, without mutating the events', () => {
    const events = record(history);
    const snapshot = JSON.parse(JSON.stringify(events));
    const first = fold(events);
    const second = fold(events);
    expect(second).toStrictEqual(first);
    expect(second).not.toBe(first);
    expect(events).toStrictEqual(snapshot);
    // And step by step: the states in between do not change once made.
    const steps = events.map((_, i) => fold(events.slice(0, i + 1)));
    const again = events.map((_, i) => fold(events.slice(0, i + 1)));
    expect(again).toStrictEqual(steps);
  });

  it('evolve never reads the clock: every time in the state comes from the events', () => {
    const events = record(history);
    const real = fold(events);
    jest.useFakeTimers({ now: new Date('2031-01-02T03:04:05.000Z') });
    expect(new Date().toISOString()).toBe('2031-01-02T03:04:05.000Z');
    const faked = events.reduce<ReturnType<typeof fold>>((state, event) => evolve(state, event), null)!;
    expect(faked).toStrictEqual(real);
    expect([faked.createdAt, faked.approval?.at, faked.publication?.at, faked.publication?.firstPublishedAt, faked.corrections[0].at, faked.withdrawal?.at, faked.updatedAt]).toStrictEqual([
      at('08:00'),
      at('09:00'),
      at('10:00'),
      at('10:00'),
      at('10:30'),
      at('11:00'),
      at('11:00'),
    ]);
    expect(JSON.stringify(faked)).not.toContain('2031');
  });

  it('decide never reads the clock: publishAt is judged against the command time only', () => {
    jest.useFakeTimers({ now: new Date('2031-01-02T03:04:05.000Z') }); // long after PUBLISH_AT
    given(approved).when(cmd.publish(PUBLISH_AT), ctx(pat, '09:30')).then([{ type: 'PublicationScheduled', data: { copyrightNotice: notice, publishAt: PUBLISH_AT } }]);
    given(scheduled).when(cmd.publishScheduled(), ctx(pat, '11:59')).thenThrows('SCHEDULE_NOT_DUE');
    jest.setSystemTime(new Date('2001-01-01T00:00:00.000Z')); // long before it
    given(scheduled).when(cmd.publishScheduled(), ctx(pat, '12:03')).then([
      { type: 'ArticlePublished', data: { copyrightNotice: notice, publishedAt: at('12:03'), scheduledFor: PUBLISH_AT } },
    ]);
  });
});
