import { PublishedCache, RenderedArticle } from './published-cache';

const A = '0b5c8a57-0000-4000-8000-00000000000a';
const B = '0b5c8a57-0000-4000-8000-00000000000b';
const ORIGIN = 'http://localhost';

const rendered = (text: string): RenderedArticle => ({ etag: '"1"', headers: [['ETag', '"1"']], bodyHeaders: [], body: Buffer.from(text) });

function liveCache(entries = 10, bytes = 1 << 20): PublishedCache {
  const cache = new PublishedCache(entries, bytes);
  cache.setLive(true);
  return cache;
}

describe('PublishedCache', () => {
  it('serves what was stored, per rendering and origin', () => {
    const cache = liveCache();
    expect(cache.store(cache.ticket(A), 'page', ORIGIN, rendered('page'))).toBe(true);
    expect(cache.get('page', A, ORIGIN)?.body.toString()).toBe('page');
    expect(cache.get('page', A, 'http://other')).toBeUndefined();
    expect(cache.get('ninjs', A, ORIGIN)).toBeUndefined();
  });

  it('compares ids in lower case, as the notifications print them', () => {
    const cache = liveCache();
    cache.store(cache.ticket(A.toUpperCase()), 'document', '', rendered('doc'));
    expect(cache.get('document', A, '')).toBeDefined();
    cache.evict(A);
    expect(cache.get('document', A.toUpperCase(), '')).toBeUndefined();
  });

  it('evicts every rendering of one article and leaves the others', () => {
    const cache = liveCache();
    for (const rendering of ['document', 'page', 'ninjs'] as const) cache.store(cache.ticket(A), rendering, ORIGIN, rendered(rendering));
    cache.store(cache.ticket(B), 'page', ORIGIN, rendered('b'));
    cache.evict(A);
    expect(cache.size).toBe(1);
    expect(cache.get('page', B, ORIGIN)).toBeDefined();
  });

  it('refuses to store what was read before an eviction (read v1, v2 evicts, store v1)', () => {
    const cache = liveCache();
    const before = cache.ticket(A);
    cache.evict(A);
    expect(cache.store(before, 'page', ORIGIN, rendered('v1'))).toBe(false);
    expect(cache.get('page', A, ORIGIN)).toBeUndefined();
    // Read after the eviction: fine. An eviction of another article does not matter.
    const after = cache.ticket(A);
    cache.evict(B);
    expect(cache.store(after, 'page', ORIGIN, rendered('v2'))).toBe(true);
  });

  it('refuses what was read before a clear or while the listener was down', () => {
    const cache = liveCache();
    const beforeClear = cache.ticket(A);
    cache.clear();
    expect(cache.store(beforeClear, 'page', ORIGIN, rendered('v1'))).toBe(false);
    cache.setLive(false);
    const whileDown = cache.ticket(A);
    expect(cache.store(whileDown, 'page', ORIGIN, rendered('v1'))).toBe(false);
    cache.setLive(true);
    expect(cache.store(whileDown, 'page', ORIGIN, rendered('v1'))).toBe(false);
  });

  it('serves nothing and empties itself when the listener goes down', () => {
    const cache = liveCache();
    cache.store(cache.ticket(A), 'page', ORIGIN, rendered('v1'));
    cache.setLive(false);
    expect(cache.enabled).toBe(false);
    expect(cache.get('page', A, ORIGIN)).toBeUndefined();
    cache.setLive(true);
    expect(cache.size).toBe(0);
  });

  it('drops the least recently used entry beyond the entry limit', () => {
    const cache = liveCache(2);
    const ids = [A, B, '0b5c8a57-0000-4000-8000-00000000000c'];
    cache.store(cache.ticket(ids[0]), 'page', ORIGIN, rendered('0'));
    cache.store(cache.ticket(ids[1]), 'page', ORIGIN, rendered('1'));
    cache.get('page', ids[0], ORIGIN);
    cache.store(cache.ticket(ids[2]), 'page', ORIGIN, rendered('2'));
    expect(cache.get('page', ids[0], ORIGIN)).toBeDefined();
    expect(cache.get('page', ids[1], ORIGIN)).toBeUndefined();
    expect(cache.get('page', ids[2], ORIGIN)).toBeDefined();
  });

  it('keeps the order of use when the most recently used entry is read again', () => {
    const cache = liveCache(2);
    const C = '0b5c8a57-0000-4000-8000-00000000000c';
    cache.store(cache.ticket(A), 'page', ORIGIN, rendered('a'));
    cache.store(cache.ticket(B), 'page', ORIGIN, rendered('b'));
    cache.get('page', B, ORIGIN); // already the most recent
    cache.get('page', A, ORIGIN);
    cache.get('page', B, ORIGIN);
    cache.get('page', B, ORIGIN);
    cache.store(cache.ticket(C), 'page', ORIGIN, rendered('c'));
    expect(cache.get('page', A, ORIGIN)).toBeUndefined();
    expect(cache.get('page', B, ORIGIN)).toBeDefined();
    // B was evicted and stored again: the most recent is the new B, and a read of C moves C.
    cache.evict(B);
    cache.store(cache.ticket(B), 'page', ORIGIN, rendered('b2'));
    cache.get('page', C, ORIGIN);
    cache.store(cache.ticket(A), 'page', ORIGIN, rendered('a2'));
    expect(cache.get('page', B, ORIGIN)).toBeUndefined();
    expect(cache.get('page', C, ORIGIN)).toBeDefined();
  });

  it('keeps within the byte limit and refuses an entry larger than all of it', () => {
    const cache = liveCache(100, 1000);
    cache.store(cache.ticket(A), 'page', ORIGIN, rendered('x'.repeat(600)));
    cache.store(cache.ticket(B), 'page', ORIGIN, rendered('y'.repeat(600)));
    expect(cache.size).toBe(1);
    expect(cache.get('page', B, ORIGIN)).toBeDefined();
    expect(cache.usedBytes).toBeLessThanOrEqual(1000);
    expect(cache.store(cache.ticket(A), 'page', ORIGIN, rendered('z'.repeat(2000)))).toBe(false);
  });

  it('replaces an entry stored again without counting it twice', () => {
    const cache = liveCache();
    cache.store(cache.ticket(A), 'page', ORIGIN, rendered('v1'));
    const used = cache.usedBytes;
    cache.store(cache.ticket(A), 'page', ORIGIN, rendered('v2'));
    expect(cache.usedBytes).toBe(used);
    expect(cache.get('page', A, ORIGIN)?.body.toString()).toBe('v2');
  });

  it('is off with 0 entries', () => {
    const cache = liveCache(0);
    expect(cache.switchedOn).toBe(false);
    expect(cache.store(cache.ticket(A), 'page', ORIGIN, rendered('v1'))).toBe(false);
  });

  it('bounds the eviction memory by refusing every store in flight when it resets', () => {
    const cache = liveCache();
    const inFlight = cache.ticket(A);
    for (let i = 0; i < 10_001; i++) cache.evict(`id-${i}`);
    expect(cache.store(inFlight, 'page', ORIGIN, rendered('v1'))).toBe(false);
    expect(cache.store(cache.ticket(A), 'page', ORIGIN, rendered('v1'))).toBe(true);
  });
});
