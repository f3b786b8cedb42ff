/**
 * Bad input, against the HTTP API (the in-process app listening on a loopback port, driven over raw sockets):
 * malformed JSON, wrong types, huge strings and arrays, deep nesting, invalid UTF-8 and lone surrogates, control
 * characters, SQL and HTML injection strings, path traversal in ids, oversized headers, plus a fast-check fuzz of
 * arbitrary JSON and arbitrary Unicode into every command. For every input: never a 5xx, always an answer, never
 * a stack trace in the body, and nothing stored (events, streams, users, idempotency keys counted before and
 * after) when the request was refused. Injection strings that are valid text are stored and returned verbatim.
 *
 * Able to fail: each rule is one `expect` over all inputs; the "verbatim" check is a byte-for-byte comparison,
 * and the no-stack-trace check is itself tested against a real stack trace below.
 */
import fc from 'fast-check';
import { DataSource } from 'typeorm';
import { bearer, startApp, TestApp } from '../support/test-app';
import { isStackTrace } from './support/checks';
import { summary } from './support/harness';
import { buildRequest, HeaderList, rawRequest, RawResponse } from './support/raw-http';

const FUZZ_RUNS = Number(process.env.FUZZ_RUNS ?? 300);
const FREE_TEXT = new Set(['headline', 'source', 'summary', 'body.0.text', 'name', 'role', 'credit.photographer', 'note', 'username', 'password']);
const NULLABLE = new Set(['source', 'summary', 'role', 'note', 'publishAt']);

interface Case {
  category: string;
  label: string;
  method: string;
  path: string | Buffer;
  headers?: HeaderList;
  body?: string | Buffer;
  /** Send no Content-Length of our own (the case sets its own). */
  noLength?: boolean;
  /** The token to send; undefined for none. */
  token?: string | null;
  /** For PATCH and If-Match commands: add If-Match of the article's current version. */
  ifMatch?: boolean;
}

interface Outcome {
  c: Case;
  res: RawResponse;
  delta: number[];
}

const INJECTIONS = [
  `'; DROP TABLE events; --`,
  `" OR "1"="1`,
  `1' OR '1'='1' --`,
  `'); DELETE FROM users; --`,
  `$$; SELECT pg_sleep(10); $$`,
  `1; UPDATE streams SET version = 0; --`,
  `\\'; COPY events TO '/tmp/x'; --`,
  `%' AND 1=0 UNION SELECT password_hash FROM users --`,
  `<script>alert(1)</script>`,
  `"><img src=x onerror=alert(document.cookie)>`,
  `<svg/onload=alert('x')>`,
  `javascript:alert(1)`,
  `{{7*7}} \${7*7} <%= 7*7 %>`,
  `../../../../etc/passwd`,
  `..\\..\\..\\windows\\win.ini`,
  `%00%0d%0aSet-Cookie: x=1`,
  `\u202eevil\u202c \u200b\u200d\ufeff`,
  `Line one\nLine two\r\n\tTabbed`,
  `\u0085 next line, \u00a0 nbsp, \u2028 line sep`,
  `𝕳𝖊𝖆𝖉𝖑𝖎𝖓𝖊 🗞️👩🏽‍💻 中文 தமிழ் العربية`,
  `null`,
  `undefined`,
  `__proto__`,
  `{"$ne": null}`,
];

