import type { PublishedArticle } from '../read-models/published-article/published-article';
import { renderBlocks } from './html';

/**
 * The Atom feed (RFC 4287) of published articles. Pure. Entries keep the order given (newest change first);
 * `updated` is the article's updatedAt, so a correction moves it.
 */

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

export function renderAtomFeed(docs: readonly PublishedArticle[], opts: AtomOptions): string {
  const base = opts.baseUrl.replace(/\/+$/, '');
  const updated = docs.reduce((latest, d) => (Date.parse(d.updatedAt) > Date.parse(latest) ? d.updatedAt : latest), docs[0]?.updatedAt ?? opts.now);
  return `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <id>${escapeXml(`${base}/feeds/published.atom`)}</id>
  <title type="text">${escapeXml(opts.title ?? 'Masthead: published articles')}</title>
  <updated>${escapeXml(updated)}</updated>
  <link rel="self" type="application/atom+xml" href="${escapeXml(`${base}/feeds/published.atom`)}"/>
  <author><name>Masthead</name></author>
  <generator>Masthead</generator>
${docs.map((d) => entry(d, base)).join('\n')}
</feed>
`;
}
