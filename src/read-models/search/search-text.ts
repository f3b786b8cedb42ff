/**
 * Search text: how an article's words are normalised, split into index grams, and matched. Pure and deterministic
 * (no locale, no database functions), so the document the projection stores, the query and the snippet agree on
 * both engines whatever their collation: PostgreSQL's lower() and pg_trgm's word splitting depend on the locale
 * (PGlite's is C, where neither touches non-ASCII letters).
 *
 * - Normalised text: NFKC, lower case; Latin letters lose their diacritics (Hà Nội → hanoi, ß → ss); only letters,
 *   marks and digits are kept, with no spaces between words, so that a term may span them ("hanoi" finds "Hà Nội",
 *   which Vietnamese writes as two syllables). Each text (headline, paragraph, caption…) is normalised apart and
 *   stored on a line of its own, so no term spans two of them. Done per base character with its combining marks,
 *   so an offset in the normalised text maps back to the original (for snippets).
 * - Grams: runs of scripts written without spaces between words (Han, kana, Hangul, Thai, Lao, Khmer, Myanmar) give
 *   every character and every pair of adjacent characters; other runs give their pairs and triples.
 * - Keys: each gram hashed to a 32-bit integer (FNV-1a over its UTF-16 units). The index holds integers, which
 *   PostgreSQL compares without the collation and stores in a quarter of the space; two grams sharing a key only
 *   let through a row the text match then drops.
 * - A query's terms are its normalised words; an article matches when its text contains every term. The keys of
 *   the terms' grams are what the GIN index looks up; the text match is the exact check.
 */

/** The searchable fields of an article, in the order a snippet prefers them. */
export interface SearchFields {
  headline: string;
  summary: string | null;
  body: { text: string }[];
  bylines: { name: string; role: string | null; organisation: string | null }[];
  photos: { caption: string; credit: { photographer: string; organisation: string | null; line: string | null } }[];
}

/** An article's searchable text, normalised, and its grams. */
export interface SearchDocument {
  /** Normalised headline: the rank counts a term found here higher. */
  title: string;
  /** Normalised text of every searchable text, one per line. */
  text: string;
  /** The distinct grams of `text`. */
  grams: Set<string>;
}

/** The columns a search table stores besides its key and version. */
export interface SearchColumns {
  search_title: string;
  search_text: string;
  /**
   * The distinct keys of the grams of search_text, as an int4[] literal (how json_to_recordset and COPY both take an
   * array). GIN-indexed, looked up with @>.
   */
  search_keys: string;
}

export const SEARCH_LIMITS = {
  /** Characters of q as sent. */
  maxLength: 200,
  /** Terms (normalised words) in one query. */
  maxTerms: 10,
};

const UNSPACED = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}]/u;
const LATIN = /\p{Script=Latin}/u;
const MARKS = /\p{M}/gu;
const NOT_WORD = /[^\p{L}\p{N}\p{M}]/gu;
const SEPARATORS = /[^\p{L}\p{N}\p{M}]+/u;
const CLUSTER = /\P{M}\p{M}*|\p{M}+/gu;

/** Latin letters that do not decompose into a base letter and a mark. */
const LATIN_LETTERS: Record<string, string> = { ß: 'ss', đ: 'd', ð: 'd', ø: 'o', ł: 'l', æ: 'ae', œ: 'oe', ı: 'i', þ: 'th', ħ: 'h', ŧ: 't' };

const ASCII: string[] = Array.from({ length: 128 }, (_, c) => {
  const ch = String.fromCharCode(c);
  return /[A-Za-z0-9]/.test(ch) ? ch.toLowerCase() : '';
});

const folded = new Map<string, string>();

/** One base character with its marks, normalised (memoised: a newsroom's text repeats its characters). */
function foldCluster(cluster: string): string {
  if (cluster.length === 1 && cluster.charCodeAt(0) < 128) return ASCII[cluster.charCodeAt(0)];
  let out = folded.get(cluster);
  if (out !== undefined) return out;
  out = cluster.normalize('NFKC');
  if (LATIN.test(out)) out = out.normalize('NFD').replace(MARKS, '');
  out = out.toLowerCase();
  out = [...out].map((c) => LATIN_LETTERS[c] ?? c).join('').normalize('NFC').replace(NOT_WORD, '');
  if (folded.size < 100_000) folded.set(cluster, out);
  return out;
}

