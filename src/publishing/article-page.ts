import { createHash } from 'node:crypto';
import type { CorrectionKind } from '../articles/domain/article';
import type { PublishedArticle } from '../read-models/published-article/published-article';
import { chineseScript, printByline, printPhotoCredit } from './credits';
import { escapeHtml, escapeHtmlLines, jsonForScript, renderBlocks, safeHttpUrl } from './html';

export { printByline, printPhotoCredit } from './credits';
export type { BylineLike, PhotoCreditLike } from './credits';

/**
 * The reader's article page (GET /news/{id}) and its 410/404 siblings: pure functions from the published document to
 * a complete HTML5 document. All article text goes through escapeHtml (elements and attributes) or jsonForScript
 * (the schema.org JSON-LD), so no headline, note or caption can add markup.
 */

interface Labels {
  published: string;
  updated: string;
  source: string;
  corrections: string;
  kinds: Record<CorrectionKind, string>;
  withdrawnTitle: string;
  withdrawnBody: string;
  reason: string;
}

const LABELS: Record<'en' | 'Hant' | 'Hans', Labels> = {
  en: {
    published: 'Published',
    updated: 'Updated',
    source: 'Source: ',
    corrections: 'Corrections',
    kinds: { correction: 'Correction', clarification: 'Clarification', update: 'Update', 'editors-note': 'Editor’s note' },
    withdrawnTitle: 'Article withdrawn',
    withdrawnBody: 'This article has been withdrawn.',
    reason: 'Reason: ',
  },
  Hant: {
    published: '發布時間',
    updated: '更新時間',
    source: '來源:',
    corrections: '更正',
    kinds: { correction: '更正', clarification: '澄清', update: '更新', 'editors-note': '編者按' },
    withdrawnTitle: '文章已撤回',
    withdrawnBody: '本文已撤回。',
    reason: '原因:',
  },
  Hans: {
    published: '发布时间',
    updated: '更新时间',
    source: '来源:',
    corrections: '更正',
    kinds: { correction: '更正', clarification: '澄清', update: '更新', 'editors-note': '编者按' },
    withdrawnTitle: '文章已撤回',
    withdrawnBody: '本文已撤回。',
    reason: '原因:',
  },
};

const labelsFor = (lang: string): Labels => LABELS[chineseScript(lang) ?? 'en'];

/** The one stylesheet, inline; the Content-Security-Policy allows exactly it by hash. */
const STYLE = `
body{margin:0;font-family:system-ui,"Noto Sans CJK TC","Noto Sans CJK SC","PingFang TC","Microsoft JhengHei",sans-serif;line-height:1.7;color:#1a1a1a;background:#fff}
main{max-width:42rem;margin:0 auto;padding:1.5rem 1rem 3rem}
h1{font-size:1.9rem;line-height:1.3;margin:.5rem 0 1rem}
.summary{font-size:1.15rem;color:#333}
.byline{font-weight:600}
.dates,.source{color:#555;font-size:.9rem}
figure{margin:1.5rem 0}
figure img{max-width:100%;height:auto;display:block;background:#eee;min-height:4rem}
figcaption{font-size:.9rem;color:#444;margin-top:.4rem}
figcaption .credit{display:block;color:#666}
blockquote{margin:1rem 0;padding-left:1rem;border-left:3px solid #ccc;color:#333}
.corrections{margin-top:2rem;padding:1rem;background:#fff8e1;border-left:4px solid #f0b400}
.corrections h2{font-size:1.1rem;margin:0 0 .5rem}
.corrections ul{margin:0;padding-left:1.2rem}
footer{margin-top:2.5rem;padding-top:1rem;border-top:1px solid #ddd;font-size:.85rem;color:#555}
`.trim();

const STYLE_HASH = createHash('sha256').update(STYLE, 'utf8').digest('base64');

/** For the page responses: nothing loads but the inline stylesheet and images; no scripts run at all. */
export const PAGE_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  'img-src https: http: data:',
  `style-src 'sha256-${STYLE_HASH}'`,
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** RFC 3339 to what a reader sees, in UTC: `2025-09-18 10:00 UTC`. */
function displayTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

const time = (iso: string) => `<time datetime="${escapeHtml(iso)}">${escapeHtml(displayTime(iso))}</time>`;

function page(opts: { lang: string; title: string; head?: string; body: string }): string {
  return `<!DOCTYPE html>
<html lang="${escapeHtml(opts.lang)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(opts.title)}</title>
<style>${STYLE}</style>
${opts.head ?? ''}</head>
<body>
${opts.body}
</body>
</html>
`;
}

/** schema.org NewsArticle for the page. */
export function newsArticleJsonLd(doc: PublishedArticle, baseUrl: string) {
  const url = `${baseUrl.replace(/\/+$/, '')}/news/${doc.id}`;
  const org = (name: string) => ({ '@type': 'Organization', name });
  return {
    '@context': 'https://schema.org',
    '@type': 'NewsArticle',
    '@id': url,
    url,
    mainEntityOfPage: url,
    headline: doc.headline,
    ...(doc.summary ? { description: doc.summary } : {}),
    inLanguage: doc.language,
    author: doc.bylines.map((b) => ({
      '@type': 'Person',
      name: b.name,
      ...(b.role ? { jobTitle: b.role } : {}),
      ...(b.organisation ? { affiliation: org(b.organisation) } : {}),
    })),
    datePublished: doc.publishedAt,
    dateModified: doc.updatedAt,
    ...(doc.source ? { sourceOrganization: org(doc.source) } : {}),
    copyrightHolder: org(doc.copyrightNotice.holder),
    copyrightNotice: doc.copyrightNotice.text,
    correction: doc.corrections.map((c) => ({ '@type': 'CorrectionComment', name: c.kind, text: c.note, datePublished: c.at })),
    image: doc.photos.map((p) => {
      const href = safeHttpUrl(p.href);
      return {
        '@type': 'ImageObject',
        ...(href ? { url: href, contentUrl: href } : {}),
        caption: p.caption,
        creator: { '@type': 'Person', name: p.credit.photographer, ...(p.credit.organisation ? { affiliation: org(p.credit.organisation) } : {}) },
        creditText: printPhotoCredit(p.credit, doc.language),
      };
    }),
  };
}

