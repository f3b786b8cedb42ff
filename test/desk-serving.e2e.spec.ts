import Fastify, { FastifyInstance } from 'fastify';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { DESK_CSP, serveDesk } from '../src/desk/desk.module';

/** How the service serves the desk: its files under /desk, index.html for any screen's URL, and a strict CSP. */
describe('serving the desk at /desk (e2e)', () => {
  let dir: string;
  let served: FastifyInstance;
  let unbuilt: FastifyInstance;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'desk-'));
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>desk</title><script type="module" src="/desk/assets/index-abc.js"></script>');
    writeFileSync(join(dir, 'assets', 'index-abc.js'), 'export {};');
    served = Fastify();
    serveDesk(served, dir);
    unbuilt = Fastify();
    serveDesk(unbuilt, join(dir, 'missing'));
    await Promise.all([served.ready(), unbuilt.ready()]);
  });
  afterAll(async () => {
    await Promise.all([served?.close(), unbuilt?.close()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it.each(['/desk', '/desk/', '/desk/stories/0d6f3c1e-1111-4222-8333-444455556666/edit', '/desk/admin'])('answers index.html at %s, never cached, with the CSP', async (url) => {
    const res = await request(served.server).get(url);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.headers['content-security-policy']).toBe(DESK_CSP);
    expect(res.text).toContain('/desk/assets/index-abc.js');
  });

  it('serves hashed assets for a year, and a missing asset is a 404, not the page', async () => {
    const js = await request(served.server).get('/desk/assets/index-abc.js');
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toMatch(/javascript/);
    expect(js.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect((await request(served.server).get('/desk/assets/gone.js')).status).toBe(404);
  });

  it('allows no inline script, no other origin, no framing', () => {
    expect(DESK_CSP).toContain("script-src 'self'");
    expect(DESK_CSP).toContain("default-src 'none'");
    expect(DESK_CSP).toContain("frame-ancestors 'none'");
    expect(DESK_CSP).not.toMatch(/unsafe-inline|unsafe-eval|https?:/);
  });

  it('says how to build the desk when it is not built', async () => {
    const res = await request(unbuilt.server).get('/desk/stories');
    expect(res.status).toBe(503);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(res.text)).toMatchObject({ status: 503, detail: expect.stringContaining('npm run build') });
  });
});