/** The normalised text, and for each of its UTF-16 units where in `text` the cluster it came from starts and ends. */
export function normaliseWithOffsets(text: string): { normal: string; start: number[]; end: number[] } {
  let normal = '';
  const start: number[] = [];
  const end: number[] = [];
  for (const m of text.matchAll(CLUSTER)) {
    const f = foldCluster(m[0]);
    normal += f;
    for (let i = 0; i < f.length; i++) {
      start.push(m.index);
      end.push(m.index + m[0].length);
    }
  }
  return { normal, start, end };
}

/** The normalised text (letters, marks and digits only). */
export function normalise(text: string): string {
  let normal = '';
  for (const m of text.matchAll(CLUSTER)) normal += foldCluster(m[0]);
  return normal;
}

/** Splits a word into runs of unspaced-script characters and runs of others ("2025中國" → 2025, 中國). */
function scriptRuns(word: string): { unspaced: boolean; chars: string[] }[] {
  const runs: { unspaced: boolean; chars: string[] }[] = [];
  for (const ch of word) {
    // A combining mark stays with the run of the character it follows (Thai vowels and tone marks are marks).
    const unspaced = /\p{M}/u.test(ch) && runs.length ? runs[runs.length - 1].unspaced : UNSPACED.test(ch);
    const last = runs[runs.length - 1];
    if (last && last.unspaced === unspaced) last.chars.push(ch);
    else runs.push({ unspaced, chars: [ch] });
  }
  return runs;
}

/** The grams a normalised text is indexed by, or a term looked up with (one rule for both, so a query finds what it should). */
function grams(normal: string, into: Set<string>, asQuery: boolean): void {
  for (const { unspaced, chars } of scriptRuns(normal)) {
    if (unspaced) {
      // A query needs only the pairs (or its one character); the document has both, for one-character queries.
      if (chars.length === 1 || !asQuery) for (const c of chars) into.add(c);
      for (let i = 0; i + 1 < chars.length; i++) into.add(chars[i] + chars[i + 1]);
    } else if (asQuery) {
      // Triples are the more selective; a two-character term has only its pair.
      if (chars.length === 2) into.add(chars.join(''));
      for (let i = 0; i + 2 < chars.length; i++) into.add(chars[i] + chars[i + 1] + chars[i + 2]);
    } else {
      for (let i = 0; i + 1 < chars.length; i++) into.add(chars[i] + chars[i + 1]);
      for (let i = 0; i + 2 < chars.length; i++) into.add(chars[i] + chars[i + 1] + chars[i + 2]);
    }
  }
}

/** The texts of an article searched, in snippet order, each with the field it belongs to. */
export function searchableTexts(a: SearchFields): { field: string; text: string }[] {
  const texts = [{ field: 'headline', text: a.headline }];
  if (a.summary) texts.push({ field: 'summary', text: a.summary });
  for (const b of a.body) texts.push({ field: 'body', text: b.text });
  for (const b of a.bylines) texts.push({ field: 'byline', text: [b.name, b.role, b.organisation].filter(Boolean).join(' · ') });
  for (const p of a.photos) {
    texts.push({ field: 'caption', text: p.caption });
    texts.push({ field: 'credit', text: [p.credit.line, p.credit.photographer, p.credit.organisation].filter(Boolean).join(' · ') });
  }
  return texts;
}

/** The normalised text of an article and its grams. */
export function searchDocument(a: SearchFields): SearchDocument {
  const texts = searchableTexts(a)
    .map((t) => normalise(t.text))
    .filter(Boolean);
  const all = new Set<string>();
  for (const text of texts) grams(text, all, false);
  return { title: normalise(a.headline), text: texts.join('\n'), grams: all };
}

/** A gram's index key: FNV-1a, 32 bits, over its UTF-16 units, as a signed int4. */
export function gramKey(gram: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < gram.length; i++) {
    hash ^= gram.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash | 0;
}

const keysOf = (grams: Iterable<string>): number[] => [...new Set([...grams].map(gramKey))];

/** The search columns of an article (a search table's row carries them). */
export function searchColumns(a: SearchFields): SearchColumns {
  const { title, text, grams } = searchDocument(a);
  return { search_title: title, search_text: text, search_keys: `{${keysOf(grams).join(',')}}` };
}

/** Whether two versions of an article search alike: the same texts in the same fields. */
export function sameSearchText(a: SearchFields, b: SearchFields): boolean {
  const x = searchableTexts(a);
  const y = searchableTexts(b);
  return x.length === y.length && x.every((t, i) => t.field === y[i].field && t.text === y[i].text);
}

