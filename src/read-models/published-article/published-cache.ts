import type { FastifyReply, FastifyRequest } from 'fastify';
import { etag, noneMatch } from '../../common/http';

/** The three renderings of a published article that readers ask for most. */
export type PublishedRendering = 'document' | 'page' | 'ninjs';

/** A 200 answer as the controller sent it, to send again byte for byte. */
export interface RenderedArticle {
  etag: string;
  /** Set on the 200 and on the 304 alike, in the controller's order. */
  headers: readonly (readonly [string, string])[];
  /** Set on the 200 only (a 304 carries no Content-Type unless `headers` has one). */
  bodyHeaders: readonly (readonly [string, string])[];
  body: Buffer;
}

/** Taken before reading the database; a store with it succeeds only if nothing evicted the article since. */
export interface CacheTicket {
  readonly id: string;
  readonly epoch: number;
  readonly sequence: number;
}

interface Entry {
  id: string;
  rendered: RenderedArticle;
  bytes: number;
}

/** Evictions remembered per id before the memory is reset (which refuses every store in flight, conservatively). */
const EVICTIONS_REMEMBERED = 10_000;

/**
 * The rendered bytes of published articles, valid until the next change to the article's published_article row.
 * A bounded LRU (entries and bytes). It serves only while `live`: while the change listener is connected, so a
 * change made by another instance cannot be missed. Ids are compared in lower case, as the database prints uuids.
 */
export class PublishedCache {
  private readonly entries = new Map<string, Entry>();
  private readonly keysById = new Map<string, Set<string>>();
  /** id → the sequence number of its last eviction: a ticket older than that may not store. */
  private readonly evictedAt = new Map<string, number>();
  private sequence = 0;
  private epoch = 0;
  private bytes = 0;
  private live = false;
  /** The most recently used key (the Map's last): a hit on it need not be moved. */
  private newest: string | undefined;

  constructor(
    private readonly maxEntries: number,
    private readonly maxBytes: number,
  ) {}

  /** Whether reads may use the cache: it is switched on and invalidations are arriving. */
  get enabled(): boolean {
    return this.live && this.maxEntries > 0;
  }

  /** Whether the settings allow a cache at all (NEWSROOM_PUBLISHED_CACHE_ENTRIES > 0). */
  get switchedOn(): boolean {
    return this.maxEntries > 0;
  }

  get size(): number {
    return this.entries.size;
  }

  get usedBytes(): number {
    return this.bytes;
  }

  /** The listener's state. Either way the cache starts empty: changes may have been missed while it was down. */
  setLive(live: boolean): void {
    this.clear();
    this.live = live;
  }

  ticket(id: string): CacheTicket {
    return { id: id.toLowerCase(), epoch: this.epoch, sequence: this.sequence };
  }

  get(rendering: PublishedRendering, id: string, baseUrl: string): RenderedArticle | undefined {
    if (!this.enabled) return undefined;
    const key = cacheKey(rendering, id, baseUrl);
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    // Map order is insertion order: re-inserting makes this the most recently used. Not when it already is: a delete
    // and set on every hit of one hot article left the Map rehashing its deleted slots (2 % of a hit's CPU).
    if (key !== this.newest) {
      this.entries.delete(key);
      this.entries.set(key, entry);
      this.newest = key;
    }
    return entry.rendered;
  }

  /** Keeps a rendering read with `ticket`, unless the article changed (or the cache was cleared) since. */
  store(ticket: CacheTicket, rendering: PublishedRendering, baseUrl: string, rendered: RenderedArticle): boolean {
    if (!this.enabled || ticket.epoch !== this.epoch || (this.evictedAt.get(ticket.id) ?? 0) > ticket.sequence) return false;
    const key = cacheKey(rendering, ticket.id, baseUrl);
    const bytes = sizeOf(key, rendered);
    if (bytes > this.maxBytes) return false;
    this.remove(key);
    this.entries.set(key, { id: ticket.id, rendered, bytes });
    this.newest = key;
    this.bytes += bytes;
    let keys = this.keysById.get(ticket.id);
    if (!keys) this.keysById.set(ticket.id, (keys = new Set()));
    keys.add(key);
    for (const [oldest] of this.entries) {
      if (this.entries.size <= this.maxEntries && this.bytes <= this.maxBytes) break;
      this.remove(oldest);
    }
    return true;
  }

  /** The article changed: drop its renderings, and refuse stores of anything read before now. */
  evict(id: string): void {
    const lower = id.toLowerCase();
    if (this.evictedAt.size >= EVICTIONS_REMEMBERED) {
      this.evictedAt.clear();
      this.epoch++;
    }
    this.evictedAt.set(lower, ++this.sequence);
    for (const key of this.keysById.get(lower) ?? []) this.remove(key);
  }

  clear(): void {
    this.entries.clear();
    this.newest = undefined;
    this.keysById.clear();
    this.evictedAt.clear();
    this.bytes = 0;
    this.epoch++;
  }

  private remove(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    if (key === this.newest) this.newest = undefined;
    this.bytes -= entry.bytes;
    const keys = this.keysById.get(entry.id);
    keys?.delete(key);
    if (keys?.size === 0) this.keysById.delete(entry.id);
  }
}

/** The page and ninjs carry absolute links built from the request's origin: one entry per origin. */
const cacheKey = (rendering: PublishedRendering, id: string, baseUrl: string) => `${rendering} ${id.toLowerCase()} ${baseUrl}`;

const sizeOf = (key: string, r: RenderedArticle) =>
  r.body.length + key.length + r.etag.length + [...r.headers, ...r.bodyHeaders].reduce((n, [k, v]) => n + k.length + v.length, 0);

/** Sends a rendering, or 304 when the client has this version: the one way both the controller and the cache answer. */
export function sendRendered(request: FastifyRequest, reply: FastifyReply, rendered: RenderedArticle): FastifyReply {
  for (const [name, value] of rendered.headers) reply.header(name, value);
  if (noneMatch(request, rendered.etag)) return reply.status(304).send();
  for (const [name, value] of rendered.bodyHeaders) reply.header(name, value);
  return reply.status(200).send(rendered.body);
}

/** A JSON rendering of a published article (the document, its ninjs): unchanged until the article's next version. */
export function renderedJson(version: number, value: unknown): RenderedArticle {
  return {
    etag: etag(version),
    headers: [
      ['ETag', etag(version)],
      ['Cache-Control', 'public, max-age=0, must-revalidate'],
    ],
    bodyHeaders: [['Content-Type', 'application/json; charset=utf-8']],
    body: Buffer.from(JSON.stringify(value)),
  };
}
