import {
  Actor,
  Article,
  ArticleContent,
  ArticleEvent,
  Block,
  CONTENT_FIELDS,
  CopyrightNotice,
  CorrectionKind,
  PhotoCredit,
  assertNever,
} from './article';
import { sameJson } from './article.changes';

/**
 * The workflow rules: `decide(command, state)` returns the events a command causes, or throws a DomainError.
 * Pure: the time, the new ids and the actor come in with the command.
 */

export type ArticleCommand =
  | { type: 'DraftArticle'; data: { articleId: string } & ArticleContent }
  | { type: 'ReviseDraft'; data: { changes: Partial<ArticleContent> } }
  | { type: 'AddByline'; data: { bylineId: string; name: string; role: string | null; organisation: string | null } }
  | { type: 'RemoveByline'; data: { bylineId: string } }
  | { type: 'AttachPhotoCredit'; data: { photoId: string; href: string; caption: string; credit: PhotoCredit } }
  | { type: 'RemovePhoto'; data: { photoId: string } }
  | { type: 'ApproveArticle'; data: { note: string | null } }
  /** `embargoUntil` (optional): deliver to partners now, open to readers at that time; not with `publishAt`. */
  | { type: 'PublishArticle'; data: { copyrightNotice: CopyrightNotice; publishAt: string | null; embargoUntil?: string | null } }
  | { type: 'CancelScheduledPublication'; data: Record<string, never> }
  /** Issued by the scheduler once `publishAt` has passed. */
  | { type: 'PublishScheduledArticle'; data: Record<string, never> }
  /** `correctionId` names the proposal when the correction changes headline or body (it then waits for approval). */
  | { type: 'CorrectArticle'; data: { correctionId: string; kind: CorrectionKind; note: string; headline: string | null; body: Block[] | null } }
  | { type: 'ApproveCorrection'; data: { correctionId: string } }
  | { type: 'RejectCorrection'; data: { correctionId: string; reason: string | null } }
  | { type: 'WithdrawArticle'; data: { reason: string } };

export type ArticleCommandType = ArticleCommand['type'];

export interface CommandContext {
  /** RFC 3339 UTC time of the command: the only clock the domain sees. */
  now: string;
  actor: Actor;
}

export type DomainErrorCode =
  | 'ARTICLE_NOT_FOUND'
  | 'ARTICLE_EXISTS'
  | 'BYLINE_NOT_FOUND'
  | 'PHOTO_NOT_FOUND'
  | 'ARTICLE_PUBLISHED'
  | 'ARTICLE_WITHDRAWN'
  | 'ARTICLE_SCHEDULED'
  | 'ARTICLE_NOT_DRAFT'
  | 'ARTICLE_NOT_APPROVED'
  | 'ARTICLE_NOT_SCHEDULED'
  | 'ARTICLE_NOT_PUBLISHED'
  | 'SCHEDULE_NOT_DUE'
  | 'HEADLINE_REQUIRED'
  | 'BODY_REQUIRED'
  | 'BYLINE_REQUIRED'
  | 'PHOTO_CREDIT_REQUIRED'
  | 'COPYRIGHT_NOTICE_REQUIRED'
  | 'CORRECTION_NOTE_REQUIRED'
  | 'CORRECTION_NOT_FOUND'
  | 'CORRECTION_PENDING'
  | 'WITHDRAWAL_REASON_REQUIRED'
  | 'FOUR_EYES'
  | 'EMBARGO_NOT_FUTURE'
  | 'EMBARGO_WITH_SCHEDULE';

/** A broken workflow rule, with a stable code that one place maps to an HTTP status. */
export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

const fail = (code: DomainErrorCode, message: string): never => {
  throw new DomainError(code, message);
};

const blank = (text: string | null | undefined) => !text || text.trim() === '';

/** A note for readers says something: at least one letter or digit, in any script (not blank, not punctuation only). */
export const saysSomething = (text: string | null | undefined): boolean => !!text && /[\p{L}\p{N}]/u.test(text);

/** Whether the actor made a content change since the last approval that went live (four eyes over every change). */
const changedSinceLiveApproval = (state: Article, actor: Actor) => state.contentAuthors.some((a) => a.id === actor.id);

