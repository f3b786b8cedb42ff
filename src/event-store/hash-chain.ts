import { createHash } from 'node:crypto';
import { canonicalJson } from '../common/canonical-json';

/**
 * The per-stream hash chain: hash = sha256(previous hash, canonical(event)). The first event's previous hash
 * is derived from the stream id, so an event moved to another stream no longer verifies.
 */

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
