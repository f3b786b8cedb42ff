import { createHash } from 'node:crypto';

/**
 * The per-stream hash chain: hash = sha256(previous hash, canonical(event)). The first event's previous hash
 * is derived from the stream id, so an event moved to another stream no longer verifies.
 */

/** Deterministic JSON: keys sorted at every level, no insignificant whitespace, undefined dropped. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

export const genesisHash = (streamId: string) => sha256(`masthead:stream:${streamId}`);

export interface HashedFields {
  streamId: string;
  version: number;
  type: string;
  schemaVersion: number;
  data: unknown;
  metadata: unknown;
  recordedAt: string;
}

export function eventHash(previousHash: string, event: HashedFields): string {
  const { streamId, version, type, schemaVersion, data, metadata, recordedAt } = event;
  return sha256(`${previousHash}\n${canonicalJson({ streamId, version, type, schemaVersion, data, metadata, recordedAt })}`);
}
