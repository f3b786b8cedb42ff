/**
 * The assertions the race and crash suites make about a log, written once so the negative controls run exactly
 * the same code against a deliberately broken appender (or a deliberately damaged log) and must see it fail.
 */
import type { Article, RecordedArticleEvent } from '../../../src/articles/domain/article';
import { CONTENT_EVENTS } from '../../../src/articles/domain/article';

/** One stored event as far as these checks care: where it is and which request put it there. */
export interface EventRef {
  streamId: string;
  version: number;
  correlationId: string | null;
}

/** One command a client sent, with what it was told. */
export interface Ack {
  requestId: string;
  streamId: string | null;
  /** HTTP status; 0 when no answer came back (connection reset by a crash). */
  status: number;
  /** The version the answer named (2xx only). */
  version?: number;
  op: string;
}

/** Every stream's versions are exactly 1..n: no gap, no duplicate. */
export function streamViolations(events: EventRef[]): string[] {
  const byStream = new Map<string, number[]>();
  for (const e of events) {
    const list = byStream.get(e.streamId) ?? [];
    list.push(e.version);
    byStream.set(e.streamId, list);
  }
  const problems: string[] = [];
  for (const [stream, versions] of byStream) {
    versions.sort((a, b) => a - b);
    const seen = new Set<number>();
    for (const v of versions) {
      if (seen.has(v)) problems.push(`${stream}: version ${v} stored more than once`);
      seen.add(v);
    }
    const max = versions[versions.length - 1];
    for (let v = 1; v <= max; v++) if (!seen.has(v)) problems.push(`${stream}: version ${v} missing (gap)`);
  }
  return problems;
}

export interface AckReport {
  /** 2xx answers with no stored event for their request. */
  lost: number;
  /** Events beyond the first for one (stream, version), or for one request. */
  duplicates: number;
  /** 2xx answers whose event is at another stream or version than the answer said. */
  misplaced: number;
  /** Two 2xx answers that name the same stream version: one of them overwrote the other (lost update). */
  sameVersionAcks: number;
  /** Events of requests that were refused (4xx). */
  storedFromRejected: number;
  /** Events whose request got no answer at all (allowed only where crashes cut answers off). */
  fromUnanswered: number;
  /** Events of this workload that no request of it explains. */
  phantoms: number;
  messages: string[];
}

/**
 * Every 2xx corresponds to exactly one stored event, at the stream and version the answer named; every refused
 * request to none. `workload` tells which correlation ids belong to the requests under test.
 */
export function ackViolations(acks: Ack[], events: EventRef[], workload: (correlationId: string) => boolean): AckReport {
  const report: AckReport = { lost: 0, duplicates: 0, misplaced: 0, sameVersionAcks: 0, storedFromRejected: 0, fromUnanswered: 0, phantoms: 0, messages: [] };
  const say = (m: string) => report.messages.length < 25 && report.messages.push(m);
  const byCorrelation = new Map<string, EventRef[]>();
  const bySlot = new Map<string, number>();
  for (const e of events) {
    const slot = `${e.streamId}@${e.version}`;
    bySlot.set(slot, (bySlot.get(slot) ?? 0) + 1);
    if (!e.correlationId || !workload(e.correlationId)) continue;
    const list = byCorrelation.get(e.correlationId) ?? [];
    list.push(e);
    byCorrelation.set(e.correlationId, list);
  }
  for (const [slot, n] of bySlot) {
    if (n > 1) {
      report.duplicates += n - 1;
      say(`${slot} holds ${n} events`);
    }
  }
  const ackedSlots = new Map<string, string>();
  const known = new Set<string>();
  for (const ack of acks) {
    known.add(ack.requestId);
    const stored = byCorrelation.get(ack.requestId) ?? [];
    if (ack.status >= 200 && ack.status < 300) {
      if (stored.length === 0) {
        report.lost++;
        say(`${ack.op} ${ack.requestId} got ${ack.status} (version ${ack.version}) but no event was stored`);
        continue;
      }
      if (stored.length > 1) {
        report.duplicates += stored.length - 1;
        say(`${ack.op} ${ack.requestId} stored ${stored.length} events`);
      }
      const e = stored[0];
      if ((ack.streamId && e.streamId !== ack.streamId) || (ack.version !== undefined && e.version !== ack.version)) {
        report.misplaced++;
        say(`${ack.op} ${ack.requestId} answered ${ack.streamId}@${ack.version}, stored ${e.streamId}@${e.version}`);
      }
      const slot = `${ack.streamId ?? e.streamId}@${ack.version ?? e.version}`;
      const other = ackedSlots.get(slot);
      if (other) {
        report.sameVersionAcks++;
        say(`${slot} acknowledged to both ${other} and ${ack.requestId} (lost update)`);
      } else ackedSlots.set(slot, ack.requestId);
    } else if (ack.status === 0) {
      if (stored.length) report.fromUnanswered += stored.length;
      if (stored.length > 1) {
        report.duplicates += stored.length - 1;
        say(`unanswered ${ack.op} ${ack.requestId} stored ${stored.length} events`);
      }
    } else if (stored.length) {
      report.storedFromRejected += stored.length;
      say(`${ack.op} ${ack.requestId} got ${ack.status} but stored ${stored.length} event(s)`);
    }
  }
  for (const [id, list] of byCorrelation) {
    if (!known.has(id)) {
      report.phantoms += list.length;
      say(`event(s) ${list.map((e) => `${e.streamId}@${e.version}`).join(', ')} from unknown request ${id}`);
    }
  }
  return report;
}

