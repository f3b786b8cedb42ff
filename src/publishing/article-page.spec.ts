import seed from '../../test/fixtures/seed-article.json';
import type { PublishedArticle } from '../read-models/published-article/published-article';
import { printByline, printPhotoCredit, renderArticlePage, renderWithdrawnPage } from './article-page';
import { renderAtomFeed } from './atom';
import { jsonForScript } from './html';

const [credit] = seed.photos.map((p) => p.credit);

describe('printByline', () => {
  it('prints the seed byline the way the seed does for zh-Hant', () => {
    expect(printByline(seed.bylines, 'zh-Hant')).toBe('(廣西雲-廣西日報記者 許丹婷 劉冬蓮)');
    expect(printByline(seed.bylines, 'zh-Hant')).toBe(seed.printedForms.byline);
  });

  it('uses the Chinese form for other zh tags, in the script they ask for', () => {
    expect(printByline(seed.bylines, 'zh-TW')).toBe('(廣西雲-廣西日報記者 許丹婷 劉冬蓮)');
    expect(printByline(seed.bylines, 'ZH-hant-HK')).toBe('(廣西雲-廣西日報記者 許丹婷 劉冬蓮)');
    expect(printByline(seed.bylines, 'zh-Hans')).toBe('(廣西雲-廣西日報记者 許丹婷 劉冬蓮)');
    expect(printByline(seed.bylines, 'zh-CN')).toBe('(廣西雲-廣西日報记者 許丹婷 劉冬蓮)');
  });

  it('prints the English form for other languages', () => {
    expect(printByline(seed.bylines, 'en')).toBe('By 許丹婷 and 劉冬蓮, 廣西雲-廣西日報');
    expect(printByline(seed.bylines, 'vi')).toBe('By 許丹婷 and 劉冬蓮, 廣西雲-廣西日報');
    expect(printByline([{ name: 'Ana' }, { name: 'Ben' }, { name: 'Cy' }], 'en-GB')).toBe('By Ana, Ben and Cy');
    expect(printByline([{ name: 'Ana', organisation: 'Org' }], 'en')).toBe('By Ana, Org');
  });

  it('groups people by organisation, in order of appearance', () => {
    const bylines = [
      { name: 'Ana', role: 'reporter', organisation: 'A' },
      { name: 'Ben', role: 'reporter', organisation: 'B' },
      { name: 'Cy', role: 'reporter', organisation: 'A' },
    ];
    expect(printByline(bylines, 'en')).toBe('By Ana and Cy, A; Ben, B');
    expect(printByline(bylines, 'zh-Hant')).toBe('(A記者 Ana Cy B記者 Ben)');
  });

  it('prints roles as Chinese titles; unknown roles get no title, no role means reporter', () => {
    expect(printByline([{ name: '王五', role: 'correspondent', organisation: '某報' }], 'zh-Hant')).toBe('(某報通訊員 王五)');
    expect(printByline([{ name: '王五', role: 'columnist', organisation: null }], 'zh-Hant')).toBe('(王五)');
    expect(printByline([{ name: '王五', role: null, organisation: null }], 'zh-Hant')).toBe('(記者 王五)');
  });

  it('prints nothing for no bylines', () => {
    expect(printByline([], 'zh-Hant')).toBe('');
    expect(printByline([], 'en')).toBe('');
  });
});

describe('printPhotoCredit', () => {
  it('prints the given credit line for zh-Hant', () => {
    expect(printPhotoCredit(credit, 'zh-Hant')).toBe('廣西雲-廣西日報記者徐天保/攝');
    expect(printPhotoCredit(credit, 'zh-Hant')).toBe(seed.printedForms.photoCredit);
  });

  it('builds the Chinese line when none is given', () => {
    expect(printPhotoCredit({ ...credit, line: null }, 'zh-Hant')).toBe('廣西雲-廣西日報記者徐天保/攝');
    expect(printPhotoCredit({ ...credit, line: null }, 'zh-Hans')).toBe('廣西雲-廣西日報记者徐天保/摄');
    expect(printPhotoCredit({ photographer: '徐天保', organisation: null, line: null }, 'zh-Hant')).toBe('徐天保/攝');
  });

  it('prints the English form for other languages, never the Chinese line', () => {
    expect(printPhotoCredit(credit, 'en')).toBe('Photo: 徐天保 / 廣西雲-廣西日報');
    expect(printPhotoCredit({ photographer: 'Jo Lee', organisation: null }, 'th')).toBe('Photo: Jo Lee');
  });
});

