import type { Response, Test } from 'supertest';
import seed from './fixtures/seed-article.json';
import { articleIn } from './support/publish';
import { ADMIN_PASSWORD, bearer, startApp, TestApp } from './support/test-app';
import type { Role } from '../src/auth/roles';

/**
 * The role table of docs/api.md as one matrix: every route below × every role (and no token at all).
 * Each case sets up its own state so that an allowed call succeeds (the expected status is asserted); a role the
 * table does not allow gets 403, and nothing else does.
 */

const ROLES: Role[] = ['reporter', 'editor', 'publisher', 'auditor', 'admin'];
type Who = Role | 'anonymous';

// The rows of the table in docs/api.md ("Authentication and roles").
const WRITE: Role[] = ['reporter', 'editor', 'publisher'];
const APPROVE: Role[] = ['editor', 'publisher'];
const PUBLISH: Role[] = ['publisher'];
const READ: Role[] = ['reporter', 'editor', 'publisher', 'auditor', 'admin'];
const AUDIT: Role[] = ['editor', 'publisher', 'auditor', 'admin'];
const VERIFY: Role[] = ['auditor', 'admin'];
const ADMIN: Role[] = ['admin'];
const PUBLIC = 'public' as const;

interface Route {
  name: string;
  allowed: readonly Role[] | typeof PUBLIC;
  /** The status of an allowed call. */
  success: number;
  /** Builds the state the call needs and returns the call, for a user with this token (undefined: no token). */
  call: (token: string | undefined) => Promise<Response>;
}

