/**
 * Property-based (fast-check): random command sequences, with random actors and a moving clock,
 * 1. against the pure decider (decide + evolve): the workflow invariants hold after every step: a publication
 *    rests on an approval of exactly the published content by someone other than its last editor; a withdrawn
 *    article never changes; versions are dense; decide only ever refuses with a DomainError.
 *    Negative controls: three deliberately broken deciders (four-eyes skipped, publish without approval, a
 *    withdrawn article corrected) must each be caught, with a shrunk counterexample.
 * 2. against the HTTP API (in-process app, a small number of runs): no sequence yields a 5xx, the stream stays
 *    gap-free, article_view matches the log, every refused request stored nothing, and the log keeps the
 *    invariants. Negative control: a false property ("no sequence publishes") must be refuted and fast-check must
 *    report the shrunk sequence that publishes.
 */
import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import { Actor, Article, ArticleEvent, evolve, RecordedArticleEvent } from '../../src/articles/domain/article';
import { ArticleCommand, decide, DomainError } from '../../src/articles/domain/article.decide';
import { toRecorded } from '../../src/articles/domain/article-stream';
import type { StoredEvent } from '../../src/event-store/event-store.types';
import { bearer, startApp, TestApp } from '../support/test-app';
import { invariantViolations } from './support/checks';
import { ENGINE, summary } from './support/harness';

const DECIDER_RUNS = Number(process.env.PROPERTY_RUNS ?? 1500);
const HTTP_RUNS = Number(process.env.PROPERTY_HTTP_RUNS ?? 25);

const ACTORS: Actor[] = [
  { id: '10000000-0000-4000-8000-000000000001', username: 'reporter-a', roles: ['reporter'] },
  { id: '10000000-0000-4000-8000-000000000002', username: 'editor-b', roles: ['editor'] },
  { id: '10000000-0000-4000-8000-000000000003', username: 'publisher-c', roles: ['publisher'] },
];
const T0 = Date.parse('2026-01-01T00:00:00.000Z');

// ---------- generators --------------------------------------------------------------------------------------

const text = fc.oneof({ weight: 1, arbitrary: fc.constantFrom('', '  ') }, { weight: 5, arbitrary: fc.string({ minLength: 1, maxLength: 6 }) });
const block = fc.record({ type: fc.constantFrom('paragraph' as const, 'heading' as const, 'quote' as const), text });
const changes = fc.record(
  {
    headline: text,
    summary: fc.option(text, { nil: null }),
    body: fc.array(block, { minLength: 1, maxLength: 2 }),
    language: fc.constantFrom('en', 'vi', 'zh-Hant'),
    source: fc.option(text, { nil: null }),
  },
  { requiredKeys: [] },
);
const notice = fc.record({ holder: text, text, usageTerms: fc.constant(null) });

/** A command with placeholders for what only the state can tell (which byline or photo to remove). */
type Gen =
  | { kind: 'revise'; changes: Record<string, unknown> }
  | { kind: 'byline'; name: string }
  | { kind: 'removeByline'; pick: number }
  | { kind: 'photo'; photographer: string }
  | { kind: 'removePhoto'; pick: number }
  | { kind: 'approve' }
  | { kind: 'publish'; holder: string; text: string; schedule: 'now' | 'past' | 'future' }
  | { kind: 'cancel' }
  | { kind: 'publishScheduled' }
  | { kind: 'correct'; note: string; headline: string | null }
  | { kind: 'withdraw'; reason: string };

const genCommand: fc.Arbitrary<Gen> = fc.oneof(
  { weight: 3, arbitrary: changes.map((c) => ({ kind: 'revise' as const, changes: c })) },
  { weight: 3, arbitrary: text.map((name) => ({ kind: 'byline' as const, name })) },
  { weight: 1, arbitrary: fc.nat(3).map((pick) => ({ kind: 'removeByline' as const, pick })) },
  { weight: 2, arbitrary: text.map((photographer) => ({ kind: 'photo' as const, photographer })) },
  { weight: 1, arbitrary: fc.nat(3).map((pick) => ({ kind: 'removePhoto' as const, pick })) },
  { weight: 4, arbitrary: fc.constant({ kind: 'approve' as const }) },
  { weight: 4, arbitrary: fc.tuple(notice, fc.constantFrom('now' as const, 'past' as const, 'future' as const)).map(([n, schedule]) => ({ kind: 'publish' as const, holder: n.holder, text: n.text, schedule })) },
  { weight: 1, arbitrary: fc.constant({ kind: 'cancel' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'publishScheduled' as const }) },
  { weight: 2, arbitrary: fc.tuple(text, fc.option(text, { nil: null })).map(([note, headline]) => ({ kind: 'correct' as const, note, headline })) },
  { weight: 2, arbitrary: text.map((reason) => ({ kind: 'withdraw' as const, reason })) },
);
const step = fc.record({ actor: fc.nat(ACTORS.length - 1), command: genCommand, advanceMs: fc.nat(2 * 3600_000) });
const steps = fc.array(step, { minLength: 1, maxLength: 25 });
type Step = { actor: number; command: Gen; advanceMs: number };

