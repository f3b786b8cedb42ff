import { EntityManager } from 'typeorm';
import { EventRow, storedFromRow } from '../src/event-store/event-store.service';
import { AppendWrites, GlobalPosition, NewEvent, StoredEvent, StreamHead, WrongExpectedVersion } from '../src/event-store/event-store.types';
import { eventHash, genesisHash } from '../src/event-store/hash-chain';
import { rewriteLog } from './support/log-rewrite';
import { barrier, delay, drainAll, EventStoreHarness, metadata, newStreamId, startEventStore } from './support/event-store-harness';

/**
 * The event store against a real database, with no Nest app in between: optimistic concurrency under real races,
 * gap-free reading of the global log while a transaction is still open, the per-stream hash chain, and reading a
 * stream as of a version or a time. Runs on PGlite, or on the PostgreSQL server in DATABASE_URL (CI's second run).
 */
const POSTGRES = !!process.env.DATABASE_URL;
const ENGINE = POSTGRES ? 'PostgreSQL' : 'PGlite';

const ROW_COLUMNS = `position, transaction_id, stream_id, version, type, schema_version, data, metadata, recorded_at, hash`;

const event = (type: string, data: object): NewEvent => ({ type, data });
const events = (n: number, label: string): NewEvent[] =>
  Array.from({ length: n }, (_, i) => event('Tested', { label, i, nested: { b: [1, 'two', { c: null }], a: 'ünïcode ✓' } }));

