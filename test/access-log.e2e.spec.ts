import { PassThrough } from 'node:stream';
import { PublishedArticleQueries } from '../src/read-models/published-article/published-article.queries';
import { PublishedCache } from '../src/read-models/published-article/published-cache';
import { desk, publishThroughHttp } from './support/publish';
import { bearer, startApp, TestApp } from './support/test-app';

type Line = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * A cached published article is answered before Nest's middleware chain (published-cache.hook.ts), so it logs and sets
 * its headers by another path than every other request: its access log line and headers must not drift from the
 * controller's.
 */
describe('access log and headers of cache hits (e2e)', () => {
  let t: TestApp;
  let id: string;
  const chunks: string[] = [];
  const SECRET = 'Bearer secret-token-that-must-not-be-logged';

  beforeAll(async () => {
    const stream = new PassThrough();
    stream.on('data', (chunk: Buffer) => chunks.push(chunk.toString('utf8')));
    t = await startApp({ LOG_LEVEL: 'info' }, undefined, { logStream: stream });
    ({ id } = await publishThroughHttp(t, await desk(t)));
  });
  afterAll(() => t?.close());
  afterEach(() => jest.restoreAllMocks());

  /** The access log line of the request with this X-Request-Id, once written. */
  async function lineOf(requestId: string): Promise<Line> {
    for (let i = 0; i < 200; i++) {
      const found = chunks
        .join('')
        .split('\n')
        .filter((l) => l.includes(`"${requestId}"`))
        .map((l) => JSON.parse(l) as Line)
        .filter((l) => l.msg === 'request completed');
      if (found.length > 1) throw new Error(`${found.length} access log lines for ${requestId}`);
      if (found.length === 1) return found[0];
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error(`no access log line for ${requestId}`);
  }

  /** The line less what differs from one request to the next (time, duration, client port, the request's own id). */
  function shape(line: Line): Line {
    const { time: _time, responseTime, correlationId, req, res, ...rest } = line;
    const { id: reqId, remotePort, headers: reqHeaders, ...reqRest } = req;
    const { 'x-request-id': sentId, ...reqHeadersRest } = reqHeaders;
    const { 'x-request-id': answeredId, ...resHeadersRest } = res.headers;
    expect(typeof responseTime).toBe('number');
    expect(typeof remotePort).toBe('number');
    expect([reqId, correlationId, answeredId]).toEqual([sentId, sentId, sentId]);
    return { ...rest, req: { ...reqRest, headers: reqHeadersRest }, res: { ...res, headers: resHeadersRest } };
  }

  /** Every key of the line, nested ones as paths, in the order the line has them: the same line is the same shape. */
  const keyPaths = (value: unknown, at = ''): string[] =>
    value && typeof value === 'object' ? Object.entries(value).flatMap(([k, v]) => [`${at}${k}`, ...keyPaths(v, `${at}${k}.`)]) : [];

  const SECRETS = { authorization: SECRET, cookie: 'session=secret-cookie' };
  const get = (path: string, requestId: string, headers: Record<string, string> = {}, secrets: Record<string, string> = SECRETS) =>
    t.http().get(path).set({ host: 'localhost', ...secrets, 'x-request-id': requestId, ...headers });

  it('logs a hit with the fields, redaction and correlation id of the controller path, 200 and 304 alike', async () => {
    const cache = t.app.get(PublishedCache);
    const etag = (await get(`/published/${id}`, 'warm-up').expect(200)).headers.etag;
    let n = 0;
    for (const path of [`/published/${id}`, `/published/${id}/ninjs`, `/news/${id}`]) {
      // With headers to censor (pino's redaction), and without (a line with nothing to censor is written without it).
      for (const [conditional, secrets] of [{}, { 'if-none-match': etag }].flatMap((c) => [[c, SECRETS], [c, { accept: '*/*' }]] as Record<string, string>[][])) {
        cache.clear();
        const reads = jest.spyOn(t.app.get(PublishedArticleQueries), 'published');
        const uncached = await get(path, `uncached-${++n}`, conditional, secrets);
        const hit = await get(path, `hit-${n}`, conditional, secrets);
        expect(reads).toHaveBeenCalledTimes(1);
        reads.mockRestore();
        expect(hit.status).toBe('if-none-match' in conditional ? 304 : 200);

        const { date: _d1, 'x-request-id': uncachedId, ...uncachedHeaders } = uncached.headers;
        const { date: _d2, 'x-request-id': hitId, ...hitHeaders } = hit.headers;
        expect([uncachedId, hitId]).toEqual([`uncached-${n}`, `hit-${n}`]);
        expect(hitHeaders).toEqual(uncachedHeaders);
        expect(hitHeaders['x-content-type-options']).toBe('nosniff');

        const [uncachedLine, hitLine] = [await lineOf(`uncached-${n}`), await lineOf(`hit-${n}`)];
        expect(shape(hitLine)).toEqual(shape(uncachedLine));
        expect(keyPaths(hitLine)).toEqual(keyPaths(uncachedLine));
        expect(hitLine.req.headers.authorization).toBe(secrets === SECRETS ? '[Redacted]' : undefined);
        expect(hitLine.req.headers.cookie).toBe(secrets === SECRETS ? '[Redacted]' : undefined);
        expect(hitLine.res.statusCode).toBe(hit.status);
      }
    }
    expect(chunks.join('')).not.toContain('secret-token');
    expect(chunks.join('')).not.toContain('secret-cookie');
  });

  it('logs every other request as before: the request id, the correlation id, redacted headers', async () => {
    await t.http().get('/users/me').set(bearer(t.adminToken)).set('x-request-id', 'not-cached').expect(200);
    const line = await lineOf('not-cached');
    expect(line).toMatchObject({ level: 30, msg: 'request completed', correlationId: 'not-cached', req: { id: 'not-cached', method: 'GET', url: '/users/me', query: {} }, res: { statusCode: 200 } });
    expect(line.req.headers.authorization).toBe('[Redacted]');
    expect(line.res.headers['x-request-id']).toBe('not-cached');
    expect(line.res.headers['x-frame-options']).toBe('SAMEORIGIN');
  });
});