function figure(photo: PublishedArticle['photos'][number], lang: string): string {
  const href = safeHttpUrl(photo.href);
  const img = href ? `<img src="${escapeHtml(href)}" alt="${escapeHtml(photo.caption)}" loading="lazy">\n` : '';
  return `<figure id="photo-${escapeHtml(photo.id)}">
${img}<figcaption><span class="caption">${escapeHtml(photo.caption)}</span> <span class="credit">${escapeHtml(printPhotoCredit(photo.credit, lang))}</span></figcaption>
</figure>`;
}

export function renderArticlePage(doc: PublishedArticle, opts: { baseUrl: string }): string {
  const lang = doc.language;
  const labels = labelsFor(lang);
  const chinese = chineseScript(lang) !== null;
  const byline = printByline(doc.bylines, lang);
  const bylineHtml = byline ? `<p class="byline">${escapeHtml(byline)}</p>` : '';
  const updated = doc.updatedAt !== doc.publishedAt ? ` · ${escapeHtml(labels.updated)} ${time(doc.updatedAt)}` : '';
  const corrections = doc.corrections.length
    ? `<section class="corrections" id="corrections" aria-labelledby="corrections-title">
<h2 id="corrections-title">${escapeHtml(labels.corrections)}</h2>
<ul>
${doc.corrections
  .map((c) => `<li class="correction correction-${escapeHtml(c.kind)}"><strong>${escapeHtml(labels.kinds[c.kind] ?? c.kind)}</strong> ${time(c.at)}<br>${escapeHtmlLines(c.note)}</li>`)
  .join('\n')}
</ul>
</section>`
    : '';
  const notice = doc.copyrightNotice;
  const body = `<main>
<article>
<header>
<h1>${escapeHtml(doc.headline)}</h1>
${doc.summary ? `<p class="summary">${escapeHtmlLines(doc.summary)}</p>\n` : ''}${chinese ? '' : `${bylineHtml}\n`}<p class="dates">${escapeHtml(labels.published)} ${time(doc.publishedAt)}${updated}</p>
${doc.source ? `<p class="source">${escapeHtml(labels.source)}${escapeHtml(doc.source)}</p>\n` : ''}</header>
${doc.photos.map((p) => figure(p, lang)).join('\n')}
<div class="article-body">
${renderBlocks(doc.body)}
</div>
${chinese ? `${bylineHtml}\n` : ''}${corrections}
</article>
<footer>
<p class="copyright-holder">© ${escapeHtml(notice.holder)}</p>
<p class="copyright-notice">${escapeHtmlLines(notice.text)}</p>
${notice.usageTerms ? `<p class="usage-terms">${escapeHtmlLines(notice.usageTerms)}</p>\n` : ''}</footer>
</main>`;
  const base = opts.baseUrl.replace(/\/+$/, '');
  const head = [
    `<link rel="canonical" href="${escapeHtml(`${base}/news/${doc.id}`)}">`,
    `<link rel="alternate" type="application/json" href="${escapeHtml(`${base}/published/${doc.id}/ninjs`)}" title="ninjs">`,
    `<link rel="alternate" type="application/atom+xml" href="${escapeHtml(`${base}/feeds/published.atom`)}">`,
    doc.summary ? `<meta name="description" content="${escapeHtml(doc.summary)}">` : '',
    `<script type="application/ld+json">\n${jsonForScript(newsArticleJsonLd(doc, base))}\n</script>`,
  ]
    .filter(Boolean)
    .join('\n');
  return page({ lang, title: doc.headline, head: `${head}\n`, body });
}

/** 410 Gone: the article is no longer available; the withdrawal notice says when and why. Not the article itself. */
export function renderWithdrawnPage(notice: { language: string; reason: string | null; at: string | null }): string {
  const labels = labelsFor(notice.language);
  const body = `<main>
<article class="withdrawn">
<h1>${escapeHtml(labels.withdrawnTitle)}</h1>
<p class="withdrawal-notice">${escapeHtml(labels.withdrawnBody)}${notice.at ? ` ${time(notice.at)}` : ''}</p>
${notice.reason ? `<p class="withdrawal-reason">${escapeHtml(labels.reason)}${escapeHtmlLines(notice.reason)}</p>\n` : ''}</article>
</main>`;
  return page({ lang: notice.language, title: labels.withdrawnTitle, head: '<meta name="robots" content="noindex">\n', body });
}

/** 404: nothing was ever published here. */
export function renderNotFoundPage(): string {
  return page({
    lang: 'en',
    title: 'Not found',
    head: '<meta name="robots" content="noindex">\n',
    body: '<main>\n<h1>Not found</h1>\n<p>No published article has this address.</p>\n</main>',
  });
}