describe(`EventStore on ${ENGINE}`, () => {
  let h: EventStoreHarness;

  beforeAll(async () => {
    h = await startEventStore();
    expect(h.postgres).toBe(POSTGRES);
  });
  afterAll(async () => {
    await h?.close();
  });

  /** Every stored row of a stream, as stored, in version order. */
  const rowsOf = async (streamId: string, manager: EntityManager = h.dataSource.manager): Promise<StoredEvent[]> => {
    const rows: EventRow[] = await manager.query(`SELECT ${ROW_COLUMNS} FROM events WHERE stream_id = $1 ORDER BY version`, [streamId]);
    return rows.map(storedFromRow);
  };
  const ledgerOf = async (streamId: string): Promise<{ version: number; head_hash: string } | undefined> => {
    const [row] = await h.dataSource.query(`SELECT version, head_hash FROM streams WHERE stream_id = $1`, [streamId]);
    return row;
  };
  const range = (from: number, to: number) => Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);

  /** Recomputes the chain from the genesis hash; returns the versions whose stored hash differs, and the last hash. */
  const recomputeChain = (streamId: string, stored: StoredEvent[]) => {
    let previous = genesisHash(streamId);
    const mismatches: number[] = [];
    for (const e of stored) {
      const hash = eventHash(previous, e);
      if (hash !== e.hash) mismatches.push(e.version);
      previous = hash;
    }
    return { mismatches, last: previous };
  };

  /** The stream is dense 1..n, its ledger row is at n with the last event's hash, and its chain verifies. */
  const expectConsistentStream = async (streamId: string, n: number) => {
    const stored = await rowsOf(streamId);
    expect(stored.map((e) => e.version)).toEqual(range(1, n));
    const ledger = await ledgerOf(streamId);
    expect(ledger).toEqual({ version: n, head_hash: stored[n - 1].hash });
    const chain = recomputeChain(streamId, stored);
    expect(chain.mismatches).toEqual([]);
    expect(chain.last).toBe(ledger!.head_hash);
    return stored;
  };

  describe('1. a real race for one stream version', () => {
    const N = 10;
    const PRIOR = 3;

    it.each([
      ['a new stream, expected version 0', 0],
      ['an existing stream, expected version as a number', PRIOR],
      ['an existing stream, expected head as read in the transaction', PRIOR],
    ] as const)(`%s: of ${N} concurrent appends exactly one commits`, async (label, prior) => {
      const streamId = newStreamId('race');
      const usesHead = label.includes('head');
      if (prior > 0) await h.store.transaction((m) => h.store.append(m, streamId, 0, events(prior, 'before'), metadata(), new Date().toISOString()));
      // On PGlite a head read inside each transaction would see the previous winner's append (they take turns), so
      // the contenders share one head read beforehand, as clients that read the stream and then write with If-Match.
      const sharedHead = usesHead && !POSTGRES ? await h.store.head(h.dataSource.manager, streamId) : undefined;
      const headsRead: number[] = [];

      // On PostgreSQL every contender holds an open transaction (and, with a head, has read it) before any of
      // them appends: a real race on ten connections. On PGlite connections take turns, so a barrier would deadlock.
      const gate = POSTGRES ? barrier(N) : undefined;
      const results = await Promise.allSettled(
        Array.from({ length: N }, (_, writer) =>
          h.store.transaction(async (m) => {
            const expected: number | StreamHead = usesHead ? (sharedHead ?? (await h.store.head(m, streamId))) : prior;
            if (typeof expected !== 'number') headsRead.push(expected.version);
            await m.query('SELECT 1'); // the transaction is open
            await gate?.arrive();
            return h.store.append(m, streamId, expected, events(2, `writer-${writer}`), metadata({ causationId: `w${writer}` }), new Date().toISOString());
          }),
        ),
      );

      const won = results.filter((r): r is PromiseFulfilledResult<StoredEvent[]> => r.status === 'fulfilled');
      const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(N - 1);
      for (const r of lost) expect(r.reason).toBeInstanceOf(WrongExpectedVersion);
      if (usesHead) expect(headsRead).toEqual(Array(N).fill(prior));

      const k = prior + 2;
      const stored = await expectConsistentStream(streamId, k);
      // The winner's events are the ones stored, with the positions and hashes it was told.
      const winner = won[0].value;
      expect(winner.map((e) => e.version)).toEqual([prior + 1, prior + 2]);
      expect(stored.slice(prior).map(({ position, hash, version, data }) => ({ position, hash, version, data }))).toEqual(
        winner.map(({ position, hash, version, data }) => ({ position, hash, version, data })),
      );
      expect(new Set(stored.map((e) => e.position)).size).toBe(k);
      // Nothing of the losers is left anywhere.
      const [{ count }] = await h.dataSource.query(`SELECT count(*)::int AS count FROM events WHERE stream_id = $1`, [streamId]);
      expect(count).toBe(k);
    });
  });

  it('2. many writers on many streams at once: every stream dense, every position unique', async () => {
    const STREAMS = 6;
    const WRITERS = 4;
    const APPENDS = 4;
    const streams = Array.from({ length: STREAMS }, () => newStreamId('many'));
    const expectedCount = new Map(streams.map((s) => [s, 0]));
    const written: StoredEvent[] = [];
    let conflicts = 0;

    const writer = async (streamId: string, w: number) => {
      for (let a = 0; a < APPENDS; a++) {
        const size = 1 + ((w + a) % 3);
        for (let attempt = 1; ; attempt++) {
          try {
            const stored = await h.store.transaction(async (m) => {
              const head = await h.store.head(m, streamId);
              // Half the writers pass the head they read, half only its version.
              return h.store.append(m, streamId, w % 2 ? head : head.version, events(size, `${streamId}/${w}/${a}`), metadata(), new Date().toISOString());
            });
            written.push(...stored);
            expectedCount.set(streamId, expectedCount.get(streamId)! + size);
            break;
          } catch (err) {
            if (!(err instanceof WrongExpectedVersion) || attempt >= 200) throw err;
            conflicts++;
          }
        }
      }
    };
    await Promise.all(streams.flatMap((s) => Array.from({ length: WRITERS }, (_, w) => writer(s, w))));

    for (const s of streams) {
      const stored = await expectConsistentStream(s, expectedCount.get(s)!);
      // Each event is stored exactly as its append reported it.
      const reported = written.filter((e) => e.streamId === s).sort((x, y) => x.version - y.version);
      expect(reported.map((e) => [e.version, e.position, e.hash])).toEqual(stored.map((e) => [e.version, e.position, e.hash]));
    }
    const positions = written.map((e) => e.position);
    expect(new Set(positions).size).toBe(positions.length);
    expect(positions.length).toBe([...expectedCount.values()].reduce((a, b) => a + b, 0));

    // The global log hands out each of them exactly once.
    const { events: all } = await drainAll(h.store, h.dataSource.manager, undefined, 7);
    const mine = all.filter((e) => streams.includes(e.streamId)).map((e) => e.position);
    expect(mine.sort((a, b) => a - b)).toEqual([...positions].sort((a, b) => a - b));
    expect(new Set(all.map((e) => e.position)).size).toBe(all.length);
    if (POSTGRES) expect(conflicts).toBeGreaterThan(0); // the writers did collide
  });

  describe('3. reading the global log while a transaction is still open', () => {
    /** The reader the store must not be: by position alone, remembering the highest position seen. */
    const naiveRead = async (after: number): Promise<number[]> =>
      (await h.dataSource.query(`SELECT position FROM events WHERE position > $1 ORDER BY position`, [after])).map((r: { position: string }) =>
        Number(r.position),
      );
    /** Both readers caught up with everything committed so far. */
    const catchUp = async (): Promise<{ checkpoint: GlobalPosition; naiveCheckpoint: number }> => {
      const { checkpoint } = await drainAll(h.store, h.dataSource.manager);
      const [{ max }] = await h.dataSource.query(`SELECT coalesce(max(position), 0)::bigint AS max FROM events`);
      return { checkpoint, naiveCheckpoint: Number(max) };
    };

    if (POSTGRES) {
      it('an event committed late behind a later position is not skipped (the naive reader skips it)', async () => {
        let { checkpoint, naiveCheckpoint } = await catchUp();
        const seenByStore: StoredEvent[] = [];
        const seenByNaive: number[] = [];
        const slowStream = newStreamId('slow');
        const fastStream = newStreamId('fast');

        const t1 = h.dataSource.createQueryRunner();
        await t1.connect();
        try {
          await t1.startTransaction();
          const [slow] = await h.store.append(t1.manager, slowStream, 0, events(1, 'slow'), metadata(), new Date().toISOString());
          const p1 = slow.position;

          const [fast] = await h.store.transaction((m) => h.store.append(m, fastStream, 0, events(1, 'fast'), metadata(), new Date().toISOString()));
          const p2 = fast.position;
          expect(p2).toBeGreaterThan(p1);

          // T1 is still open: the store holds back everything from it on, p2 included.
          const first = await h.store.readAll(h.dataSource.manager, checkpoint, 100);
          expect(first.map((e) => e.position)).not.toContain(p2);
          expect(first.map((e) => e.position)).not.toContain(p1);
          expect(first).toEqual([]);
          seenByStore.push(...first);

          // The naive reader sees p2 and moves its checkpoint past p1.
          const naiveFirst = await naiveRead(naiveCheckpoint);
          expect(naiveFirst).toEqual([p2]);
          seenByNaive.push(...naiveFirst);
          naiveCheckpoint = Math.max(naiveCheckpoint, ...naiveFirst);
          expect(naiveCheckpoint).toBeGreaterThan(p1);

          await t1.commitTransaction();

          const second = await drainAll(h.store, h.dataSource.manager, checkpoint);
          seenByStore.push(...second.events);
          checkpoint = second.checkpoint;
          seenByNaive.push(...(await naiveRead(naiveCheckpoint)));

          // The store returns both, each once, T1's first (it is the older transaction).
          expect(seenByStore.map((e) => e.position)).toEqual([p1, p2]);
          expect(seenByStore.map((e) => e.streamId)).toEqual([slowStream, fastStream]);
          // Negative control: the naive reader missed p1 for good. (If it did not, this test could not fail.)
          expect(seenByNaive).toEqual([p2]);
          expect(seenByNaive).not.toContain(p1);
        } finally {
          if (t1.isTransactionActive) await t1.rollbackTransaction();
          await t1.release();
        }
      });

      it('orders by transaction, not by position: an older transaction with a later position is read first, once', async () => {
        let { checkpoint, naiveCheckpoint } = await catchUp();
        const older = h.dataSource.createQueryRunner();
        const newer = h.dataSource.createQueryRunner();
        await older.connect();
        await newer.connect();
        try {
          // `older` takes its transaction id first, `newer` takes the lower position first.
          await older.startTransaction();
          await older.query(`SELECT pg_current_xact_id()`);
          await newer.startTransaction();
          const [first] = await h.store.append(newer.manager, newStreamId('newer'), 0, events(1, 'newer'), metadata(), new Date().toISOString());
          const [second] = await h.store.append(older.manager, newStreamId('older'), 0, events(1, 'older'), metadata(), new Date().toISOString());
          expect(second.position).toBeGreaterThan(first.position);
          expect(BigInt(second.transactionId)).toBeLessThan(BigInt(first.transactionId));

          // The higher position commits first; the store waits for the older transaction to finish.
          await older.commitTransaction();
          const storeSeen: number[] = [];
          const naiveSeen: number[] = [];
          let read = await drainAll(h.store, h.dataSource.manager, checkpoint);
          storeSeen.push(...read.events.map((e) => e.position));
          checkpoint = read.checkpoint;
          const naive = await naiveRead(naiveCheckpoint);
          naiveSeen.push(...naive);
          naiveCheckpoint = Math.max(naiveCheckpoint, ...naive);
          expect(storeSeen).toEqual([second.position]);
          expect(naiveSeen).toEqual([second.position]);

          await newer.commitTransaction();
          read = await drainAll(h.store, h.dataSource.manager, checkpoint);
          storeSeen.push(...read.events.map((e) => e.position));
          naiveSeen.push(...(await naiveRead(naiveCheckpoint)));
          // Transaction order: the higher position first, then the lower one; each exactly once.
          expect(storeSeen).toEqual([second.position, first.position]);
          expect(naiveSeen).toEqual([second.position]); // the naive reader lost the lower one
        } finally {
          for (const qr of [older, newer]) {
            if (qr.isTransactionActive) await qr.rollbackTransaction();
            await qr.release();
          }
        }
      });
    } else {
      it('on PGlite a second append waits for the open transaction, so commit order is position order', async () => {
        let { checkpoint, naiveCheckpoint } = await catchUp();
        const slowStream = newStreamId('slow');
        const fastStream = newStreamId('fast');

        const t1 = h.dataSource.createQueryRunner();
        await t1.connect();
        let pending: Promise<StoredEvent[]> | undefined;
        let pendingRead: Promise<StoredEvent[]> | undefined;
        try {
          await t1.startTransaction();
          const [slow] = await h.store.append(t1.manager, slowStream, 0, events(1, 'slow'), metadata(), new Date().toISOString());
          const p1 = slow.position;

          // T2 and a reader start while T1 is open: both wait for it.
          pending = h.store.transaction((m) => h.store.append(m, fastStream, 0, events(1, 'fast'), metadata(), new Date().toISOString()));
          pending.catch(() => undefined);
          expect(await Promise.race([pending, delay(300)])).toBe('timed out');
          pendingRead = h.store.readAll(h.dataSource.manager, checkpoint, 100);
          pendingRead.catch(() => undefined);
          expect(await Promise.race([pendingRead, delay(100)])).toBe('timed out');
          const [{ count }] = await t1.query(`SELECT count(*)::int AS count FROM events WHERE stream_id = $1`, [fastStream]);
          expect(count).toBe(0);

          await t1.commitTransaction();
          await t1.release();

          const [fast] = await pending;
          const p2 = fast.position;
          expect(p2).toBeGreaterThan(p1);

          const seen = [...(await pendingRead)];
          const rest = await drainAll(h.store, h.dataSource.manager, seen.length ? { transactionId: seen[seen.length - 1].transactionId, position: seen[seen.length - 1].position } : checkpoint);
          seen.push(...rest.events);
          checkpoint = rest.checkpoint;
          const positions = seen.map((e) => e.position);
          // Never a later position before an earlier one; both exactly once.
          expect(positions).toEqual([p1, p2]);
          // Serialised connections leave the naive reader nothing to miss here.
          expect(await naiveRead(naiveCheckpoint)).toEqual([p1, p2]);
        } finally {
          if (!t1.isReleased) {
            if (t1.isTransactionActive) await t1.rollbackTransaction();
            await t1.release();
          }
          await pending?.catch(() => undefined);
          await pendingRead?.catch(() => undefined);
        }
      });
    }
  });

  describe('4. the hash chain', () => {
    const streamId = newStreamId('chain');
    let appended: StoredEvent[] = [];

    beforeAll(async () => {
      const at = (s: number) => new Date(Date.UTC(2026, 0, 2, 3, 4, s, 567)).toISOString();
      appended = await h.store.transaction((m) =>
        h.store.append(m, streamId, 0, [event('Drafted', { title: 'Hello', z: 1, a: { y: [3, 2, 1], x: 'é' } }), event('Edited', { title: 'Hello, world' })], metadata(), at(1)),
      );
      appended.push(...(await h.store.transaction((m) => h.store.append(m, streamId, 2, [event('Edited', { title: 'Hello' }), event('Tagged', { tags: ['a', 'b'] })], metadata({ idempotencyKey: 'k-1' }), at(2)))));
      appended.push(
        ...(await h.store.transaction(async (m) => h.store.append(m, streamId, await h.store.head(m, streamId), [event('Approved', { note: null })], metadata(), at(3)))),
      );
    });

    it('recomputes from the genesis hash across separate appends, and the ledger holds the last hash', async () => {
      const stored = await rowsOf(streamId);
      expect(stored.map((e) => e.version)).toEqual([1, 2, 3, 4, 5]);
      expect(stored.map((e) => e.hash)).toEqual(appended.map((e) => e.hash));
      let previous = genesisHash(streamId);
      for (const e of stored) {
        expect(eventHash(previous, e)).toBe(e.hash);
        previous = e.hash;
      }
      expect((await ledgerOf(streamId))!.head_hash).toBe(previous);
      expect((await h.store.head(h.dataSource.manager, streamId)).hash).toBe(previous);
      // The first hash depends on the stream id: the same event under another stream id does not verify.
      expect(eventHash(genesisHash(`${streamId}-other`), stored[0])).not.toBe(stored[0].hash);
    });

    it('one changed byte of stored data breaks the recomputation', async () => {
      const before = await rowsOf(streamId);
      await rewriteLog(h.dataSource, `UPDATE events SET data = jsonb_set(data, '{title}', '"Hellp"') WHERE stream_id = $1 AND version = 3`, [streamId]);
      const after = await rowsOf(streamId);
      expect(after[2].data.title).toBe('Hellp');
      const chain = recomputeChain(streamId, after);
      expect(chain.mismatches[0]).toBe(3);
      expect(chain.last).not.toBe((await ledgerOf(streamId))!.head_hash);
      // Control: the untouched rows still verify.
      expect(recomputeChain(streamId, before)).toEqual({ mismatches: [], last: (await ledgerOf(streamId))!.head_hash });
    });

    it('hashes what is stored: a Date in the data and a time not in canonical form still verify after a read', async () => {
      const id = newStreamId('canonical');
      const cases: [object, string][] = [
        [{ at: new Date('2026-01-02T03:04:05.678Z') }, '2026-01-02T03:04:05.678Z'],
        [{ plain: true }, '2026-01-02T03:04:05Z'], // no milliseconds
        [{ plain: true }, '2026-01-02T04:04:05.000+01:00'], // an offset
        [{ plain: true }, '2026-01-02T03:04:05.123456Z'], // microseconds, which timestamptz keeps
      ];
      for (const [i, [data, at]] of cases.entries()) {
        await h.store.transaction((m) => h.store.append(m, id, i, [event('Odd', data)], metadata(), at));
      }
      const stored = await expectConsistentStream(id, cases.length);
      expect(stored[0].data).toEqual({ at: '2026-01-02T03:04:05.678Z' });
      expect(stored.map((e) => e.recordedAt)).toEqual([
        '2026-01-02T03:04:05.678Z',
        '2026-01-02T03:04:05.000Z',
        '2026-01-02T03:04:05.000Z',
        '2026-01-02T03:04:05.123Z',
      ]);
    });
  });

  describe('5. reading a stream, expected versions, empty appends', () => {
    const streamId = newStreamId('read');
    const t1 = '2026-03-01T10:00:00.000Z';
    const t2 = '2026-03-01T11:00:00.000Z';
    const t3 = '2026-03-01T12:00:00.000Z';
    let all: StoredEvent[] = [];

    beforeAll(async () => {
      all = [
        ...(await h.store.transaction((m) => h.store.append(m, streamId, 0, events(2, 'first'), metadata(), t1))),
        ...(await h.store.transaction((m) => h.store.append(m, streamId, 2, events(1, 'second'), metadata(), t2))),
        ...(await h.store.transaction((m) => h.store.append(m, streamId, 3, events(2, 'third'), metadata(), t3))),
      ];
    });

    const read = (until?: { version?: number; asOf?: string }) => h.store.readStream(h.dataSource.manager, streamId, until);

    it('reads the whole stream, up to a version, and as of a time', async () => {
      const whole = await read();
      expect(whole.events.map((e) => e.version)).toEqual([1, 2, 3, 4, 5]);
      expect(whole.events.map((e) => e.hash)).toEqual(all.map((e) => e.hash));
      expect(whole.head).toEqual({ streamId, version: 5, hash: all[4].hash });

      const upTo3 = await read({ version: 3 });
      expect(upTo3.events.map((e) => e.version)).toEqual([1, 2, 3]);
      expect(upTo3.head).toEqual({ streamId, version: 3, hash: all[2].hash });

      expect((await read({ asOf: t2 })).events.map((e) => e.version)).toEqual([1, 2, 3]); // inclusive
      expect((await read({ asOf: '2026-03-01T10:59:59.999Z' })).events.map((e) => e.version)).toEqual([1, 2]);
      expect((await read({ asOf: '2026-03-01T11:59:59.999+01:00' })).events.map((e) => e.version)).toEqual([1, 2]); // 10:59:59.999Z
      expect((await read({ asOf: '2027-01-01T00:00:00.000Z' })).events.map((e) => e.version)).toEqual([1, 2, 3, 4, 5]);
      expect((await read({ version: 4, asOf: t3 })).events.map((e) => e.version)).toEqual([1, 2, 3, 4]);
      expect((await read({ version: 5, asOf: t1 })).events.map((e) => e.version)).toEqual([1, 2]);

      const before = await read({ asOf: '2026-03-01T09:59:59.999Z' });
      expect(before).toEqual({ events: [], head: { streamId, version: 0, hash: genesisHash(streamId) } });
      expect((await read({ version: 0 })).events).toEqual([]);

      const missing = await h.store.readStream(h.dataSource.manager, newStreamId('missing'));
      expect(missing.events).toEqual([]);
      expect(missing.head.version).toBe(0);
    });

    it('refuses expected version 0 on an existing stream, and any other stale or future version', async () => {
      const ledger = await ledgerOf(streamId);
      const attempt = (expected: number | StreamHead) =>
        h.store.transaction((m) => h.store.append(m, streamId, expected, events(1, 'late'), metadata(), new Date().toISOString()));

      await expect(attempt(0)).rejects.toBeInstanceOf(WrongExpectedVersion);
      await expect(attempt(0)).rejects.toMatchObject({ streamId, expected: 0 });
      await expect(attempt(3)).rejects.toMatchObject({ name: 'WrongExpectedVersion', expected: 3, actual: 5 });
      await expect(attempt(6)).rejects.toBeInstanceOf(WrongExpectedVersion);
      await expect(attempt({ streamId, version: 4, hash: all[3].hash })).rejects.toBeInstanceOf(WrongExpectedVersion);
      // The right version with another head hash: the events would chain from a head the stream does not have.
      await expect(attempt({ streamId, version: 5, hash: all[3].hash })).rejects.toMatchObject({ name: 'WrongExpectedVersion', expected: 5 });

      expect(await ledgerOf(streamId)).toEqual(ledger);
      expect((await rowsOf(streamId)).map((e) => e.version)).toEqual([1, 2, 3, 4, 5]);
    });

    it('a refused append rolls back everything else in its transaction', async () => {
      const other = newStreamId('rolled-back');
      await expect(
        h.store.transaction(async (m) => {
          await h.store.append(m, other, 0, events(1, 'ok'), metadata(), new Date().toISOString());
          await h.store.append(m, streamId, 0, events(1, 'conflict'), metadata(), new Date().toISOString());
        }),
      ).rejects.toBeInstanceOf(WrongExpectedVersion);
      expect(await rowsOf(other)).toEqual([]);
      expect(await ledgerOf(other)).toBeUndefined();
    });

    it('appending zero events is a no-op', async () => {
      const ledger = await ledgerOf(streamId);
      const [{ count: before }] = await h.dataSource.query(`SELECT count(*)::int AS count FROM events`);
      const empty = newStreamId('empty');
      const results = await h.store.transaction(async (m) => [
        await h.store.append(m, streamId, 5, [], metadata(), new Date().toISOString()),
        await h.store.append(m, empty, 0, [], metadata(), new Date().toISOString()),
      ]);
      expect(results).toEqual([[], []]);
      expect(await ledgerOf(streamId)).toEqual(ledger);
      expect(await ledgerOf(empty)).toBeUndefined();
      const [{ count: after }] = await h.dataSource.query(`SELECT count(*)::int AS count FROM events`);
      expect(after).toBe(before);
      // The stream still takes its next append at the version it was at.
      const next = await h.store.transaction((m) => h.store.append(m, streamId, 5, events(1, 'next'), metadata(), new Date().toISOString()));
      expect(next.map((e) => e.version)).toEqual([6]);
      await expectConsistentStream(streamId, 6);
    });
  });

  describe('6. appends outside a transaction: group commit', () => {
    // On a bare manager, appends made while a statement is in flight go together into the next one. Each append is
    // still conditional on its own stream's version, and succeeds or fails on its own.
    const bare = () => h.dataSource.manager;
    const appendBare = (streamId: string, expected: number | StreamHead, label: string, writes?: AppendWrites) =>
      h.store.append(bare(), streamId, expected, events(1, label), metadata(), new Date().toISOString(), writes);
    const settled = <T>(promises: Promise<T>[]) => Promise.allSettled(promises);
    const PROBE = 'append_writes_probe';

    beforeAll(async () => {
      await h.dataSource.query(`CREATE TABLE ${PROBE} (stream_id text NOT NULL, version int NOT NULL, position bigint NOT NULL)`);
    });

    /** Writes that record, for its own stream, the events the append inserted (version and position). */
    const probe =
      (streamId: string): AppendWrites =>
      (_events, { param, appended }) => [`INSERT INTO ${PROBE} (stream_id, version, position) SELECT ${param(streamId)}, version, position FROM ${appended}`];

    it('many streams at once: every append commits, grouped, with the positions and transaction ids stored', async () => {
      const streams = Array.from({ length: 40 }, () => newStreamId('grouped'));
      // Two rounds: creating the streams (expected 0), then moving each from the head the first round returned.
      const first = await Promise.all(streams.map((id, i) => appendBare(id, 0, 'first', i % 2 ? probe(id) : undefined)));
      const second = await Promise.all(
        streams.map((id, i) => {
          const [e] = first[i];
          return appendBare(id, { streamId: id, version: e.version, hash: e.hash }, 'second', i % 3 ? probe(id) : undefined);
        }),
      );
      for (const [i, id] of streams.entries()) {
        const stored = await expectConsistentStream(id, 2);
        expect([...first[i], ...second[i]]).toEqual(stored);
      }
      // Submitted in one turn of the event loop: fewer transactions than appends (on either engine).
      const transactions = new Set([...first, ...second].map(([e]) => e.transactionId));
      expect(transactions.size).toBeLessThan(streams.length * 2);
      expect([...first, ...second].some(([e], i, all) => all.findIndex(([o]) => o.transactionId === e.transactionId) !== i)).toBe(true);
      // Each append's writes saw its own events only, and committed with them.
      const probed: { stream_id: string; version: number; position: string }[] = await h.dataSource.query(
        `SELECT stream_id, version, position FROM ${PROBE} WHERE stream_id = ANY($1) ORDER BY position`,
        [streams],
      );
      const expected = streams
        .flatMap((id, i) => [...(i % 2 ? first[i] : []), ...(i % 3 ? second[i] : [])].map((e) => ({ stream_id: id, version: e.version, position: String(e.position) })))
        .sort((a, b) => Number(a.position) - Number(b.position));
      expect(probed).toEqual(expected);
    });

    it('a race for one version, grouped with other streams: exactly one winner, the others conflict, nothing else is lost', async () => {
      const contested = newStreamId('contested');
      const [created] = await appendBare(contested, 0, 'base');
      const head: StreamHead = { streamId: contested, version: 1, hash: created.hash };
      const others = Array.from({ length: 12 }, () => newStreamId('bystander'));
      const racers = Array.from({ length: 10 }, (_, i) => appendBare(contested, i % 2 ? head : 1, `racer-${i}`));
      const bystanders = others.map((id) => appendBare(id, 0, 'bystander'));
      const fresh = Array.from({ length: 5 }, () => appendBare(contested, 0, 'recreate'));
      const [raced, stood, recreated] = await Promise.all([settled(racers), settled(bystanders), settled(fresh)]);
      expect(raced.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      for (const r of raced.filter((r) => r.status === 'rejected')) expect((r as PromiseRejectedResult).reason).toBeInstanceOf(WrongExpectedVersion);
      for (const r of recreated) expect(r).toMatchObject({ status: 'rejected', reason: expect.any(WrongExpectedVersion) });
      expect(stood.every((r) => r.status === 'fulfilled')).toBe(true);
      const winner = (raced.find((r) => r.status === 'fulfilled') as PromiseFulfilledResult<StoredEvent[]>).value;
      expect(await expectConsistentStream(contested, 2)).toEqual([created, ...winner]);
      for (const id of others) await expectConsistentStream(id, 1);
    });

    it('an append from the right version but another head hash, grouped with others: refused alone, nothing written', async () => {
      const chained = newStreamId('chained');
      const [created] = await appendBare(chained, 0, 'base');
      const others = Array.from({ length: 6 }, () => newStreamId('beside'));
      const wrong = appendBare(chained, { streamId: chained, version: 1, hash: genesisHash(chained) }, 'forged');
      const beside = others.map((id) => appendBare(id, 0, 'beside'));
      const [forged, stood] = await Promise.all([settled([wrong]), settled(beside)]);
      expect(forged[0]).toMatchObject({ status: 'rejected', reason: expect.any(WrongExpectedVersion) });
      expect(stood.every((r) => r.status === 'fulfilled')).toBe(true);
      expect(await expectConsistentStream(chained, 1)).toEqual([created]);
      for (const id of others) await expectConsistentStream(id, 1);
    });

    it('a statement error in a batch lands on its own append: the others commit', async () => {
      const streams = Array.from({ length: 8 }, () => newStreamId('batch-error'));
      // A write that breaks a constraint (NOT NULL) once its append has inserted: the whole statement fails.
      const failing: AppendWrites = (_events, { appended }) => [
        `INSERT INTO ${PROBE} (stream_id, version, position) SELECT NULL, version, position FROM ${appended}`,
      ];
      const results = await settled(streams.map((id, i) => appendBare(id, 0, 'maybe', i === 3 ? failing : probe(id))));
      expect(results.map((r) => r.status)).toEqual(streams.map((_, i) => (i === 3 ? 'rejected' : 'fulfilled')));
      expect((results[3] as PromiseRejectedResult).reason).not.toBeInstanceOf(WrongExpectedVersion);
      expect(await ledgerOf(streams[3])).toBeUndefined();
      expect(await rowsOf(streams[3])).toEqual([]);
      for (const [i, id] of streams.entries()) if (i !== 3) expect(await expectConsistentStream(id, 1)).toEqual((results[i] as PromiseFulfilledResult<StoredEvent[]>).value);
    });

    it('an append whose writes cannot be given (the projection throws) fails alone: the others of its batch commit', async () => {
      const streams = Array.from({ length: 6 }, () => newStreamId('writes-throw'));
      const broken: AppendWrites = () => {
        throw new Error('projection bug');
      };
      // The first append is in flight alone; the rest go together in the next statement.
      const results = await settled(streams.map((id, i) => appendBare(id, 0, 'maybe', i === 4 ? broken : probe(id))));
      expect(results.map((r) => r.status)).toEqual(streams.map((_, i) => (i === 4 ? 'rejected' : 'fulfilled')));
      expect((results[4] as PromiseRejectedResult).reason).toMatchObject({ message: 'projection bug' });
      expect(await ledgerOf(streams[4])).toBeUndefined();
      for (const [i, id] of streams.entries()) if (i !== 4) expect(await expectConsistentStream(id, 1)).toEqual((results[i] as PromiseFulfilledResult<StoredEvent[]>).value);
    });

    it('a chain of appends to one stream, each expecting the last one, keeps its order and hash chain', async () => {
      const streamId = newStreamId('chained');
      const n = 20;
      // Each append starts when the previous has answered, while other streams keep the batches busy.
      const noise = Array.from({ length: 30 }, () => appendBare(newStreamId('noise'), 0, 'noise'));
      let head: number | StreamHead = 0;
      const appended: StoredEvent[] = [];
      for (let i = 0; i < n; i++) {
        const [e] = await appendBare(streamId, head, `link-${i}`);
        appended.push(e);
        head = { streamId, version: e.version, hash: e.hash };
      }
      await Promise.all(noise);
      expect(await expectConsistentStream(streamId, n)).toEqual(appended);
    });
  });
});