function toCommand(g: Gen, state: Article | null, now: number, n: number): ArticleCommand {
  switch (g.kind) {
    case 'revise':
      return { type: 'ReviseDraft', data: { changes: g.changes } };
    case 'byline':
      return { type: 'AddByline', data: { bylineId: `byline-${n}`, name: g.name, role: null, organisation: null } };
    case 'removeByline': {
      const list = state?.bylines ?? [];
      return { type: 'RemoveByline', data: { bylineId: list.length ? list[g.pick % list.length].id : 'no-such-byline' } };
    }
    case 'photo':
      return { type: 'AttachPhotoCredit', data: { photoId: `photo-${n}`, href: 'https://example.org/p.jpg', caption: 'c', credit: { photographer: g.photographer, organisation: null, line: null } } };
    case 'removePhoto': {
      const list = state?.photos ?? [];
      return { type: 'RemovePhoto', data: { photoId: list.length ? list[g.pick % list.length].id : 'no-such-photo' } };
    }
    case 'approve':
      return { type: 'ApproveArticle', data: { note: null } };
    case 'publish': {
      const publishAt = g.schedule === 'now' ? null : new Date(now + (g.schedule === 'past' ? -3600_000 : 3600_000)).toISOString();
      return { type: 'PublishArticle', data: { copyrightNotice: { holder: g.holder, text: g.text, usageTerms: null }, publishAt } };
    }
    case 'cancel':
      return { type: 'CancelScheduledPublication', data: {} };
    case 'publishScheduled':
      return { type: 'PublishScheduledArticle', data: {} };
    case 'correct':
      return { type: 'CorrectArticle', data: { kind: 'correction', note: g.note, headline: g.headline, body: null } };
    case 'withdraw':
      return { type: 'WithdrawArticle', data: { reason: g.reason } };
  }
}

type Decider = typeof decide;

/** Runs a sequence through a decider and evolve, checking the invariants after every step; throws on a violation. */
function runSequence(sequence: Step[], decider: Decider): { log: RecordedArticleEvent[]; refused: number } {
  let now = T0;
  const log: RecordedArticleEvent[] = [];
  let state: Article | null = null;
  let refused = 0;
  const apply = (events: ArticleEvent[], actor: Actor) => {
    for (const e of events) {
      const recorded = { ...e, version: log.length + 1, at: new Date(now).toISOString(), actor } as RecordedArticleEvent;
      state = evolve(state, recorded);
      log.push(recorded);
    }
  };
  const draft: ArticleCommand = {
    type: 'DraftArticle',
    data: { articleId: '20000000-0000-4000-8000-000000000000', headline: 'Headline', body: [{ type: 'paragraph', text: 'Body' }], language: 'en', source: null, summary: null },
  };
  apply(decider(draft, null, { now: new Date(now).toISOString(), actor: ACTORS[0] }), ACTORS[0]);
  sequence.forEach((s, n) => {
    now += s.advanceMs;
    const actor = ACTORS[s.actor];
    const before = state!;
    const frozen = JSON.stringify(before);
    const command = toCommand(s.command, before, now, n);
    let events: ArticleEvent[] = [];
    try {
      events = decider(command, before, { now: new Date(now).toISOString(), actor });
    } catch (err) {
      if (!(err instanceof DomainError)) throw new Error(`step ${n} (${command.type}): decide threw ${String(err)} instead of a DomainError`);
      refused++;
    }
    if (JSON.stringify(before) !== frozen) throw new Error(`step ${n}: decide mutated the state it was given`);
    const wasWithdrawn = before.status === 'withdrawn';
    apply(events, actor);
    const after = state!;
    if (wasWithdrawn && JSON.stringify(after) !== frozen) throw new Error(`step ${n}: ${command.type} changed a withdrawn article`);
    if (after.version !== log.length) throw new Error(`step ${n}: state at version ${after.version}, log has ${log.length} events`);
    const problems = invariantViolations(log);
    if (problems.length) throw new Error(`step ${n} (${command.type}): ${problems.join('; ')}`);
  });
  return { log, refused };
}

