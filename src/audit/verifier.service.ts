import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { EventStore } from '../event-store/event-store.service';
import { eventHash, genesisHash } from '../event-store/hash-chain';
import { Notary } from './notary.service';

export interface VerifyFailure {
  articleId: string;
  streamId: string;
  version: number | null;
  reason: string;
}

export interface VerifyReport {
  ok: boolean;
  streamsChecked: number;
  eventsChecked: number;
  failures: VerifyFailure[];
}

const articleIdOf = (streamId: string) => (streamId.startsWith('article-') ? streamId.slice('article-'.length) : streamId);

/**
 * Walks the whole log: every stream's versions are dense from 1, every hash recomputes from the stored row and
 * the previous hash, positions rise with versions, and the stream ledger agrees with the log (a deleted or
 * truncated stream leaves a ledger head that no longer matches).
 */
@Injectable()
export class Verifier {
  constructor(
    private readonly dataSource: DataSource,
    private readonly store: EventStore,
    private readonly notary: Notary,
  ) {}

  async verify(onProgress?: (eventsChecked: number, total: number) => void): Promise<VerifyReport> {
    const failures: VerifyFailure[] = [];
    const fail = (streamId: string, version: number | null, reason: string) =>
      failures.push({ articleId: articleIdOf(streamId), streamId, version, reason });
    const manager = this.dataSource.manager;
    const total = await this.store.count(manager);
    const streams = await this.store.ledger(manager);
    let eventsChecked = 0;
    for (const stream of streams) {
      const events = await this.store.readRaw(manager, stream.streamId);
      let previous = genesisHash(stream.streamId);
      let lastPosition = 0;
      events.forEach((event, i) => {
        const expectedVersion = i + 1;
        if (event.version !== expectedVersion) {
          fail(stream.streamId, expectedVersion, event.version > expectedVersion ? `version ${expectedVersion} is missing (deleted event)` : `version ${event.version} appears out of sequence`);
        }
        if (eventHash(previous, event) !== event.hash) {
          fail(stream.streamId, event.version, 'hash mismatch: the stored event (data, metadata, type or time) was altered, or an event before it');
        }
        if (event.position <= lastPosition) {
          fail(stream.streamId, event.version, 'global position is out of order with the stream version (events reordered)');
        }
        lastPosition = event.position;
        previous = event.hash;
      });
      eventsChecked += events.length;
      const logVersion = events.length ? events[events.length - 1].version : 0;
      if (stream.version === null) fail(stream.streamId, logVersion || null, 'stream is missing from the stream ledger');
      else if (!stream.inLog) fail(stream.streamId, stream.version, `the ledger records ${stream.version} events but the log has none (stream deleted)`);
      else {
        if (stream.version !== logVersion) {
          fail(stream.streamId, Math.min(stream.version, logVersion) + 1, `the ledger records ${stream.version} events but the log has ${logVersion} (events deleted, truncated or inserted)`);
        }
        if (events.length && stream.headHash !== events[events.length - 1].hash) {
          fail(stream.streamId, logVersion, 'the ledger head hash does not match the last event');
        }
      }
      onProgress?.(eventsChecked, total);
    }
    await this.verifyNotary(fail);
    return { ok: failures.length === 0, streamsChecked: streams.length, eventsChecked, failures };
  }

  /**
   * The notary's chain must recompute with the key, and every event it sealed must still be where it was sealed,
   * unchanged: this is what finds a stream deleted together with its ledger row, or events moved between positions.
   */
  private async verifyNotary(fail: (streamId: string, version: number | null, reason: string) => void): Promise<void> {
    let previous = this.notary.genesis;
    let lastSeq = 0;
    for (;;) {
      const links: { seq: string; position: string; stream_id: string; version: number; event_hash: string; chain_hash: string }[] = await this.dataSource.query(
        `SELECT seq, position, stream_id, version, event_hash, chain_hash FROM event_chain WHERE seq > $1 ORDER BY seq LIMIT 5000`,
        [lastSeq],
      );
      if (!links.length) return;
      // What the log holds now at the sealed positions.
      const logged = await this.store.atPositions(this.dataSource.manager, links.map((l) => Number(l.position)));
      for (const l of links) {
        const e = logged.get(Number(l.position));
        const seq = Number(l.seq);
        if (seq !== lastSeq + 1) fail(l.stream_id, l.version, `the notary chain skips from seal ${lastSeq} to ${seq} (seals deleted)`);
        const expected = this.notary.link(previous, { position: Number(l.position), streamId: l.stream_id, version: l.version, eventHash: l.event_hash });
        if (expected !== l.chain_hash) fail(l.stream_id, l.version, `the notary seal ${seq} does not verify (the seal record was altered)`);
        if (!e) fail(l.stream_id, l.version, `the event sealed at position ${l.position} is gone (deleted, or its whole stream deleted)`);
        else if (e.streamId !== l.stream_id || e.version !== l.version) {
          fail(l.stream_id, l.version, `position ${l.position} now holds ${e.streamId} version ${e.version}, not the event sealed there (events moved)`);
        } else if (e.hash !== l.event_hash) fail(l.stream_id, l.version, 'the event changed after the notary sealed it');
        previous = l.chain_hash;
        lastSeq = seq;
      }
    }
  }
}
