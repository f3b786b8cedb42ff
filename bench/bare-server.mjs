// The baseline server: Fastify (the same adapter and version the service runs on) with bare handlers.
//   POST /articles, POST /articles/:id/:action  → one raw INSERT into a table shaped like `events`, then a small JSON answer
//   GET /published/:id, GET /news/:id           → the bytes in BENCH_BARE_PUBLISHED / BENCH_BARE_NEWS, with the same
//                                                 content type and ETag (304 on a matching If-None-Match)
// Env: PORT, DATABASE_URL (optional: without it, POST handlers are not registered).
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fastifyModule, require } from './lib/common.mjs';

const fastify = fastifyModule();
const app = fastify({ logger: false, bodyLimit: 1048576 });
const port = Number(process.env.PORT);

if (process.env.DATABASE_URL) {
  const { Pool } = require('pg');
  // The service's pool size.
  const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
  await pool.query(`CREATE TABLE IF NOT EXISTS bench_bare_events (LIKE events INCLUDING ALL)`);
  const text = `INSERT INTO bench_bare_events (stream_id, version, type, schema_version, data, metadata, recorded_at, hash)
                VALUES ($1, 1, $2, 1, $3::jsonb, $4::jsonb, now(), $5)`;
  const meta = JSON.stringify({ actorId: randomUUID(), username: 'bare', roles: ['reporter'] });
  const handler = (status) => async (request, reply) => {
    const id = request.params.id ?? randomUUID();
    // A stream of its own for every row, so no insert ever conflicts on (stream_id, version).
    await pool.query({ name: 'bare_insert', text, values: [`article-${randomUUID()}`, request.params.action ?? 'draft', JSON.stringify(request.body ?? {}), meta, 'f'.repeat(64)] });
    reply.code(status).header('ETag', '"1"');
    return { id, version: 1, status: 'draft' };
  };
  app.post('/articles', handler(201));
  app.post('/articles/:id/:action', handler(200));
}

function fixed(path, file, contentType) {
  if (!file) return;
  const bytes = readFileSync(file);
  const etag = process.env.BENCH_BARE_ETAG ?? '"1"';
  app.get(path, async (request, reply) => {
    reply.header('ETag', etag).header('Cache-Control', 'public, max-age=0, must-revalidate');
    if (request.headers['if-none-match'] === etag) return reply.code(304).send();
    return reply.type(contentType).send(bytes);
  });
}
fixed('/published/:id', process.env.BENCH_BARE_PUBLISHED, 'application/json; charset=utf-8');
fixed('/news/:id', process.env.BENCH_BARE_NEWS, 'text/html; charset=utf-8');
app.get('/health', async () => ({ status: 'ok' }));

await app.listen({ port, host: '127.0.0.1' });
process.on('SIGTERM', () => app.close().then(() => process.exit(0)));
