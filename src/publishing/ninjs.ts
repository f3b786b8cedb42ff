import type { PublishedArticle } from '../read-models/published-article/published-article';
import { printByline, printPhotoCredit } from './credits';
import { blocksAsText, renderBlocks, safeHttpUrl } from './html';

/**
 * The published article as IPTC ninjs 2.1 (http://www.iptc.org/std/ninjs/ninjs-schema_2.1.json). Pure.
 *
 * Field choices where ninjs leaves room:
 * - `uri` is `urn:uuid:<article id>` (photos: `urn:uuid:<photo id>`): an identifier that does not change with the
 *   host name a client used; the reader-facing URLs are in `renditions`.
 * - `people[].rel` carries the byline role (ninjs 2.1 people have no `role`); bylines' organisations go to
 *   `organisations` with rel `affiliation`.
 * - `infosources` holds the syndication source (來源), role from IPTC Content Production Party Role NewsCodes.
 * - Pictures: `by` is the photographer (IPTC Creator); ninjs 2.1 has no credit-line property, so the IPTC Credit Line
 *   is a `descriptions` entry with role `creditline` next to the `caption`.
 * - Corrections have no ninjs property of their own: each is a `descriptions` entry with its kind as role.
 */

export const NINJS_STANDARD = {
  name: 'ninjs',
  version: '2.1',
  schema: 'http://www.iptc.org/std/ninjs/ninjs-schema_2.1.json',
} as const;

const CONTENT_SOURCE = 'http://cv.iptc.org/newscodes/contentprodpartyrole/contentSource';

interface Text {
  role?: string;
  contenttype?: string;
  value: string;
}

export interface NinjsPicture {
  name: string;
  uri: string;
  type: 'picture';
  by: string;
  descriptions: Text[];
  copyrightholder?: string;
  people: { name: string; rel: string }[];
  organisations?: { name: string; rel: string }[];
  renditions?: { name: string; href: string; contenttype?: string }[];
}

export interface Ninjs {
  standard: typeof NINJS_STANDARD;
  uri: string;
  type: 'text';
  representationtype: 'full';
  version: string;
  firstcreated: string;
  versioncreated: string;
  pubstatus: 'usable';
  language: string;
  headlines: Text[];
  descriptions?: Text[];
  bodies: (Text & { contenttype: string })[];
  by: string;
  people: { name: string; rel: string }[];
  organisations: { name: string; rel: string }[];
  infosources?: { name: string; role: string }[];
  copyrightholder: string;
  copyrightnotice: string;
  usageterms?: string;
  renditions: { name: string; href: string; contenttype: string }[];
  associations?: NinjsPicture[];
}

const IMAGE_TYPES: Record<string, string> = {
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
  webp: 'image/webp',
  avif: 'image/avif',
  svg: 'image/svg+xml',
};

function imageContentType(href: string): string | undefined {
  try {
    const ext = /\.([a-z0-9]+)$/i.exec(new URL(href).pathname)?.[1]?.toLowerCase();
    return ext ? IMAGE_TYPES[ext] : undefined;
  } catch {
    return undefined;
  }
}

const unique = (values: (string | null | undefined)[]) => [...new Set(values.map((v) => (v ?? '').trim()).filter(Boolean))];

export function toNinjs(doc: PublishedArticle, baseUrl: string): Ninjs {
  const base = baseUrl.replace(/\/+$/, '');
  const lang = doc.language;
  const notice = doc.copyrightNotice;

  const descriptions: Text[] = [];
  if (doc.summary) descriptions.push({ role: 'summary', contenttype: 'text/plain', value: doc.summary });
  for (const c of doc.corrections) descriptions.push({ role: c.kind, contenttype: 'text/plain', value: c.note });

  const associations: NinjsPicture[] = doc.photos.map((p, i) => {
    const href = safeHttpUrl(p.href);
    const contenttype = href ? imageContentType(href) : undefined;
    const photoDescriptions: Text[] = [];
    if (p.caption) photoDescriptions.push({ role: 'caption', contenttype: 'text/plain', value: p.caption });
    photoDescriptions.push({ role: 'creditline', contenttype: 'text/plain', value: printPhotoCredit(p.credit, lang) });
    return {
      name: `picture${i + 1}`,
      uri: `urn:uuid:${p.id}`,
      type: 'picture',
      by: p.credit.photographer,
      descriptions: photoDescriptions,
      ...(p.credit.organisation || p.credit.photographer ? { copyrightholder: p.credit.organisation || p.credit.photographer } : {}),
      people: [{ name: p.credit.photographer, rel: 'photographer' }],
      ...(p.credit.organisation ? { organisations: [{ name: p.credit.organisation, rel: 'affiliation' }] } : {}),
      ...(href ? { renditions: [{ name: 'original', href, ...(contenttype ? { contenttype } : {}) }] } : {}),
    };
  });

  return {
    standard: { ...NINJS_STANDARD },
    uri: `urn:uuid:${doc.id}`,
    type: 'text',
    representationtype: 'full',
    version: String(doc.version),
    firstcreated: doc.publishedAt,
    versioncreated: doc.updatedAt,
    pubstatus: 'usable',
    language: lang,
    headlines: [{ role: 'main', contenttype: 'text/plain', value: doc.headline }],
    ...(descriptions.length ? { descriptions } : {}),
    bodies: [
      { role: 'main', contenttype: 'text/html', value: renderBlocks(doc.body) },
      { role: 'main', contenttype: 'text/plain', value: blocksAsText(doc.body) },
    ],
    by: printByline(doc.bylines, lang),
    people: doc.bylines.map((b) => ({ name: b.name, rel: b.role || 'author' })),
    organisations: unique(doc.bylines.map((b) => b.organisation)).map((name) => ({ name, rel: 'affiliation' })),
    ...(doc.source ? { infosources: [{ name: doc.source, role: CONTENT_SOURCE }] } : {}),
    copyrightholder: notice.holder,
    copyrightnotice: notice.text,
    ...(notice.usageTerms ? { usageterms: notice.usageTerms } : {}),
    renditions: [
      { name: 'page', href: `${base}/news/${doc.id}`, contenttype: 'text/html' },
      { name: 'json', href: `${base}/published/${doc.id}`, contenttype: 'application/json' },
    ],
    ...(associations.length ? { associations } : {}),
  };
}
