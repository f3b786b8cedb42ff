import SwaggerParser from '@apidevtools/swagger-parser';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type request from 'supertest';
import { Desk, desk, publishThroughHttp, SEED } from './support/publish';
import { bearer, caughtUp, rebuildThroughApi, startApp, TestApp } from './support/test-app';
import { eventually, WebhookReceiver } from './support/webhook-receiver';

type Doc = {
  paths: Record<string, Record<string, { security?: Record<string, string[]>[]; responses: Record<string, { content?: Record<string, { schema: object }> }> }>>;
  components: { schemas: Record<string, object> };
};

/**
 * The OpenAPI document is valid, is the committed docs/openapi.json, and tells the truth: each route, driven over HTTP
 * in a state where it succeeds, answers the success status the document gives it, with a body its schema accepts
 * (no property the schema does not name), and the routes marked public answer without a token.
 */
describe('the OpenAPI document (e2e)', () => {
  let t: TestApp;
  let d: Desk;
  let doc: Doc;

  beforeAll(async () => {
    t = await startApp();
    d = await desk(t);
    doc = (await t.http().get('/docs-json').expect(200)).body;
    await receiver.start();
    await others.start();
  });
  // One receiver for the subscriber whose deliveries are read (its secret kept), one for the rest: each new
  // subscriber gets its own secret, and a receiver verifies with one.
  const receiver = new WebhookReceiver();
  const others = new WebhookReceiver();
  afterAll(async () => {
    await receiver.stop();
    await others.stop();
    await t?.close();
  });

  it('is a valid OpenAPI 3 document', async () => {
    await expect(SwaggerParser.validate(structuredClone(doc) as never)).resolves.toBeTruthy();
  });

  it('is the committed docs/openapi.json (run npm run openapi after changing a route)', () => {
    const committed = JSON.parse(readFileSync(join(__dirname, '..', 'docs', 'openapi.json'), 'utf8'));
    expect(doc).toEqual(committed);
  });

  it('documents POST /articles/{id}/approval as 200 with a body, not 201 with nothing', () => {
    const approval = doc.paths['/articles/{id}/approval'].post.responses;
    expect(Object.keys(approval).filter((s) => s.startsWith('2'))).toEqual(['200']);
    expect(approval['200'].content?.['application/json']).toBeDefined();
  });

  describe('route by route, the documented success status is the one the route answers', () => {
    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(ajv);
    let registered = false;
    /** The document's schemas with additionalProperties: false wherever they list properties: an undocumented field fails. */
    const closed = (schema: unknown): unknown => {
      if (Array.isArray(schema)) return schema.map(closed);
      if (!schema || typeof schema !== 'object') return schema;
      const out = Object.fromEntries(Object.entries(schema).map(([k, v]) => [k, k === 'example' || k === 'examples' ? v : closed(v)]));
      if (out.properties && out.additionalProperties === undefined) out.additionalProperties = false;
      return out;
    };
    const checkBody = (method: string, path: string, status: string, res: request.Response) => {
      if (!registered) {
        ajv.addSchema({ $id: 'openapi', components: closed(doc.components) });
        registered = true;
      }
      const content = doc.paths[path][method].responses[status].content;
      const json = content?.['application/json'];
      if (!json) return;
      const schema = JSON.parse(JSON.stringify(json.schema).replaceAll('"#/components/', '"openapi#/components/'));
      const validate = ajv.compile(closed(schema) as object);
      const ok = validate(res.body);
      expect({ route: `${method.toUpperCase()} ${path}`, errors: ok ? null : validate.errors }).toEqual({ route: `${method.toUpperCase()} ${path}`, errors: null });
    };

    /** A new draft by the reporter, with the seed's byline and photo: ready for an editor's approval. */
    const draft = async () => {
      const r = await t.http().post('/articles').set(bearer(d.reporter.token)).send(SEED.draft).expect(201);
      await t.http().post(`/articles/${r.body.id}/bylines`).set(bearer(d.reporter.token)).send(SEED.bylines[0]).expect(201);
      const p = await t.http().post(`/articles/${r.body.id}/photos`).set(bearer(d.reporter.token)).send(SEED.photos[0]).expect(201);
      return { id: r.body.id as string, version: p.body.version as number };
    };
    const approved = async () => {
      const a = await draft();
      const r = await t.http().post(`/articles/${a.id}/approval`).set(bearer(d.editor.token)).set('If-Match', `"${a.version}"`).send({}).expect(200);
      return { id: a.id, version: r.body.version as number };
    };
    const publish = (id: string, version: number, extra = {}) =>
      t.http().post(`/articles/${id}/publication`).set(bearer(d.publisher.token)).set('If-Match', `"${version}"`).send({ copyrightNotice: SEED.copyrightNotice, ...extra });

    /** A webhook subscriber on a receiver in this test (its secret kept, so the receiver verifies what it gets). */
    const subscribe = async (to = others) => {
      const res = await t.http().post('/subscribers').set(bearer(t.adminToken)).send({ name: `partner-${Date.now()}`, destination: { kind: 'webhook', url: to.url } });
      if (res.status === 201) to.setSecret(res.body.secret);
      return res;
    };
    let subscriber: string | undefined;
    const subscriberId = async () => (subscriber ??= (await subscribe(receiver).then((r) => r.body.id)) as string);

    /** Each route of the document, driven so that it succeeds. A route the document lists and this map lacks fails the test. */
    const drivers: Record<string, () => Promise<request.Response>> = {
      'POST /auth/token': async () => t.http().post('/auth/token').send({ username: 'admin', password: 'admin-password-for-tests' }),
      'GET /users/me': async () => t.http().get('/users/me').set(bearer(d.reporter.token)),
      'POST /users': async () => t.http().post('/users').set(bearer(t.adminToken)).send({ username: `u-${Date.now()}`, password: 'a-long-enough-password', roles: ['reporter'] }),
      'GET /users': async () => t.http().get('/users').set(bearer(t.adminToken)),
      'PATCH /users/{id}': async () => {
        const u = await t.user(['reporter']);
        return t.http().patch(`/users/${u.id}`).set(bearer(t.adminToken)).send({ roles: ['editor'] });
      },
      'DELETE /users/{id}': async () => {
        const u = await t.user(['reporter']);
        return t.http().delete(`/users/${u.id}`).set(bearer(t.adminToken));
      },
      'POST /articles': async () => t.http().post('/articles').set(bearer(d.reporter.token)).send(SEED.draft),
      'GET /articles': async () => {
        await caughtUp(t); // search is written just after the commit: the results must hold the seed to be checked
        return t.http().get('/articles?q=南寧').set(bearer(d.reporter.token));
      },
      'PATCH /articles/{id}': async () => {
        const a = await draft();
        return t.http().patch(`/articles/${a.id}`).set(bearer(d.reporter.token)).set('If-Match', `"${a.version}"`).send({ summary: 'A summary.' });
      },
      'GET /articles/{id}': async () => t.http().get(`/articles/${(await approved()).id}`).set(bearer(d.reporter.token)),
      'POST /articles/{id}/bylines': async () => t.http().post(`/articles/${(await draft()).id}/bylines`).set(bearer(d.reporter.token)).send(SEED.bylines[1]),
      'DELETE /articles/{id}/bylines/{bylineId}': async () => {
        const a = await draft();
        const b = await t.http().post(`/articles/${a.id}/bylines`).set(bearer(d.reporter.token)).send(SEED.bylines[1]).expect(201);
        return t.http().delete(`/articles/${a.id}/bylines/${b.body.bylineId}`).set(bearer(d.reporter.token));
      },
      'POST /articles/{id}/photos': async () => t.http().post(`/articles/${(await draft()).id}/photos`).set(bearer(d.reporter.token)).send(SEED.photos[0]),
      'DELETE /articles/{id}/photos/{photoId}': async () => {
        const a = await draft();
        const p = await t.http().post(`/articles/${a.id}/photos`).set(bearer(d.reporter.token)).send(SEED.photos[0]).expect(201);
        return t.http().delete(`/articles/${a.id}/photos/${p.body.photoId}`).set(bearer(d.reporter.token));
      },
      'POST /articles/{id}/approval': async () => {
        const a = await draft();
        return t.http().post(`/articles/${a.id}/approval`).set(bearer(d.editor.token)).set('If-Match', `"${a.version}"`).send({ note: 'read it' });
      },
      'POST /articles/{id}/publication': async () => {
        const a = await approved();
        return publish(a.id, a.version);
      },
      'DELETE /articles/{id}/publication': async () => {
        const a = await approved();
        const s = await publish(a.id, a.version, { publishAt: '2099-01-01T09:00:00Z' }).expect(200);
        return t.http().delete(`/articles/${a.id}/publication`).set(bearer(d.publisher.token)).set('If-Match', `"${s.body.version}"`);
      },
      'POST /articles/{id}/corrections': async () => {
        const a = await publishThroughHttp(t, d);
        return t.http().post(`/articles/${a.id}/corrections`).set(bearer(d.publisher.token)).set('If-Match', `"${a.version}"`).send({ kind: 'correction', note: 'A name was misspelled.' });
      },
      'POST /articles/{id}/corrections/{correctionId}/approval': async () => {
        const a = await publishThroughHttp(t, d);
        const p = await t.http().post(`/articles/${a.id}/corrections`).set(bearer(d.publisher.token)).set('If-Match', `"${a.version}"`).send({ kind: 'correction', note: 'The headline misspelled a name.', headline: 'A corrected headline' }).expect(202);
        return t.http().post(`/articles/${a.id}/corrections/${p.body.correctionId}/approval`).set(bearer(d.editor.token)).set('If-Match', `"${p.body.version}"`);
      },
      'POST /articles/{id}/corrections/{correctionId}/rejection': async () => {
        const a = await publishThroughHttp(t, d);
        const p = await t.http().post(`/articles/${a.id}/corrections`).set(bearer(d.publisher.token)).set('If-Match', `"${a.version}"`).send({ kind: 'correction', note: 'The headline misspelled a name.', headline: 'A corrected headline' }).expect(202);
        return t.http().post(`/articles/${a.id}/corrections/${p.body.correctionId}/rejection`).set(bearer(d.editor.token)).set('If-Match', `"${p.body.version}"`).send({ reason: 'not a correction' });
      },
      'POST /subscribers': async () => subscribe(),
      'GET /subscribers': async () => t.http().get('/subscribers').set(bearer(t.adminToken)),
      'GET /subscribers/{id}': async () => t.http().get(`/subscribers/${await subscriberId()}`).set(bearer(t.adminToken)),
      'DELETE /subscribers/{id}': async () => t.http().delete(`/subscribers/${(await subscribe()).body.id}`).set(bearer(t.adminToken)),
      'POST /subscribers/{id}/pause': async () => t.http().post(`/subscribers/${(await subscribe()).body.id}/pause`).set(bearer(t.adminToken)),
      'POST /subscribers/{id}/resume': async () => {
        const id = (await subscribe()).body.id;
        await t.http().post(`/subscribers/${id}/pause`).set(bearer(t.adminToken)).expect(200);
        return t.http().post(`/subscribers/${id}/resume`).set(bearer(t.adminToken));
      },
      'POST /subscribers/{id}/redelivery': async () => t.http().post(`/subscribers/${await subscriberId()}/redelivery`).set(bearer(t.adminToken)).send({ fromPosition: 0 }),
      'GET /subscribers/{id}/deliveries': async () => t.http().get(`/subscribers/${await subscriberId()}/deliveries`).set(bearer(t.adminToken)),
      'GET /subscribers/{id}/deliveries/{position}/payload': async () => {
        const id = await subscriberId();
        await publishThroughHttp(t, d);
        let position = '';
        await eventually(async () => {
          const log = await t.http().get(`/subscribers/${id}/deliveries?status=delivered`).set(bearer(t.adminToken));
          position = log.body[0]?.position ?? '';
          return position !== '';
        }, 'a delivery');
        return t.http().get(`/subscribers/${id}/deliveries/${position}/payload`).set(bearer(t.adminToken));
      },
      'GET /articles/{id}/deliveries': async () => t.http().get(`/articles/${(await publishThroughHttp(t, d)).id}/deliveries`).set(bearer(d.editor.token)),
      'GET /audit/distribution': async () => t.http().get('/audit/distribution').set(bearer(d.editor.token)),
      'POST /articles/{id}/withdrawal': async () => {
        const a = await publishThroughHttp(t, d);
        return t.http().post(`/articles/${a.id}/withdrawal`).set(bearer(d.publisher.token)).set('If-Match', `"${a.version}"`).send({ reason: 'legal' });
      },
      'GET /articles/{id}/history': async () => t.http().get(`/articles/${(await approved()).id}/history`).set(bearer(d.editor.token)),
      'GET /articles/{id}/events': async () => t.http().get(`/articles/${(await approved()).id}/events`).set(bearer(d.editor.token)),
      'GET /articles/{id}/diff': async () => t.http().get(`/articles/${(await approved()).id}/diff?from=1&to=3`).set(bearer(d.editor.token)),
      'GET /published/{id}': async () => t.http().get(`/published/${(await publishThroughHttp(t, d)).id}`),
      'GET /audit/verify': async () => t.http().get('/audit/verify').set(bearer(t.adminToken)),
      'GET /audit': async () => t.http().get('/audit?limit=5').set(bearer(d.editor.token)),
      'GET /events/stream': async () =>
        // An open stream: its status once the headers are in, then hang up.
        t
          .http()
          .get('/events/stream')
          .set(bearer(d.editor.token))
          .buffer(true)
          .parse((res, done) => {
            done(null, {});
            (res as unknown as { destroy(): void }).destroy();
          }),
      'GET /admin/projections': async () => t.http().get('/admin/projections').set(bearer(t.adminToken)),
      'POST /admin/projections/{name}/rebuild': async () => {
        const res = await t.http().post('/admin/projections/articles/rebuild').set(bearer(t.adminToken));
        for (let i = 0; i < 400; i++) {
          const job = await t.http().get(`/admin/jobs/${res.body.jobId}`).set(bearer(t.adminToken));
          if (job.body.status !== 'running') break;
          await new Promise((r) => setTimeout(r, 25));
        }
        return res;
      },
      'GET /admin/jobs/{jobId}': async () => {
        const job = await rebuildThroughApi(t, 'published');
        return t.http().get(`/admin/jobs/${job.jobId}`).set(bearer(t.adminToken));
      },
      'GET /health': async () => t.http().get('/health'),
      'GET /published/{id}/ninjs': async () => t.http().get(`/published/${(await publishThroughHttp(t, d)).id}/ninjs`),
      'GET /news/{id}': async () => t.http().get(`/news/${(await publishThroughHttp(t, d)).id}`),
      'GET /feeds/published.atom': async () => {
        await caughtUp(t);
        return t.http().get('/feeds/published.atom?q=東盟');
      },
    };

    it('every route of the document has a check here', () => {
      const routes = Object.entries(doc.paths).flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`));
      expect(routes.filter((r) => !drivers[r])).toEqual([]);
      expect(Object.keys(drivers).filter((r) => !routes.includes(r))).toEqual([]);
    });

    for (const route of Object.keys(drivers)) {
      it(route, async () => {
        const [method, path] = route.split(' ');
        const operation = doc.paths[path][method.toLowerCase()];
        // The first success status documented is the route's usual answer; a second (202 for a proposed correction)
        // is documented beside it and has its own spec.
        const documented = Object.keys(operation.responses).filter((s) => /^2\d\d$/.test(s));
        expect(documented.length).toBeGreaterThanOrEqual(1);
        const res = await drivers[route]();
        expect({ route, status: res.status }).toEqual({ route, status: Number(documented[0]) });
        checkBody(method.toLowerCase(), path, documented[0], res);
        // Public routes are marked with an empty security requirement; the others need the bearer token.
        const isPublic = Array.isArray(operation.security) && operation.security.length === 0;
        expect({ route, security: operation.security }).toEqual({ route, security: isPublic ? [] : [{ bearer: [] }] });
        if (!isPublic && method === 'GET' && !path.includes('stream')) {
          const anonymous = await t.http().get(path.replace(/\{[^}]+\}/g, '00000000-0000-4000-8000-000000000000'));
          expect({ route, status: anonymous.status }).toEqual({ route, status: 401 });
        }
      });
    }
  });
});