/** Content of an article as an approval signs it off. */
export const contentOf = (a: Article) => ({
  headline: a.headline,
  summary: a.summary,
  body: a.body,
  language: a.language,
  source: a.source,
  bylines: a.bylines,
  photos: a.photos,
});

/**
 * The workflow invariants, checked on a recorded log alone:
 * - versions are dense 1..n;
 * - every publication rests on an approval of exactly the published content (no content change between the
 *   approval and the publication, and the approval named the version right before it) by someone who made none of
 *   the content changes since the draft (four eyes over every change, issue #16);
 * - the headline and body of a live article change only through a proposed correction approved by someone other
 *   than its author (a one-step ArticleCorrected carries a note only);
 * - nothing follows a withdrawal.
 */
export function invariantViolations(log: readonly RecordedArticleEvent[]): string[] {
  const problems: string[] = [];
  log.forEach((e, i) => {
    if (e.version !== i + 1) problems.push(`event ${i} has version ${e.version}, expected ${i + 1}`);
  });
  const withdrawn = log.findIndex((e) => e.type === 'ArticleWithdrawn');
  if (withdrawn >= 0 && withdrawn < log.length - 1) {
    problems.push(`${log.length - 1 - withdrawn} event(s) after the withdrawal at version ${log[withdrawn].version}: ${log.slice(withdrawn + 1).map((e) => e.type).join(', ')}`);
  }
  const changesContent = (x: RecordedArticleEvent) => CONTENT_EVENTS.has(x.type) || x.type === 'ArticleDrafted';
  log.forEach((e, i) => {
    if (e.type === 'ArticleCorrected' && (e.data.headline !== null || e.data.body !== null)) {
      problems.push(`the text changed in one step at version ${e.version} (ArticleCorrected with a headline or body): four eyes broken`);
    }
    if (e.type === 'CorrectionApproved') {
      let proposal: RecordedArticleEvent | undefined;
      for (let j = i - 1; j >= 0 && !proposal; j--) {
        const x = log[j];
        if (x.type === 'CorrectionProposed') proposal = x;
        else if (x.type === 'CorrectionApproved' || x.type === 'CorrectionRejected' || x.type === 'ArticlePublished') break;
      }
      if (!proposal) problems.push(`a correction approved at version ${e.version} with no pending proposal`);
      else if (proposal.actor.id === e.actor.id) {
        problems.push(`a correction approved at version ${e.version} by ${e.actor.username}, who proposed it at version ${proposal.version}: four eyes broken`);
      }
    }
    if (e.type !== 'ArticlePublished') return;
    let approval = -1;
    for (let j = i - 1; j >= 0; j--) {
      if (log[j].type === 'ArticleApproved') {
        approval = j;
        break;
      }
    }
    if (approval < 0) {
      problems.push(`published at version ${e.version} without any approval`);
      return;
    }
    const between = log.slice(approval + 1, i).filter((x) => CONTENT_EVENTS.has(x.type) || x.type === 'ArticleCorrected');
    if (between.length) {
      problems.push(`published at version ${e.version}, but the content changed after the approval at version ${log[approval].version}: ${between.map((x) => `${x.type}@${x.version}`).join(', ')}`);
    }
    const approved = log[approval] as Extract<RecordedArticleEvent, { type: 'ArticleApproved' }>;
    if (approved.data.approvedVersion !== approved.version - 1) {
      problems.push(`the approval at version ${approved.version} names version ${approved.data.approvedVersion}, not the one it was given on`);
    }
    // An article is published once, so "since the last approval that went live" is since the draft.
    const own = log.slice(0, approval).filter((x) => changesContent(x) && x.actor.id === approved.actor.id);
    if (own.length) {
      problems.push(`published at version ${e.version} on an approval by ${approved.actor.username}, who changed that content (${own.map((x) => `${x.type}@${x.version}`).join(', ')}): four eyes broken`);
    }
  });
  return problems;
}

/** A body that leaks a stack trace, a source location or a dependency path. */
export const isStackTrace = (text: string) => /\n\s+at\s+\S|\bat\s+[\w$.<>]+\s+\(|[\w/.-]+\.(?:ts|js):\d+:\d+|node_modules\//.test(text);
