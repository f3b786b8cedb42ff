// Group commit for the append, measured against the raw INSERT in the same run: each system in its own process
// (bench/append-worker.mjs), on one database, rounds interleaved (raw, ours, group-1, ..., raw, ...) so that a busy
// machine shifts a whole round alike; every ratio is to the raw run of its own round and writer count.
//   node bench/experiments/append-group.mjs
//   (BENCH_APPEND_WRITERS, BENCH_APPEND_SECONDS, BENCH_APPEND_WARMUP_SECONDS; GROUP_ROUNDS (2); GROUP_SYSTEMS)
//
//   raw        one prepared single-row INSERT in autocommit, pool = writers (as in npm run bench)
//   ours       EventStore.append as built (dist/), pool = writers; with group commit since it has it
//   group-K    the EventStore's group commit (its queue, its statement) on bare pg, K statements in flight
//   before     `ours` of another checkout, built (GROUP_BEFORE=<its root>, e.g. a copy of main): before and after
//              in the same run
// With each figure, the CPU per event of the client process and of the local PostgreSQL server (µs): on a shared
// 2-core machine the sum bounds what an idle machine would do. Writes bench/results/experiments/append-group-<time>.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { BENCH_DIR, config, createDatabase, dropDatabase, round, runNode } from '../lib/common.mjs';

const SYSTEMS = (process.env.GROUP_SYSTEMS ?? 'raw,ours,group-1,group-2,group-4').split(',');
const rounds = Number(process.env.GROUP_ROUNDS ?? 2);
const writersList = config.appendWriters;
const db = `masthead_bench_group_${process.pid}`;
const dbUrl = await createDatabase(db);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
try {
  await runNode('append-worker.mjs', ['setup', 1, dbUrl]);
  const runs = [];
  for (let r = 1; r <= rounds; r++) {
    for (const writers of writersList) {
      const row = { round: r, writers };
      for (const system of SYSTEMS) {
        const res = (row[system] =
          system === 'before'
            ? await runNode(relative(BENCH_DIR, join(process.env.GROUP_BEFORE, 'bench', 'append-worker.mjs')), ['ours', writers, dbUrl])
            : await runNode('append-worker.mjs', [system, writers, dbUrl]));
        res.cpuUs ??= { client: null, server: null };
        const ratio = system === 'raw' ? '' : `, ${round(res.eventsPerSec / row.raw.eventsPerSec, 2)}× raw`;
        process.stderr.write(`round ${r} ${system} ×${writers}: ${res.eventsPerSec} events/s${ratio} (p50 ${res.latencyMs.p50} ms; CPU/event µs client ${res.cpuUs.client}, server ${res.cpuUs.server}; errors ${res.errors})\n`);
      }
      runs.push(row);
    }
  }
  const lines = [
    `| system | ${writersList.map((w) => `${w} writer(s): median events/s; × raw per round; CPU µs/event client + server`).join(' | ')} |`,
    `| --- | ${writersList.map(() => '---:').join(' | ')} |`,
  ];
  for (const system of SYSTEMS) {
    const cells = writersList.map((w) => {
      const rs = runs.filter((r) => r.writers === w);
      const ratios = rs.map((r) => round(r[system].eventsPerSec / r.raw.eventsPerSec, 2)).join(' / ');
      return `${median(rs.map((r) => r[system].eventsPerSec)).toLocaleString('en-US')}; ${ratios}; ${median(rs.map((r) => r[system].cpuUs.client))} + ${median(rs.map((r) => r[system].cpuUs.server))}`;
    });
    lines.push(`| ${system} | ${cells.join(' | ')} |`);
  }
  console.log(lines.join('\n'));
  const dir = join(BENCH_DIR, 'results', 'experiments');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `append-group-${new Date().toISOString().replace(/:/g, '-').replace(/\.\d+Z$/, 'Z')}.json`), `${JSON.stringify(runs, null, 2)}\n`);
} finally {
  await dropDatabase(db);
}
