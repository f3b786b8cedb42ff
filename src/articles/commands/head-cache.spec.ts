import type { Article } from '../domain/article';
import { HeadCache, jsonbCopy, jsonbKeyOrder } from './head-cache';

const head = (id: string, version: number) => ({ streamId: `article-${id}`, version, hash: `h${version}` });
const state = (version: number, text = 'x') => ({ id: 'a', version, body: [{ type: 'paragraph', text }] }) as unknown as Article;

describe('HeadCache', () => {
  it('keeps at most `capacity` entries, dropping the least recently used', () => {
    const cache = new HeadCache(2);
    cache.set(head('a', 1), state(1));
    cache.set(head('b', 1), state(1));
    expect(cache.get('article-a')).toBeDefined(); // a is now the most recent
    cache.set(head('c', 1), state(1));
    expect(cache.size).toBe(2);
    expect(cache.get('article-b')).toBeUndefined();
    expect(cache.get('article-a')?.head.version).toBe(1);
    expect(cache.get('article-c')?.head.version).toBe(1);
    expect([cache.hits, cache.misses]).toEqual([3, 1]);
  });

  it('evicts one stream on demand', () => {
    const cache = new HeadCache(4);
    cache.set(head('a', 3), state(3));
    cache.set(head('b', 3), state(3));
    cache.evict('article-a');
    expect(cache.get('article-a')).toBeUndefined();
    expect(cache.get('article-b')?.head).toEqual(head('b', 3));
  });

  it('keeps nothing with capacity 0', () => {
    const cache = new HeadCache(0);
    cache.set(head('a', 1), state(1));
    expect(cache.size).toBe(0);
    expect(cache.get('article-a')).toBeUndefined();
    expect([cache.hits, cache.misses]).toEqual([0, 0]);
  });

  it('never replaces a newer head with an older one (two commands finishing out of order)', () => {
    const cache = new HeadCache(4);
    cache.set(head('a', 7), state(7));
    cache.set(head('a', 6), state(6));
    expect(cache.get('article-a')?.head.version).toBe(7);
    cache.set(head('a', 8), state(8));
    expect(cache.get('article-a')?.state.version).toBe(8);
  });

  it('bounds the estimated bytes too, and does not keep a state larger than the whole budget', () => {
    const cache = new HeadCache(100, 10_000);
    cache.set(head('a', 1), state(1, 'a'.repeat(3_000)));
    cache.set(head('b', 1), state(1, 'b'.repeat(3_000)));
    expect(cache.size).toBe(1); // two of ~6 kB each exceed 10 kB: the older went
    expect(cache.get('article-b')).toBeDefined();
    cache.set(head('c', 1), state(1, 'c'.repeat(6_000)));
    expect(cache.get('article-c')).toBeUndefined();
    expect(cache.get('article-b')).toBeDefined();
  });

  it('keeps a copy: later changes to the object stored do not reach the cache', () => {
    const cache = new HeadCache(4);
    const s = state(1);
    cache.set(head('a', 1), s);
    (s.body[0] as { text: string }).text = 'changed';
    expect(cache.get('article-a')?.state.body[0].text).toBe('x');
  });
});

describe('jsonbCopy', () => {
  it('orders keys as jsonb gives them back: shorter first, then bytewise; undefined dropped', () => {
    const value = { version: 1, body: [{ type: 'paragraph', text: 't' }], id: 'x', at: undefined, zz: [undefined, NaN] };
    const { value: copy } = jsonbCopy(value);
    expect(JSON.stringify(copy)).toBe('{"id":"x","zz":[null,null],"body":[{"text":"t","type":"paragraph"}],"version":1}');
    expect(copy).toEqual(JSON.parse(JSON.stringify(value)));
  });

  it('compares non-ASCII keys by their UTF-8 bytes', () => {
    expect(['é', 'ab', 'z'].sort(jsonbKeyOrder)).toEqual(['z', 'ab', 'é']); // é is two bytes
  });
});
