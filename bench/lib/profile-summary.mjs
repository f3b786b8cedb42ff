// Summarises a .cpuprofile: self time by function and by where the code lives (package, dist file, node internals).
// Usage as a script: node bench/lib/profile-summary.mjs file.cpuprofile [top]
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

function place(url) {
  if (!url) return '(native/vm)';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1];
  const d = /\/dist\/(.+)$/.exec(url);
  if (d) return `dist/${d[1]}`;
  if (url.startsWith('node:')) return url;
  return url.replace(/^file:\/\//, '').split('/').slice(-2).join('/');
}

/** What a sample was doing, by the first match (in this order) anywhere on its stack. */
const CATEGORIES = [
  ['module loading (require/import)', /^node:internal\/modules/],
  ['JWT verification (jsonwebtoken)', /^jsonwebtoken |^jws |^jwa /],
  ['request logging (pino, pino-http)', /^pino|^@pinojs/],
  ['body/query validation (class-validator, class-transformer)', /^class-validator |^class-transformer |^dist\/common\/validation/],
  ['hash chain (canonical JSON, sha256)', /^dist\/event-store\/hash-chain/],
  ['domain: decide, evolve, diff, views', /^dist\/articles\/domain/],
  ['database: pg driver and TypeORM', /^pg |^pg-protocol |^pg-pool |^typeorm |^postgres-|^@electric-sql\/pglite /],
  ['rate limiting (@nestjs/throttler)', /^@nestjs\/throttler /],
  ['helmet', /^helmet |^@fastify\/helmet /],
  ['service code (dist/, other)', /^dist\//],
  ['HTTP server, Fastify, Nest', /^fastify |^@nestjs\/|^find-my-way |^@fastify\/|^light-my-request |^node:_http|^avvio /],
];
function categorise(name, stack) {
  if (name === '(garbage collector)') return 'garbage collection';
  if (name === '(idle)') return '(idle)';
  if (name === '(program)') return '(program: V8 and native, unattributed)';
  for (const [label, re] of CATEGORIES) if (stack.some((f) => re.test(f))) return label;
  return 'other (Node internals, sockets, timers)';
}

export function summarise(file, top = 15) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  // Time per sample from timeDeltas (µs): the sample's node gets the delta to the next sample.
  const { samples, timeDeltas } = profile;
  for (let i = 0; i < samples.length; i++) {
    const dt = timeDeltas[i + 1] ?? 0;
    self.set(samples[i], (self.get(samples[i]) ?? 0) + dt);
  }
  const total = [...self.values()].reduce((s, v) => s + v, 0) || 1;
  const fns = new Map();
  const places = new Map();
  for (const [id, us] of self) {
    const { callFrame } = byId.get(id);
    const name = callFrame.functionName || '(anonymous)';
    const where = place(callFrame.url);
    const key = ['(idle)', '(program)', '(garbage collector)'].includes(name) ? name : `${name} ${where}:${callFrame.lineNumber + 1}`;
    fns.set(key, (fns.get(key) ?? 0) + us);
    const pkey = name.startsWith('(') && !callFrame.url ? name : where;
    places.set(pkey, (places.get(pkey) ?? 0) + us);
  }
  const busy = total - (fns.get('(idle)') ?? 0);
  // Inclusive time of the service's own functions (dist/): a sample counts once for every function on its stack.
  const parent = new Map();
  for (const node of profile.nodes) for (const c of node.children ?? []) parent.set(c, node.id);
  const inclusive = new Map();
  const categories = new Map();
  for (const [id, us] of self) {
    const seen = new Set();
    const stackPlaces = [];
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
      const { callFrame } = byId.get(cur);
      stackPlaces.push(`${place(callFrame.url)} ${callFrame.functionName}`);
    }
    const category = categorise(byId.get(id).callFrame.functionName, stackPlaces);
    categories.set(category, (categories.get(category) ?? 0) + us);
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
      const { callFrame } = byId.get(cur);
      const where = place(callFrame.url);
      if (!where.startsWith('dist/') && !['jsonwebtoken', 'pino-http', 'class-validator', 'class-transformer', '@nestjs/throttler', 'typeorm', 'pg'].includes(where)) continue;
      const key = `${callFrame.functionName || '(anonymous)'} ${where}:${callFrame.lineNumber + 1}`;
      if (seen.has(key)) continue;
      seen.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + us);
    }
  }
  const rank = (m) =>
    [...m.entries()]
      .filter(([k]) => k !== '(idle)')
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, us]) => ({ what: k, ms: Math.round(us / 1000), pctOfBusy: Math.round((1000 * us) / busy) / 10 }));
  return {
    file,
    wallMs: Math.round(total / 1000),
    busyMs: Math.round(busy / 1000),
    idlePct: Math.round((1000 * (fns.get('(idle)') ?? 0)) / total) / 10,
    topFunctions: rank(fns),
    topPlaces: rank(places),
    topInclusive: rank(inclusive),
    categories: rank(categories),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const s = summarise(process.argv[2], Number(process.argv[3] ?? 20));
  console.log(`${s.file}: wall ${s.wallMs} ms, busy ${s.busyMs} ms (idle ${s.idlePct}%)`);
  console.log('\nself time by place:');
  for (const r of s.topPlaces) console.log(`  ${String(r.pctOfBusy).padStart(5)}%  ${r.ms.toString().padStart(6)} ms  ${r.what}`);
  console.log('\nwhere the CPU went (first match on the stack):');
  for (const r of s.categories) console.log(`  ${String(r.pctOfBusy).padStart(5)}%  ${r.ms.toString().padStart(6)} ms  ${r.what}`);
  console.log('\ninclusive time (service code and a few libraries):');
  for (const r of s.topInclusive) console.log(`  ${String(r.pctOfBusy).padStart(5)}%  ${r.ms.toString().padStart(6)} ms  ${r.what}`);
  console.log('\nself time by function:');
  for (const r of s.topFunctions) console.log(`  ${String(r.pctOfBusy).padStart(5)}%  ${r.ms.toString().padStart(6)} ms  ${r.what}`);
}
