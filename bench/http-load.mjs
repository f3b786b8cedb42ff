// The load generator, in its own process: `node bench/http-load.mjs '<json options>'`, autocannon inside.
//   {mode: 'commands', url, connections, seconds, tokens: {reporter, editor, publisher}}
//     each connection runs article workflows: draft → byline → photo → approve (If-Match) → publish (If-Match)
//   {mode: 'read', url, path, connections, seconds, headers, rate?}  (rate: requests/s in all, else as fast as it goes)
// Prints autocannon's figures as JSON (plus, for commands, some published article ids).
import { config, require, round } from './lib/common.mjs';
import { seed } from './lib/payload.mjs';

const autocannon = require('autocannon');
const opts = JSON.parse(process.argv[2]);

const json = (token, extra = {}) => ({ 'content-type': 'application/json', authorization: `Bearer ${token}`, ...extra });

const failures = [];
const noteFailure = (step, status, body) => {
  if (status >= 300 && failures.length < 8) failures.push({ step, status, body: String(body).slice(0, 300) });
};

function commandRequests(tokens, published) {
  const draft = JSON.stringify({ headline: seed.draft.headline, body: seed.draft.body, language: seed.draft.language, source: seed.draft.source });
  const byline = JSON.stringify(seed.bylines[0]);
  const photo = JSON.stringify(seed.photos[0]);
  const publish = JSON.stringify({ copyrightNotice: { holder: seed.copyrightNotice.holder, text: seed.copyrightNotice.text } });
  const remember = (step) => (status, body, context) => {
    noteFailure(step, status, body);
    if (status >= 300) return;
    const r = JSON.parse(body);
    if (r.id) context.id = r.id;
    if (r.version) context.version = r.version;
  };
  const onArticle = (path, token, body, { ifMatch = false } = {}) => ({
    method: 'POST',
    body,
    setupRequest: (req, context) =>
      context.id
        ? { ...req, path: `/articles/${context.id}/${path}`, headers: json(token, ifMatch ? { 'if-match': `"${context.version}"` } : {}) }
        : null,
    onResponse: remember(path),
  });
  return [
    { method: 'POST', path: '/articles', body: draft, headers: json(tokens.reporter), onResponse: remember('draft') },
    onArticle('bylines', tokens.reporter, byline),
    onArticle('photos', tokens.reporter, photo),
    onArticle('approval', tokens.editor, '{}', { ifMatch: true }),
    {
      ...onArticle('publication', tokens.publisher, publish, { ifMatch: true }),
      onResponse: (status, body, context) => {
        noteFailure('publication', status, body);
        if (status === 200 && published.length < 200) published.push(context.id);
      },
    },
  ];
}

async function main() {
  const published = [];
  const base = { url: opts.url, connections: opts.connections, duration: opts.seconds, timeout: 30 };
  const instance =
    opts.mode === 'commands'
      ? autocannon({ ...base, requests: commandRequests(opts.tokens, published) })
      : autocannon({ ...base, ...(opts.rate ? { overallRate: opts.rate } : {}), requests: [{ method: 'GET', path: opts.path, headers: opts.headers ?? {} }] });
  const result = await instance;
  const statusCodes = Object.fromEntries(Object.entries(result.statusCodeStats ?? {}).map(([k, v]) => [k, v.count]));
  return {
    requestsPerSec: round(result.requests.average, 1),
    totalRequests: result.requests.total,
    latencyMs: { mean: round(result.latency.average, 2), p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max },
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statusCodes,
    throughputMBps: round(result.throughput.average / 1e6, 2),
    published,
    failures,
  };
}

main().then(
  (r) => {
    process.stdout.write(`${JSON.stringify(r)}\n`);
    process.exit(0);
  },
  (err) => {
    process.stderr.write(`http-load: ${err?.stack ?? err}\n`);
    process.exit(1);
  },
);
void config;
