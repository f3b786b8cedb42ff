import type { Projection } from './projection';
import { copyText } from './shadow-copy';

const projection = { columns: 'id uuid, n int, label text, at timestamptz, doc jsonb' } as Projection;

describe('copyText', () => {
  it('writes a line per row, fields tab-separated, nulls as \\N, specials escaped, documents as JSON', () => {
    const at = new Date('2026-11-29T09:00:00.123Z');
    const text = copyText(projection, [
      { id: 'a', n: 1, label: 'tab\there\nline\\back\rcr', at, doc: { s: 'say "hi"\n', k: [1, null] } },
      { id: 'b', n: null, label: undefined, at: '2026-01-01T00:00:00Z', doc: null },
      { id: 'c', n: Number.NaN, label: 'é✓😀', at: null, doc: 'plain' },
    ]).toString('utf8');
    expect(text.split('\n')).toEqual([
      'a\t1\ttab\\there\\nline\\\\back\\rcr\t2026-11-29T09:00:00.123Z\t{"s":"say \\\\"hi\\\\"\\\\n","k":[1,null]}',
      'b\t\\N\t\\N\t2026-01-01T00:00:00Z\t\\N',
      'c\t\\N\té✓😀\t\\N\t"plain"',
      '',
    ]);
  });

  it('grows its buffer for pages larger than it starts with, multi-byte text included', () => {
    const label = 'ü'.repeat(1000);
    const rows = Array.from({ length: 2000 }, (_, i) => ({ id: String(i), n: i, label, at: null, doc: { label } }));
    const lines = copyText(projection, rows).toString('utf8').split('\n');
    expect(lines).toHaveLength(2001);
    expect(lines[1999]).toBe(`1999\t1999\t${label}\t\\N\t{"label":"${label}"}`);
  });
});
