/**
 * The article aggregate: its events, its state and `evolve`, the only way state comes to be.
 * Pure: no clock, no ids, no I/O. Time, ids and the actor arrive on the recorded event.
 */

export type BlockType = 'paragraph' | 'heading' | 'quote';
export interface Block {
  type: BlockType;
  text: string;
}

export interface Byline {
  id: string;
  /** The person credited as author, as printed. */
  name: string;
  /** reporter, correspondent, editor, translator... */
  role: string | null;
  organisation: string | null;
}

export interface PhotoCredit {
  /** IPTC Creator. */
  photographer: string;
  organisation: string | null;
  /** IPTC Credit Line: the printed line when the source gives one, e.g. 廣西雲-廣西日報記者徐天保/攝 */
  line: string | null;
}

export interface Photo {
  id: string;
  href: string;
  caption: string;
  credit: PhotoCredit;
}

export interface CopyrightNotice {
  /** The rights holder (IPTC Copyright Owner / ninjs copyrightholder). */
  holder: string;
  text: string;
  usageTerms: string | null;
}

export type CorrectionKind = 'correction' | 'clarification' | 'update' | 'editors-note';

export interface Correction {
  kind: CorrectionKind;
  /** Shown to readers: "Correction: an earlier version misspelled..." */
  note: string;
  at: string;
  version: number;
}

/** A correction of headline or body awaiting a second person's approval: readers keep the current version meanwhile. */
export interface PendingCorrection {
  id: string;
  kind: CorrectionKind;
  note: string;
  /** The proposed headline, or null to keep the current one. */
  headline: string | null;
  /** The proposed body, or null to keep the current one. */
  body: Block[] | null;
  by: ActorRef;
  at: string;
  version: number;
}

export interface ActorRef {
  id: string;
  username: string;
}

export interface Actor extends ActorRef {
  roles: string[];
}

export type ArticleStatus = 'draft' | 'approved' | 'scheduled' | 'published' | 'withdrawn';

/** The editable fields of a draft: what DraftRevised may change. */
export interface ArticleContent {
  headline: string;
  summary: string | null;
  body: Block[];
  language: string;
  source: string | null;
}

export const CONTENT_FIELDS = ['headline', 'summary', 'body', 'language', 'source'] as const;

export type ArticleEvent =
  | { type: 'ArticleDrafted'; data: { articleId: string } & ArticleContent }
  | { type: 'DraftRevised'; data: { changes: Partial<ArticleContent> } }
  | { type: 'BylineAdded'; data: { bylineId: string; name: string; role: string | null; organisation: string | null } }
  | { type: 'BylineRemoved'; data: { bylineId: string } }
  | { type: 'PhotoCreditAttached'; data: { photoId: string; href: string; caption: string; credit: PhotoCredit } }
  | { type: 'PhotoRemoved'; data: { photoId: string } }
  /** The editor signs off on exactly `approvedVersion`, the version they read. */
  | { type: 'ArticleApproved'; data: { approvedVersion: number; note: string | null } }
  | { type: 'PublicationScheduled'; data: { copyrightNotice: CopyrightNotice; publishAt: string } }
  | { type: 'PublicationCancelled'; data: { publishAt: string } }
  /** `scheduledFor` is set when the scheduler published; `publishedAt` later than it means it went out late. */
  /** `embargoUntil`, when present: partners receive the story now, readers from that time on (ninjs `embargoed`). */
  | { type: 'ArticlePublished'; data: { copyrightNotice: CopyrightNotice; publishedAt: string; scheduledFor: string | null; embargoUntil?: string } }
  /** Goes live at once: a note only (events recorded before proposals existed may also carry a headline or body). */
  | { type: 'ArticleCorrected'; data: { kind: CorrectionKind; note: string; headline: string | null; body: Block[] | null } }
  /** A correction that changes headline or body, not yet public: it waits for someone other than its author. */
  | { type: 'CorrectionProposed'; data: { correctionId: string; kind: CorrectionKind; note: string; headline: string | null; body: Block[] | null } }
  /** The pending correction goes live, as proposed, with its note. */
  | { type: 'CorrectionApproved'; data: { correctionId: string } }
  /** The pending correction is dropped: withdrawn by its author or rejected by a reviewer. */
  | { type: 'CorrectionRejected'; data: { correctionId: string; reason: string | null } }
  | { type: 'ArticleWithdrawn'; data: { reason: string } };

export type ArticleEventType = ArticleEvent['type'];

/** An event as the store recorded it: the fact plus when, by whom and at which stream version. */
export type RecordedArticleEvent = ArticleEvent & { version: number; at: string; actor: Actor };

export interface Article extends ArticleContent {
  id: string;
  /** Number of events in the stream. */
  version: number;
  status: ArticleStatus;
  bylines: Byline[];
  photos: Photo[];
  approval: { by: ActorRef; at: string; version: number; note: string | null } | null;
  /** `embargoUntil` only when the publication was embargoed: readers see the article from that time. */
  publication: { at: string; version: number; copyrightNotice: CopyrightNotice; firstPublishedAt: string; embargoUntil?: string } | null;
  schedule: { publishAt: string; copyrightNotice: CopyrightNotice; by: ActorRef } | null;
  corrections: Correction[];
  withdrawal: { reason: string; at: string; by: ActorRef } | null;
  /** Who made the latest content change (draft, revision, byline, photo). */
  lastEditor: ActorRef;
  /**
   * Everyone who made a content change (draft, revision, byline, photo, correction proposal) since the last approval
   * that went live, or since the draft: none of them may approve (four eyes over every change, not the last one).
   */
  contentAuthors: ActorRef[];
  /** A correction of headline or body proposed and not yet approved or rejected. */
  pendingCorrection: PendingCorrection | null;
  createdBy: ActorRef;
  createdAt: string;
  updatedAt: string;
}