// ---------- deliberately broken deciders, for the negative controls -----------------------------------------

const skipFourEyes: Decider = (command, state, ctx) => {
  try {
    return decide(command, state, ctx);
  } catch (err) {
    if (err instanceof DomainError && err.code === 'FOUR_EYES' && state) return [{ type: 'ArticleApproved', data: { approvedVersion: state.version, note: null } }];
    throw err;
  }
};
const publishDrafts: Decider = (command, state, ctx) => {
  if (command.type === 'PublishArticle' && state?.status === 'draft') {
    return [{ type: 'ArticlePublished', data: { copyrightNotice: command.data.copyrightNotice, publishedAt: ctx.now, scheduledFor: null } }];
  }
  return decide(command, state, ctx);
};
const correctWithdrawn: Decider = (command, state, ctx) => {
  if (command.type === 'CorrectArticle' && state?.status === 'withdrawn') return [{ type: 'ArticleCorrected', data: command.data }];
  return decide(command, state, ctx);
};

const figures: Record<string, number | string> = {};

describe('property-based: the pure decider', () => {
  it(`keeps the workflow invariants over ${DECIDER_RUNS} random command sequences`, () => {
    let sequences = 0;
    let commands = 0;
    let events = 0;
    let refused = 0;
    const reached = new Set<string>();
    fc.assert(
      fc.property(steps, (sequence) => {
        const r = runSequence(sequence, decide);
        sequences++;
        commands += sequence.length + 1;
        events += r.log.length;
        refused += r.refused;
        for (const e of r.log) reached.add(e.type);
      }),
      // A fixed seed by default: the coverage check below (every event type reached) held for most random seeds but
      // not all, which made CI flaky. PROPERTY_SEED=<n> explores others.
      { numRuns: DECIDER_RUNS, seed: Number(process.env.PROPERTY_SEED ?? 20261129) },
    );
    Object.assign(figures, { 'decider sequences': sequences, 'decider commands': commands, 'decider events': events, 'decider refusals': refused });
    // The generator reaches the whole workflow, so the invariants are not vacuous.
    for (const type of ['ArticleApproved', 'ArticlePublished', 'PublicationScheduled', 'ArticleCorrected', 'ArticleWithdrawn']) expect(reached).toContain(type);
  });

  it.each([
    ['four-eyes skipped', skipFourEyes, /four eyes broken/],
    ['publication without approval', publishDrafts, /without any approval|content changed after the approval/],
    ['a withdrawn article corrected', correctWithdrawn, /withdraw/],
  ] as const)('negative control: a decider with %s is caught and shrunk', (name, broken, message) => {
    const result = fc.check(
      fc.property(steps, (sequence) => {
        runSequence(sequence, broken);
      }),
      { numRuns: 5000, seed: 20261128 },
    );
    expect(result.failed).toBe(true);
    const shrunk = result.counterexample![0] as Step[];
    expect(String(result.errorInstance)).toMatch(message);
    expect(shrunk.length).toBeLessThanOrEqual(6); // shrunk to the few steps that matter
    figures[`negative control (${name})`] = `caught after ${result.numRuns} runs, shrunk to ${shrunk.length} steps`;
    process.stderr.write(`[reliability] property negative control "${name}": ${fc.defaultReportMessage(result)?.split('\n').slice(0, 4).join(' | ').slice(0, 600)}\n`);
  });
});

// ---------- against the HTTP API ----------------------------------------------------------------------------

type HttpOp = 'revise' | 'byline' | 'removeByline' | 'photo' | 'removePhoto' | 'approve' | 'publish' | 'cancel' | 'correct' | 'withdraw';
type HttpStep = { op: HttpOp; who: number; fit: boolean; ifMatch: 'current' | 'stale' | 'missing' | 'garbage'; value: string; future: boolean };

