import { call, createUser, Res } from './harness';

/** Draft, byline, approval and publication over plain HTTP; the article id, its version and the publisher's token. */
export async function publishOverHttp(base: string, adminToken: string): Promise<{ id: string; version: number; publisherToken: string }> {
  const run = Math.random().toString(36).slice(2, 8);
  const reporter = await createUser(base, adminToken, `dist-reporter-${run}`, ['reporter']);
  const editor = await createUser(base, adminToken, `dist-editor-${run}`, ['editor']);
  const publisher = await createUser(base, adminToken, `dist-publisher-${run}`, ['publisher']);
  const must = (res: Res, what: string): Res => {
    if (res.status < 200 || res.status > 299) throw new Error(`${what}: ${res.status} ${res.text}`);
    return res;
  };
  const drafted = must(await call(base, 'POST', '/articles', { token: reporter.token, body: { headline: 'Crash test', language: 'en', body: [{ type: 'paragraph', text: 'Body.' }] } }), 'draft');
  const id = drafted.json.id as string;
  const byline = must(await call(base, 'POST', `/articles/${id}/bylines`, { token: reporter.token, body: { name: 'A. Reporter' } }), 'byline');
  const approved = must(
    await call(base, 'POST', `/articles/${id}/approval`, { token: editor.token, headers: { 'if-match': `"${byline.json.version}"` }, body: {} }),
    'approval',
  );
  const published = must(
    await call(base, 'POST', `/articles/${id}/publication`, {
      token: publisher.token,
      headers: { 'if-match': `"${approved.json.version}"` },
      body: { copyrightNotice: { holder: 'Masthead', text: '© Masthead' } },
    }),
    'publication',
  );
  return { id, version: published.json.version, publisherToken: publisher.token };
}
