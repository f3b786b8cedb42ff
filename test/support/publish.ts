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
