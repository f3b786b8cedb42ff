import type { StreamHead } from '../../event-store/event-store.types';
import type { Article } from '../domain/article';

/** What a command needs before it decides: the stream's head and the article at that head. */
export interface CachedHead {
  head: StreamHead;
  state: Article;
}

/** Estimated bytes of all cached states together; an article larger than this on its own is not kept. */
export const HEAD_CACHE_BYTES = 32 * 2 ** 20;

/**
 * The head and state of the articles this instance appended to last, so that its next command on one of them skips
 * the read (ExecuteArticleCommandHandler). A bounded LRU: `capacity` entries and HEAD_CACHE_BYTES of estimated
 * state; capacity 0 keeps nothing. Entries are only a guess at the head: the append still checks it.
 */
export class HeadCache {
  private readonly entries = new Map<string, CachedHead & { bytes: number }>();
  private bytes = 0;
  /** Lookups answered from memory, and lookups that went to the database. */
  hits = 0;
  misses = 0;

  constructor(
    readonly capacity: number,
    private readonly maxBytes = HEAD_CACHE_BYTES,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /** The entry without counting or refreshing it (for tests and diagnostics). */
  peek(streamId: string): CachedHead | undefined {
    const entry = this.entries.get(streamId);
    return entry && { head: entry.head, state: entry.state };
  }

  get(streamId: string): CachedHead | undefined {
    const entry = this.entries.get(streamId);
    if (!entry) {
      if (this.capacity > 0) this.misses++;
      return undefined;
    }
    this.entries.delete(streamId);
    this.entries.set(streamId, entry);
    this.hits++;
    return { head: entry.head, state: entry.state };
  }

  /**
   * Remembers a committed head. A newer head already remembered stays (two commands of this instance on one
   * article may finish in either order); the state is a private copy, as PostgreSQL's jsonb gives it back.
   */
  set(head: StreamHead, state: Article): void {
    if (this.capacity === 0) return;
    const known = this.entries.get(head.streamId);
    if (known && known.head.version >= head.version) return;
    const copy = jsonbCopy(state);
    if (copy.bytes > this.maxBytes) {
      this.evict(head.streamId);
      return;
    }
    this.evict(head.streamId);
    this.entries.set(head.streamId, { head: { ...head }, state: copy.value as Article, bytes: copy.bytes });
    this.bytes += copy.bytes;
    for (const [oldest, entry] of this.entries) {
      if (this.entries.size <= this.capacity && this.bytes <= this.maxBytes) break;
      this.entries.delete(oldest);
      this.bytes -= entry.bytes;
    }
  }

  evict(streamId: string): void {
    const entry = this.entries.get(streamId);
    if (!entry) return;
    this.entries.delete(streamId);
    this.bytes -= entry.bytes;
  }
}

/**
 * A deep copy of a JSON value as `JSON.parse` of PostgreSQL's jsonb output would give it: object keys shorter first,
 * then by their UTF-8 bytes; undefined members dropped: the very object a snapshot read would return, so a command
 * decides on the same value whether its state came from memory or from the database (decide() and the audit diff
 * compare canonical JSON, so key order does not change their answers; the twin keeps anything that may look at it
 * from ever telling the two apart). `bytes` estimates the memory held (two bytes a string character, some overhead a
 * member).
 */
export function jsonbCopy(value: unknown): { value: unknown; bytes: number } {
  let bytes = 0;
  const copy = (v: unknown): unknown => {
    if (typeof v === 'string') {
      bytes += 16 + 2 * v.length;
      return v;
    }
    if (v === null || typeof v !== 'object') {
      bytes += 8;
      // JSON has no undefined, NaN or Infinity: as JSON.stringify writes them into the jsonb column.
      return typeof v === 'number' && !Number.isFinite(v) ? null : v;
    }
    if (Array.isArray(v)) {
      bytes += 16 + 8 * v.length;
      return v.map((item) => (item === undefined || typeof item === 'function' ? null : copy(item)));
    }
    const keys = Object.keys(v).filter((k) => (v as Record<string, unknown>)[k] !== undefined).sort(jsonbKeyOrder);
    const out: Record<string, unknown> = {};
    bytes += 32;
    for (const key of keys) {
      bytes += 16 + 2 * key.length;
      out[key] = copy((v as Record<string, unknown>)[key]);
    }
    return out;
  };
  const result = copy(value);
  return { value: result, bytes };
}

/** jsonb's order of object keys: shorter (in UTF-8 bytes) first, then bytewise. */
export function jsonbKeyOrder(a: string, b: string): number {
  const ascii = /^[\x00-\x7f]*$/;
  if (ascii.test(a) && ascii.test(b)) return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length - y.length || Buffer.compare(x, y);
}