function requirePublished(state: Article): void {
  if (state.status === 'withdrawn') fail('ARTICLE_WITHDRAWN', 'a withdrawn article does not change');
  if (state.status !== 'published') fail('ARTICLE_NOT_PUBLISHED', 'only a published article is corrected');
}

function pendingCorrection(state: Article, correctionId: string) {
  const pending = state.pendingCorrection;
  if (!pending || pending.id !== correctionId) return fail('CORRECTION_NOT_FOUND', 'no such pending correction on this article');
  return pending;
}

function requireEditable(state: Article): void {
  if (state.status === 'withdrawn') fail('ARTICLE_WITHDRAWN', 'a withdrawn article does not change');
  if (state.status === 'published') fail('ARTICLE_PUBLISHED', 'a published article changes only through corrections');
  if (state.status === 'scheduled')
    fail('ARTICLE_SCHEDULED', 'the article is scheduled for publication: cancel the schedule before changing it');
}

export function decide(command: ArticleCommand, state: Article | null, ctx: CommandContext): ArticleEvent[] {
  if (command.type === 'DraftArticle') {
    if (state) fail('ARTICLE_EXISTS', `article ${state.id} already exists`);
    return [{ type: 'ArticleDrafted', data: command.data }];
  }
  if (!state) return fail('ARTICLE_NOT_FOUND', 'no such article');

  switch (command.type) {
    case 'ReviseDraft': {
      requireEditable(state);
      const changes: Partial<ArticleContent> = {};
      for (const field of CONTENT_FIELDS) {
        const value = command.data.changes[field];
        if (value !== undefined && !sameJson(value, state[field])) {
          (changes as Record<string, unknown>)[field] = value;
        }
      }
      // A revision that changes nothing is not an event: nothing happened to the story.
      return Object.keys(changes).length ? [{ type: 'DraftRevised', data: { changes } }] : [];
    }
    case 'AddByline':
      requireEditable(state);
      return [{ type: 'BylineAdded', data: command.data }];
    case 'RemoveByline':
      requireEditable(state);
      if (!state.bylines.some((b) => b.id === command.data.bylineId)) fail('BYLINE_NOT_FOUND', 'no such byline on this article');
      return [{ type: 'BylineRemoved', data: command.data }];
    case 'AttachPhotoCredit':
      requireEditable(state);
      return [{ type: 'PhotoCreditAttached', data: command.data }];
    case 'RemovePhoto':
      requireEditable(state);
      if (!state.photos.some((p) => p.id === command.data.photoId)) fail('PHOTO_NOT_FOUND', 'no such photo on this article');
      return [{ type: 'PhotoRemoved', data: command.data }];
    case 'ApproveArticle':
      requireEditable(state);
      if (state.status !== 'draft') fail('ARTICLE_NOT_DRAFT', `the article is already ${state.status}`);
      if (blank(state.headline)) fail('HEADLINE_REQUIRED', 'approval needs a non-empty headline');
      if (!state.body.some((block) => !blank(block.text))) fail('BODY_REQUIRED', 'approval needs a non-empty body');
      if (state.bylines.length === 0) fail('BYLINE_REQUIRED', 'approval needs at least one byline');
      if (state.photos.some((p) => blank(p.credit.photographer)))
        fail('PHOTO_CREDIT_REQUIRED', 'approval needs a credited photographer on every photo');
      if (changedSinceLiveApproval(state, ctx.actor))
        fail('FOUR_EYES', 'the approver must not have made any of the content changes in this version (four-eyes rule)');
      return [{ type: 'ArticleApproved', data: { approvedVersion: state.version, note: command.data.note } }];
    case 'PublishArticle': {
      if (state.status === 'withdrawn') fail('ARTICLE_WITHDRAWN', 'a withdrawn article does not change');
      if (state.status !== 'approved') fail('ARTICLE_NOT_APPROVED', `publication needs status approved, not ${state.status}`);
      const { copyrightNotice, publishAt, embargoUntil } = command.data;
      if (blank(copyrightNotice.holder) || blank(copyrightNotice.text))
        fail('COPYRIGHT_NOTICE_REQUIRED', 'publication needs a copyright notice with a non-empty holder and text');
      if (embargoUntil && publishAt) fail('EMBARGO_WITH_SCHEDULE', 'a publication is either scheduled (publishAt) or embargoed (embargoUntil), not both');
      if (embargoUntil && Date.parse(embargoUntil) <= Date.parse(ctx.now))
        fail('EMBARGO_NOT_FUTURE', `the embargo must end after the publication (${ctx.now})`);
      if (publishAt && Date.parse(publishAt) > Date.parse(ctx.now)) {
        return [{ type: 'PublicationScheduled', data: { copyrightNotice, publishAt } }];
      }
      // The field only when embargoed: a publication without one is recorded exactly as before.
      return [{ type: 'ArticlePublished', data: { copyrightNotice, publishedAt: ctx.now, scheduledFor: null, ...(embargoUntil ? { embargoUntil } : {}) } }];
    }
    case 'CancelScheduledPublication':
      if (state.status === 'withdrawn') fail('ARTICLE_WITHDRAWN', 'a withdrawn article does not change');
      if (state.status !== 'scheduled' || !state.schedule) return fail('ARTICLE_NOT_SCHEDULED', 'the article is not scheduled');
      return [{ type: 'PublicationCancelled', data: { publishAt: state.schedule.publishAt } }];
    case 'PublishScheduledArticle': {
      if (state.status === 'withdrawn') fail('ARTICLE_WITHDRAWN', 'a withdrawn article does not change');
      if (state.status !== 'scheduled' || !state.schedule) return fail('ARTICLE_NOT_SCHEDULED', 'the article is not scheduled');
      const { publishAt, copyrightNotice } = state.schedule;
      if (Date.parse(publishAt) > Date.parse(ctx.now)) fail('SCHEDULE_NOT_DUE', `the article is scheduled for ${publishAt}`);
      return [{ type: 'ArticlePublished', data: { copyrightNotice, publishedAt: ctx.now, scheduledFor: publishAt } }];
    }
    case 'CorrectArticle': {
      requirePublished(state);
      const { correctionId, kind, note } = command.data;
      if (!saysSomething(note)) fail('CORRECTION_NOTE_REQUIRED', 'a correction needs a note for readers that says something');
      // Only what differs is a change: the same headline or body sent again corrects nothing of the text.
      const headline = command.data.headline !== null && command.data.headline !== state.headline ? command.data.headline : null;
      const body = command.data.body !== null && !sameJson(command.data.body, state.body) ? command.data.body : null;
      if (headline === null && body === null) return [{ type: 'ArticleCorrected', data: { kind, note, headline: null, body: null } }];
      if (headline !== null && blank(headline)) fail('HEADLINE_REQUIRED', 'a corrected headline must not be empty');
      if (body !== null && !body.some((block) => !blank(block.text))) fail('BODY_REQUIRED', 'a corrected body must not be empty');
      if (state.pendingCorrection)
        fail('CORRECTION_PENDING', `correction ${state.pendingCorrection.id} is waiting for approval: approve or reject it first`);
      return [{ type: 'CorrectionProposed', data: { correctionId, kind, note, headline, body } }];
    }
    case 'ApproveCorrection': {
      requirePublished(state);
      const pending = pendingCorrection(state, command.data.correctionId);
      if (changedSinceLiveApproval(state, ctx.actor))
        fail('FOUR_EYES', `the correction was proposed by ${pending.by.username}: someone else must approve it (four-eyes rule)`);
      return [{ type: 'CorrectionApproved', data: { correctionId: pending.id } }];
    }
    case 'RejectCorrection': {
      requirePublished(state);
      const pending = pendingCorrection(state, command.data.correctionId);
      return [{ type: 'CorrectionRejected', data: { correctionId: pending.id, reason: command.data.reason } }];
    }
    case 'WithdrawArticle':
      if (state.status === 'withdrawn') fail('ARTICLE_WITHDRAWN', 'the article is already withdrawn');
      if (state.status !== 'published') fail('ARTICLE_NOT_PUBLISHED', 'only a published article is withdrawn');
      if (blank(command.data.reason)) fail('WITHDRAWAL_REASON_REQUIRED', 'a withdrawal needs a reason');
      return [{ type: 'ArticleWithdrawn', data: command.data }];
    default:
      return assertNever(command);
  }
}
