#!/usr/bin/env node
// `npm run demo`: takes the seed article (scripts/seed-article.json) through the whole workflow against a
// running Masthead server: draft, bylines, photo credit, approval, publication; then prints the public
// URLs and the article's audit trail. Plain Node 20 (global fetch), no dependencies.
//
//   MASTHEAD_URL              base URL (default http://127.0.0.1:${PORT:-3000})
//   NEWSROOM_ADMIN_USERNAME   admin user (default admin)
//   NEWSROOM_ADMIN_PASSWORD   admin password; if unset, read from ${NEWSROOM_DATA_DIR:-.data}/admin-password

import { readFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const base = (process.env.MASTHEAD_URL || `http://127.0.0.1:${process.env.PORT || 3000}`).replace(/\/+$/, '');

class ApiError extends Error {
  constructor(method, urlPath, status, body) {
    super(`${method} ${urlPath} -> ${status}`);
    Object.assign(this, { method, urlPath, status, body });
  }
}

function die(message) {
  console.error(`demo: ${message}`);
  process.exit(1);
}

async function api(method, urlPath, { token, body, ifMatch } = {}) {
  const headers = { accept: 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (ifMatch !== undefined) headers['if-match'] = `"${ifMatch}"`;
  let res;
  try {
    res = await fetch(base + urlPath, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (err) {
    die(`cannot reach ${base} (${method} ${urlPath}): ${err.cause?.code || err.cause?.message || err.message}. Is the server running?`);
  }
  const text = await res.text();
  let data = text;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    // not JSON: keep the text as it came
  }
  if (!res.ok) throw new ApiError(method, urlPath, res.status, data);
  return data;
}

async function adminPassword() {
  if (process.env.NEWSROOM_ADMIN_PASSWORD) return process.env.NEWSROOM_ADMIN_PASSWORD;
  const file = path.join(process.env.NEWSROOM_DATA_DIR || '.data', 'admin-password');
  try {
    return (await readFile(file, 'utf8')).replace(/[\r\n]+$/, '');
  } catch (err) {
    die(
      `no admin password: set NEWSROOM_ADMIN_PASSWORD, or run the server in development so it writes ` +
        `${file} (could not read it: ${err.code || err.message})`,
    );
  }
}

async function login(username, password) {
  const { accessToken } = await api('POST', '/auth/token', { body: { username, password } });
  return accessToken;
}

function step(message) {
  console.log(`  ✓ ${message}`);
}

function printTable(rows) {
  const header = ['version', 'type', 'actor', 'roles', 'summary'];
  const all = [header, ...rows];
  // Every column but the last is padded; the last (summary, often CJK) is printed as is.
  const widths = header.slice(0, -1).map((_, i) => Math.max(...all.map((r) => r[i].length)));
  const line = (r) => r.map((cell, i) => (i < widths.length ? cell.padEnd(widths[i]) : cell)).join('  ').trimEnd();
  console.log(line(header));
  console.log(line(widths.map((w) => '-'.repeat(w)).concat('-'.repeat(7))));
  for (const r of rows) console.log(line(r));
}

async function main() {
  const fixture = JSON.parse(await readFile(path.join(here, 'seed-article.json'), 'utf8'));
  console.log(`Masthead demo against ${base}\n`);

  const adminUser = process.env.NEWSROOM_ADMIN_USERNAME || 'admin';
  const adminToken = await login(adminUser, await adminPassword());
  step(`logged in as admin ${adminUser}`);

  const suffix = randomBytes(3).toString('hex');
  const users = {};
  for (const role of ['reporter', 'editor', 'publisher']) {
    const username = `demo-${role}-${suffix}`;
    const password = randomBytes(18).toString('base64url');
    await api('POST', '/users', { token: adminToken, body: { username, password, roles: [role] } });
    users[role] = { username, token: await login(username, password) };
    step(`created and logged in ${role} ${username}`);
  }
  const { reporter, editor, publisher } = users;

  let res = await api('POST', '/articles', { token: reporter.token, body: fixture.draft });
  const id = res.id;
  let version = res.version;
  step(`${reporter.username} drafted article ${id} (version ${version})`);

  for (const byline of fixture.bylines) {
    res = await api('POST', `/articles/${id}/bylines`, { token: reporter.token, body: byline });
    version = res.version;
    step(`byline ${byline.name} added (version ${version})`);
  }
  for (const photo of fixture.photos) {
    res = await api('POST', `/articles/${id}/photos`, { token: reporter.token, body: photo });
    version = res.version;
    step(`photo credited to ${photo.credit.photographer} (version ${version})`);
  }

  res = await api('POST', `/articles/${id}/approval`, {
    token: editor.token,
    ifMatch: version,
    body: { note: 'Checked against the seed article.' },
  });
  version = res.version;
  step(`${editor.username} approved it (version ${version}, ${res.status})`);

  res = await api('POST', `/articles/${id}/publication`, {
    token: publisher.token,
    ifMatch: version,
    body: { copyrightNotice: fixture.copyrightNotice },
  });
  version = res.version;
  step(`${publisher.username} published it (version ${version}, ${res.status}, publishedAt ${res.publishedAt})`);

  console.log('\nPublic URLs:');
  console.log(`  ${base}/published/${id}`);
  console.log(`  ${base}/news/${id}`);

  const history = await api('GET', `/articles/${id}/history`, { token: editor.token });
  const entries = Array.isArray(history) ? history : (history?.items ?? []);
  console.log(`\nAudit trail of ${id} (as ${editor.username}):\n`);
  printTable(
    entries.map((e) => [
      String(e.version ?? ''),
      String(e.type ?? ''),
      String(e.actor?.username ?? ''),
      (e.actor?.roles ?? []).join(','),
      String(e.summary ?? ''),
    ]),
  );
}

main().catch((err) => {
  if (err instanceof ApiError) {
    console.error(`\ndemo: ${err.method} ${err.urlPath} failed with HTTP ${err.status}`);
    console.error(typeof err.body === 'string' ? err.body : JSON.stringify(err.body, null, 2));
  } else {
    console.error(`\ndemo: ${err.stack || err}`);
  }
  process.exit(1);
});