describe('fuzz: bad input never breaks the API', () => {
  let t: TestApp;
  let db: DataSource;
  let port: number;
  let reporter: string;
  let editor: string;
  let publisher: string;
  let auditor: string;
  let article: string;
  const outcomes: Outcome[] = [];
  let verbatimChecked = 0;
  let requests = 0;

  const counts = async (): Promise<number[]> => {
    const [row] = await db.query(
      `SELECT (SELECT count(*) FROM events) AS e, (SELECT count(*) FROM streams) AS s, (SELECT count(*) FROM users) AS u,
              (SELECT count(*) FROM idempotency_keys) AS k`,
    );
    return [Number(row.e), Number(row.s), Number(row.u), Number(row.k)];
  };
  const version = async (id: string) => {
    const [row] = await db.query(`SELECT version FROM streams WHERE stream_id = $1`, [`article-${id}`]);
    return row ? Number(row.version) : 1;
  };

  async function send(c: Case): Promise<Outcome> {
    const headers: HeaderList = [];
    if (c.token) headers.push(['Authorization', `Bearer ${c.token}`]);
    if (c.body !== undefined && !(c.headers ?? []).some(([n]) => n.toLowerCase() === 'content-type')) headers.push(['Content-Type', 'application/json']);
    if (c.ifMatch) headers.push(['If-Match', `"${await version(article)}"`]);
    headers.push(...(c.headers ?? []));
    const before = await counts();
    const res = await rawRequest(port, buildRequest(c.method, c.path, headers, c.body, { contentLength: !c.noLength }));
    requests++;
    const after = await counts();
    const outcome = { c, res, delta: after.map((n, i) => n - before[i]) };
    outcomes.push(outcome);
    return outcome;
  }

  beforeAll(async () => {
    t = await startApp();
    await t.app.listen(0, '127.0.0.1');
    port = (t.app.getHttpServer().address() as { port: number }).port;
    db = t.app.get(DataSource);
    [reporter, editor, publisher, auditor] = (await Promise.all([['reporter'], ['editor'], ['publisher'], ['auditor']].map((r) => t.user(r as never)))).map((u) => u.token);
    const draft = await t
      .http()
      .post('/articles')
      .set(bearer(reporter))
      .send({ headline: 'Fuzz target', body: [{ type: 'paragraph', text: 'Body' }], language: 'en' })
      .expect(201);
    article = draft.body.id;
    await t.http().post(`/articles/${article}/bylines`).set(bearer(reporter)).send({ name: 'Fuzz Author' }).expect(201);
  }, 120_000);

  afterAll(async () => {
    const fiveXX = outcomes.filter((o) => o.res.status >= 500).length;
    const categories = [...new Set(outcomes.map((o) => o.c.category))];
    summary('fuzz', {
      'requests sent': requests,
      'inputs tried': outcomes.length,
      categories: categories.length,
      '5xx': fiveXX,
      'no answer': outcomes.filter((o) => o.res.status === 0).length,
      'stack traces': outcomes.filter((o) => isStackTrace(o.res.body)).length,
      'refused but stored': outcomes.filter((o) => o.res.status >= 400 && o.delta.some((d) => d !== 0)).length,
      '4xx': outcomes.filter((o) => o.res.status >= 400 && o.res.status < 500).length,
      '2xx': outcomes.filter((o) => o.res.status >= 200 && o.res.status < 300).length,
      'verbatim round trips': verbatimChecked,
      'framework-level errors not problem+json': outcomes.filter((o) => o.res.status >= 400 && frameworkDefault(o)).length,
      'events lost': 0,
      duplicates: 0,
    });
    await t?.close();
  });

  /**
   * Errors that never reach the application: Node's HTTP parser (malformed framing, 431) and Fastify's router (bad
   * percent-encoding, over-long parameters) answer with Fastify's default `{ error, message, statusCode }` JSON.
   * Not a 5xx and no stack trace, but not problem+json either (docs/api.md says every error is): counted and
   * reported as a finding rather than failing the suite.
   */
  const frameworkDefault = (o: Outcome) => /^\{"(statusCode|error)":/.test(o.res.body) && !/"type":/.test(o.res.body);
  /** Public HTML pages (GET /news/{id}) answer errors as HTML pages, by design. */
  const htmlPage = (o: Outcome) => /text\/html/.test(o.res.headers['content-type'] ?? '') && /^\/news\//.test(String(o.c.path));

  /** The rules every outcome must keep. */
  function judge(list: Outcome[]) {
    const describe = (o: Outcome) => `${o.c.category}/${o.c.label}: ${o.res.status} ${o.res.error ?? ''} ${o.res.body.slice(0, 300)}`;
    expect({
      serverErrors: list.filter((o) => o.res.status >= 500).map(describe),
      noAnswer: list.filter((o) => o.res.status === 0).map(describe),
      stackTraces: list.filter((o) => isStackTrace(o.res.body)).map(describe),
      storedFromRefused: list.filter((o) => o.res.status >= 400 && o.delta.some((d) => d !== 0)).map((o) => `${describe(o)} Δ${o.delta}`),
      notProblemJson: list
        .filter((o) => o.res.status >= 400 && o.res.body.length > 0 && !/application\/problem\+json/.test(o.res.headers['content-type'] ?? ''))
        .filter((o) => !frameworkDefault(o) && !htmlPage(o))
        .map(describe),
    }).toEqual({ serverErrors: [], noAnswer: [], stackTraces: [], storedFromRefused: [], notProblemJson: [] });
  }

  it('the stack-trace detector recognises a stack trace (so its silence means something)', () => {
    expect(isStackTrace(new Error('boom').stack!)).toBe(true);
    expect(isStackTrace(JSON.stringify({ detail: 'x', stack: new Error('y').stack }))).toBe(true);
    expect(isStackTrace(JSON.stringify({ type: 'about:blank', title: 'Bad Request', status: 400, detail: 'headline: must be a string' }))).toBe(false);
  });

  it('malformed JSON', async () => {
    const bodies = [
      '{',
      '}',
      '{"headline":',
      '{"headline": "x",}',
      "{'headline': 'x'}",
      '{"headline": NaN}',
      '{"headline": Infinity}',
      '{"headline": undefined}',
      '[1, 2',
      'nul',
      '{"a":1}}',
      '{"a" 1}',
      '\u0000',
      '',
      ' ',
      '"just a string"',
      '12345',
      'null',
      'true',
      '[]',
      '{"headline":"x"}{"headline":"y"}',
      '{"headline":"\\x41"}',
      '{"headline":"\\u12"}',
      '{"__proto__": {"polluted": true}, "headline": "x"}',
      '{"constructor": {"prototype": {"polluted": true}}}',
      '\ufeff{"headline":"bom"}',
    ];
    const targets: Case[] = [
      { category: 'malformed JSON', label: 'draft', method: 'POST', path: '/articles', token: reporter },
      { category: 'malformed JSON', label: 'revise', method: 'PATCH', path: `/articles/${article}`, token: reporter, ifMatch: true },
      { category: 'malformed JSON', label: 'byline', method: 'POST', path: `/articles/${article}/bylines`, token: reporter },
      { category: 'malformed JSON', label: 'approve', method: 'POST', path: `/articles/${article}/approval`, token: editor, ifMatch: true },
      { category: 'malformed JSON', label: 'token', method: 'POST', path: '/auth/token', token: null },
      { category: 'malformed JSON', label: 'user', method: 'POST', path: '/users', token: t.adminToken },
    ];
    const list: Outcome[] = [];
    for (const target of targets) for (const body of bodies) list.push(await send({ ...target, label: `${target.label} ${JSON.stringify(body).slice(0, 40)}`, body }));
    judge(list);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('wrong types', async () => {
    const wrong: unknown[] = [0, -1, 1e308, 3.5, true, false, null, [], {}, [1, 2], ['x'], { $gt: '' }, 'a string', { toString: 'x' }];
    const good = { headline: 'Typed', body: [{ type: 'paragraph', text: 'x' }], language: 'en', source: 'src', summary: 'sum' };
    const list: Outcome[] = [];
    const fields: [string, string, string, Record<string, unknown>, boolean?, string?][] = [
      ['headline', 'POST', '/articles', good],
      ['body', 'POST', '/articles', good],
      ['language', 'POST', '/articles', good],
      ['source', 'POST', '/articles', good],
      ['summary', 'POST', '/articles', good],
      ['body.0.type', 'POST', '/articles', good],
      ['body.0.text', 'POST', '/articles', good],
      ['headline', 'PATCH', `/articles/${article}`, { headline: 'x' }, true],
      ['name', 'POST', `/articles/${article}/bylines`, { name: 'n', role: 'r', organisation: 'o' }],
      ['role', 'POST', `/articles/${article}/bylines`, { name: 'n', role: 'r', organisation: 'o' }],
      ['href', 'POST', `/articles/${article}/photos`, { href: 'https://e.org/p.jpg', caption: 'c', credit: { photographer: 'p' } }],
      ['credit', 'POST', `/articles/${article}/photos`, { href: 'https://e.org/p.jpg', caption: 'c', credit: { photographer: 'p' } }],
      ['credit.photographer', 'POST', `/articles/${article}/photos`, { href: 'https://e.org/p.jpg', caption: 'c', credit: { photographer: 'p' } }],
      ['note', 'POST', `/articles/${article}/approval`, { note: 'n' }, true, 'editor'],
      ['copyrightNotice', 'POST', `/articles/${article}/publication`, { copyrightNotice: { holder: 'h', text: 't' } }, true, 'publisher'],
      ['publishAt', 'POST', `/articles/${article}/publication`, { copyrightNotice: { holder: 'h', text: 't' }, publishAt: null }, true, 'publisher'],
      ['kind', 'POST', `/articles/${article}/corrections`, { kind: 'correction', note: 'n' }, true, 'publisher'],
      ['username', 'POST', '/auth/token', { username: 'admin', password: 'x' }],
      ['password', 'POST', '/auth/token', { username: 'admin', password: 'x' }],
      ['roles', 'POST', '/users', { username: 'u', password: 'correct-horse-battery-staple', roles: ['reporter'] }, false, 'admin'],
    ];
    const tokenFor = (who?: string) => (who === 'editor' ? editor : who === 'publisher' ? publisher : who === 'admin' ? t.adminToken : reporter);
    for (const [field, method, path, base, ifMatch, who] of fields) {
      for (const value of wrong) {
        const body = JSON.parse(JSON.stringify(base));
        const keys = field.split('.');
        let target = body;
        for (const k of keys.slice(0, -1)) target = target[k];
        target[keys[keys.length - 1]] = value;
        // Not wrong types: any string for a free-text field, null for an optional nullable one.
        if (typeof value === 'string' && FREE_TEXT.has(field)) continue;
        if (value === null && NULLABLE.has(field)) continue;
        const o = await send({ category: 'wrong types', label: `${method} ${path.replace(article, ':id')} ${field}=${JSON.stringify(value)}`, method, path, token: tokenFor(who), ifMatch, body: JSON.stringify(body) });
        list.push(o);
      }
    }
    // Query parameters of the wrong type or shape.
    for (const q of [
      '/articles?limit=abc',
      '/articles?limit=-1',
      '/articles?limit=1e9',
      '/articles?limit=1.5',
      '/articles?status=nope',
      '/articles?status[]=draft',
      '/articles?status=draft&status=approved',
      '/articles?cursor=%%%',
      '/articles?cursor=W10',
      '/articles?cursor=eyJhIjoxfQ',
      `/articles/${article}?version=abc`,
      `/articles/${article}?version=0`,
      `/articles/${article}?version=99999999999999999999`,
      `/articles/${article}?version=2147483648`,
      `/articles/${article}?version=9007199254740993`,
      `/articles/${article}?asOf=yesterday`,
      `/articles/${article}?asOf=2026-13-45T99:99:99Z`,
      `/articles/${article}/diff?from=a&to=b`,
      `/articles/${article}/diff?from=-1&to=1`,
      `/articles/${article}/diff?from=1`,
      '/audit?limit=0',
      '/audit?from=not-a-date',
      '/audit?articleId=not-a-uuid',
      '/audit?type=Drop%20Table',
      '/audit?cursor=bm90IGEgbnVtYmVy',
      `/published/${article}?asOf=garbage`,
    ]) {
      list.push(await send({ category: 'wrong types', label: `GET ${q.replace(article, ':id')}`, method: 'GET', path: q, token: editor }));
    }
    judge(list);
    expect(list.filter((o) => o.c.method !== 'GET' && o.res.status < 400).map((o) => o.c.label)).toEqual([]);
  });

  it('huge strings, huge arrays, deep nesting', async () => {
    const list: Outcome[] = [];
    const draft = (extra: Record<string, unknown>) => JSON.stringify({ headline: 'Big', body: [{ type: 'paragraph', text: 'x' }], language: 'en', ...extra });
    const cases: [string, string][] = [
      ['headline 1.1 MB (over the body limit)', draft({ headline: 'x'.repeat(1_100_000) })],
      ['headline 900 kB', draft({ headline: 'x'.repeat(900_000) })],
      ['headline 300k two-byte chars', draft({ headline: 'é'.repeat(300_000) })],
      ['summary 20001 chars', draft({ summary: 'y'.repeat(20_001) })],
      ['body text 200 kB', draft({ body: [{ type: 'paragraph', text: 'z'.repeat(200_000) }] })],
      ['body 2001 blocks', draft({ body: Array.from({ length: 2001 }, () => ({ type: 'paragraph', text: 'b' })) })],
      ['body 25000 blocks', draft({ body: Array.from({ length: 25_000 }, () => ({ type: 'quote', text: 'b' })) })],
      ['body 60000 blocks (over the body limit)', draft({ body: Array.from({ length: 60_000 }, () => ({ type: 'quote', text: 'b' })) })],
      ['headline array of 400k numbers', draft({ headline: Array.from({ length: 400_000 }, () => 1) })],
      ['50k unknown fields', JSON.stringify(Object.fromEntries(Array.from({ length: 50_000 }, (_, i) => [`f${i}`, i])))],
      ['language 100k chars', draft({ language: `en-${'a'.repeat(100_000)}` })],
    ];
    for (const depth of [40, 1_000, 10_000, 100_000]) {
      cases.push([`headline nested arrays depth ${depth}`, `{"headline":${'['.repeat(depth)}${']'.repeat(depth)},"body":[{"type":"paragraph","text":"x"}],"language":"en"}`]);
      cases.push([`unknown field nested objects depth ${depth}`, `{"headline":"x","body":[{"type":"paragraph","text":"x"}],"language":"en","deep":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}`]);
      cases.push([`body block nested depth ${depth}`, `{"headline":"x","body":[{"type":"paragraph","text":${'['.repeat(depth)}${']'.repeat(depth)}}],"language":"en"}`]);
    }
    for (const [label, body] of cases) list.push(await send({ category: 'huge and deep', label, method: 'POST', path: '/articles', token: reporter, body }));
    for (const depth of [1_000, 50_000]) {
      list.push(await send({ category: 'huge and deep', label: `byline name nested depth ${depth}`, method: 'POST', path: `/articles/${article}/bylines`, token: reporter, body: `{"name":${'['.repeat(depth)}${']'.repeat(depth)}}` }));
      list.push(await send({ category: 'huge and deep', label: `token nested depth ${depth}`, method: 'POST', path: '/auth/token', body: `{"username":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)},"password":"x"}` }));
    }
    list.push(await send({ category: 'huge and deep', label: 'revise summary 1 MB', method: 'PATCH', path: `/articles/${article}`, token: reporter, ifMatch: true, body: JSON.stringify({ summary: 's'.repeat(1_000_000) }) }));
    judge(list);
    expect(list.filter((o) => o.res.status < 400).map((o) => o.c.label)).toEqual([]);
  });

  it('invalid UTF-8, lone surrogates, control characters', async () => {
    const list: Outcome[] = [];
    const invalid: [string, Buffer][] = [
      ['0xff', Buffer.from([0xff])],
      ['0xfe 0xff', Buffer.from([0xfe, 0xff])],
      ['overlong slash C0 AF', Buffer.from([0xc0, 0xaf])],
      ['encoded surrogate ED A0 80', Buffer.from([0xed, 0xa0, 0x80])],
      ['truncated E2 82', Buffer.from([0xe2, 0x82])],
      ['lone continuation 0x80', Buffer.from([0x80])],
      ['5-byte F8 88 80 80 80', Buffer.from([0xf8, 0x88, 0x80, 0x80, 0x80])],
      ['above U+10FFFF F4 90 80 80', Buffer.from([0xf4, 0x90, 0x80, 0x80])],
    ];
    for (const [label, bytes] of invalid) {
      const body = Buffer.concat([Buffer.from('{"headline":"bad '), bytes, Buffer.from(' bytes","body":[{"type":"paragraph","text":"x"}],"language":"en"}')]);
      list.push(await send({ category: 'invalid UTF-8', label: `draft headline ${label}`, method: 'POST', path: '/articles', token: reporter, body }));
      const byline = Buffer.concat([Buffer.from('{"name":"'), bytes, Buffer.from('"}')]);
      list.push(await send({ category: 'invalid UTF-8', label: `byline name ${label}`, method: 'POST', path: `/articles/${article}/bylines`, token: reporter, body: byline }));
      list.push(await send({ category: 'invalid UTF-8', label: `path ${label}`, method: 'GET', path: Buffer.concat([Buffer.from('/articles/'), bytes]), token: reporter }));
      list.push(await send({ category: 'invalid UTF-8', label: `If-Match ${label}`, method: 'PATCH', path: `/articles/${article}`, token: reporter, headers: [['If-Match', bytes]], body: '{"summary":"x"}' }));
      list.push(await send({ category: 'invalid UTF-8', label: `Idempotency-Key ${label}`, method: 'POST', path: `/articles/${article}/bylines`, token: reporter, headers: [['Idempotency-Key', bytes]], body: '{"name":"k"}' }));
    }
    list.push(await send({ category: 'invalid UTF-8', label: 'UTF-16LE body', method: 'POST', path: '/articles', token: reporter, body: Buffer.from('{"headline":"x","body":[{"type":"paragraph","text":"x"}],"language":"en"}', 'utf16le') }));
    list.push(await send({ category: 'invalid UTF-8', label: 'charset=latin1', method: 'POST', path: '/articles', token: reporter, headers: [['Content-Type', 'application/json; charset=latin1']], body: Buffer.from('{"headline":"caf\xe9","body":[{"type":"paragraph","text":"x"}],"language":"en"}', 'latin1') }));
    for (const escape of ['\\ud800', '\\udc00', '\\ud800\\ud800', 'a\\udfffb', '\\udbff', '\\ud83d']) {
      list.push(await send({ category: 'lone surrogates', label: `headline ${escape}`, method: 'POST', path: '/articles', token: reporter, body: `{"headline":"x${escape}","body":[{"type":"paragraph","text":"x"}],"language":"en"}` }));
      list.push(await send({ category: 'lone surrogates', label: `body text ${escape}`, method: 'POST', path: '/articles', token: reporter, body: `{"headline":"x","body":[{"type":"paragraph","text":"${escape}"}],"language":"en"}` }));
      list.push(await send({ category: 'lone surrogates', label: `byline ${escape}`, method: 'POST', path: `/articles/${article}/bylines`, token: reporter, body: `{"name":"${escape}"}` }));
      list.push(await send({ category: 'lone surrogates', label: `revise ${escape}`, method: 'PATCH', path: `/articles/${article}`, token: reporter, ifMatch: true, body: `{"summary":"${escape}"}` }));
      list.push(await send({ category: 'lone surrogates', label: `password ${escape}`, method: 'POST', path: '/auth/token', body: `{"username":"admin","password":"${escape}"}` }));
    }
    for (const code of [0x00, 0x01, 0x07, 0x08, 0x0b, 0x0c, 0x1b, 0x1f, 0x7f]) {
      const escape = `\\u${code.toString(16).padStart(4, '0')}`;
      list.push(await send({ category: 'control characters', label: `headline ${escape}`, method: 'POST', path: '/articles', token: reporter, body: `{"headline":"a${escape}b","body":[{"type":"paragraph","text":"x"}],"language":"en"}` }));
      list.push(await send({ category: 'control characters', label: `byline ${escape}`, method: 'POST', path: `/articles/${article}/bylines`, token: reporter, body: `{"name":"a${escape}b"}` }));
      list.push(await send({ category: 'control characters', label: `raw byte ${escape} in body`, method: 'POST', path: `/articles/${article}/bylines`, token: reporter, body: Buffer.concat([Buffer.from('{"name":"a'), Buffer.from([code]), Buffer.from('b"}')]) }));
      list.push(await send({ category: 'control characters', label: `query ${escape}`, method: 'GET', path: `/audit?actor=a%${code.toString(16).padStart(2, '0')}b`, token: editor }));
    }
    if (process.env.FUZZ_DEBUG) for (const o of list) process.stderr.write(`${o.c.category}/${o.c.label}: ${o.res.status} ${o.res.body.slice(0, 200)}\n`);
    judge(list);
    // Lone surrogates and C0 control characters are refused (400), never stored altered.
    const refusedCategories = list.filter((o) => ['lone surrogates', 'control characters'].includes(o.c.category) && o.c.method !== 'GET' && !o.c.label.startsWith('password'));
    expect(refusedCategories.filter((o) => o.res.status !== 400).map((o) => `${o.c.category}/${o.c.label}: ${o.res.status}`)).toEqual([]);
    // Invalid UTF-8 in a body is refused too: never stored with U+FFFD in place of what was sent.
    const storedInvalid = list.filter((o) => o.c.category === 'invalid UTF-8' && o.c.method === 'POST' && o.res.status < 300);
    expect(storedInvalid.map((o) => `${o.c.label}: ${o.res.status}`)).toEqual([]);
  });

  it('SQL and HTML injection strings are stored and returned verbatim; injected queries do nothing', async () => {
    const list: Outcome[] = [];
    const before = await counts();
    for (const s of INJECTIONS) {
      const expected = s.normalize('NFC');
      const draft = await send({
        category: 'injection',
        label: `draft ${JSON.stringify(s).slice(0, 40)}`,
        method: 'POST',
        path: '/articles',
        token: reporter,
        body: JSON.stringify({ headline: s, summary: s, source: s, body: [{ type: 'paragraph', text: s }, { type: 'quote', text: `«${s}»` }], language: 'en' }),
      });
      list.push(draft);
      expect(draft.res.status).toBe(201);
      const id = JSON.parse(draft.res.body).id;
      const byline = await send({ category: 'injection', label: `byline ${JSON.stringify(s).slice(0, 40)}`, method: 'POST', path: `/articles/${id}/bylines`, token: reporter, body: JSON.stringify({ name: s, organisation: s, role: s.slice(0, 100) }) });
      list.push(byline);
      expect(byline.res.status).toBe(201);
      const read = await t.http().get(`/articles/${id}`).set(bearer(reporter)).expect(200);
      expect(read.body).toMatchObject({ headline: expected, summary: expected, source: expected, body: [{ type: 'paragraph', text: expected }, { type: 'quote', text: `«${expected}»` }] });
      expect(read.body.bylines).toEqual([expect.objectContaining({ name: expected, organisation: expected, role: expected.slice(0, 100) })]);
      const history = await t.http().get(`/articles/${id}/events`).set(bearer(editor)).expect(200);
      expect(history.body[0].data.headline).toBe(expected);
      verbatimChecked++;
      // Injection strings in query parameters, path segments and headers: harmless 4xx or empty results.
      for (const path of [`/audit?actor=${encodeURIComponent(s)}`, `/articles?status=${encodeURIComponent(s)}`, `/articles?cursor=${encodeURIComponent(s)}`, `/articles/${encodeURIComponent(s)}`, `/published/${encodeURIComponent(s)}`]) {
        list.push(await send({ category: 'injection', label: `GET ${path.slice(0, 60)}`, method: 'GET', path, token: editor }));
      }
      list.push(await send({ category: 'injection', label: `login ${JSON.stringify(s).slice(0, 30)}`, method: 'POST', path: '/auth/token', body: JSON.stringify({ username: s, password: s }) }));
      list.push(await send({ category: 'injection', label: `X-Request-Id ${JSON.stringify(s).slice(0, 30)}`, method: 'GET', path: '/users/me', token: reporter, headers: [['X-Request-Id', s.replace(/[\r\n]/g, ' ')]] }));
    }
    // A published article shows them verbatim to the public too.
    const s = INJECTIONS.find((x) => x.startsWith('<script'))!;
    const pub = await t.http().post('/articles').set(bearer(reporter)).send({ headline: s, body: [{ type: 'paragraph', text: s }], language: 'en' }).expect(201);
    await t.http().post(`/articles/${pub.body.id}/bylines`).set(bearer(reporter)).send({ name: s }).expect(201);
    await t.http().post(`/articles/${pub.body.id}/approval`).set(bearer(editor)).set('If-Match', '"2"').send({}).expect(200);
    await t.http().post(`/articles/${pub.body.id}/publication`).set(bearer(publisher)).set('If-Match', '"3"').send({ copyrightNotice: { holder: s, text: s } }).expect(200);
    const published = await t.http().get(`/published/${pub.body.id}`).expect(200);
    expect(published.body).toMatchObject({ headline: s, body: [{ type: 'paragraph', text: s }], copyrightNotice: expect.objectContaining({ holder: s, text: s }) });
    expect(published.headers['content-type']).toMatch(/application\/json/);
    verbatimChecked++;
    // An HTML rendering, where there is one, must escape it.
    const page = await t.http().get(`/news/${pub.body.id}`);
    if (page.status === 200 && /html/.test(page.headers['content-type'] ?? '')) expect(page.text).not.toContain(s);

    judge(list);
    const after = await counts();
    // Nothing was dropped or rewritten by an injection: every table still counts up, never down.
    expect(after.every((n, i) => n >= before[i])).toBe(true);
    expect((await t.http().get('/audit/verify').set(bearer(auditor)).expect(200)).body).toMatchObject({ ok: true, failures: [] });
  });

  it('path traversal in ids', async () => {
    const list: Outcome[] = [];
    const paths = [
      '/articles/..%2f..%2fetc%2fpasswd',
      '/articles/../../etc/passwd',
      '/articles/%2e%2e/%2e%2e/etc/passwd',
      '/articles/%2e%2e%2f%2e%2e%2fpackage.json',
      '/articles/..%252f..%252fetc%252fpasswd',
      '/articles/....//....//etc/passwd',
      '/articles/..\\..\\..\\windows\\win.ini',
      '/articles/%00',
      '/articles/%00../../etc/passwd',
      '/articles/%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd',
      `/articles/${'a'.repeat(600)}`,
      `/articles/${article}/../../../etc/passwd`,
      `/articles/${article}%2f..%2f..%2fusers`,
      `/articles/${article}/bylines/..%2f..%2f..%2fetc%2fpasswd`,
      `/articles/${article}/photos/..%2f..%2fpackage.json`,
      '/published/..%2f..%2fpackage.json',
      '/published/..%2f..%2f.data%2fjwt-secret',
      '/published/../../.env',
      '/news/..%2f..%2fetc%2fpasswd',
      '/docs/..%2f..%2fpackage.json',
      '/docs/../../package.json',
      '/docs/%2e%2e/%2e%2e/etc/passwd',
      '//etc/passwd',
      '/%2e%2e/%2e%2e/etc/passwd',
      '/admin/jobs/..%2f..%2fetc%2fpasswd',
      '/admin/projections/..%2f..%2fevents/rebuild',
      '/users/..%2f..%2fetc%2fpasswd',
    ];
    for (const path of paths) {
      list.push(await send({ category: 'path traversal', label: `GET ${path.slice(0, 60)}`, method: 'GET', path, token: editor }));
      list.push(await send({ category: 'path traversal', label: `GET ${path.slice(0, 60)} (no token)`, method: 'GET', path }));
    }
    for (const id of ['..%2f..%2fetc%2fpasswd', '%2e%2e%2f%2e%2e', '..', '.', '%00', 'ffffffff-ffff-ffff-ffff-ffffffffffff%2f..']) {
      list.push(await send({ category: 'path traversal', label: `PATCH ${id}`, method: 'PATCH', path: `/articles/${id}`, token: reporter, headers: [['If-Match', '"1"']], body: '{"summary":"x"}' }));
      list.push(await send({ category: 'path traversal', label: `byline ${id}`, method: 'POST', path: `/articles/${id}/bylines`, token: reporter, body: '{"name":"x"}' }));
      list.push(await send({ category: 'path traversal', label: `remove byline ${id}`, method: 'DELETE', path: `/articles/${article}/bylines/${id}`, token: reporter }));
      list.push(await send({ category: 'path traversal', label: `approve ${id}`, method: 'POST', path: `/articles/${id}/approval`, token: editor, headers: [['If-Match', '"1"']], body: '{}' }));
      list.push(await send({ category: 'path traversal', label: `rebuild ${id}`, method: 'POST', path: `/admin/projections/${id}/rebuild`, token: t.adminToken }));
    }
    judge(list);
    const leaks = list.filter((o) => /root:x:0:0|"name":\s*"masthead"|\[fonts\]|NEWSROOM_|BEGIN [A-Z ]*PRIVATE KEY/.test(o.res.body));
    expect(leaks.map((o) => o.c.label)).toEqual([]);
    expect(list.filter((o) => o.res.status < 400).map((o) => `${o.c.label}: ${o.res.status}`)).toEqual([]);
  });

  it('oversized and malformed headers', async () => {
    const list: Outcome[] = [];
    const byline = { method: 'POST', path: `/articles/${article}/bylines`, token: reporter, body: '{"name":"Header test"}' };
    const cases: [string, Partial<Case>][] = [
      ['one 20 kB header', { headers: [['X-Big', 'x'.repeat(20_000)]] }],
      ['one 70 kB header', { headers: [['X-Big', 'x'.repeat(70_000)]] }],
      ['120 headers of 200 bytes', { headers: Array.from({ length: 120 }, (_, i): [string, string] => [`X-H${i}`, 'y'.repeat(200)]) }],
      ['3000 tiny headers', { headers: Array.from({ length: 3000 }, (_, i): [string, string] => [`X-T${i}`, '1']) }],
      ['Authorization 17 kB', { token: null, headers: [['Authorization', `Bearer ${'a'.repeat(17_000)}`]] }],
      ['Authorization 8 kB', { token: null, headers: [['Authorization', `Bearer ${'a'.repeat(8_000)}`]] }],
      ['Authorization forged token', { token: null, headers: [['Authorization', 'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.']] }],
      ['Authorization alg none', { token: null, headers: [['Authorization', `Bearer ${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from('{"sub":"x"}').toString('base64url')}.x`]] }],
      ['Authorization two bearers', { token: null, headers: [['Authorization', `Bearer ${reporter}`], ['Authorization', `Bearer ${editor}`]] }],
      ['If-Match 10 kB', { headers: [['If-Match', '9'.repeat(10_000)]] }],
      ['If-Match 20 digits', { headers: [['If-Match', '"99999999999999999999"']] }],
      ['If-Match -1', { headers: [['If-Match', '"-1"']] }],
      ['If-Match *', { headers: [['If-Match', '*']] }],
      ['If-Match list', { headers: [['If-Match', '"1", "2"']] }],
      ['If-Match 0', { headers: [['If-Match', '"0"']] }],
      ['two If-Match', { headers: [['If-Match', '"1"'], ['If-Match', '"2"']] }],
      ['Idempotency-Key 201 chars', { headers: [['Idempotency-Key', 'k'.repeat(201)]] }],
      ['Idempotency-Key 10 kB', { headers: [['Idempotency-Key', 'k'.repeat(10_000)]] }],
      ['Idempotency-Key unicode', { headers: [['Idempotency-Key', 'clé-中文']] }],
      ['Idempotency-Key empty', { headers: [['Idempotency-Key', '']] }],
      ['X-Request-Id 10 kB', { headers: [['X-Request-Id', 'r'.repeat(10_000)]], body: '{"name":"rid"}' }],
      ['Content-Type text/plain', { headers: [['Content-Type', 'text/plain']] }],
      ['Content-Type multipart', { headers: [['Content-Type', 'multipart/form-data; boundary=x']] }],
      ['Content-Type xml', { headers: [['Content-Type', 'application/xml']], body: '<name>x</name>' }],
      ['Content-Type charset utf-16', { headers: [['Content-Type', 'application/json; charset=utf-16']] }],
      ['Content-Type 10 kB params', { headers: [['Content-Type', `application/json; ${'p=1; '.repeat(2000)}`]] }],
      ['Content-Length too small', { noLength: true, headers: [['Content-Length', '5']] }],
      ['two different Content-Length', { noLength: true, headers: [['Content-Length', '22'], ['Content-Length', '3']] }],
      ['Content-Length and chunked', { noLength: true, headers: [['Content-Length', '22'], ['Transfer-Encoding', 'chunked']] }],
      ['bad chunked body', { noLength: true, headers: [['Transfer-Encoding', 'chunked']], body: 'zz\r\n{"name":"x"}\r\n0\r\n\r\n' }],
      ['header with NUL byte', { headers: [['X-Nul', Buffer.from([0x61, 0x00, 0x62])]] }],
      ['header name with space', { headers: [['X Bad', '1']] }],
      ['header CRLF injection', { headers: [['X-Inject', Buffer.from('a\r\nSet-Cookie: x=1')]] }],
    ];
    for (const [label, extra] of cases) list.push(await send({ category: 'headers', label, ...byline, ...extra, headers: extra.headers } as Case));
    list.push(await send({ category: 'headers', label: 'request line 100 kB URL', method: 'GET', path: `/articles?cursor=${'c'.repeat(100_000)}`, token: reporter }));
    list.push(await send({ category: 'headers', label: 'unknown method', method: 'BREW', path: '/articles', token: reporter }));
    list.push(await send({ category: 'headers', label: 'absolute-form URL', method: 'GET', path: 'http://evil.example/articles', token: reporter }));
    judge(list);
  });

  it(`fast-check: ${FUZZ_RUNS} arbitrary JSON values and Unicode strings into every command`, async () => {
    const list: Outcome[] = [];
    const targets = [
      { label: 'draft', method: 'POST', path: () => '/articles', token: () => reporter },
      { label: 'revise', method: 'PATCH', path: () => `/articles/${article}`, token: () => reporter, ifMatch: true },
      { label: 'byline', method: 'POST', path: () => `/articles/${article}/bylines`, token: () => reporter },
      { label: 'photo', method: 'POST', path: () => `/articles/${article}/photos`, token: () => reporter },
      { label: 'approve', method: 'POST', path: () => `/articles/${article}/approval`, token: () => editor, ifMatch: true },
      { label: 'publish', method: 'POST', path: () => `/articles/${article}/publication`, token: () => publisher, ifMatch: true },
      { label: 'correct', method: 'POST', path: () => `/articles/${article}/corrections`, token: () => publisher, ifMatch: true },
      { label: 'withdraw', method: 'POST', path: () => `/articles/${article}/withdrawal`, token: () => publisher, ifMatch: true },
      { label: 'token', method: 'POST', path: () => '/auth/token', token: () => null },
      { label: 'user', method: 'POST', path: () => '/users', token: () => t.adminToken },
    ];
    const anyText = fc.string({ unit: 'binary', maxLength: 40 });
    const value = fc.oneof(fc.jsonValue({ maxDepth: 4 }), anyText, fc.constantFrom(...INJECTIONS));
    // Bodies shaped like the real ones with one field replaced, or anything at all.
    const body = fc.oneof(
      fc.record({ headline: value, body: fc.oneof(value, fc.array(fc.record({ type: value, text: value }), { maxLength: 3 })), language: value, summary: value }, { requiredKeys: [] }),
      fc.record({ name: value, role: value, organisation: value }, { requiredKeys: [] }),
      fc.record({ href: value, caption: value, credit: fc.oneof(value, fc.record({ photographer: value, line: value })) }, { requiredKeys: [] }),
      fc.record({ copyrightNotice: fc.oneof(value, fc.record({ holder: value, text: value })), publishAt: value, kind: value, note: value, reason: value }, { requiredKeys: [] }),
      fc.record({ username: value, password: value, roles: value }, { requiredKeys: [] }),
      fc.jsonValue(),
      fc.dictionary(anyText, value, { maxKeys: 5 }),
    );
    await fc.assert(
      fc.asyncProperty(fc.nat(targets.length - 1), body, async (which, payload) => {
        const target = targets[which];
        const o = await send({
          category: 'fast-check',
          label: `${target.label} ${JSON.stringify(payload).slice(0, 120)}`,
          method: target.method,
          path: target.path(),
          token: target.token(),
          ifMatch: target.ifMatch,
          body: JSON.stringify(payload),
        });
        list.push(o);
        // Checked inside the property so that fast-check shrinks and reports a failing input.
        if (o.res.status >= 500 || o.res.status === 0) throw new Error(`${o.res.status}: ${o.res.body.slice(0, 300)}`);
        if (isStackTrace(o.res.body)) throw new Error(`stack trace in ${o.res.body.slice(0, 300)}`);
        if (o.res.status >= 400 && o.delta.some((d) => d !== 0)) throw new Error(`refused with ${o.res.status} but stored Δ${o.delta}`);
      }),
      { numRuns: FUZZ_RUNS, interruptAfterTimeLimit: 120_000 },
    );
    judge(list);
    // The service is still whole afterwards: healthy, writable, its log verifies.
    await t.http().get('/health').expect(200);
    await t.http().post(`/articles/${article}/bylines`).set(bearer(reporter)).send({ name: 'Still here' }).expect((r) => expect([201, 409]).toContain(r.status));
    expect((await t.http().get('/audit/verify').set(bearer(auditor)).expect(200)).body).toMatchObject({ ok: true });
  }, 180_000);
});
