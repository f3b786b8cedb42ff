import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { randomUUID } from 'node:crypto';
import ninjsSchema from './fixtures/ninjs-schema-2.1.json';
import seed from './fixtures/seed-article.json';
import { escapeHtml } from '../src/publishing/html';
import { escapeXml } from '../src/publishing/atom';
import { bearer, startApp, TestApp } from './support/test-app';
import { ArticleInput, desk, Desk, publishThroughHttp } from './support/publish';

/**
 * The ninjs 2.1 schema's one external reference is GeoJSON (https://geojson.org/schema/GeoJSON.json), used only by
 * `places[].geojson`. We do not fetch it: a permissive stand-in registered under that $id (any object with a string
 * `type`, as every GeoJSON object has) lets the schema compile. Masthead emits no places, so nothing is lost.
 */
const GEOJSON_STAND_IN = {
  $id: 'https://geojson.org/schema/GeoJSON.json',
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  title: 'Permissive stand-in for GeoJSON (test only)',
  type: 'object',
  required: ['type'],
  properties: { type: { type: 'string' } },
};

function ninjsValidator() {
  const ajv = new Ajv2020({ allErrors: true });
  addFormats(ajv);
  ajv.addSchema(GEOJSON_STAND_IN);
  return ajv.compile(ninjsSchema);
}

const jsonLd = (html: string) => {
  const scripts = [...html.matchAll(/<script type="application\/ld\+json">([\s\S]*?)<\/script>/g)];
  expect(scripts).toHaveLength(1);
  return JSON.parse(scripts[0][1]);
};

/** The page text for a multi-line notice, as the renderer prints it (one <br> per line break). */
const htmlLines = (text: string) => text.split('\n').map(escapeHtml).join('<br>\n');

const atomEntry = (xml: string, id: string) => new RegExp(`<entry[^>]*>\\s*<id>urn:uuid:${id}</id>[\\s\\S]*?</entry>`).exec(xml)?.[0];
const atomUpdated = (entry: string) => /<updated>([^<]+)<\/updated>/.exec(entry)![1];

/** Every absolute link names this, whatever Host a request comes with (issue #16, item 7). */
const PUBLIC_URL = 'https://news.example.org/masthead';