const ref = (actor: Actor): ActorRef => ({ id: actor.id, username: actor.username });

const withAuthor = (authors: ActorRef[], actor: Actor): ActorRef[] => (authors.some((a) => a.id === actor.id) ? authors : [...authors, ref(actor)]);

/**
 * Whether a state stored by an earlier evolve (an article_view row written before `contentAuthors` and
 * `pendingCorrection` existed) has every field decide() reads; one that does not is folded again from the log.
 */
export const hasCurrentShape = (state: Article): boolean => Array.isArray(state.contentAuthors) && state.pendingCorrection !== undefined;

/** Events that change what an approval signed off on. */
export const CONTENT_EVENTS: ReadonlySet<ArticleEventType> = new Set([
  'DraftRevised',
  'BylineAdded',
  'BylineRemoved',
  'PhotoCreditAttached',
  'PhotoRemoved',
]);

export function evolve(state: Article | null, event: RecordedArticleEvent): Article {
  if (event.type === 'ArticleDrafted') {
    const { articleId, ...content } = event.data;
    return {
      id: articleId,
      ...content,
      version: event.version,
      status: 'draft',
      bylines: [],
      photos: [],
      approval: null,
      publication: null,
      schedule: null,
      corrections: [],
      withdrawal: null,
      lastEditor: ref(event.actor),
      contentAuthors: [ref(event.actor)],
      pendingCorrection: null,
      createdBy: ref(event.actor),
      createdAt: event.at,
      updatedAt: event.at,
    };
  }
  if (!state) throw new Error(`${event.type} at version ${event.version} before ArticleDrafted`);
  const next: Article = { ...state, version: event.version, updatedAt: event.at };
  if (CONTENT_EVENTS.has(event.type)) {
    // Any content change voids the approval and returns the article to draft.
    next.status = 'draft';
    next.approval = null;
    next.lastEditor = ref(event.actor);
    next.contentAuthors = withAuthor(state.contentAuthors, event.actor);
  }
  switch (event.type) {
    case 'DraftRevised':
      return { ...next, ...event.data.changes };
    case 'BylineAdded': {
      const { bylineId, ...byline } = event.data;
      return { ...next, bylines: [...state.bylines, { id: bylineId, ...byline }] };
    }
    case 'BylineRemoved':
      return { ...next, bylines: state.bylines.filter((b) => b.id !== event.data.bylineId) };
    case 'PhotoCreditAttached': {
      const { photoId, ...photo } = event.data;
      return { ...next, photos: [...state.photos, { id: photoId, ...photo }] };
    }
    case 'PhotoRemoved':
      return { ...next, photos: state.photos.filter((p) => p.id !== event.data.photoId) };
    case 'ArticleApproved':
      return {
        ...next,
        status: 'approved',
        approval: { by: ref(event.actor), at: event.at, version: event.data.approvedVersion, note: event.data.note },
      };
    case 'PublicationScheduled':
      return {
        ...next,
        status: 'scheduled',
        schedule: { publishAt: event.data.publishAt, copyrightNotice: event.data.copyrightNotice, by: ref(event.actor) },
      };
    case 'PublicationCancelled':
      return { ...next, status: 'approved', schedule: null };
    case 'ArticlePublished':
      return {
        ...next,
        status: 'published',
        schedule: null,
        // The approval went live: what it signed off on is no one's unchecked change any more.
        contentAuthors: [],
        publication: {
          at: event.data.publishedAt,
          version: event.version,
          copyrightNotice: event.data.copyrightNotice,
          firstPublishedAt: state.publication?.firstPublishedAt ?? event.data.publishedAt,
          // Only when embargoed, so the state of every other article is exactly what it was before embargoes.
          ...(event.data.embargoUntil ? { embargoUntil: event.data.embargoUntil } : {}),
        },
      };
    case 'ArticleCorrected': {
      const { kind, note, headline, body } = event.data;
      return {
        ...next,
        ...(headline !== null ? { headline } : {}),
        ...(body !== null ? { body } : {}),
        corrections: [...state.corrections, { kind, note, at: event.at, version: event.version }],
      };
    }
    case 'CorrectionProposed': {
      const { correctionId, ...proposal } = event.data;
      return {
        ...next,
        pendingCorrection: { id: correctionId, ...proposal, by: ref(event.actor), at: event.at, version: event.version },
        contentAuthors: withAuthor(state.contentAuthors, event.actor),
      };
    }
    case 'CorrectionApproved': {
      const pending = state.pendingCorrection;
      if (!pending) throw new Error(`CorrectionApproved at version ${event.version} with no pending correction`);
      return {
        ...next,
        ...(pending.headline !== null ? { headline: pending.headline } : {}),
        ...(pending.body !== null ? { body: pending.body } : {}),
        corrections: [...state.corrections, { kind: pending.kind, note: pending.note, at: event.at, version: event.version }],
        pendingCorrection: null,
        contentAuthors: [],
      };
    }
    case 'CorrectionRejected':
      return { ...next, pendingCorrection: null, contentAuthors: [] };
    case 'ArticleWithdrawn':
      return { ...next, status: 'withdrawn', withdrawal: { reason: event.data.reason, at: event.at, by: ref(event.actor) } };
    default:
      return assertNever(event);
  }
}

export function fold(events: readonly RecordedArticleEvent[], initial: Article | null = null): Article | null {
  return events.reduce<Article | null>((state, event) => evolve(state, event), initial);
}

export function assertNever(value: never): never {
  throw new Error(`Unhandled variant: ${JSON.stringify(value)}`);
}
