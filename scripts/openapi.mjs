// Writes the OpenAPI document (what GET /docs-json serves) to docs/openapi.json, from the compiled app, without
// listening on a port: `npm run openapi`. test/openapi.e2e.spec.ts fails when the committed file is stale.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));
require('reflect-metadata');
const { buildApp, openApiDocument } = require(join(root, 'dist', 'app.js'));
const { validateEnvironment } = require(join(root, 'dist', 'config', 'config.js'));

const dataDir = mkdtempSync(join(tmpdir(), 'masthead-openapi-'));
try {
  // An embedded database of its own: the app's providers open one, nothing is served.
  const config = validateEnvironment({ NODE_ENV: 'production', LOG_LEVEL: 'silent', NEWSROOM_DATA_DIR: dataDir, NEWSROOM_JWT_SECRET: 'x'.repeat(48), NEWSROOM_ADMIN_PASSWORD: 'openapi-document-only', NEWSROOM_PUBLIC_URL: 'http://localhost:3000' });
  const app = await buildApp(config);
  try {
    const file = join(root, 'docs', 'openapi.json');
    writeFileSync(file, `${JSON.stringify(openApiDocument(app), null, 2)}\n`);
    process.stdout.write(`wrote ${file}\n`);
  } finally {
    await app.close();
  }
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