describe('authorisation matrix (e2e)', () => {
  let t: TestApp;
  const tokens = {} as Record<Role, string>;
  // Set-up is done by users who never appear in the matrix, so the four-eyes rule never decides a case.
  let setup: { reporter: string; editor: string; publisher: string };

  const auth = (req: Test, token: string | undefined) => (token ? req.set(bearer(token)) : req);
  const as = (token: string | undefined) => ({
    get: (url: string) => auth(t.http().get(url), token),
    post: (url: string) => auth(t.http().post(url), token),
    patch: (url: string) => auth(t.http().patch(url), token),
    delete: (url: string) => auth(t.http().delete(url), token),
  });

  // States, each built afresh by the set-up users (test/support/publish.ts).
  const setupDesk = () => ({ reporter: { token: setup.reporter }, editor: { token: setup.editor }, publisher: { token: setup.publisher } });
  const drafted = async () => (await articleIn(t, setupDesk(), 'draft')).id;
  const withByline = async () => {
    const { id, bylineId, version } = await articleIn(t, setupDesk(), 'with-byline');
    return { id, bylineId: bylineId!, version };
  };
  const withPhoto = async () => {
    const id = await drafted();
    const { body } = await as(setup.reporter).post(`/articles/${id}/photos`).send(seed.photos[0]).expect(201);
    return { id, photoId: body.photoId as string };
  };
  const approved = async () => {
    const { id, version } = await articleIn(t, setupDesk(), 'approved');
    return { id, version };
  };
  const scheduled = async () => {
    const { id, version } = await articleIn(t, setupDesk(), 'scheduled');
    return { id, version };
  };
  const published = async () => {
    const { id, version } = await articleIn(t, setupDesk(), 'published');
    return { id, version };
  };
  /** A correction of the headline proposed by the set-up publisher, waiting for someone else (version 5). */
  const proposed = async () => {
    const { id } = await published();
    const { body } = await as(setup.publisher).post(`/articles/${id}/corrections`).set('If-Match', '"4"').send({ kind: 'correction', note: 'Fixed a name.', headline: 'Corrected' }).expect(202);
    return { id, correctionId: body.correctionId as string };
  };
  // A subscriber whose webhook nobody answers (its deliveries fail and wait): what the subscriber routes act on.
  const subscriber = async (from: 'now' | 'beginning' = 'now') =>
    (await as(t.adminToken).post('/subscribers').send({ name: 'matrix partner', destination: { kind: 'webhook', url: 'http://127.0.0.1:9/hook' }, from }).expect(201)).body.id as string;
  /** A subscriber with one delivery queued, and that delivery's log position. */
  const queuedDelivery = async () => {
    await published();
    const id = await subscriber('beginning');
    for (let i = 0; i < 400; i++) {
      const { body } = await as(t.adminToken).get(`/subscribers/${id}/deliveries?limit=1`).expect(200);
      if (body.length) return { id, position: body[0].position as number };
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('no delivery was queued');
  };
  let userCounter = 0;
  const someUser = async () => (await t.user(['reporter'])).id;

  const ROUTES: Route[] = [
    // The write side.
    { name: 'POST /articles', allowed: WRITE, success: 201, call: async (tk) => as(tk).post('/articles').send(seed.draft) },
    {
      name: 'PATCH /articles/{id}',
      allowed: WRITE,
      success: 200,
      call: async (tk) => as(tk).patch(`/articles/${await drafted()}`).set('If-Match', '"1"').send({ headline: 'A revised headline' }),
    },
    { name: 'POST /articles/{id}/bylines', allowed: WRITE, success: 201, call: async (tk) => as(tk).post(`/articles/${await drafted()}/bylines`).send(seed.bylines[1]) },
    {
      name: 'DELETE /articles/{id}/bylines/{bylineId}',
      allowed: WRITE,
      success: 200,
      call: async (tk) => {
        const { id, bylineId } = await withByline();
        return as(tk).delete(`/articles/${id}/bylines/${bylineId}`);
      },
    },
    { name: 'POST /articles/{id}/photos', allowed: WRITE, success: 201, call: async (tk) => as(tk).post(`/articles/${await drafted()}/photos`).send(seed.photos[0]) },
    {
      name: 'DELETE /articles/{id}/photos/{photoId}',
      allowed: WRITE,
      success: 200,
      call: async (tk) => {
        const { id, photoId } = await withPhoto();
        return as(tk).delete(`/articles/${id}/photos/${photoId}`);
      },
    },
    {
      name: 'POST /articles/{id}/approval',
      allowed: APPROVE,
      success: 200,
      call: async (tk) => {
        const { id, version } = await withByline();
        return as(tk).post(`/articles/${id}/approval`).set('If-Match', `"${version}"`).send({ note: 'fine' });
      },
    },
    {
      name: 'POST /articles/{id}/publication',
      allowed: PUBLISH,
      success: 200,
      call: async (tk) => {
        const { id, version } = await approved();
        return as(tk).post(`/articles/${id}/publication`).set('If-Match', `"${version}"`).send({ copyrightNotice: seed.copyrightNotice });
      },
    },
    {
      name: 'DELETE /articles/{id}/publication',
      allowed: PUBLISH,
      success: 200,
      call: async (tk) => {
        const { id, version } = await scheduled();
        return as(tk).delete(`/articles/${id}/publication`).set('If-Match', `"${version}"`);
      },
    },
    {
      name: 'POST /articles/{id}/corrections',
      allowed: PUBLISH,
      success: 200,
      call: async (tk) => {
        const { id, version } = await published();
        return as(tk).post(`/articles/${id}/corrections`).set('If-Match', `"${version}"`).send({ kind: 'clarification', note: 'A clarification.' });
      },
    },
    {
      name: 'POST /articles/{id}/corrections/{correctionId}/approval',
      allowed: APPROVE,
      success: 200,
      call: async (tk) => {
        const { id, correctionId } = await proposed();
        return as(tk).post(`/articles/${id}/corrections/${correctionId}/approval`).set('If-Match', '"5"').send();
      },
    },
    {
      name: 'POST /articles/{id}/corrections/{correctionId}/rejection',
      allowed: APPROVE,
      success: 200,
      call: async (tk) => {
        const { id, correctionId } = await proposed();
        return as(tk).post(`/articles/${id}/corrections/${correctionId}/rejection`).set('If-Match', '"5"').send({ reason: 'Not needed.' });
      },
    },
    {
      name: 'POST /articles/{id}/withdrawal',
      allowed: PUBLISH,
      success: 200,
      call: async (tk) => {
        const { id, version } = await published();
        return as(tk).post(`/articles/${id}/withdrawal`).set('If-Match', `"${version}"`).send({ reason: 'Legal advice.' });
      },
    },
    // The working reads.
    { name: 'GET /articles', allowed: READ, success: 200, call: async (tk) => as(tk).get('/articles?status=draft&limit=5') },
    { name: 'GET /articles/{id}', allowed: READ, success: 200, call: async (tk) => as(tk).get(`/articles/${await drafted()}`) },
    { name: 'GET /articles/{id}?version=N', allowed: READ, success: 200, call: async (tk) => as(tk).get(`/articles/${(await withByline()).id}?version=1`) },
    { name: 'GET /users/me', allowed: READ, success: 200, call: async (tk) => as(tk).get('/users/me') },
    // The audit trail.
    { name: 'GET /articles/{id}/history', allowed: AUDIT, success: 200, call: async (tk) => as(tk).get(`/articles/${(await withByline()).id}/history`) },
    { name: 'GET /articles/{id}/events', allowed: AUDIT, success: 200, call: async (tk) => as(tk).get(`/articles/${(await withByline()).id}/events`) },
    { name: 'GET /articles/{id}/diff', allowed: AUDIT, success: 200, call: async (tk) => as(tk).get(`/articles/${(await withByline()).id}/diff?from=1&to=2`) },
    { name: 'GET /audit', allowed: AUDIT, success: 200, call: async (tk) => as(tk).get('/audit?limit=5') },
    { name: 'GET /audit/verify', allowed: VERIFY, success: 200, call: async (tk) => as(tk).get('/audit/verify') },
    // User management.
    { name: 'GET /users', allowed: ADMIN, success: 200, call: async (tk) => as(tk).get('/users') },
    {
      name: 'POST /users',
      allowed: ADMIN,
      success: 201,
      call: async (tk) => as(tk).post('/users').send({ username: `made-${++userCounter}`, password: 'a-long-password', roles: ['admin'] }),
    },
    { name: 'PATCH /users/{id}', allowed: ADMIN, success: 200, call: async (tk) => as(tk).patch(`/users/${await someUser()}`).send({ roles: ['admin'] }) },
    { name: 'DELETE /users/{id}', allowed: ADMIN, success: 200, call: async (tk) => as(tk).delete(`/users/${await someUser()}`) },
    // Public.
    { name: 'GET /published/{id}', allowed: PUBLIC, success: 200, call: async (tk) => as(tk).get(`/published/${(await published()).id}`) },
    { name: 'GET /health', allowed: PUBLIC, success: 200, call: async (tk) => as(tk).get('/health') },
    { name: 'GET /docs-json', allowed: PUBLIC, success: 200, call: async (tk) => as(tk).get('/docs-json') },
    { name: 'GET /docs', allowed: PUBLIC, success: 200, call: async (tk) => as(tk).get('/docs') },
    { name: 'POST /auth/token', allowed: PUBLIC, success: 200, call: async (tk) => as(tk).post('/auth/token').send({ username: 'admin', password: ADMIN_PASSWORD }) },
    { name: 'GET /published/{id}/ninjs', allowed: PUBLIC, success: 200, call: async (tk) => as(tk).get(`/published/${(await published()).id}/ninjs`) },
    { name: 'GET /news/{id}', allowed: PUBLIC, success: 200, call: async (tk) => as(tk).get(`/news/${(await published()).id}`) },
    { name: 'GET /feeds/published.atom', allowed: PUBLIC, success: 200, call: async (tk) => as(tk).get('/feeds/published.atom') },
    // Administration.
    // Distribution.
    {
      name: 'POST /subscribers',
      allowed: ADMIN,
      success: 201,
      call: async (tk) => as(tk).post('/subscribers').send({ name: 'p', destination: { kind: 'webhook', url: 'http://127.0.0.1:9/hook' } }),
    },
    { name: 'GET /subscribers', allowed: VERIFY, success: 200, call: async (tk) => as(tk).get('/subscribers') },
    { name: 'GET /subscribers/{id}', allowed: VERIFY, success: 200, call: async (tk) => as(tk).get(`/subscribers/${await subscriber()}`) },
    { name: 'DELETE /subscribers/{id}', allowed: ADMIN, success: 200, call: async (tk) => as(tk).delete(`/subscribers/${await subscriber()}`) },
    { name: 'POST /subscribers/{id}/pause', allowed: ADMIN, success: 200, call: async (tk) => as(tk).post(`/subscribers/${await subscriber()}/pause`) },
    { name: 'POST /subscribers/{id}/resume', allowed: ADMIN, success: 200, call: async (tk) => as(tk).post(`/subscribers/${await subscriber()}/resume`) },
    {
      name: 'POST /subscribers/{id}/redelivery',
      allowed: ADMIN,
      success: 200,
      call: async (tk) => as(tk).post(`/subscribers/${await subscriber()}/redelivery`).send({ fromPosition: 0 }),
    },
    { name: 'GET /subscribers/{id}/deliveries', allowed: VERIFY, success: 200, call: async (tk) => as(tk).get(`/subscribers/${await subscriber()}/deliveries`) },
    {
      name: 'GET /subscribers/{id}/deliveries/{position}/payload',
      allowed: VERIFY,
      success: 200,
      call: async (tk) => {
        const { id, position } = await queuedDelivery();
        return as(tk).get(`/subscribers/${id}/deliveries/${position}/payload`);
      },
    },
    { name: 'GET /articles/{id}/deliveries', allowed: AUDIT, success: 200, call: async (tk) => as(tk).get(`/articles/${(await published()).id}/deliveries`) },
    { name: 'GET /audit/distribution', allowed: AUDIT, success: 200, call: async (tk) => as(tk).get('/audit/distribution') },
    { name: 'GET /admin/projections', allowed: ADMIN, success: 200, call: async (tk) => as(tk).get('/admin/projections') },
    { name: 'POST /admin/projections/{name}/rebuild', allowed: ADMIN, success: 202, call: async (tk) => as(tk).post('/admin/projections/published/rebuild') },
    {
      name: 'GET /admin/jobs/{jobId}',
      allowed: ADMIN,
      success: 200,
      call: async (tk) => {
        const { body } = await as(t.adminToken).post('/admin/projections/published/rebuild').expect(202);
        return as(tk).get(`/admin/jobs/${body.jobId}`);
      },
    },
  ];

  /** Routes checked elsewhere, because a plain request cannot: each names the test that covers its roles. */
  const ELSEWHERE: Record<string, string> = {
    'GET /events/stream': 'an endless SSE stream: test/time-travel.e2e.spec.ts checks an editor streams and a reporter gets 403',
  };

  const CASES: [string, Who, number][] = ROUTES.flatMap((route) =>
    (['anonymous', ...ROLES] as Who[]).map((who): [string, Who, number] => {
      if (route.allowed === PUBLIC) return [route.name, who, route.success];
      if (who === 'anonymous') return [route.name, who, 401];
      return [route.name, who, route.allowed.includes(who) ? route.success : 403];
    }),
  );

  beforeAll(async () => {
    t = await startApp({ NEWSROOM_SCHEDULER: 'off' });
    for (const role of ROLES) tokens[role] = role === 'admin' ? (await t.user(['admin'])).token : (await t.user([role])).token;
    setup = { reporter: (await t.user(['reporter'])).token, editor: (await t.user(['editor'])).token, publisher: (await t.user(['publisher'])).token };
  });
  afterAll(() => t?.close());

  it('covers every role for every route, with 403 for at least one role on every non-public route', () => {
    for (const route of ROUTES) {
      const cells = CASES.filter(([name]) => name === route.name);
      expect(cells).toHaveLength(ROLES.length + 1);
      if (route.allowed !== PUBLIC) expect(cells.some(([, , status]) => status === 403) || route.allowed.length === ROLES.length).toBe(true);
    }
  });

  it('has a row for every route the service serves (a new route without a rule fails here)', async () => {
    const doc = (await t.http().get('/docs-json').expect(200)).body as { paths: Record<string, Record<string, unknown>> };
    const served = Object.entries(doc.paths).flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`));
    expect(served.length).toBeGreaterThan(25);
    const covered = new Set([...ROUTES.map((r) => r.name), ...Object.keys(ELSEWHERE)]);
    expect(served.filter((route) => !covered.has(route))).toEqual([]);
  });

  it.each(CASES)('%s as %s → %i', async (name, who, expected) => {
    const route = ROUTES.find((r) => r.name === name)!;
    const res: Response = await route.call(who === 'anonymous' ? undefined : tokens[who]);
    const allowed = route.allowed === PUBLIC || (who !== 'anonymous' && route.allowed.includes(who));
    // The rule under test: 403 if and only if the role may not do this.
    expect(res.status === 403).toBe(who !== 'anonymous' && !allowed);
    expect({ status: res.status, body: res.status >= 400 ? res.body : undefined }).toMatchObject({ status: expected });
    if (res.status >= 400) {
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body).toMatchObject({ status: expected, title: expect.any(String), detail: expect.any(String) });
    }
  });

  it('gives a user with several roles the union of what the roles may do', async () => {
    const both = await t.user(['reporter', 'auditor']);
    const { body } = await as(both.token).post('/articles').send(seed.draft).expect(201);
    await as(both.token).get(`/articles/${body.id}/history`).expect(200);
    await as(both.token).get('/audit/verify').expect(200);
    await as(both.token).post(`/articles/${(await withByline()).id}/approval`).set('If-Match', '"2"').send({}).expect(403);
    await as(both.token).get('/users').expect(403);
  });

  it('does not let a refused write leave any trace', async () => {
    const { id, version } = await approved();
    for (const role of ['reporter', 'editor', 'auditor', 'admin'] as const) {
      await as(tokens[role]).post(`/articles/${id}/publication`).set('If-Match', `"${version}"`).send({ copyrightNotice: seed.copyrightNotice }).expect(403);
    }
    for (const role of ['auditor', 'admin'] as const) {
      await as(tokens[role]).patch(`/articles/${id}`).set('If-Match', `"${version}"`).send({ headline: 'changed' }).expect(403);
    }
    const events = await as(tokens.auditor).get(`/articles/${id}/events`).expect(200);
    expect(events.body).toHaveLength(version);
    await t.http().get(`/published/${id}`).expect(404);
  });
});
