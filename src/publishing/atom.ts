import type { FeedTombstone } from '../read-models/published-article/published-article.queries';
import type { PublishedArticle } from '../read-models/published-article/published-article';
import { renderBlocks } from './html';

/**
 * The Atom feed (RFC 4287) of published articles. Pure. Entries keep the order given (newest change first);
 * `updated` is the article's updatedAt, so a correction moves it. A withdrawn article is no entry: it is an RFC 6721
 * tombstone (`at:deleted-entry` with the entry's id and the withdrawal time, no text), so a reader or aggregator
 * that kept the entry removes it, as the article's own URLs answer 410.
 */

const TOMBSTONES_NS = 'http://purl.org/atompub/tombstones/1.0';

/** Characters XML 1.0 does not allow at all, even escaped: dropped. */
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const XML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

export function escapeXml(text: string): string {
  return String(text)
    .replace(NOT_XML, '')
    .replace(/[&<>"']/g, (c) => XML_ESCAPES[c]);
}

export interface AtomOptions {
  baseUrl: string;
  /** The feed's `updated` when it has no entries. */
  now: string;
  title?: string;
  /** Articles withdrawn among the latest changes. */
  withdrawn?: readonly FeedTombstone[];
  /** The search (?q=) the entries match, if any: part of the feed's id and self link, and of its title. */
  query?: string;
}

function entry(doc: PublishedArticle, base: string): string {
  const url = `${base}/news/${doc.id}`;
  const authors = doc.bylines
    .map((b) => `    <author><name>${escapeXml(b.name)}</name></author>`)
    .join('\n');
  const rights = `© ${doc.copyrightNotice.holder}`;
  return [
    `  <entry xml:lang="${escapeXml(doc.language)}">`,
    `    <id>urn:uuid:${escapeXml(doc.id)}</id>`,
    `    <title type="text">${escapeXml(doc.headline)}</title>`,
    `    <link rel="alternate" type="text/html" href="${escapeXml(url)}"/>`,
    `    <link rel="alternate" type="application/json" href="${escapeXml(`${base}/published/${doc.id}/ninjs`)}"/>`,
    `    <published>${escapeXml(doc.publishedAt)}</published>`,
    `    <updated>${escapeXml(doc.updatedAt)}</updated>`,
    authors,
    doc.summary ? `    <summary type="text">${escapeXml(doc.summary)}</summary>` : '',
    `    <content type="html">${escapeXml(renderBlocks(doc.body))}</content>`,
    `    <rights type="text">${escapeXml(rights)}</rights>`,
    `  </entry>`,
  ]
    .filter(Boolean)
    .join('\n');
}

// The namespace is declared on each tombstone, so the feed element reads the same with or without them.
const tombstone = (t: FeedTombstone) => `  <at:deleted-entry xmlns:at="${TOMBSTONES_NS}" ref="urn:uuid:${escapeXml(t.id)}" when="${escapeXml(t.when)}"/>`;

export function renderAtomFeed(docs: readonly PublishedArticle[], opts: AtomOptions): string {
  const base = opts.baseUrl.replace(/\/+$/, '');
  const withdrawn = opts.withdrawn ?? [];
  const times = [...docs.map((d) => d.updatedAt), ...withdrawn.map((t) => t.when)];
  const updated = times.reduce((latest, time) => (Date.parse(time) > Date.parse(latest) ? time : latest), times[0] ?? opts.now);
  const self = `${base}/feeds/published.atom${opts.query !== undefined ? `?q=${encodeURIComponent(opts.query)}` : ''}`;
  const title = (opts.title ?? 'Masthead: published articles') + (opts.query !== undefined ? ` matching “${opts.query}”` : '');
  return `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <id>${escapeXml(self)}</id>
  <title type="text">${escapeXml(title)}</title>
  <updated>${escapeXml(updated)}</updated>
  <link rel="self" type="application/atom+xml" href="${escapeXml(self)}"/>
  <author><name>Masthead</name></author>
  <generator>Masthead</generator>
${[...docs.map((d) => entry(d, base)), ...withdrawn.map(tombstone)].join('\n')}
</feed>
`;
}
