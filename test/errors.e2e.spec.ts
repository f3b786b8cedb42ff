import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Response } from 'supertest';
import seed from './fixtures/seed-article.json';
import { bearer, startApp, TestApp } from './support/test-app';
import { articleIn } from './support/publish';

type User = Awaited<ReturnType<TestApp['user']>>;

/** Errors as application/problem+json, request validation, and text stored exactly as sent (docs/api.md). */
describe('errors and text (e2e)', () => {
  let t: TestApp;
  let reporter: User;
  let editor: User;
  let publisher: User;
  let auditor: User;

  const draft = { headline: 'A headline', language: 'en-GB', body: [{ type: 'paragraph', text: 'A paragraph.' }] };

  /** Every error: problem+json with type, title, status and detail, and no stack trace anywhere. */
  const expectProblem = (res: Response | { status: number; headers: Record<string, unknown>; text: string }, status: number) => {
    expect({ status: res.status, text: res.text }).toMatchObject({ status });
    expect(String(res.headers['content-type'])).toMatch(/^application\/problem\+json/);
    const body = JSON.parse(res.text);
    expect(body).toMatchObject({ type: expect.any(String), title: expect.any(String), status, detail: expect.any(String) });
    expect(body.type).toMatch(/^(https?:\/\/\S+|about:blank)$/);
    expect(body.title.length).toBeGreaterThan(0);
    expect(body.detail.length).toBeGreaterThan(0);
    expect(body).not.toHaveProperty('stack');
    expect(res.text).not.toMatch(/"stack"|\n\s+at |\(\/.+\.(ts|js):\d+:\d+\)|node_modules/);
    return body as { type: string; title: string; status: number; detail: string; errors?: { field: string; message: string }[] };
  };
  const fields = (body: { errors?: { field: string; message: string }[] }) => {
    expect(Array.isArray(body.errors)).toBe(true);
    for (const e of body.errors!) expect(e).toEqual({ field: expect.any(String), message: expect.any(String) });
    return body.errors!.map((e) => e.field);
  };
  /** A raw HTTP request: exact bytes and headers, nothing added by a client library. */
  const raw = async (opts: { method: 'POST' | 'PATCH' | 'GET'; url: string; headers?: Record<string, string>; payload?: string }) => {
    const server = t.app.getHttpServer();
    if (!server.listening) await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const { port } = server.address() as AddressInfo;
    return new Promise<{ status: number; headers: Record<string, unknown>; text: string }>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, method: opts.method, path: opts.url, headers: opts.headers }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, text }));
      });
      req.on('error', reject);
      if (opts.payload !== undefined) req.write(opts.payload);
      req.end();
    });
  };
  const count = async () => (await t.http().get('/audit?limit=500').set(bearer(auditor.token)).expect(200)).body.items.length as number;
  const post = (url: string, u: User = reporter) => t.http().post(url).set(bearer(u.token));

  beforeAll(async () => {
    t = await startApp({ NEWSROOM_SCHEDULER: 'off' });
    reporter = await t.user(['reporter']);
    editor = await t.user(['editor']);
    publisher = await t.user(['publisher']);
    auditor = await t.user(['auditor']);
  });
  afterAll(() => t?.close());

  describe('every error is problem+json', () => {
    it('for 401, 403, 404 (article and route), 409, 412, 422, 428', async () => {
      const { body: a } = await post('/articles').send(draft).expect(201);
      expectProblem(await t.http().get('/articles'), 401);
      expectProblem(await t.http().get('/articles').set('Authorization', 'Bearer x.y.z'), 401);
      expectProblem(await t.http().get('/users').set(bearer(reporter.token)), 403);
      expectProblem(await t.http().get('/articles/00000000-0000-4000-8000-000000000000').set(bearer(reporter.token)), 404);
      expectProblem(await t.http().get('/no/such/route').set(bearer(reporter.token)), 404);
      expectProblem(await t.http().get('/no/such/route'), 404);
      expectProblem(await t.http().post(`/articles/${a.id}/approval`).set(bearer(editor.token)).set('If-Match', '"1"').send({}), 409);
      expectProblem(await t.http().patch(`/articles/${a.id}`).set(bearer(reporter.token)).set('If-Match', '"7"').send({ headline: 'x' }), 412);
      await post(`/articles/${a.id}/bylines`).set('Idempotency-Key', 'k1').send({ name: 'A' }).expect(201);
      expectProblem(await post(`/articles/${a.id}/bylines`).set('Idempotency-Key', 'k1').send({ name: 'B' }), 422);
      expectProblem(await t.http().patch(`/articles/${a.id}`).set(bearer(reporter.token)).send({ headline: 'x' }), 428);
      expectProblem(await t.http().post('/auth/token').send({ username: 'nobody', password: 'nothing' }), 401);
    });

    it('answers 401 with a WWW-Authenticate: Bearer challenge', async () => {
      const res = await t.http().get('/articles');
      expectProblem(res, 401);
      expect(res.headers['www-authenticate']).toMatch(/^Bearer\b/);
    });
  });

  describe('400: the request cannot be read or is invalid', () => {
    it('malformed JSON', async () => {
      const before = await count();
      for (const payload of ['{"headline": ', '{headline: "x"}', "{'a': 1}", '[1,2', '{"a":1}}', 'nul']) {
        const res = await post('/articles').set('Content-Type', 'application/json').send(payload);
        expectProblem(res, 400);
      }
      expect(await count()).toBe(before);
    });

    it('schema violations, each bad field listed', async () => {
      const res = await post('/articles').send({ headline: 123, language: 'not a tag!', body: 'text' });
      const body = expectProblem(res, 400);
      expect(fields(body)).toEqual(expect.arrayContaining(['headline', 'language', 'body']));
      expect(body.detail).toMatch(/headline/);

      const empty = expectProblem(await post('/articles').send({ ...draft, body: [] }), 400);
      expect(fields(empty)).toContain('body');
      const missing = expectProblem(await post('/articles').send({ language: 'vi' }), 400);
      expect(fields(missing)).toEqual(expect.arrayContaining(['headline', 'body']));
      const arrayBody = expectProblem(await post('/articles').send([draft]), 400);
      expect(arrayBody.status).toBe(400);
      const nested = expectProblem(await post('/articles').send({ ...draft, body: [{ type: 'paragraph', text: 'ok' }, { type: 'table', text: 5 }] }), 400);
      expect(fields(nested)).toEqual(expect.arrayContaining(['body[1].type', 'body[1].text']));
      expect(fields(nested)).not.toContain('body[0].type');
    });

    it('schema violations on the other commands, with nested field names', async () => {
      const { body: a } = await post('/articles').send(draft).expect(201);
      const photo = expectProblem(await post(`/articles/${a.id}/photos`).send({ href: 'javascript:alert(1)', caption: 'c', credit: { photographer: 7 } }), 400);
      expect(fields(photo)).toEqual(expect.arrayContaining(['href', 'credit.photographer']));
      const noCredit = expectProblem(await post(`/articles/${a.id}/photos`).send({ href: 'https://example.org/p.jpg', caption: 'c' }), 400);
      expect(fields(noCredit)).toContain('credit');
      const byline = expectProblem(await post(`/articles/${a.id}/bylines`).send({ name: '' }), 400);
      expect(fields(byline)).toContain('name');
      const revise = expectProblem(await t.http().patch(`/articles/${a.id}`).set(bearer(reporter.token)).set('If-Match', '"1"').send({ body: [{ type: 'paragraph' }] }), 400);
      expect(fields(revise)).toContain('body[0].text');
      const pub = expectProblem(await post(`/articles/${a.id}/publication`, publisher).set('If-Match', '"1"').send({ copyrightNotice: { holder: 'H' }, publishAt: 'tomorrow' }), 400);
      expect(fields(pub)).toEqual(expect.arrayContaining(['copyrightNotice.text', 'publishAt']));
      expect((await t.http().get(`/articles/${a.id}/events`).set(bearer(auditor.token)).expect(200)).body).toHaveLength(1);
    });

    it('unknown fields, named, top-level and nested', async () => {
      const before = await count();
      const top = expectProblem(await post('/articles').send({ ...draft, status: 'published' }), 400);
      expect(fields(top)).toEqual(['status']);
      const nested = expectProblem(await post('/articles').send({ ...draft, body: [{ type: 'paragraph', text: 'x', style: 'bold' }] }), 400);
      expect(fields(nested)).toEqual(['body[0].style']);
      expect(nested.detail).toContain('body[0].style');
      const { body: a } = await post('/articles').send(draft).expect(201);
      const credit = expectProblem(await post(`/articles/${a.id}/photos`).send({ href: 'https://example.org/p.jpg', caption: 'c', credit: { photographer: 'P', camera: 'X' } }), 400);
      expect(fields(credit)).toEqual(['credit.camera']);
      const revise = expectProblem(await t.http().patch(`/articles/${a.id}`).set(bearer(reporter.token)).set('If-Match', '"1"').send({ version: 9 }), 400);
      expect(fields(revise)).toEqual(['version']);
      const proto = expectProblem(await post('/articles').set('Content-Type', 'application/json').send(`{"headline":"x","language":"en","body":[{"type":"paragraph","text":"y"}],"__proto__":{"admin":true}}`), 400);
      expect(proto.status).toBe(400);
      expect(await count()).toBe(before + 1);
    });

    it('bad query parameters', async () => {
      const res = expectProblem(await t.http().get('/articles?limit=-1').set(bearer(reporter.token)), 400);
      expect(fields(res)).toContain('limit');
      const unknown = expectProblem(await t.http().get('/articles?sort=headline').set(bearer(reporter.token)), 400);
      expect(fields(unknown)).toContain('sort');
    });
  });

  describe('413 and 415', () => {
    it('413 for a body over 1 MiB, and nothing stored', async () => {
      const before = await count();
      const big = { ...draft, body: [{ type: 'paragraph', text: 'x'.repeat(1024 * 1024 + 10) }] };
      const res = await post('/articles').send(big);
      expectProblem(res, 413);
      // Multi-byte text counts in bytes: 400k three-byte characters is 1.2 MB.
      expectProblem(await post('/articles').send({ ...draft, summary: '語'.repeat(400_000) }), 413);
      expect(await count()).toBe(before);
    });

    it('a body just under the limit is read (and judged on its merits)', async () => {
      const res = await post('/articles').send({ ...draft, body: Array.from({ length: 60 }, () => ({ type: 'paragraph', text: 'y'.repeat(15_000) })) });
      expect(res.status).toBe(201);
    });

    it('415 for text/plain, a form, or a body without a content type', async () => {
      const before = await count();
      const json = JSON.stringify(draft);
      expectProblem(await post('/articles').set('Content-Type', 'text/plain').send(json), 415);
      expectProblem(await post('/articles').set('Content-Type', 'application/x-www-form-urlencoded').send('headline=x&language=en'), 415);
      expectProblem(await post('/articles').set('Content-Type', 'application/xml').send('<article/>'), 415);
      // No Content-Type at all, with a chunked body and with a Content-Length.
      expectProblem(await raw({ method: 'POST', url: '/articles', headers: { authorization: `Bearer ${reporter.token}` }, payload: json }), 415);
      expectProblem(await raw({ method: 'POST', url: '/articles', headers: { authorization: `Bearer ${reporter.token}`, 'content-length': String(Buffer.byteLength(json)) }, payload: json }), 415);
      const { body: a } = await post('/articles').send(draft).expect(201);
      const form = await t.http().patch(`/articles/${a.id}`).set(bearer(reporter.token)).set('If-Match', '"1"').type('form').send({ headline: 'Form-encoded' });
      expectProblem(form, 415);
      expect((await t.http().get(`/articles/${a.id}`).set(bearer(reporter.token)).expect(200)).body).toMatchObject({ version: 1, headline: draft.headline });
      expectProblem(await raw({ method: 'POST', url: '/auth/token', headers: { 'content-type': 'text/plain' }, payload: '{"username":"admin","password":"x"}' }), 415);
      expect(await count()).toBe(before + 1);
    });

    it('application/json with a charset, and without a body where none is needed, are fine', async () => {
      const res = await raw({ method: 'POST', url: '/articles', headers: { authorization: `Bearer ${reporter.token}`, 'content-type': 'application/json; charset=utf-8' }, payload: JSON.stringify(draft) });
      expect(res.status).toBe(201);
      const id = JSON.parse(res.text).id;
      await post(`/articles/${id}/bylines`).send({ name: 'N' }).expect(201);
      const approval = await raw({ method: 'POST', url: `/articles/${id}/approval`, headers: { authorization: `Bearer ${editor.token}`, 'if-match': '"2"' } });
      expect(approval.status).toBe(200);
    });
  });

  describe('text is Unicode, stored and returned exactly (after NFC)', () => {
    it('normalises to NFC: a decomposed Vietnamese string comes back composed', async () => {
      const nfc = 'Tiếng Việt có dấu: Hà Nội, Đà Nẵng, Huế';
      const nfd = nfc.normalize('NFD');
      expect(nfd).not.toBe(nfc);
      const { body: a } = await post('/articles').send({ headline: nfd, language: 'vi', summary: nfd, body: [{ type: 'paragraph', text: nfd }] }).expect(201);
      await post(`/articles/${a.id}/bylines`).send({ name: nfd, organisation: nfd }).expect(201);
      const res = await t.http().get(`/articles/${a.id}`).set(bearer(reporter.token)).expect(200);
      expect(res.body.headline).toBe(nfc);
      expect(res.body.summary).toBe(nfc);
      expect(res.body.body[0].text).toBe(nfc);
      expect(res.body.bylines[0].name).toBe(nfc);
      expect(res.body.bylines[0].organisation).toBe(nfc);
      expect(Buffer.from(res.body.headline, 'utf8').equals(Buffer.from(nfc, 'utf8'))).toBe(true);
      // An NFD revision of the same text is no change at all.
      await t.http().patch(`/articles/${a.id}`).set(bearer(reporter.token)).set('If-Match', '"2"').send({ headline: nfd });
      expect((await t.http().get(`/articles/${a.id}`).set(bearer(reporter.token)).expect(200)).body.headline).toBe(nfc);
    });

    const REFUSED: [string, string][] = [
      ['a lone high surrogate', '"\\ud800abc"'],
      ['a lone low surrogate', '"abc\\udc00"'],
      ['NUL', '"before\\u0000after"'],
      ['BEL', '"ring\\u0007"'],
      ['ESC', '"\\u001b[31mred"'],
      ['DEL', '"del\\u007f"'],
    ];
    it.each(REFUSED)('refuses %s with 400 and stores nothing', async (_, literal) => {
      const before = await count();
      const send = (json: string) => post('/articles').set('Content-Type', 'application/json').send(json);
      const top = expectProblem(await send(`{"headline":${literal},"language":"en","body":[{"type":"paragraph","text":"ok"}]}`), 400);
      expect(fields(top)).toEqual(['headline']);
      const nested = expectProblem(await send(`{"headline":"ok","language":"en","body":[{"type":"paragraph","text":"ok"},{"type":"quote","text":${literal}}]}`), 400);
      expect(fields(nested)).toEqual(['body[1].text']);
      expect(await count()).toBe(before);

      const { body: a } = await post('/articles').send(draft).expect(201);
      const patched = await t.http().patch(`/articles/${a.id}`).set(bearer(reporter.token)).set('If-Match', '"1"').set('Content-Type', 'application/json').send(`{"summary":${literal}}`);
      expect(fields(expectProblem(patched, 400))).toEqual(['summary']);
      const byline = await post(`/articles/${a.id}/bylines`).set('Content-Type', 'application/json').send(`{"name":${literal}}`);
      expect(fields(expectProblem(byline, 400))).toContain('name');
      expect((await t.http().get(`/articles/${a.id}/events`).set(bearer(auditor.token)).expect(200)).body).toHaveLength(1);
    });

    it('keeps tab, line feed and carriage return', async () => {
      const text = 'line one\nline two\r\n\tindented';
      const { body: a } = await post('/articles').send({ ...draft, body: [{ type: 'paragraph', text }] }).expect(201);
      expect((await t.http().get(`/articles/${a.id}`).set(bearer(reporter.token)).expect(200)).body.body[0].text).toBe(text);
    });

    it('stores SQL and HTML injection strings verbatim and returns them verbatim', async () => {
      const evil = [
        "'; DROP TABLE events; --",
        "Robert'); DROP TABLE users;--",
        '" OR 1=1 --',
        '$1 $$ \\x00 \\\\ %s %n {{7*7}} ${7*7}',
        '<script>alert("x")</script>',
        '<img src=x onerror=alert(1)>&amp;&lt;',
        '</p><!-- -->"\'`',
      ];
      const { body: a } = await post('/articles').send({ headline: evil[0], summary: evil[4], source: evil[1], language: 'en', body: evil.map((text) => ({ type: 'paragraph', text })) }).expect(201);
      await post(`/articles/${a.id}/bylines`).send({ name: evil[5], role: evil[2], organisation: evil[6] }).expect(201);
      await post(`/articles/${a.id}/photos`).send({ href: 'https://example.org/p.jpg?a=1&b=%3Cx%3E', caption: evil[4], credit: { photographer: evil[1], line: evil[3] } }).expect(201);
      await t.http().post(`/articles/${a.id}/approval`).set(bearer(editor.token)).set('If-Match', '"3"').send({ note: evil[0] }).expect(200);
      await post(`/articles/${a.id}/publication`, publisher).set('If-Match', '"4"').send({ copyrightNotice: { holder: evil[1], text: evil[4] } }).expect(200);

      const working = (await t.http().get(`/articles/${a.id}`).set(bearer(reporter.token)).expect(200)).body;
      expect(working.headline).toBe(evil[0]);
      expect(working.summary).toBe(evil[4]);
      expect(working.source).toBe(evil[1]);
      expect(working.body.map((b: { text: string }) => b.text)).toEqual(evil);
      expect(working.bylines[0]).toMatchObject({ name: evil[5], role: evil[2], organisation: evil[6] });
      expect(working.photos[0]).toMatchObject({ href: 'https://example.org/p.jpg?a=1&b=%3Cx%3E', caption: evil[4], credit: { photographer: evil[1], line: evil[3] } });
      const pub = (await t.http().get(`/published/${a.id}`).expect(200)).body;
      expect(pub.headline).toBe(evil[0]);
      expect(pub.body.map((b: { text: string }) => b.text)).toEqual(evil);
      expect(pub.copyrightNotice).toMatchObject({ holder: evil[1], text: evil[4] });
      const events = (await t.http().get(`/articles/${a.id}/events`).set(bearer(auditor.token)).expect(200)).body;
      expect(events[0].data.headline).toBe(evil[0]);
      // The tables are still there and injection through a query parameter finds nothing.
      await t.http().get('/users').set(bearer(t.adminToken)).expect(200);
      const q = await t.http().get(`/audit?actor=${encodeURIComponent("' OR '1'='1")}`).set(bearer(auditor.token)).expect(200);
      expect(q.body.items).toEqual([]);
      expect(await count()).toBeGreaterThan(0);
    });

    it('round-trips Thai, Khmer and Burmese (and other scripts) exactly', async () => {
      const samples = {
        th: 'ภาษาไทยเป็นภาษาราชการของประเทศไทย น้ำใจ กรุงเทพมหานคร ๒๕๖๘',
        km: 'ភាសាខ្មែរ គឺជាភាសាកំណើតរបស់ជនជាតិខ្មែរ ព្រះរាជាណាចក្រកម្ពុជា',
        my: 'မြန်မာဘာသာစကားသည် မြန်မာနိုင်ငံ၏ ရုံးသုံးဘာသာစကား ဖြစ်သည်။',
        'zh-Hant': seed.draft.body[0].text,
        ar: 'اللغة العربية‎ مع علامة اتجاه',
        hi: 'हिन्दी भाषा क्षत्रिय',
        und: 'Emoji 👩🏽‍💻🇻🇳 ZWJ‍ZWNJ‌ and 𝒳 outside the BMP',
      };
      for (const [language, text] of Object.entries(samples)) {
        expect(text.normalize('NFC')).toBe(text); // the samples are already NFC, so "exactly" means byte for byte
        const { body: a } = await post('/articles').send({ headline: text, language: language === 'und' ? 'en' : language, summary: text, body: [{ type: 'paragraph', text }, { type: 'quote', text: text.split(' ').reverse().join(' ') }] }).expect(201);
        await post(`/articles/${a.id}/bylines`).send({ name: [...text].slice(0, 20).join('') }).expect(201);
        const got = (await t.http().get(`/articles/${a.id}`).set(bearer(reporter.token)).expect(200));
        expect(got.body.headline).toBe(text);
        expect(Buffer.from(got.body.summary).equals(Buffer.from(text))).toBe(true);
        expect(got.body.body).toEqual([{ type: 'paragraph', text }, { type: 'quote', text: text.split(' ').reverse().join(' ') }]);
        expect(got.body.bylines[0].name).toBe([...text].slice(0, 20).join(''));
        const history = (await t.http().get(`/articles/${a.id}/history`).set(bearer(editor.token)).expect(200)).body;
        expect(history[0].changes).toContainEqual({ field: 'headline', op: 'set', from: null, to: text });
      }
    });
  });
});

