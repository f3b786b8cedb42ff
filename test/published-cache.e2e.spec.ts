import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { PublishedArticleQueries } from '../src/read-models/published-article/published-article.queries';
import { ProjectionRunner } from '../src/read-models/projection-runner.service';
import { PublishedCache } from '../src/read-models/published-article/published-cache';
import { PublishedCacheListener } from '../src/read-models/published-article/published-cache.listener';
import { desk, Desk, publishThroughHttp } from './support/publish';
import { bearer, startApp, TestApp } from './support/test-app';

const onPostgres = Boolean(process.env.DATABASE_URL);
const PATHS = (id: string) => [`/published/${id}`, `/published/${id}/ninjs`, `/news/${id}`];
/** How long another instance may take to hear of a change (the notification's round trip, with room for CI). */
const NOTIFICATION_DEADLINE_MS = 3_000;

/** Keeps the body as the bytes sent, whatever its type. */
function bytes(res: NodeJS.ReadableStream, done: (err: Error | null, body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  res.on('data', (chunk: Buffer) => chunks.push(chunk));
  res.on('end', () => done(null, Buffer.concat(chunks)));
}

/**
 * The answer over HTTP with its bytes as sent (the Date header aside). One Host throughout: supertest listens on a new
 * port per request, and the page and ninjs links (so their cache entries) follow the Host.
 */
async function fetchRaw(t: TestApp, url: string, headers: Record<string, string> = {}) {
  const res = await t.http().get(url).set({ host: 'localhost', 'x-request-id': 'cache-test', ...headers }).buffer(true).parse(bytes as unknown as (str: string) => unknown);
  const { date: _date, ...rest } = res.headers as Record<string, string>;
  return { status: res.status, headers: rest, body: res.body as Buffer };
}

const etagOf = async (t: TestApp, id: string) => (await fetchRaw(t, `/published/${id}`)).headers.etag;

/** Whether `check` holds before the deadline, polling. */
async function within(ms: number, check: () => Promise<boolean>): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function correct(t: TestApp, d: Desk, id: string, note: string): Promise<string> {
  const current = await t.http().get(`/articles/${id}`).set(bearer(d.publisher.token)).expect(200);
  const res = await t
    .http()
    .post(`/articles/${id}/corrections`)
    .set(bearer(d.publisher.token))
    .set('If-Match', current.headers.etag)
    .send({ kind: 'correction', note })
    .expect(200);
  return `"${res.body.version}"`;
}

/** Counts the database reads of published articles, to tell a cache hit from the controller's path. */
const countReads = (t: TestApp) => jest.spyOn(t.app.get(PublishedArticleQueries), 'published');

describe('published cache (e2e)', () => {
  let t: TestApp;
  let d: Desk;
  let id: string;

  beforeAll(async () => {
    t = await startApp();
    d = await desk(t);
    ({ id } = await publishThroughHttp(t, d));
  });
  afterAll(() => t?.close());
  afterEach(() => jest.restoreAllMocks());

  it('answers a hit with the very bytes and headers of the uncached path, 200 and 304 alike', async () => {
    const cache = t.app.get(PublishedCache);
    expect(cache.enabled).toBe(true);
    for (const path of PATHS(id)) {
      for (const conditional of [{}, { 'if-none-match': await etagOf(t, id) }] as Record<string, string>[]) {
        cache.clear();
        const reads = countReads(t);
        const uncached = await fetchRaw(t, path, conditional);
        const hit = await fetchRaw(t, path, conditional);
        expect(reads).toHaveBeenCalledTimes(1);
        reads.mockRestore();
        expect(hit.status).toBe(uncached.status);
        expect(hit.headers).toEqual(uncached.headers);
        expect(Buffer.compare(hit.body, uncached.body)).toBe(0);
        expect(uncached.status).toBe('if-none-match' in conditional ? 304 : 200);
      }
    }
  });

  it('keeps one page per origin: the links follow the Host the reader used', async () => {
    await fetchRaw(t, `/news/${id}`, { host: 'news.example' });
    const other = await fetchRaw(t, `/news/${id}`, { host: 'other.example' });
    expect(other.body.toString()).toContain('http://other.example/');
    expect(other.body.toString()).not.toContain('news.example');
  });

  it('leaves ?asOf, query strings and HEAD to the controller', async () => {
    await fetchRaw(t, `/published/${id}`);
    const reads = countReads(t);
    expect((await fetchRaw(t, `/published/${id}?asOf=2000-01-01T00:00:00.000Z`)).status).toBe(404);
    expect((await fetchRaw(t, `/published/${id}?unknown=1`)).status).toBe(400);
    expect(reads).not.toHaveBeenCalled();
    await t.http().head(`/published/${id}`).expect(200);
    expect(reads).toHaveBeenCalledTimes(1);
  });

  it('shows a correction on the very next read, on every rendering', async () => {
    for (const path of PATHS(id)) await fetchRaw(t, path);
    const tag = await correct(t, d, id, 'Correction: the cache must not hide this.');
    for (const path of PATHS(id)) {
      const res = await fetchRaw(t, path);
      expect(res.headers.etag).toBe(tag);
      expect(res.body.toString()).toContain('the cache must not hide this');
    }
  });

  it('negative control: with invalidation switched off, the same check finds the stale read', async () => {
    const cache = t.app.get(PublishedCache);
    await fetchRaw(t, `/published/${id}`);
    jest.spyOn(cache, 'evict').mockImplementation(() => undefined);
    jest.spyOn(cache, 'clear').mockImplementation(() => undefined);
    const tag = await correct(t, d, id, 'Correction: invisible while invalidation is off.');
    expect(await etagOf(t, id)).not.toBe(tag);
    jest.restoreAllMocks();
    cache.clear();
    expect(await etagOf(t, id)).toBe(tag);
  });

  it('drops an article changed behind the API (the trigger and the listener), and everything on TRUNCATE', async () => {
    const dataSource = t.app.get(DataSource);
    await fetchRaw(t, `/published/${id}`);
    await dataSource.query(`UPDATE published_article SET document = jsonb_set(document, '{headline}', '"Changed behind the API"') WHERE id = $1`, [id]);
    expect(await within(NOTIFICATION_DEADLINE_MS, async () => (await fetchRaw(t, `/published/${id}`)).body.toString().includes('Changed behind the API'))).toBe(true);

    const second = (await publishThroughHttp(t, d)).id;
    for (const article of [id, second]) await fetchRaw(t, `/news/${article}`);
    // The background catch-up first: were it still behind the second article's events, it could put that row back
    // right after the TRUNCATE (rightly: the log has it), and the page would stay. (A flaky CI run showed that.)
    const runner = t.app.get(ProjectionRunner);
    expect(await within(NOTIFICATION_DEADLINE_MS, async () => (await runner.catchUpBatch(runner.get('published')!)) === 0)).toBe(true);
    const saved = await dataSource.query(`SELECT * FROM published_article`);
    await dataSource.query(`TRUNCATE published_article`);
    expect(await within(NOTIFICATION_DEADLINE_MS, async () => (await fetchRaw(t, `/news/${second}`)).status === 404)).toBe(true);
    expect((await fetchRaw(t, `/news/${id}`)).status).toBe(404);
    for (const row of saved) {
      await dataSource.query(
        `INSERT INTO published_article (id, version, status, first_published_at, updated_at, document) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING`,
        [row.id, row.version, row.status, row.first_published_at, row.updated_at, row.document],
      );
    }
  });

  it('answers 410 on every rendering once withdrawn, cached before or not', async () => {
    for (const path of PATHS(id)) expect((await fetchRaw(t, path)).status).toBe(200);
    const current = await t.http().get(`/articles/${id}`).set(bearer(d.publisher.token)).expect(200);
    await t.http().post(`/articles/${id}/withdrawal`).set(bearer(d.publisher.token)).set('If-Match', current.headers.etag).send({ reason: 'legal' }).expect(200);
    for (const path of PATHS(id)) expect((await fetchRaw(t, path)).status).toBe(410);
  });

  it('is off with NEWSROOM_PUBLISHED_CACHE_ENTRIES=0', async () => {
    const off = await startApp({ NEWSROOM_PUBLISHED_CACHE_ENTRIES: '0' });
    try {
      expect(off.app.get(PublishedCache).enabled).toBe(false);
    } finally {
      await off.close();
    }
  });
});

(onPostgres ? describe : describe.skip)('published cache, two instances on one PostgreSQL (e2e)', () => {
  let a: TestApp;
  let b: TestApp;
  let d: Desk;
  let id: string;

  beforeAll(async () => {
    a = await startApp();
    b = await startApp({}, a.database);
    d = await desk(a);
    ({ id } = await publishThroughHttp(a, d));
  });
  afterAll(async () => {
    await b?.stop();
    await a?.close();
  });
  afterEach(() => jest.restoreAllMocks());

  /** Reads on B until B serves `tag` from its cache (proving the entry is there to go stale). */
  async function cachedOnB(tag: string): Promise<void> {
    await fetchRaw(b, `/published/${id}`);
    const reads = countReads(b);
    expect((await fetchRaw(b, `/published/${id}`)).headers.etag).toBe(tag);
    expect(reads).not.toHaveBeenCalled();
    reads.mockRestore();
  }

  it('a write through A is seen by B once the notification arrives', async () => {
    await cachedOnB(await etagOf(a, id));
    const tag = await correct(a, d, id, 'Correction: seen on B too.');
    expect(await within(NOTIFICATION_DEADLINE_MS, async () => (await etagOf(b, id)) === tag)).toBe(true);
  });

  it('negative control: with B deaf to notifications, B keeps serving the stale version', async () => {
    const before = await etagOf(a, id);
    await cachedOnB(before);
    jest.spyOn(b.app.get(PublishedCache), 'evict').mockImplementation(() => undefined);
    const tag = await correct(a, d, id, 'Correction: B does not hear of this one.');
    expect(await within(NOTIFICATION_DEADLINE_MS / 3, async () => (await etagOf(b, id)) === tag)).toBe(false);
    expect(await etagOf(b, id)).toBe(before);
    jest.restoreAllMocks();
    b.app.get(PublishedCache).clear();
  });

  it('when B loses its listener: no stale read while it is down, and it listens again', async () => {
    const cache = b.app.get(PublishedCache);
    const listener = b.app.get(PublishedCacheListener);
    await cachedOnB(await etagOf(a, id));
    const pid = listener.backendPid;
    expect(pid).not.toBeNull();

    const admin = new Client({ connectionString: a.env.DATABASE_URL });
    await admin.connect();
    try {
      await admin.query(`SELECT pg_terminate_backend($1)`, [pid]);
    } finally {
      await admin.end();
    }
    expect(await within(NOTIFICATION_DEADLINE_MS, async () => !cache.enabled)).toBe(true);
    const whileDown = await correct(a, d, id, 'Correction: made while B was not listening.');
    expect(await etagOf(b, id)).toBe(whileDown);

    expect(await within(10_000, async () => cache.enabled)).toBe(true);
    expect(listener.backendPid).not.toBe(pid);
    await cachedOnB(whileDown);
    const after = await correct(a, d, id, 'Correction: B listens again.');
    expect(await within(NOTIFICATION_DEADLINE_MS, async () => (await etagOf(b, id)) === after)).toBe(true);
  });
});
