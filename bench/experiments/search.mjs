// Search over the working states (GET /articles?q=): p95 of the service's own query (ArticleQueries.list: the GIN
// index over grams, the exact check, the rank, the snippets) against a raw ILIKE scan of the same rows, in the
// same run, on PostgreSQL and on the embedded PGlite; and the EXPLAIN of each query, to show the index in use.
//   node bench/experiments/search.mjs            (npm run build first; npm run bench runs it as its "search" section)
// Env: BENCH_SEARCH_ARTICLES (20000; 5000 with BENCH_QUICK=1), BENCH_SEARCH_SAMPLES (40 per query; 10 quick),
//      BENCH_SEARCH_ENGINES (postgres,pglite).
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { ADMIN_PASSWORD, BENCH_DIR, JWT_SECRET, QUICK, createDatabase, dist, dropDatabase, latencySummary, log, percentile, require, round } from '../lib/common.mjs';
import { seed } from '../lib/payload.mjs';

// BENCH_QUICK=1: 5,000 articles and 10 samples, for a short run (the figures to report come from 20,000).
const ARTICLES = Number(process.env.BENCH_SEARCH_ARTICLES ?? (QUICK ? 5_000 : 20_000));
const SAMPLES = Number(process.env.BENCH_SEARCH_SAMPLES ?? (QUICK ? 10 : 40));

/**
 * The queries measured: a rare Chinese pair and a rare Latin word (each planted in 2 % of the articles), and a
 * common one of each (in about half). ILIKE gets the literal the article holds (it cannot fold Hà Nội to hanoi).
 */
const QUERIES = [
  { q: '南寧', like: '南寧', kind: 'rare CJK (2 %)' },
  { q: 'hanoi', like: 'Hà Nội', kind: 'rare Latin (2 %), folded' },
  { q: '東盟', like: '東盟', kind: 'common CJK (~50 %)' },
  { q: 'budget', like: 'budget', kind: 'common Latin (~50 %)' },
];

const WORDS = 'the council said ministers would meet on monday to discuss taxes while river levels rose across the region and schools closed early as rain continued'.split(' ');

/** A deterministic pseudo-random sequence, so every run searches the same articles. */
function random(seedValue) {
  let s = seedValue >>> 0;
  return () => ((s = (s * 1_664_525 + 1_013_904_223) >>> 0) / 2 ** 32);
}