// Folded in from validation-messages.e2e.spec.ts (a regression of its own).
/**
 * A 400 names each bad field with the rule it broke first, as the DTO reads: a missing or mistyped field is told
 * what type it must have, not that it is too long or has too many elements.
 */
describe('validation messages name the broken rule (e2e)', () => {
  let t: TestApp;
  let reporter: { token: string };
  let editor: { token: string };

  beforeAll(async () => {
    t = await startApp();
    reporter = await t.user(['reporter']);
    editor = await t.user(['editor']);
  });
  afterAll(() => t?.close());

  const messages = (body: { errors: { field: string; message: string }[] }) => Object.fromEntries(body.errors.map((e) => [e.field, e.message]));

  it('a missing or mistyped field is told its type', async () => {
    const missing = await t.http().post('/articles').set(bearer(reporter.token)).send({ language: 'vi' }).expect(400);
    expect(messages(missing.body)).toEqual({ headline: 'headline must be a string', body: 'body must be an array' });

    const mistyped = await t.http().post('/articles').set(bearer(reporter.token)).send({ headline: 5, body: 'text', language: 7 }).expect(400);
    expect(messages(mistyped.body)).toEqual({ headline: 'headline must be a string', body: 'body must be an array', language: 'language must be a string' });
    expect(mistyped.body.detail).toBe('headline: headline must be a string; body: body must be an array; language: language must be a string');

    const token = await t.http().post('/auth/token').send({ username: 'someone' }).expect(400);
    expect(messages(token.body)).toEqual({ password: 'password must be a string' });
  });

  it('a missing nested object, and a mistyped nested field', async () => {
    const { body: a } = await t.http().post('/articles').set(bearer(reporter.token)).send(seed.draft).expect(201);
    const photo = await t.http().post(`/articles/${a.id}/photos`).set(bearer(reporter.token)).send({ href: 5, caption: 'c' }).expect(400);
    expect(messages(photo.body)).toEqual({ href: 'href must be a string', credit: 'credit should not be null or undefined' });
    const credit = await t.http().post(`/articles/${a.id}/photos`).set(bearer(reporter.token)).send({ href: 'https://example.org/p.jpg', caption: 'c', credit: { photographer: 3 } }).expect(400);
    expect(messages(credit.body)).toEqual({ 'credit.photographer': 'photographer must be a string' });
  });

  it('query parameters: a missing or repeated number is told it must be an integer', async () => {
    const { body: a } = await t.http().post('/articles').set(bearer(reporter.token)).send(seed.draft).expect(201);
    const diff = await t.http().get(`/articles/${a.id}/diff?to=1`).set(bearer(editor.token)).expect(400);
    expect(messages(diff.body)).toEqual({ from: 'from must be an integer number' });
    const list = await t.http().get('/articles?limit=1&limit=2').set(bearer(editor.token)).expect(400);
    expect(messages(list.body)).toEqual({ limit: 'limit must be an integer number' });
  });

  it('a value of the right type that breaks a later rule is still told that rule, once', async () => {
    const long = await t.http().post('/articles').set(bearer(reporter.token)).send({ ...seed.draft, headline: 'x'.repeat(1001), body: [] }).expect(400);
    expect(long.body.errors).toEqual([
      { field: 'headline', message: 'headline must be shorter than or equal to 1000 characters' },
      { field: 'body', message: 'body must contain at least 1 elements' },
    ]);
    const limit = await t.http().get('/articles?limit=0').set(bearer(editor.token)).expect(400);
    expect(limit.body.errors).toEqual([{ field: 'limit', message: 'limit must not be less than 1' }]);
    const unknown = await t.http().post('/articles').set(bearer(reporter.token)).send({ ...seed.draft, status: 'published' }).expect(400);
    expect(unknown.body.errors).toEqual([{ field: 'status', message: 'property status should not exist' }]);
  });
});