/** users[]: 0, 1 reporters; 2 editor; 3 publisher; 4 editor and reporter (who can break four-eyes on themself). */
const FITTING: Record<HttpOp, number[]> = {
  revise: [0, 1, 4],
  byline: [0, 1, 4],
  removeByline: [0, 1, 4],
  photo: [0, 1, 4],
  removePhoto: [0, 1, 4],
  approve: [2, 3, 4],
  publish: [3],
  cancel: [3],
  correct: [3],
  withdraw: [3],
};
const userFor = (s: HttpStep) => (s.fit ? FITTING[s.op][s.who % FITTING[s.op].length] : s.who % 5);

const httpStep: fc.Arbitrary<HttpStep> = fc.record({
  op: fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom<HttpOp>('byline', 'approve', 'publish') },
    { weight: 2, arbitrary: fc.constantFrom<HttpOp>('revise', 'removeByline', 'photo', 'removePhoto', 'cancel', 'correct', 'withdraw') },
  ),
  who: fc.nat(4),
  // Mostly someone whose role allows the command (so the workflow gets somewhere), sometimes anyone (403s).
  fit: fc.oneof({ weight: 4, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
  ifMatch: fc.oneof(
    { weight: 5, arbitrary: fc.constant('current' as const) },
    { weight: 1, arbitrary: fc.constantFrom('stale' as const, 'missing' as const, 'garbage' as const) },
  ),
  value: fc.oneof(fc.constantFrom('', ' ', 'x'), fc.string({ maxLength: 12 })),
  future: fc.oneof({ weight: 4, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
});

describe('property-based: the HTTP API', () => {
  let t: TestApp;
  let users: { token: string; id: string }[];
  let httpRequests = 0;
  let httpSequences = 0;
  const statuses: Record<number, number> = {};
  const httpEventTypes = new Set<string>();

  beforeAll(async () => {
    t = await startApp();
    // two reporters, an editor, a publisher, and an editor who also reports (can break four-eyes on themself)
    users = await Promise.all([['reporter'], ['reporter'], ['editor'], ['publisher'], ['editor', 'reporter']].map((roles) => t.user(roles as never)));
  }, 120_000);

  afterAll(async () => {
    Object.assign(figures, {
      'HTTP sequences': httpSequences,
      'HTTP requests sent': httpRequests,
      'HTTP statuses': Object.entries(statuses)
        .map(([s, n]) => `${s}:${n}`)
        .join(' '),
      '5xx': Object.entries(statuses).reduce((sum, [s, n]) => sum + (Number(s) >= 500 ? n : 0), 0),
    });
    summary('property', figures);
    await t?.close();
  });

  /** Plays one sequence on a new article; returns the article's events and the statuses seen. */
  async function play(sequence: HttpStep[]): Promise<{ id: string; events: StoredEvent[]; refusedIds: string[]; serverErrors: string[] }> {
    httpSequences++;
    const send = async (method: 'post' | 'patch' | 'delete' | 'get', path: string, token: string, headers: Record<string, string>, body?: object) => {
      let req = t.http()[method](path).set(bearer(token)).set(headers);
      if (body) req = req.send(body);
      const res = await req;
      httpRequests++;
      statuses[res.status] = (statuses[res.status] ?? 0) + 1;
      return res;
    };
    const draft = await send('post', '/articles', users[0].token, {}, { headline: 'Property', body: [{ type: 'paragraph', text: 'Body' }], language: 'en' });
    if (draft.status !== 201) throw new Error(`draft: ${draft.status}`);
    const id: string = draft.body.id;
    const refusedIds: string[] = [];
    const serverErrors: string[] = [];
    for (const [n, s] of sequence.entries()) {
      const current = await send('get', `/articles/${id}`, users[0].token, {});
      const version: number = current.body.version;
      const headers: Record<string, string> = { 'x-request-id': `prop-${id.slice(0, 8)}-${n}` };
      if (s.ifMatch === 'current') headers['if-match'] = `"${version}"`;
      if (s.ifMatch === 'stale') headers['if-match'] = `"${Math.max(1, version - 1 - (n % 2))}"`;
      if (s.ifMatch === 'garbage') headers['if-match'] = s.value || 'nope';
      const token = users[userFor(s)].token;
      const bylineId = current.body.bylines?.[n % Math.max(1, current.body.bylines.length)]?.id ?? randomUUID();
      const photoId = current.body.photos?.[0]?.id ?? randomUUID();
      const res =
        s.op === 'revise'
          ? await send('patch', `/articles/${id}`, token, headers, n % 2 ? { summary: s.value } : { headline: s.value })
          : s.op === 'byline'
            ? await send('post', `/articles/${id}/bylines`, token, headers, { name: s.value || 'Named' })
            : s.op === 'removeByline'
              ? await send('delete', `/articles/${id}/bylines/${bylineId}`, token, headers)
              : s.op === 'photo'
                ? await send('post', `/articles/${id}/photos`, token, headers, { href: 'https://example.org/p.jpg', caption: s.value, credit: { photographer: s.value } })
                : s.op === 'removePhoto'
                  ? await send('delete', `/articles/${id}/photos/${photoId}`, token, headers)
                  : s.op === 'approve'
                    ? await send('post', `/articles/${id}/approval`, token, headers, {})
                    : s.op === 'publish'
                      ? await send('post', `/articles/${id}/publication`, token, headers, {
                          copyrightNotice: { holder: s.value || 'Holder', text: '© Holder' },
                          ...(s.future ? { publishAt: new Date(Date.now() + 3600_000).toISOString() } : {}),
                        })
                      : s.op === 'cancel'
                        ? await send('delete', `/articles/${id}/publication`, token, headers)
                        : s.op === 'correct'
                          ? await send('post', `/articles/${id}/corrections`, token, headers, { kind: 'correction', note: s.value })
                          : await send('post', `/articles/${id}/withdrawal`, token, headers, { reason: s.value });
      if (res.status >= 500) serverErrors.push(`step ${n} ${s.op}: ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
      if (res.status >= 400) refusedIds.push(headers['x-request-id']);
    }
    const events = await send('get', `/articles/${id}/events`, users[2].token, {});
    for (const e of events.body as StoredEvent[]) httpEventTypes.add(e.type);
    return { id, events: events.body, refusedIds, serverErrors };
  }

  it(`never answers 5xx and keeps the stream gap-free over ${HTTP_RUNS} random sequences`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(httpStep, { minLength: 1, maxLength: 16 }), async (sequence) => {
        const { id, events, refusedIds, serverErrors } = await play(sequence);
        if (serverErrors.length) throw new Error(`5xx: ${serverErrors.join('; ')}`);
        const versions = events.map((e) => e.version);
        if (versions.some((v, i) => v !== i + 1)) throw new Error(`stream not gap-free: versions ${versions.join(',')}`);
        const view = await t.http().get(`/articles/${id}`).set(bearer(users[0].token));
        if (view.body.version !== events.length) throw new Error(`article_view at ${view.body.version}, log at ${events.length}`);
        const fromRefused = events.filter((e) => refusedIds.includes(e.metadata.correlationId));
        if (fromRefused.length) throw new Error(`refused requests stored events: ${fromRefused.map((e) => e.version).join(',')}`);
        const problems = invariantViolations(events.map(toRecorded));
        if (problems.length) throw new Error(`invariants: ${problems.join('; ')}`);
      }),
      { numRuns: HTTP_RUNS, interruptAfterTimeLimit: 90_000 },
    );
    figures['HTTP event types reached'] = [...httpEventTypes].sort().join(' ');
  }, 180_000);

  it('negative control: a false property ("no sequence publishes") is refuted with a shrunk sequence', async () => {
    const result = await fc.check(
      fc.asyncProperty(fc.array(httpStep, { minLength: 1, maxLength: 12 }), async (sequence) => {
        const { events } = await play(sequence);
        return !events.some((e) => e.type === 'ArticlePublished');
      }),
      {
        numRuns: 60,
        seed: 4242,
        interruptAfterTimeLimit: 90_000,
      },
    );
    expect(result.failed).toBe(true);
    const shrunk = result.counterexample![0] as HttpStep[];
    figures['HTTP negative control'] = `refuted after ${result.numRuns} runs, shrunk to ${shrunk.length} steps: ${shrunk.map((s) => s.op).join(' → ')}`;
    process.stderr.write(`[reliability] property HTTP negative control: ${fc.defaultReportMessage(result)?.split('\n').slice(0, 3).join(' | ').slice(0, 800)}\n`);
    // Shrunk to a handful of steps that contain what publishing takes: a byline, an approval, a publication.
    expect(shrunk.length).toBeLessThanOrEqual(5);
    expect(shrunk.map((s) => s.op)).toEqual(expect.arrayContaining(['byline', 'approve', 'publish']));
  }, 180_000);
});

void ENGINE;
