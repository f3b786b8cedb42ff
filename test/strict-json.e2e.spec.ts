import { DataSource } from 'typeorm';
import { bearer, startApp, TestApp } from './support/test-app';

/** Bodies are UTF-8 JSON, decoded strictly: what is stored is exactly what was sent, or nothing is. */
describe('strict JSON bodies (e2e)', () => {
  let t: TestApp;
  let token: string;
  let base: string;
  const count = async () => Number((await t.app.get(DataSource).query(`SELECT count(*) AS n FROM events`))[0].n);
  /** The exact bytes on the wire (supertest would re-encode a Buffer as JSON). */
  const raw = async (bytes: Buffer, type = 'application/json') => {
    const res = await fetch(`${base}/articles`, { method: 'POST', headers: { ...bearer(token), 'content-type': type }, body: bytes });
    const out = { status: res.status, headers: Object.fromEntries(res.headers), body: (await res.json()) as Record<string, any> };
    return { ...out, expect: (status: number) => (expect({ status: out.status, body: out.body }).toMatchObject({ status }), out) };
  };

  beforeAll(async () => {
    t = await startApp();
    token = (await t.user(['reporter'])).token;
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(t.app.getHttpServer().address() as { port: number }).port}`;
  });
  afterAll(() => t?.close());

  it('refuses invalid UTF-8 with 400 instead of storing U+FFFD, and stores nothing', async () => {
    const before = await count();
    const body = Buffer.concat([Buffer.from('{"headline":"bad '), Buffer.from([0xff, 0xfe]), Buffer.from(' bytes","language":"en","body":[{"type":"paragraph","text":"x"}]}')]);
    const res = (await raw(body)).expect(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.body.detail).toContain('UTF-8');
    const overlong = Buffer.concat([Buffer.from('{"headline":"'), Buffer.from([0xc0, 0xaf]), Buffer.from('","language":"en","body":[{"type":"paragraph","text":"x"}]}')]);
    (await raw(overlong)).expect(400);
    expect(await count()).toBe(before);
  });

  it('refuses a body declared in another charset with 415', async () => {
    (await raw(Buffer.from('{"headline":"caf\xe9","language":"fr","body":[{"type":"paragraph","text":"x"}]}', 'latin1'), 'application/json; charset=latin1')).expect(415);
  });

  it('accepts UTF-8, declared or not, byte for byte', async () => {
    const headline = 'Cà phê sữa đá ở Sài Gòn — ກາເຟ — ကော်ဖီ';
    const json = JSON.stringify({ headline, language: 'vi', body: [{ type: 'paragraph', text: 'x' }] });
    const a = (await raw(Buffer.from(json), 'application/json; charset=UTF-8')).expect(201);
    const b = (await raw(Buffer.from(json))).expect(201);
    for (const id of [a.body.id, b.body.id]) {
      expect((await t.http().get(`/articles/${id}`).set(bearer(token)).expect(200)).body.headline).toBe(headline.normalize('NFC'));
    }
  });

  it('refuses a "__proto__" key', async () => {
    (await raw(Buffer.from('{"headline":"x","language":"en","body":[{"type":"paragraph","text":"y"}],"__proto__":{"admin":true}}'))).expect(400);
  });

  it('answers 400, not 500, for a version past what a stream can hold', async () => {
    const { body } = (await raw(Buffer.from(JSON.stringify({ headline: 'v', language: 'en', body: [{ type: 'paragraph', text: 'x' }] })))).expect(201);
    await t.http().get(`/articles/${body.id}?version=2147483648`).set(bearer(token)).expect(400);
  });
});