// Folded in from request-times.e2e.spec.ts (a regression of its own).
/**
 * docs/api.md: times are RFC 3339. A time without a zone offset ("2030-01-01T09:00:00") or a bare date names no
 * instant: read in the server's time zone, it scheduled a publication, or picked the version shown, hours away
 * from what the client meant. It is a bad field (400), and nothing is written.
 */
describe('times must carry a zone (e2e)', () => {
  let t: TestApp;
  let reporter: { token: string };
  let editor: { token: string };
  let publisher: { token: string };
  let auditor: { token: string };

  beforeAll(async () => {
    t = await startApp();
    reporter = await t.user(['reporter']);
    editor = await t.user(['editor']);
    publisher = await t.user(['publisher']);
    auditor = await t.user(['auditor']);
  });
  afterAll(() => t?.close());

  const approved = async () => (await articleIn(t, { reporter, editor, publisher }, 'approved')).id;

  it('publishAt without a zone, or a bare date, is 400 and schedules nothing', async () => {
    const id = await approved();
    for (const publishAt of ['2030-01-01T09:00:00', '2030-01-01T09:00', '2030-01-01', '20300101T090000Z']) {
      const res = await t.http().post(`/articles/${id}/publication`).set(bearer(publisher.token)).set('If-Match', '"3"').send({ copyrightNotice: seed.copyrightNotice, publishAt });
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual(['publishAt']);
    }
    expect((await t.http().get(`/articles/${id}`).set(bearer(reporter.token)).expect(200)).body).toMatchObject({ version: 3, status: 'approved' });
    const ok = await t.http().post(`/articles/${id}/publication`).set(bearer(publisher.token)).set('If-Match', '"3"').send({ copyrightNotice: seed.copyrightNotice, publishAt: '2030-01-01T09:00:00+07:00' }).expect(200);
    expect(ok.body).toMatchObject({ status: 'scheduled', publishAt: '2030-01-01T02:00:00.000Z' });
  });

  it('asOf and the audit filters without a zone are 400', async () => {
    const { body } = await t.http().post('/articles').set(bearer(reporter.token)).send(seed.draft).expect(201);
    for (const url of [`/articles/${body.id}?asOf=2030-01-01T00:00:00`, `/published/${body.id}?asOf=2030-01-01`, '/audit?from=2026-01-01T00:00:00', '/audit?to=2030-01-01']) {
      const res = await t.http().get(url).set(bearer(auditor.token));
      expect({ url, status: res.status }).toEqual({ url, status: 400 });
    }
    await t.http().get(`/articles/${body.id}?asOf=2030-01-01T00:00:00Z`).set(bearer(auditor.token)).expect(200);
    await t.http().get(`/articles/${body.id}?asOf=2030-01-01T00:00:00.5%2B08:00`).set(bearer(auditor.token)).expect(200);
    await t.http().get('/audit?from=2026-01-01T00:00:00Z&to=2030-01-01T00:00:00-05:00').set(bearer(auditor.token)).expect(200);
  });
});