describe('publishing: article page, ninjs and Atom (e2e)', () => {
  let t: TestApp;
  let d: Desk;
  let id: string;
  const validate = ninjsValidator();

  beforeAll(async () => {
    t = await startApp({ NEWSROOM_PUBLIC_URL: PUBLIC_URL });
    t.clock.set('2025-09-18T02:00:00.000Z');
    d = await desk(t);
    ({ id } = await publishThroughHttp(t, d));
  });
  afterAll(() => t?.close());

  it('serves the seed article as ninjs 2.1 that validates against the IPTC schema', async () => {
    const res = await t.http().get(`/published/${id}/ninjs`).expect(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.headers.etag).toBe('"6"');
    const ninjs = res.body;
    const ok = validate(ninjs);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);

    expect(ninjs.standard).toEqual({ name: 'ninjs', version: '2.1', schema: 'http://www.iptc.org/std/ninjs/ninjs-schema_2.1.json' });
    expect(ninjs).toMatchObject({
      uri: `urn:uuid:${id}`,
      type: 'text',
      version: '6',
      pubstatus: 'usable',
      language: 'zh-Hant',
      firstcreated: '2025-09-18T02:00:00.000Z',
      versioncreated: '2025-09-18T02:00:00.000Z',
      headlines: [{ role: 'main', contenttype: 'text/plain', value: seed.draft.headline }],
      by: '(廣西雲-廣西日報記者 許丹婷 劉冬蓮)',
      people: [
        { name: '許丹婷', rel: 'reporter' },
        { name: '劉冬蓮', rel: 'reporter' },
      ],
      organisations: [{ name: '廣西雲-廣西日報', rel: 'affiliation' }],
      infosources: [{ name: seed.draft.source, role: 'http://cv.iptc.org/newscodes/contentprodpartyrole/contentSource' }],
      copyrightholder: seed.copyrightNotice.holder,
      copyrightnotice: seed.copyrightNotice.text,
    });
    expect(ninjs).not.toHaveProperty('usageterms');
    expect(ninjs).not.toHaveProperty('descriptions'); // no summary, no corrections yet
    const plain = ninjs.bodies.find((b: { contenttype: string }) => b.contenttype === 'text/plain');
    expect(plain.value).toBe(seed.draft.body.map((b) => b.text).join('\n\n'));
    const html = ninjs.bodies.find((b: { contenttype: string }) => b.contenttype === 'text/html');
    expect(html.value).toContain('<h2>智慧之約架起合作金橋</h2>');
    expect(html.value.match(/<p>/g)).toHaveLength(16);

    expect(ninjs.associations).toHaveLength(1);
    const [picture] = ninjs.associations;
    expect(picture).toMatchObject({
      name: 'picture1',
      uri: expect.stringMatching(/^urn:uuid:[0-9a-f-]{36}$/),
      type: 'picture',
      by: '徐天保',
      copyrightholder: '廣西雲-廣西日報',
      descriptions: [
        { role: 'caption', contenttype: 'text/plain', value: '2025中國—東盟人工智能部長圓桌會議現場。' },
        { role: 'creditline', contenttype: 'text/plain', value: '廣西雲-廣西日報記者徐天保/攝' },
      ],
      renditions: [{ name: 'original', href: seed.photos[0].href, contenttype: 'image/jpeg' }],
    });
  });

  it('renders the page with the zh-Hant byline and credit, the figure, the body and the whole copyright notice', async () => {
    const res = await t.http().get(`/news/${id}`).expect(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers.etag).toBe('"6"');
    expect(res.headers['cache-control']).toBe('public, max-age=60');
    expect(res.headers['content-security-policy']).toContain("default-src 'none'");
    const html: string = res.text;
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).toContain('<html lang="zh-Hant">');
    expect(html).toContain(`<h1>${seed.draft.headline}</h1>`);
    expect(html).toContain('<p class="byline">(廣西雲-廣西日報記者 許丹婷 劉冬蓮)</p>');
    expect(html).toContain('<span class="credit">廣西雲-廣西日報記者徐天保/攝</span>');
    expect(html).toMatch(/<figure id="photo-[0-9a-f-]+">\s*<img src="https:\/\/photos\.example\.org\/2025-china-asean-ai-roundtable\.jpg" alt="2025中國—東盟人工智能部長圓桌會議現場。"/);
    expect(html).toContain('<span class="caption">2025中國—東盟人工智能部長圓桌會議現場。</span>');
    for (const block of seed.draft.body) {
      const tag = block.type === 'heading' ? 'h2' : 'p';
      expect(html).toContain(`<${tag}>${escapeHtml(block.text)}</${tag}>`);
    }
    // zh: the byline is printed at the foot of the article, as the seed prints it.
    expect(html.indexOf('class="byline"')).toBeGreaterThan(html.indexOf(escapeHtml(seed.draft.body[18].text)));
    // The whole notice, every clause and line break, in the footer.
    const footer = /<footer>([\s\S]*)<\/footer>/.exec(html)![1];
    expect(footer).toContain(`© ${seed.copyrightNotice.holder}`);
    expect(footer).toContain(`<p class="copyright-notice">${htmlLines(seed.copyrightNotice.text)}</p>`);
    expect(html).not.toContain('class="corrections"');
  });

  it('carries schema.org NewsArticle JSON-LD', async () => {
    const ld = jsonLd((await t.http().get(`/news/${id}`).expect(200)).text);
    expect(ld).toMatchObject({
      '@context': 'https://schema.org',
      '@type': 'NewsArticle',
      headline: seed.draft.headline,
      inLanguage: 'zh-Hant',
      author: seed.bylines.map((b) => ({ '@type': 'Person', name: b.name, affiliation: { '@type': 'Organization', name: b.organisation } })),
      datePublished: '2025-09-18T02:00:00.000Z',
      dateModified: '2025-09-18T02:00:00.000Z',
      copyrightHolder: { '@type': 'Organization', name: seed.copyrightNotice.holder },
      copyrightNotice: seed.copyrightNotice.text,
      correction: [],
      image: [
        {
          '@type': 'ImageObject',
          contentUrl: seed.photos[0].href,
          caption: seed.photos[0].caption,
          creator: { '@type': 'Person', name: '徐天保' },
          creditText: '廣西雲-廣西日報記者徐天保/攝',
        },
      ],
    });
    expect(ld.url).toMatch(new RegExp(`/news/${id}$`));
  });

  it('answers 304 to If-None-Match with the current ETag, on the page and on ninjs', async () => {
    const page = await t.http().get(`/news/${id}`).set('If-None-Match', '"6"').expect(304);
    expect(page.text ?? '').toBe('');
    expect(page.headers.etag).toBe('"6"');
    await t.http().get(`/news/${id}`).set('If-None-Match', 'W/"6"').expect(304);
    await t.http().get(`/news/${id}`).set('If-None-Match', '"3", "6"').expect(304);
    await t.http().get(`/news/${id}`).set('If-None-Match', '"5"').expect(200);
    await t.http().get(`/published/${id}/ninjs`).set('If-None-Match', '"6"').expect(304);
  });

  it('shows a hostile headline as text and cannot be broken out of (page, JSON-LD, ninjs, feed)', async () => {
    const evil = '<script>alert(1)</script>';
    const input: ArticleInput = {
      draft: { headline: evil, language: 'en', body: [{ type: 'paragraph', text: `Fish & chips </script><script>alert(2)</script>` }], summary: `"><img src=x onerror=alert(3)>` },
      bylines: [{ name: '<i>Ana</i>', role: 'reporter', organisation: 'News & Co' }],
      photos: [{ href: 'https://photos.example.org/x.png', caption: `<b onmouseover=alert(4)>cap</b>`, credit: { photographer: 'Jo "Snap" Lee' } }],
      copyrightNotice: { holder: '<Holder>', text: 'line 1 </footer><script>alert(5)</script>\nline 2' },
    };
    const { id: evilId } = await publishThroughHttp(t, d, input);
    const html = (await t.http().get(`/news/${evilId}`).expect(200)).text;
    expect(html).not.toMatch(/<script>alert/);
    expect(html).not.toContain('<img src=x');
    expect(html).not.toContain('<i>Ana</i>');
    expect(html).not.toContain('<b onmouseover');
    expect(html.match(/<script\b/g)).toHaveLength(1); // only the JSON-LD element
    expect(html.match(/<\/script>/g)).toHaveLength(1);
    expect(html).toContain('<h1>&lt;script&gt;alert(1)&lt;/script&gt;</h1>');
    expect(html).toContain('<title>&lt;script&gt;alert(1)&lt;/script&gt;</title>');
    const ld = jsonLd(html);
    expect(ld.headline).toBe(evil);
    expect(ld.copyrightNotice).toBe(input.copyrightNotice.text);

    const ninjs = (await t.http().get(`/published/${evilId}/ninjs`).expect(200)).body;
    expect(validate(ninjs)).toBe(true);
    expect(ninjs.headlines[0].value).toBe(evil);
    expect(ninjs.bodies[0].value).toBe('<p>Fish &amp; chips &lt;/script&gt;&lt;script&gt;alert(2)&lt;/script&gt;</p>');
    expect(ninjs.descriptions).toEqual([{ role: 'summary', contenttype: 'text/plain', value: input.draft.summary }]);

    const feed = (await t.http().get('/feeds/published.atom').expect(200)).text;
    expect(feed).not.toMatch(/<script/);
    expect(atomEntry(feed, evilId)).toContain('<title type="text">&lt;script&gt;alert(1)&lt;/script&gt;</title>');
  });

  it('prints bylines and credits the English way for an English article', async () => {
    const input: ArticleInput = {
      draft: { headline: 'Ministers meet in Nanning', language: 'en', body: [{ type: 'paragraph', text: 'Ministers met.' }, { type: 'quote', text: 'We agree.' }] },
      bylines: [
        { name: 'Ana Smith', role: 'reporter', organisation: 'Guangxi Daily' },
        { name: 'Ben Wu', role: 'reporter', organisation: 'Guangxi Daily' },
      ],
      photos: [{ href: 'https://photos.example.org/en.jpg', caption: 'The meeting.', credit: { photographer: 'Xu Tianbao', organisation: 'Guangxi Daily', line: '廣西雲-廣西日報記者徐天保/攝' } }],
      copyrightNotice: { holder: 'Guangxi Daily', text: 'All rights reserved.', usageTerms: 'Editorial use only.' },
    };
    const { id: enId } = await publishThroughHttp(t, d, input);
    const html = (await t.http().get(`/news/${enId}`).expect(200)).text;
    expect(html).toContain('<html lang="en">');
    expect(html).toContain('<p class="byline">By Ana Smith and Ben Wu, Guangxi Daily</p>');
    expect(html).toContain('<span class="credit">Photo: Xu Tianbao / Guangxi Daily</span>');
    expect(html).toContain('<blockquote><p>We agree.</p></blockquote>');
    expect(html).toContain('<p class="usage-terms">Editorial use only.</p>');
    // en: the byline goes under the headline.
    expect(html.indexOf('class="byline"')).toBeLessThan(html.indexOf('class="article-body"'));
    const ninjs = (await t.http().get(`/published/${enId}/ninjs`).expect(200)).body;
    expect(validate(ninjs)).toBe(true);
    expect(ninjs.by).toBe('By Ana Smith and Ben Wu, Guangxi Daily');
    expect(ninjs.usageterms).toBe('Editorial use only.');
    expect(ninjs.associations[0].descriptions[1]).toEqual({ role: 'creditline', contenttype: 'text/plain', value: 'Photo: Xu Tianbao / Guangxi Daily' });
  });

  it('after a correction: the page shows the note, JSON-LD and ninjs carry it, the feed entry is updated', async () => {
    const before = (await t.http().get('/feeds/published.atom').expect(200)).text;
    const beforeUpdated = atomUpdated(atomEntry(before, id)!);
    expect(beforeUpdated).toBe('2025-09-18T02:00:00.000Z');

    t.clock.set('2025-09-18T09:30:00.000Z');
    const note = '更正:本文早前版本誤植會議日期,現已更正。';
    await t.http().post(`/articles/${id}/corrections`).set(bearer(d.publisher.token)).set('If-Match', '"6"').send({ kind: 'correction', note }).expect(200);

    const res = await t.http().get(`/news/${id}`).set('If-None-Match', '"6"').expect(200);
    expect(res.headers.etag).toBe('"7"');
    expect(res.text).toContain('class="corrections"');
    expect(res.text).toContain(escapeHtml(note));
    expect(res.text).toContain('<time datetime="2025-09-18T09:30:00.000Z">');
    const ld = jsonLd(res.text);
    expect(ld.correction).toEqual([{ '@type': 'CorrectionComment', name: 'correction', text: note, datePublished: '2025-09-18T09:30:00.000Z' }]);
    expect(ld.dateModified).toBe('2025-09-18T09:30:00.000Z');
    expect(ld.datePublished).toBe('2025-09-18T02:00:00.000Z');

    const ninjs = (await t.http().get(`/published/${id}/ninjs`).expect(200)).body;
    expect(validate(ninjs)).toBe(true);
    expect(ninjs).toMatchObject({ version: '7', firstcreated: '2025-09-18T02:00:00.000Z', versioncreated: '2025-09-18T09:30:00.000Z' });
    expect(ninjs.descriptions).toEqual([{ role: 'correction', contenttype: 'text/plain', value: note }]);

    const feed = await t.http().get('/feeds/published.atom').expect(200);
    expect(feed.headers['content-type']).toBe('application/atom+xml; charset=utf-8');
    const entry = atomEntry(feed.text, id)!;
    expect(atomUpdated(entry)).toBe('2025-09-18T09:30:00.000Z');
    expect(entry).toContain('<published>2025-09-18T02:00:00.000Z</published>');
    // The corrected article is now the most recently changed: first entry, and the feed's own updated.
    expect(/<entry[^>]*>\s*<id>urn:uuid:([0-9a-f-]+)<\/id>/.exec(feed.text)![1]).toBe(id);
    expect(/<feed[^>]*>[\s\S]*?<updated>([^<]+)<\/updated>/.exec(feed.text)![1]).toBe('2025-09-18T09:30:00.000Z');
  });

  it('after withdrawal: the page is a 410 page with the notice, ninjs is 410, the feed drops it', async () => {
    t.clock.set('2025-09-19T08:00:00.000Z');
    const reason = '應版權方要求撤下';
    await t.http().post(`/articles/${id}/withdrawal`).set(bearer(d.publisher.token)).set('If-Match', '"7"').send({ reason }).expect(200);

    const page = await t.http().get(`/news/${id}`).expect(410);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.text).toContain('<html lang="zh-Hant">');
    expect(page.text).toContain('本文已撤回。');
    expect(page.text).toContain(reason);
    expect(page.text).toContain('2025-09-19T08:00:00.000Z');
    expect(page.text).not.toContain(escapeHtml(seed.draft.body[0].text));
    await t.http().get(`/news/${id}`).set('If-None-Match', '"7"').expect(410);

    const ninjs = await t.http().get(`/published/${id}/ninjs`).expect(410);
    expect(ninjs.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(ninjs.body).toMatchObject({ status: 410, code: 'ARTICLE_WITHDRAWN', withdrawal: { reason, at: '2025-09-19T08:00:00.000Z' } });
    expect(ninjs.body.withdrawal).not.toHaveProperty('by');

    const feed = (await t.http().get('/feeds/published.atom').expect(200)).text;
    expect(atomEntry(feed, id)).toBeUndefined();
    // An RFC 6721 tombstone tells subscribers that kept the entry to drop it; it carries no text.
    expect(feed).toContain(`<at:deleted-entry xmlns:at="http://purl.org/atompub/tombstones/1.0" ref="urn:uuid:${id}" when="2025-09-19T08:00:00.000Z"/>`);
    expect(feed).not.toContain(escapeXml(seed.draft.headline));
    // History stays.
    const history = await t.http().get(`/articles/${id}/history`).set(bearer(d.editor.token)).expect(200);
    expect(history.body.map((e: { type: string }) => e.type).slice(-2)).toEqual(['ArticleCorrected', 'ArticleWithdrawn']);
  });

  it('withdrawn means withdrawn for the public: ?asOf= before the withdrawal is 410 too; signed-in roles still read every version', async () => {
    // The article was live, with its correction, on 2025-09-18 at 10:00; it was withdrawn the next day.
    for (const asOf of ['2025-09-18T03:00:00.000Z', '2025-09-18T10:00:00.000Z', '2025-09-19T09:00:00.000Z']) {
      const res = await t.http().get(`/published/${id}?asOf=${encodeURIComponent(asOf)}`).expect(410);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body).toMatchObject({ status: 410, code: 'ARTICLE_WITHDRAWN' });
      expect(JSON.stringify(res.body)).not.toContain(seed.draft.headline);
    }
    for (const path of [`/published/${id}`, `/published/${id}/ninjs`, `/news/${id}`]) await t.http().get(path).expect(410);
    const working = await t.http().get(`/articles/${id}?asOf=${encodeURIComponent('2025-09-18T10:00:00.000Z')}`).set(bearer(d.editor.token)).expect(200);
    expect(working.body).toMatchObject({ status: 'published', headline: seed.draft.headline });
    await t.http().get(`/articles/${id}?version=6`).set(bearer(d.reporter.token)).expect(200);
  });

  it('404 for what was never published: no such id, a draft, not a UUID', async () => {
    const { body } = await t.http().post('/articles').set(bearer(d.reporter.token)).send(seed.draft).expect(201);
    for (const missing of [randomUUID(), body.id, 'not-a-uuid']) {
      const page = await t.http().get(`/news/${missing}`).expect(404);
      expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
      const ninjs = await t.http().get(`/published/${missing}/ninjs`).expect(404);
      expect(ninjs.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(ninjs.body).toMatchObject({ status: 404, code: 'NOT_PUBLISHED' });
    }
  });

  it('serves the feed without a token, with absolute links on NEWSROOM_PUBLIC_URL whatever the Host, and 304 on its ETag', async () => {
    const feed = await t.http().get('/feeds/published.atom').expect(200);
    expect(feed.text.startsWith('<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">')).toBe(true);
    expect(feed.headers['cache-control']).toBe('public, max-age=60');
    expect(feed.text).toContain(`<link rel="self" type="application/atom+xml" href="${PUBLIC_URL}/feeds/published.atom"/>`);
    // The Host header is the client's to choose: it gets into no link, and the ETag (over the whole document) holds.
    const evil = await t.http().get('/feeds/published.atom').set('Host', 'evil.example').expect(200);
    expect(evil.text).toBe(feed.text);
    await t.http().get('/feeds/published.atom').set('Host', 'evil.example').set('If-None-Match', feed.headers.etag).expect(304);
  });

  it('names NEWSROOM_PUBLIC_URL, never the Host, in the page (canonical, JSON-LD @id) and ninjs', async () => {
    const { id } = await publishThroughHttp(t, d);
    const page = await t.http().get(`/news/${id}`).set('Host', 'evil.example').expect(200);
    expect(page.text).toContain(`<link rel="canonical" href="${PUBLIC_URL}/news/${id}">`);
    expect(JSON.stringify(jsonLd(page.text))).toContain(`"@id":"${PUBLIC_URL}/news/${id}"`);
    expect(page.text).not.toContain('evil.example');
    const ninjs = await t.http().get(`/published/${id}/ninjs`).set('Host', 'evil.example').expect(200);
    expect(JSON.stringify(ninjs.body)).toContain(`"href":"${PUBLIC_URL}/news/${id}"`);
    expect(JSON.stringify(ninjs.body)).not.toContain('evil.example');
    const feed = await t.http().get('/feeds/published.atom').set('Host', 'evil.example').expect(200);
    expect(feed.text).not.toContain('evil.example');
  });
});

// Folded in from published-query.e2e.spec.ts (a regression of its own).
/**
 * GET /published/{id} takes ?asOf= only (docs/api.md); any other query parameter is a 400. ?version=N was taken by
 * the shared working-state query and then ignored: the reader asked for version 1 and got the latest one, 200.
 */
describe('/published/{id} query parameters (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startApp();
  });
  afterAll(() => t?.close());

  it('?version= is refused, not ignored', async () => {
    const { id } = await publishThroughHttp(t, await desk(t));
    await t.http().get(`/published/${id}`).expect(200);
    const res = await t.http().get(`/published/${id}?version=1`);
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual(['version']);
    await t.http().get(`/published/${id}?asOf=${encodeURIComponent(new Date().toISOString())}`).expect(200);
  });
});
