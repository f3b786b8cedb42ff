import type { FastifyReply, FastifyRequest } from 'fastify';
import { createServer, IncomingMessage, request as httpRequest, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { pinoHttp } from 'pino-http';
import { accessLog, accessLogOptions, accessLogRedact, redactedKeyPaths } from './access-log';

type Line = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
type Scenario = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * `accessLog` writes pino-http's line without pino-http: for every way a response can end (completed, a 5xx, an
 * 'error' on the response, the client gone before the answer), the line must be the one nestjs-pino's middleware
 * writes, key for key. Both log through the same root logger, built as nestjs-pino builds it.
 */
describe('accessLog', () => {
  const chunks: string[] = [];
  const stream = new PassThrough();
  stream.on('data', (chunk: Buffer) => chunks.push(chunk.toString('utf8')));
  const middleware = pinoHttp({ level: 'info', ...accessLogOptions, redact: accessLogRedact, stream });
  const ours = accessLog(middleware.logger);
  let server: Server;
  let port: number;
  const SECRETS = { authorization: 'Bearer secret', cookie: 'a=secret' };
  let next: { scenario: Scenario; by: 'pino-http' | 'ours' };

  beforeAll(async () => {
    server = createServer((req, res) => {
      // What @fastify/middie copies onto the request before nestjs-pino's middleware sees it.
      Object.assign(req, { originalUrl: req.url, id: 'the-request-id', query: {} });
      if (next.by === 'pino-http') middleware(req, res);
      else ours({ raw: req, id: 'the-request-id', query: {} } as unknown as FastifyRequest, { raw: res } as FastifyReply);
      next.scenario(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  const lines = () => chunks.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Line);

  /** The lines written for one request answered by `scenario`, logged by `by`. */
  async function linesOf(by: 'pino-http' | 'ours', scenario: Scenario, abort = false, headers: Record<string, string> = SECRETS): Promise<Line[]> {
    const before = lines().length;
    next = { scenario, by };
    await new Promise<void>((resolve) => {
      const req = httpRequest({ port, path: '/published/x', agent: false, headers }, (res) => {
        res.resume();
        res.on('end', resolve);
      });
      req.on('error', () => resolve());
      req.end();
      if (abort) setTimeout(() => req.destroy(), 50);
    });
    for (let i = 0; i < 100 && lines().length === before; i++) await new Promise((r) => setTimeout(r, 5));
    return lines().slice(before);
  }
  async function lineOf(by: 'pino-http' | 'ours', scenario: Scenario, abort: boolean, headers: Record<string, string>): Promise<Line> {
    const written = await linesOf(by, scenario, abort, headers);
    expect(written).toHaveLength(1);
    return written[0];
  }

  /** The line less what differs between two requests (time, duration, client port, where the error was made). */
  function shape(line: Line): Line {
    const { time: _t, responseTime, req, err, ...rest } = line;
    expect(typeof responseTime).toBe('number');
    const { remotePort: _p, ...reqRest } = req;
    const { stack: _s, ...errRest } = err ?? {};
    return { ...rest, req: reqRest, ...(err ? { err: errRest } : {}) };
  }
  const keyPaths = (value: unknown, at = ''): string[] =>
    value && typeof value === 'object' ? Object.entries(value).flatMap(([k, v]) => [`${at}${k}`, ...keyPaths(v, `${at}${k}.`)]) : [];

  // Four fields in every row: jest takes a test function with more parameters than the row has for a done callback.
  const scenarios: [string, Scenario, string, boolean][] = [
    [
      'completed',
      (_req, res) => {
        res.setHeader('Set-Cookie', 'session=secret');
        res.end('ok');
      },
      'request completed',
      false,
    ],
    [
      'completed, no Set-Cookie',
      (_req, res) => {
        res.setHeader('X-Other', 'value');
        res.end('ok');
      },
      'request completed',
      false,
    ],
    [
      'a 5xx',
      (_req, res) => {
        res.statusCode = 503;
        res.end();
      },
      'request errored',
      false,
    ],
    [
      "an 'error' on the response",
      (_req, res) => {
        res.emit('error', new Error('boom'));
        res.end();
      },
      'request errored',
      false,
    ],
    ['the client gone before the answer', () => undefined, 'request aborted', true],
  ];

  // Lines with something to censor go through pino's redaction, the others are written without it: both ways.
  const requestHeaders: [string, Record<string, string>][] = [
    ['Authorization and Cookie', SECRETS],
    ['Cookie', { cookie: 'a=secret' }],
    ['nothing to censor', { accept: 'text/html' }],
  ];
  it.each(scenarios.flatMap((s) => requestHeaders.map(([h, headers]) => [s[0], h, s[1], s[2], s[3], headers] as const)))(
    'writes the line pino-http writes: %s, request with %s',
    async (_name, _h, scenario, msg, abort, headers) => {
      const reference = await lineOf('pino-http', scenario, abort, headers);
      const line = await lineOf('ours', scenario, abort, headers);
      expect(reference.msg).toBe(msg);
      expect(shape(line)).toEqual(shape(reference));
      expect(keyPaths(line)).toEqual(keyPaths(reference));
      for (const name of Object.keys(SECRETS)) expect(line.req.headers[name]).toBe(name in headers ? '[Redacted]' : undefined);
      expect(line.res.headers['set-cookie']).toBe(reference.res.headers['set-cookie'] && '[Redacted]');
      expect(JSON.stringify(line)).not.toContain('secret');
    },
  );

  it('reads the redacted paths it can check, and no others', () => {
    expect(redactedKeyPaths(accessLogRedact)).toEqual([
      ['req', 'headers', 'authorization'],
      ['req', 'headers', 'cookie'],
      ['req', 'body', 'password'],
      ['res', 'headers', 'set-cookie'],
    ]);
    expect(redactedKeyPaths(['req.headers.authorization', 'res.headers.*'])).toBeUndefined();
    expect(redactedKeyPaths(['*.password'])).toBeUndefined();
    expect(redactedKeyPaths(["req.headers['x-key']"])).toBeUndefined();
  });

  it('writes nothing when info is off, as pino-http does', async () => {
    middleware.logger.level = 'warn';
    try {
      for (const headers of [SECRETS, {}]) {
        expect(await linesOf('ours', (_req, res) => res.end('ok'), false, headers)).toEqual([]);
        expect(await linesOf('pino-http', (_req, res) => res.end('ok'), false, headers)).toEqual([]);
      }
    } finally {
      middleware.logger.level = 'info';
    }
  });
});
