import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApp, TestApp } from './support/test-app';

const ROOT = join(__dirname, '..');
const CLIENT = join(ROOT, 'desk', 'src', 'api', 'schema.d.ts');

/**
 * The desk calls the API through types generated from the OpenAPI document (npm run desk:client). If a route, a
 * parameter or a body changes and the client is not regenerated, this fails: the desk cannot drift from the code.
 */
describe("the desk's typed client (e2e)", () => {
  let t: TestApp;
  let dir: string;
  beforeAll(async () => {
    t = await startApp();
    dir = mkdtempSync(join(tmpdir(), 'desk-client-'));
  });
  afterAll(async () => {
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is what openapi-typescript generates from the service’s own OpenAPI document', async () => {
    const document = (await t.http().get('/docs-json').expect(200)).body;
    const file = join(dir, 'openapi.json');
    writeFileSync(file, JSON.stringify(document, null, 2));
    const out = join(dir, 'schema.d.ts');
    execFileSync(process.execPath, [join(ROOT, 'node_modules', 'openapi-typescript', 'bin', 'cli.js'), file, '-o', out], { stdio: 'pipe' });
    const current = readFileSync(CLIENT, 'utf8') === readFileSync(out, 'utf8');
    expect({ current, fix: 'run `npm run openapi && npm run desk:client` and commit desk/src/api/schema.d.ts' }).toEqual({ current: true, fix: expect.any(String) });
  });
});
