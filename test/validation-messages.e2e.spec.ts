import seed from './fixtures/seed-article.json';
import { bearer, startApp, TestApp } from './support/test-app';

/**
 * A 400 names each bad field with the rule it broke first, as the DTO reads: a missing or mistyped field is told
 * what type it must have, not that it is too long or has too many elements.
 */
describe('validation messages name the broken rule (e2e)', () => {
  let t: TestApp;
  let reporter: { token: string };
  let editor: { token: string };

  beforeAll(async () => {
    t = await startApp();
    reporter = await t.user(['reporter']);
    editor = await t.user(['editor']);
  });
  afterAll(() => t?.close());

  const messages = (body: { errors: { field: string; message: string }[] }) => Object.fromEntries(body.errors.map((e) => [e.field, e.message]));

  it('a missing or mistyped field is told its type', async () => {
    const missing = await t.http().post('/articles').set(bearer(reporter.token)).send({ language: 'vi' }).expect(400);
    expect(messages(missing.body)).toEqual({ headline: 'headline must be a string', body: 'body must be an array' });

    const mistyped = await t.http().post('/articles').set(bearer(reporter.token)).send({ headline: 5, body: 'text', language: 7 }).expect(400);
    expect(messages(mistyped.body)).toEqual({ headline: 'headline must be a string', body: 'body must be an array', language: 'language must be a string' });
    expect(mistyped.body.detail).toBe('headline: headline must be a string; body: body must be an array; language: language must be a string');

    const token = await t.http().post('/auth/token').send({ username: 'someone' }).expect(400);
    expect(messages(token.body)).toEqual({ password: 'password must be a string' });
  });

  it('a missing nested object, and a mistyped nested field', async () => {
    const { body: a } = await t.http().post('/articles').set(bearer(reporter.token)).send(seed.draft).expect(201);
    const photo = await t.http().post(`/articles/${a.id}/photos`).set(bearer(reporter.token)).send({ href: 5, caption: 'c' }).expect(400);
    expect(messages(photo.body)).toEqual({ href: 'href must be a string', credit: 'credit should not be null or undefined' });
    const credit = await t.http().post(`/articles/${a.id}/photos`).set(bearer(reporter.token)).send({ href: 'https://example.org/p.jpg', caption: 'c', credit: { photographer: 3 } }).expect(400);
    expect(messages(credit.body)).toEqual({ 'credit.photographer': 'photographer must be a string' });
  });

  it('query parameters: a missing or repeated number is told it must be an integer', async () => {
    const { body: a } = await t.http().post('/articles').set(bearer(reporter.token)).send(seed.draft).expect(201);
    const diff = await t.http().get(`/articles/${a.id}/diff?to=1`).set(bearer(editor.token)).expect(400);
    expect(messages(diff.body)).toEqual({ from: 'from must be an integer number' });
    const list = await t.http().get('/articles?limit=1&limit=2').set(bearer(editor.token)).expect(400);
    expect(messages(list.body)).toEqual({ limit: 'limit must be an integer number' });
  });

  it('a value of the right type that breaks a later rule is still told that rule, once', async () => {
    const long = await t.http().post('/articles').set(bearer(reporter.token)).send({ ...seed.draft, headline: 'x'.repeat(1001), body: [] }).expect(400);
    expect(long.body.errors).toEqual([
      { field: 'headline', message: 'headline must be shorter than or equal to 1000 characters' },
      { field: 'body', message: 'body must contain at least 1 elements' },
    ]);
    const limit = await t.http().get('/articles?limit=0').set(bearer(editor.token)).expect(400);
    expect(limit.body.errors).toEqual([{ field: 'limit', message: 'limit must not be less than 1' }]);
    const unknown = await t.http().post('/articles').set(bearer(reporter.token)).send({ ...seed.draft, status: 'published' }).expect(400);
    expect(unknown.body.errors).toEqual([{ field: 'status', message: 'property status should not exist' }]);
  });
});