const doc = (over: Partial<PublishedArticle> = {}): PublishedArticle => ({
  id: '00000000-0000-4000-8000-000000000001',
  version: 6,
  headline: seed.draft.headline,
  language: 'zh-Hant',
  source: seed.draft.source,
  summary: null,
  body: seed.draft.body as PublishedArticle['body'],
  bylines: seed.bylines.map((b, i) => ({ id: `b${i}`, ...b })),
  photos: seed.photos.map((p, i) => ({ id: `p${i}`, ...p })),
  copyrightNotice: { ...seed.copyrightNotice, usageTerms: null },
  publishedAt: '2025-09-18T10:00:00.000Z',
  updatedAt: '2025-09-18T10:00:00.000Z',
  corrections: [],
  ...over,
});

describe('renderArticlePage', () => {
  const evil = '<script>alert(1)</script>';

  it('escapes every text and keeps the JSON-LD inside its element', () => {
    const html = renderArticlePage(
      doc({
        headline: `${evil}</script><!--`,
        summary: `"><img src=x onerror=alert(1)>`,
        body: [{ type: 'paragraph', text: `a & b ${evil}` }],
        bylines: [{ id: 'b', name: `<b>x</b>`, role: 'reporter', organisation: `'"` }],
        corrections: [{ kind: 'correction', note: evil, at: '2025-09-19T00:00:00.000Z' }],
      }),
      { baseUrl: 'http://localhost' },
    );
    expect(html).not.toContain('<script>alert(1)');
    expect(html).not.toContain('<img src=x');
    expect(html).not.toContain('<b>x</b>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html.match(/<script\b/g)).toHaveLength(1);
    expect(html.match(/<\/script>/g)).toHaveLength(1);
    const ld = /<script type="application\/ld\+json">([\s\S]*?)<\/script>/.exec(html)![1];
    expect(JSON.parse(ld).headline).toBe(`${evil}</script><!--`);
    expect(JSON.parse(ld).correction[0].text).toBe(evil);
  });

  it('drops image sources that are not http(s)', () => {
    const html = renderArticlePage(doc({ photos: [{ id: 'p', href: 'javascript:alert(1)', caption: 'c', credit }] }), { baseUrl: 'http://x' });
    expect(html).not.toContain('javascript:');
  });

  it('the withdrawn page gives the notice, not the article', () => {
    const html = renderWithdrawnPage({ language: 'en', reason: `legal <b>`, at: '2025-09-20T00:00:00.000Z' });
    expect(html).toContain('This article has been withdrawn.');
    expect(html).toContain('legal &lt;b&gt;');
  });

  it('jsonForScript escapes what could end a script element', () => {
    const out = jsonForScript({ a: '</script><!-- & \u2028' });
    expect(out).not.toMatch(/[<>&\u2028]/);
    expect(JSON.parse(out)).toEqual({ a: '</script><!-- & \u2028' });
  });
});

describe('renderAtomFeed', () => {
  it('escapes text and drops characters XML cannot carry', () => {
    const xml = renderAtomFeed([doc({ headline: 'a < b & "c" \uFFFF' })], { baseUrl: 'http://localhost', now: '2025-01-01T00:00:00.000Z' });
    expect(xml).toContain('<title type="text">a &lt; b &amp; &quot;c&quot; </title>');
    expect(xml).toContain('<updated>2025-09-18T10:00:00.000Z</updated>');
  });

  it('an empty feed is updated now', () => {
    const xml = renderAtomFeed([], { baseUrl: 'http://localhost', now: '2025-01-01T00:00:00.000Z' });
    expect(xml).toContain('<updated>2025-01-01T00:00:00.000Z</updated>');
    expect(xml).not.toContain('<entry');
  });
});
