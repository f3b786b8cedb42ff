import seed from '../fixtures/seed-article.json';
import { bearer, TestApp } from './test-app';

export type Token = { token: string };
export interface Desk {
  reporter: Token;
  editor: Token;
  publisher: Token;
}

export interface ArticleInput {
  draft: { headline: string; language: string; body: { type: string; text: string }[]; source?: string | null; summary?: string | null };
  bylines: { name: string; role?: string | null; organisation?: string | null }[];
  photos: { href: string; caption: string; credit: { photographer: string; organisation?: string | null; line?: string | null } }[];
  copyrightNotice: { holder: string; text: string; usageTerms?: string | null };
}

export const SEED: ArticleInput = seed;

/** A reporter, an editor and a publisher, as the API's roles table has them. */
export async function desk(t: TestApp): Promise<Desk> {
  return { reporter: await t.user(['reporter']), editor: await t.user(['editor']), publisher: await t.user(['publisher']) };
}

/** Draft, bylines, photos, approval and publication over HTTP, as the seed workflow test does. Returns id and version. */
export async function publishThroughHttp(t: TestApp, d: Desk, input: ArticleInput = SEED, publication: Record<string, unknown> = {}): Promise<{ id: string; version: number }> {
  const drafted = await t.http().post('/articles').set(bearer(d.reporter.token)).send(input.draft).expect(201);
  const id: string = drafted.body.id;
  let version = 1;
  for (const byline of input.bylines) {
    version = (await t.http().post(`/articles/${id}/bylines`).set(bearer(d.reporter.token)).send(byline).expect(201)).body.version;
  }
  for (const photo of input.photos) {
    version = (await t.http().post(`/articles/${id}/photos`).set(bearer(d.reporter.token)).send(photo).expect(201)).body.version;
  }
  version = (await t.http().post(`/articles/${id}/approval`).set(bearer(d.editor.token)).set('If-Match', `"${version}"`).send({}).expect(200)).body.version;
  const published = await t
    .http()
    .post(`/articles/${id}/publication`)
    .set(bearer(d.publisher.token))
    .set('If-Match', `"${version}"`)
    .send({ copyrightNotice: input.copyrightNotice, ...publication })
    .expect(200);
  return { id, version: published.body.version };
}

/** The states an article is brought to by `articleIn`, each with the version it then has. */
export const STATE_VERSION = { draft: 1, 'with-byline': 2, approved: 3, scheduled: 4, published: 4, corrected: 5, withdrawn: 5 } as const;
export type ArticleState = keyof typeof STATE_VERSION;

/**
 * An article brought to `state` over HTTP by the desk: the reporter drafts (`draft`, else the seed's) and adds one
 * byline (the least an approval needs); the editor approves; the publisher schedules (`publishAt`, a week from now
 * unless given), publishes, corrects or withdraws. Returns its id, version and the byline's id.
 */
export async function articleIn(
  t: TestApp,
  d: Desk,
  state: ArticleState,
  options: { draft?: object; publishAt?: string } = {},
): Promise<{ id: string; version: number; bylineId?: string }> {
  const as = (who: Token) => ({
    post: (url: string, version?: number) => {
      const req = t.http().post(url).set(bearer(who.token));
      return version === undefined ? req : req.set('If-Match', `"${version}"`);
    },
  });
  const id: string = (await as(d.reporter).post('/articles').send(options.draft ?? SEED.draft).expect(201)).body.id;
  if (state === 'draft') return { id, version: 1 };
  const bylineId: string = (await as(d.reporter).post(`/articles/${id}/bylines`).send(SEED.bylines[0]).expect(201)).body.bylineId;
  if (state === 'with-byline') return { id, version: 2, bylineId };
  await as(d.editor).post(`/articles/${id}/approval`, 2).send({}).expect(200);
  if (state === 'approved') return { id, version: 3, bylineId };
  if (state === 'scheduled') {
    const publishAt = options.publishAt ?? new Date(Date.now() + 7 * 24 * 3600 * 1000).toISOString();
    await as(d.publisher).post(`/articles/${id}/publication`, 3).send({ copyrightNotice: SEED.copyrightNotice, publishAt }).expect(200);
    return { id, version: 4, bylineId };
  }
  await as(d.publisher).post(`/articles/${id}/publication`, 3).send({ copyrightNotice: SEED.copyrightNotice }).expect(200);
  if (state === 'published') return { id, version: 4, bylineId };
  if (state === 'corrected') {
    await as(d.publisher).post(`/articles/${id}/corrections`, 4).send({ kind: 'correction', note: 'An earlier version misspelled a name.' }).expect(200);
  } else {
    await as(d.publisher).post(`/articles/${id}/withdrawal`, 4).send({ reason: 'Legal advice.' }).expect(200);
  }
  return { id, version: 5, bylineId };
}