/** Article states as the projection folds them: half Chinese (seed paragraphs), half English; 2 % hold each rare word. */
function articles(n) {
  const rnd = random(17);
  const pick = (xs) => xs[Math.floor(rnd() * xs.length)];
  // The seed without its rare word, so that only the planted articles hold it.
  const chinese = seed.draft.body.map((b) => b.text.replaceAll('南寧', '邕城'));
  const out = [];
  const start = Date.parse('2026-01-01T00:00:00.000Z');
  for (let i = 0; i < n; i++) {
    const zh = i % 2 === 0;
    const paragraphs = Array.from({ length: 4 }, () =>
      zh ? pick(chinese) : `${Array.from({ length: 40 }, () => pick(WORDS)).join(' ')}.`,
    );
    if (!zh && rnd() < 0.5) paragraphs.push('The budget was discussed.');
    if (i % 100 === 6 || i % 100 === 56) paragraphs.push('會議在南寧召開。');
    if (i % 100 === 7 || i % 100 === 57) paragraphs.push('Flooding closed roads in Hà Nội.');
    const at = new Date(start + i * 60_000).toISOString();
    const id = `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
    const actor = { id: '00000000-0000-4000-8000-00000000beef', username: 'bench-reporter' };
    out.push({
      id, version: 1, status: 'draft', headline: zh ? `${seed.draft.headline.slice(0, 12)} ${i}` : `Council report ${i}`,
      summary: null, body: paragraphs.map((text) => ({ type: 'paragraph', text })), language: zh ? 'zh-Hant' : 'en', source: null,
      bylines: [{ id: `b-${i}`, name: zh ? '許丹婷' : 'Ann Smith', role: 'reporter', organisation: null }], photos: [],
      approval: null, publication: null, schedule: null, corrections: [], withdrawal: null,
      lastEditor: actor, createdBy: actor, createdAt: at, updatedAt: at,
    });
  }
  return out;
}

async function openDatabase(engine) {
  const { validateEnvironment } = dist('config/config.js');
  const { dataSourceOptions } = dist('database/data-source-options.js');
  const { DataSource } = require('typeorm');
  const dataDir = mkdtempSync(join(tmpdir(), 'masthead-search-'));
  const name = `masthead_bench_search_${process.pid}`;
  const url = engine === 'postgres' ? await createDatabase(name) : undefined;
  const config = validateEnvironment({
    NODE_ENV: 'production', NEWSROOM_PUBLIC_URL: 'http://localhost:3000', NEWSROOM_JWT_SECRET: JWT_SECRET, NEWSROOM_ADMIN_PASSWORD: ADMIN_PASSWORD, LOG_LEVEL: 'warn',
    NEWSROOM_DATA_DIR: dataDir, ...(url ? { DATABASE_URL: url } : {}),
  });
  const dataSource = new DataSource(dataSourceOptions(config));
  await dataSource.initialize();
  await dataSource.runMigrations({ transaction: 'each' });
  return {
    dataSource,
    async close() {
      await dataSource.destroy();
      if (url) await dropDatabase(name);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Rows written as the projections write them (their row(), their insert), a thousand per statement. */
async function fill(dataSource, states) {
  const { ArticleViewProjection } = dist('read-models/article-view/article-view.projection.js');
  const { ArticleSearchProjection } = dist('read-models/article-view/article-search.projection.js');
  const { writeRows } = dist('read-models/projection.js');
  for (const projection of [new ArticleViewProjection(), new ArticleSearchProjection()]) {
    for (let i = 0; i < states.length; i += 1000) {
      const rows = states.slice(i, i + 1000).map((after) => projection.row({ before: null, after }));
      await writeRows(dataSource.manager, projection, projection.table, rows);
    }
    await dataSource.query(`ANALYZE ${projection.table}`);
  }
}

async function timed(fn) {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

/** EXPLAIN ANALYZE of a statement, run as the service runs it (a search with sequential scans off: search-sql.ts). */
async function plan(dataSource, sql, params, search) {
  const rows = await dataSource.transaction(async (m) => {
    if (search) await m.query('SET LOCAL enable_seqscan = off');
    return m.query(`EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) ${sql}`, params);
  });
  return rows.map((r) => r['QUERY PLAN']).join('\n');
}

export async function searchBench({ engines = (process.env.BENCH_SEARCH_ENGINES ?? 'postgres,pglite').split(','), articles: n = ARTICLES } = {}) {
  const { ArticleViewQueries } = dist('read-models/article-view/article-view.queries.js');
  const states = articles(n);
  const result = { articles: n, samplesPerQuery: SAMPLES, engines: {} };
  for (const engine of engines) {
    const db = await openDatabase(engine);
    try {
      const filled = await timed(() => fill(db.dataSource, states));
      log(`search (${engine}): ${n} articles written in ${round(filled / 1000, 1)} s`);
      const queries = new ArticleViewQueries(db.dataSource, null);
      const ilike = `SELECT state, created_at FROM article_view WHERE state::text ILIKE $2 ORDER BY created_at DESC, id DESC LIMIT $1`;
      const perQuery = [];
      const ours = [];
      const raw = [];
      for (const { q, like, kind } of QUERIES) {
        const found = await queries.list({ q, limit: 50 });
        const likeParams = [51, `%${like}%`];
        const mine = [];
        const theirs = [];
        // Interleaved, so a busy machine skews both alike.
        for (let i = 0; i < SAMPLES; i++) {
          mine.push(await timed(() => queries.list({ q, limit: 50 })));
          theirs.push(await timed(() => db.dataSource.query(ilike, likeParams)));
        }
        ours.push(...mine);
        raw.push(...theirs);
        const statement = queries.listStatement({ q, limit: 50 });
        perQuery.push({
          q, kind, firstPage: found.items.length,
          ours: latencySummary(mine), ilike: latencySummary(theirs),
          p95Ms: round(percentile([...mine].sort((a, b) => a - b), 95), 2), ilikeP95Ms: round(percentile([...theirs].sort((a, b) => a - b), 95), 2),
          plan: await plan(db.dataSource, statement.sql, statement.params, true),
          ilikePlan: await plan(db.dataSource, ilike, likeParams, false),
        });
        log(`search (${engine}) ${JSON.stringify(q)} [${kind}]: p95 ${perQuery.at(-1).p95Ms} ms, ILIKE p95 ${perQuery.at(-1).ilikeP95Ms} ms`);
      }
      const p95 = percentile([...ours].sort((a, b) => a - b), 95);
      const ilikeP95 = percentile([...raw].sort((a, b) => a - b), 95);
      result.engines[engine] = { fillSeconds: round(filled / 1000, 1), p95Ms: round(p95, 2), ilikeP95Ms: round(ilikeP95, 2), ratio: round(ilikeP95 / p95, 2), queries: perQuery };
      log(`search (${engine}): p95 ${round(p95, 2)} ms over all queries; ILIKE scan p95 ${round(ilikeP95, 2)} ms (${round(ilikeP95 / p95, 2)}× faster)`);
    } finally {
      await db.close();
    }
  }
  return result;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const result = await searchBench();
  mkdirSync(join(BENCH_DIR, 'results'), { recursive: true });
  const file = join(BENCH_DIR, 'results', `search-${new Date().toISOString().replace(/:/g, '-').replace(/\.\d+Z$/, 'Z')}.json`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`results: ${file}\n`);
}