export class BadSearch extends Error {}

/** A query's terms (distinct normalised words) and the keys of the grams the index must hold for all of them. */
export function parseQuery(q: string): { terms: string[]; keys: number[] } {
  if ([...q].length > SEARCH_LIMITS.maxLength) throw new BadSearch(`q is longer than ${SEARCH_LIMITS.maxLength} characters`);
  const terms = [...new Set(q.split(SEPARATORS).map(normalise).filter(Boolean))];
  if (!terms.length) throw new BadSearch('q has no letters or digits to search for');
  if (terms.length > SEARCH_LIMITS.maxTerms) throw new BadSearch(`q has more than ${SEARCH_LIMITS.maxTerms} words`);
  const short = terms.find((t) => t.length < 2 && !UNSPACED.test(t));
  if (short) throw new BadSearch(`each word of q needs two letters or digits, or one Chinese, Japanese, Korean or Thai character ("${short}")`);
  const all = new Set<string>();
  for (const t of terms) grams(t, all, true);
  return { terms, keys: keysOf(all) };
}

/** A stretch of an article's own text around what matched; `highlights` are [start, end) offsets into `text`. */
export interface Snippet {
  /** headline, summary, body, byline, caption or credit. */
  field: string;
  /** Plain text, as stored: render it as text, never as HTML. An ellipsis (…) marks where it was cut. */
  text: string;
  /** Where the terms occur in `text`, as UTF-16 offsets (JavaScript string indexes), in order, not overlapping. */
  highlights: { start: number; end: number }[];
}

const SNIPPET_BEFORE = 40;
const SNIPPET_LENGTH = 160;

/** The snippet of the first text (headline first) that holds the most terms. Null when none does. */
export function snippet(a: SearchFields, terms: string[]): Snippet | null {
  let best: ({ field: string; text: string; found: number } & ReturnType<typeof normaliseWithOffsets>) | null = null;
  for (const { field, text } of searchableTexts(a)) {
    const normalised = normaliseWithOffsets(text);
    const found = terms.filter((t) => normalised.normal.includes(t)).length;
    if (found > (best?.found ?? 0)) best = { field, text, found, ...normalised };
    if (found === terms.length) break;
  }
  if (!best) return null;
  const { field, text, normal, start, end } = best;
  // Every occurrence of every term, as ranges of the original text, merged where they touch.
  const ranges: [number, number][] = [];
  for (const t of terms) {
    for (let i = normal.indexOf(t); i >= 0; i = normal.indexOf(t, i + t.length)) {
      ranges.push([start[i], end[i + t.length - 1]]);
    }
  }
  ranges.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  const merged: [number, number][] = [];
  for (const r of ranges) {
    const last = merged[merged.length - 1];
    if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
    else merged.push([...r]);
  }
  let from = Math.max(0, merged[0][0] - SNIPPET_BEFORE);
  let to = Math.min(text.length, from + SNIPPET_LENGTH);
  // Never cut a surrogate pair in two.
  if (from > 0 && /[\uDC00-\uDFFF]/.test(text[from])) from--;
  if (to < text.length && /[\uDC00-\uDFFF]/.test(text[to])) to++;
  const prefix = from > 0 ? '…' : '';
  const shown = prefix + text.slice(from, to) + (to < text.length ? '…' : '');
  const highlights = merged
    .filter(([s]) => s < to)
    .map(([s, e]) => ({ start: s - from + prefix.length, end: Math.min(e, to) - from + prefix.length }));
  return { field, text: shown, highlights };
}

/**
 * A search table's row with its search columns, computed when first read: a catch-up or rebuild folds many changes
 * of one article into the row it writes, and only that row's text is worth normalising.
 */
export function withSearchColumns(row: Record<string, unknown>, fields: SearchFields): Record<string, unknown> {
  let columns: SearchColumns | undefined;
  for (const name of SEARCH_COLUMN_NAMES) {
    Object.defineProperty(row, name, { enumerable: true, get: () => (columns ??= searchColumns(fields))[name] });
  }
  return row;
}

/** A search table's columns (a Projection's `columns` list): one row per article, the version of its text. */
export const SEARCH_COLUMNS = 'id uuid, version int, search_title text, search_text text, search_keys int4[]';
export const SEARCH_COLUMN_NAMES = ['search_title', 'search_text', 'search_keys'] as const;
