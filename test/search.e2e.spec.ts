import { bearer, caughtUp, rebuildThroughApi, startApp, TestApp } from './support/test-app';
import { Desk, desk, publishThroughHttp, SEED } from './support/publish';

interface Item {
  id: string;
  headline: string;
  rank: number;
  snippet: { field: string; text: string; highlights: { start: number; end: number }[] } | null;
}

/** GET /articles?q= and the Atom feed's ?q=: words in any script, found by the index, ranked, with a snippet. */
describe('search (e2e)', () => {
  let t: TestApp;
  let d: Desk;
  let seedId: string;
  const ids: Record<string, string> = {};

  const draft = async (key: string, headline: string, body: string[], token = d.reporter.token) => {
    const res = await t
      .http()
      .post('/articles')
      .set(bearer(token))
      .send({ headline, language: 'en', body: body.map((text) => ({ type: 'paragraph', text })) })
      .expect(201);
    ids[key] = res.body.id;
  };
  const search = async (q: string, extra = '', token = d.editor.token) => {
    const res = await t.http().get(`/articles?q=${encodeURIComponent(q)}${extra}`).set(bearer(token)).expect(200);
    return res.body as { items: Item[]; nextCursor: string | null };
  };
  const found = async (q: string) => (await search(q)).items.map((i) => i.id);

  beforeAll(async () => {
    t = await startApp();
    d = await desk(t);
    seedId = (await publishThroughHttp(t, d)).id;
    // Created in this order, so newest first is: often, title, once, other.
    await draft('other', 'Budget talks in Jakarta', ['Ministers met in Jakarta to discuss the budget.']);
    await draft('once', 'Weather report', ['Rain is expected in the north, and in Hà Nội by evening.']);
    await draft('title', 'Flood warning for HÀ NỘI', ['Rivers rose overnight.']);
    await draft('often', 'River levels', ['Hanoi: the Red River.', 'In Hanoi the dykes held.', 'Ha Noi residents, hanoi officials and HANOI schools.']);
    await caughtUp(t);
  });
  afterAll(() => t?.close());

  it('two Chinese characters find the seed article, in its headline, body, bylines and captions', async () => {
    // Both occur in the seed's headline and body: 南寧 ("…會議在南寧召開"), 東盟 (many times).
    expect(SEED.draft.headline).toContain('南寧');
    expect(SEED.draft.headline).toContain('東盟');
    expect(await found('南寧')).toEqual([seedId]);
    expect(await found('東盟')).toEqual([seedId]);
    expect(await found('許丹婷')).toEqual([seedId]); // a byline
    expect(await found('現場')).toEqual([seedId]); // the photo's caption only
    expect(await found('南')).toEqual([seedId]); // one character
    expect(await found('東盟 Jakarta')).toEqual([]); // every word must match
  });

  it('a Latin query ignores case and diacritics: hanoi, HANOI and Hà Nội find the same articles', async () => {
    const expected = [ids.often, ids.title, ids.once].sort();
    for (const q of ['hanoi', 'HANOI', 'Hà Nội', 'ha noi', 'HÀ  NỘI']) expect({ q, found: (await found(q)).sort() }).toEqual({ q, found: expected });
    expect(await found('jakarta')).toEqual([ids.other]);
  });

  it('ranks a word in the headline first, then by how often it occurs, then newest first', async () => {
    const { items } = await search('hanoi');
    expect(items.map((i) => i.id)).toEqual([ids.title, ids.often, ids.once]);
    expect(items[0].rank).toBeGreaterThan(items[1].rank);
    expect(items[1].rank).toBeGreaterThan(items[2].rank);
  });

  it('each result has a snippet of its own text, the matches marked by offsets', async () => {
    const { items } = await search('hanoi');
    const once = items.find((i) => i.id === ids.once)!;
    expect(once.snippet).toEqual({
      field: 'body',
      text: 'Rain is expected in the north, and in Hà Nội by evening.',
      highlights: [{ start: 38, end: 44 }],
    });
    expect(once.snippet!.text.slice(38, 44)).toBe('Hà Nội');
    const seed = (await search('南寧 東盟')).items[0];
    expect(seed.snippet!.field).toBe('headline');
    expect(seed.snippet!.highlights.map((h) => seed.snippet!.text.slice(h.start, h.end))).toEqual(['東盟', '南寧']);
    // A long text is cut around the first match, the cuts marked.
    const body = (await search('成型起勢')).items[0].snippet!;
    expect(body.field).toBe('body');
    expect(body.highlights.map((h) => body.text.slice(h.start, h.end))).toEqual(['成型起勢']);
    expect(body.text.startsWith('…')).toBe(true);
    expect(body.text.length).toBeLessThan(170);
  });

  it('pages through the results with the cursor, in rank order, each once', async () => {
    const all = (await search('hanoi', '&limit=50')).items.map((i) => i.id);
    const paged: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: Item[]; nextCursor: string | null } = await search('hanoi', `&limit=1${cursor ? `&cursor=${cursor}` : ''}`);
      paged.push(...page.items.map((i) => i.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(paged).toEqual(all);
    expect(all).toHaveLength(3);
    // A cursor of a list without q is not one for a search, and the other way round.
    const plain = (await t.http().get('/articles?limit=1').set(bearer(d.editor.token)).expect(200)).body.nextCursor;
    const res = await t.http().get(`/articles?q=hanoi&cursor=${plain}`).set(bearer(d.editor.token));
    expect(res.status).toBe(400);
  });

  it('combines q with status and author (the drafter, by id or username)', async () => {
    const other = await t.user(['reporter']);
    await draft('mine', 'Hanoi traffic', ['Mopeds.'], other.token);
    await caughtUp(t);
    expect(await found('hanoi')).toContain(ids.mine);
    expect((await search('hanoi', `&author=${other.id}`)).items.map((i) => i.id)).toEqual([ids.mine]);
    expect((await search('hanoi', `&author=${other.username}`)).items.map((i) => i.id)).toEqual([ids.mine]);
    expect((await search('hanoi', `&author=${other.id.toUpperCase()}`)).items.map((i) => i.id)).toEqual([ids.mine]);
    const byAuthor = (await t.http().get(`/articles?author=${other.username}`).set(bearer(d.editor.token)).expect(200)).body.items;
    expect(byAuthor.map((i: Item) => i.id)).toEqual([ids.mine]);
    expect((await search('東盟', '&status=published')).items.map((i) => i.id)).toEqual([seedId]);
    expect((await search('東盟', '&status=draft')).items).toEqual([]);
  });

  it('a bad q is a 400 problem naming q: empty, only punctuation, too long, too many words, a one-letter word', async () => {
    for (const q of ['', '   ', '—,.', '%', '_', '\\', 'x'.repeat(201), Array.from({ length: 11 }, (_, i) => `word${i}`).join(' '), 'hanoi x']) {
      const res = await t.http().get(`/articles?q=${encodeURIComponent(q)}`).set(bearer(d.editor.token));
      expect({ q, status: res.status, type: res.headers['content-type'], field: res.body.errors?.[0]?.field, problem: res.body.type }).toEqual({
        q,
        status: 400,
        type: expect.stringContaining('application/problem+json'),
        field: 'q',
        problem: expect.stringMatching(/validation-failed$/),
      });
    }
    // 200 characters is the most: CJK counted by character.
    await t.http().get(`/articles?q=${encodeURIComponent('東'.repeat(200))}`).set(bearer(d.editor.token)).expect(200);
  });

  it('%, _ and \\ are never wildcards: they separate words, and match nothing by themselves', async () => {
    // As a LIKE pattern each of these would match the Hanoi articles (or everything).
    for (const q of ['h%i', 'ha__i', 'h\\i']) {
      const res = await t.http().get(`/articles?q=${encodeURIComponent(q)}`).set(bearer(d.editor.token));
      expect({ q, status: res.status }).toEqual({ q, status: 400 });
    }
    expect((await found('jakarta%')).sort()).toEqual([ids.other]);
    expect(await found("jakarta' OR 'zz'='zz")).toEqual([]);
  });

  it('any signed-in user may search; nobody else', async () => {
    for (const roles of [['reporter'], ['auditor'], ['admin']] as const) {
      const u = await t.user([...roles]);
      expect(await found('南寧').then(() => search('南寧', '', u.token)).then((r) => r.items.map((i) => i.id))).toEqual([seedId]);
    }
    await t.http().get('/articles?q=南寧').expect(401);
  });

  it('the Atom feed takes the same q: only the published articles that match', async () => {
    const feed = (q: string) => t.http().get(`/feeds/published.atom?q=${encodeURIComponent(q)}`);
    const hit = await feed('南寧').expect(200);
    expect(hit.text).toContain(`/news/${seedId}`);
    expect(hit.text).toContain('published.atom?q=%E5%8D%97%E5%AF%A7');
    const miss = await feed('hanoi').expect(200); // drafts are not in the feed
    expect(miss.text).not.toContain('<entry>');
    const bad = await feed('%');
    expect(bad.status).toBe(400);
    expect(bad.headers['content-type']).toContain('application/problem+json');
  });

  it('a revision changes what is found; a rebuild of the read models gives the same search columns', async () => {
    const v = (await t.http().get(`/articles/${ids.other}`).set(bearer(d.editor.token)).expect(200)).headers.etag;
    await t.http().patch(`/articles/${ids.other}`).set(bearer(d.reporter.token)).set('If-Match', v).send({ headline: 'Budget talks in Đà Nẵng' }).expect(200);
    await caughtUp(t);
    expect(await found('danang')).toEqual([ids.other]);
    expect(await found('jakarta')).toEqual([ids.other]); // still in the body
    expect(await found('budget talks jakarta danang')).toEqual([ids.other]);
    for (const projection of ['articles', 'articles-search', 'published', 'published-search']) {
      const job = await rebuildThroughApi(t, projection);
      expect({ projection, status: job.status, identical: job.identical }).toEqual({ projection, status: 'succeeded', identical: true });
    }
    expect(await found('danang')).toEqual([ids.other]);
    expect(await found('南寧')).toEqual([seedId]);
  });
});
