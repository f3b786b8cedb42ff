#!/usr/bin/env node
// The desk's first screen must load fast: the script index.html loads up front (its entry module and every module it
// preloads) is measured compressed, as a browser downloads it, and the build fails above the budget.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { brotliCompressSync, gzipSync, constants } from 'node:zlib';

const BUDGET_KB = 150;
const dir = resolve(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..', 'dist', 'desk-ui');
const html = readFileSync(join(dir, 'index.html'), 'utf8');
const urls = [...html.matchAll(/<(?:script[^>]*\ssrc|link[^>]*rel="modulepreload"[^>]*\shref)="([^"]+\.js)"/g)].map((m) => m[1]);
if (!urls.length) throw new Error('desk-budget: index.html loads no script; is this the built desk?');

let raw = 0, gzip = 0, brotli = 0;
for (const url of new Set(urls)) {
  const file = readFileSync(join(dir, url.replace(/^\/desk\//, '')));
  raw += file.length;
  gzip += gzipSync(file, { level: 9 }).length;
  brotli += brotliCompressSync(file, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
}
const kb = (n) => (n / 1024).toFixed(1);
const line = `desk first screen: ${urls.length} script file(s), ${kb(raw)} KB raw, ${kb(gzip)} KB gzip, ${kb(brotli)} KB brotli (budget ${BUDGET_KB} KB gzip)`;
if (gzip > BUDGET_KB * 1024) {
  process.stderr.write(`${line}: OVER BUDGET\n`);
  process.exit(1);
}
process.stdout.write(`${line}\n`);
