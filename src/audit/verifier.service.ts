import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { EventRow, storedFromRow } from '../event-store/event-store.service';
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
    private readonly notary: Notary,
  ) {}

  async verify(onProgress?: (eventsChecked: number, total: number) => void): Promise<VerifyReport> {
    const failures: VerifyFailure[] = [];
    const fail = (streamId: string, version: number | null, reason: string) =>
      failures.push({ articleId: articleIdOf(streamId), streamId, version, reason });
    const [{ total }] = await this.dataSource.query(`SELECT count(*) AS total FROM events`);
    const streams: { stream_id: string; version: number | null; head_hash: string | null; in_log: boolean }[] = await this.dataSource.query(
      `SELECT COALESCE(s.stream_id, e.stream_id) AS stream_id, s.version, s.head_hash, e.stream_id IS NOT NULL AS in_log
         FROM streams s FULL OUTER JOIN (SELECT DISTINCT stream_id FROM events) e ON e.stream_id = s.stream_id
        ORDER BY 1`,
    );
    let eventsChecked = 0;
    for (const stream of streams) {
      const rows: EventRow[] = await this.dataSource.query(
        `SELECT position, transaction_id, stream_id, version, type, schema_version, data, metadata, recorded_at, hash
           FROM events WHERE stream_id = $1 ORDER BY version`,
        [stream.stream_id],
      );
      let previous = genesisHash(stream.stream_id);
      let lastPosition = 0;
      rows.forEach((row, i) => {
        const event = storedFromRow(row);
        const expectedVersion = i + 1;
        if (event.version !== expectedVersion) {
          fail(stream.stream_id, expectedVersion, event.version > expectedVersion ? `version ${expectedVersion} is missing (deleted event)` : `version ${event.version} appears out of sequence`);
        }
        if (eventHash(previous, event) !== event.hash) {
          fail(stream.stream_id, event.version, 'hash mismatch: the stored event (data, metadata, type or time) was altered, or an event before it');
        }
        if (event.position <= lastPosition) {
          fail(stream.stream_id, event.version, 'global position is out of order with the stream version (events reordered)');
        }
        lastPosition = event.position;
        previous = event.hash;
      });
      eventsChecked += rows.length;
      const logVersion = rows.length ? rows[rows.length - 1].version : 0;
      if (stream.version === null) fail(stream.stream_id, logVersion || null, 'stream is missing from the stream ledger');
      else if (!stream.in_log) fail(stream.stream_id, stream.version, `the ledger records ${stream.version} events but the log has none (stream deleted)`);
      else {
        if (stream.version !== logVersion) {
          fail(stream.stream_id, Math.min(stream.version, logVersion) + 1, `the ledger records ${stream.version} events but the log has ${logVersion} (events deleted, truncated or inserted)`);
        }
        if (rows.length && stream.head_hash !== rows[rows.length - 1].hash) {
          fail(stream.stream_id, logVersion, 'the ledger head hash does not match the last event');
        }
      }
      onProgress?.(eventsChecked, Number(total));
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
      const links: {
        seq: string;
        position: string;
        stream_id: string;
        version: number;
        event_hash: string;
        chain_hash: string;
        e_stream: string | null;
        e_version: number | null;
        e_hash: string | null;
      }[] = await this.dataSource.query(
        `SELECT c.seq, c.position, c.stream_id, c.version, c.event_hash, c.chain_hash,
                e.stream_id AS e_stream, e.version AS e_version, e.hash AS e_hash
           FROM event_chain c LEFT JOIN events e ON e.position = c.position
          WHERE c.seq > $1 ORDER BY c.seq LIMIT 5000`,
        [lastSeq],
      );
      if (!links.length) return;
      for (const l of links) {
        const seq = Number(l.seq);
        if (seq !== lastSeq + 1) fail(l.stream_id, l.version, `the notary chain skips from seal ${lastSeq} to ${seq} (seals deleted)`);
        const expected = this.notary.link(previous, { position: Number(l.position), streamId: l.stream_id, version: l.version, eventHash: l.event_hash });
        if (expected !== l.chain_hash) fail(l.stream_id, l.version, `the notary seal ${seq} does not verify (the seal record was altered)`);
        if (l.e_stream === null) fail(l.stream_id, l.version, `the event sealed at position ${l.position} is gone (deleted, or its whole stream deleted)`);
        else if (l.e_stream !== l.stream_id || l.e_version !== l.version) {
          fail(l.stream_id, l.version, `position ${l.position} now holds ${l.e_stream} version ${l.e_version}, not the event sealed there (events moved)`);
        } else if (l.e_hash !== l.event_hash) fail(l.stream_id, l.version, 'the event changed after the notary sealed it');
        previous = l.chain_hash;
        lastSeq = seq;
      }
    }
  }
}
