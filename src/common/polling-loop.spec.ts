import { PollingLoop } from './polling-loop';

describe('PollingLoop', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('runs a pass after the first delay, then every interval after each pass ends; stop ends it', async () => {
    const passes: number[] = [];
    const loop = new PollingLoop(async () => void passes.push(Date.now()), { everyMs: 1000 });
    const start = Date.now();
    loop.start(200);
    await jest.advanceTimersByTimeAsync(2300);
    expect(passes.map((t) => t - start)).toEqual([200, 1200, 2200]);
    await loop.stop();
    await jest.advanceTimersByTimeAsync(5000);
    expect(passes).toHaveLength(3);
  });

  it('backs off after failed passes, and returns to the interval after a good one', async () => {
    const outcomes = [false, false, true, true];
    const at: number[] = [];
    const errors: unknown[] = [];
    const start = Date.now();
    const loop = new PollingLoop(
      async () => {
        at.push(Date.now() - start);
        if (!outcomes.shift()) throw new Error('down');
      },
      { everyMs: 1000, backoffMs: (n) => 1000 * 2 ** n, onError: (err) => errors.push(err) },
    );
    loop.start(0);
    await jest.advanceTimersByTimeAsync(7500);
    await loop.stop();
    expect(at).toEqual([0, 2000, 6000, 7000]);
    expect(errors).toHaveLength(2);
  });

  it('stop waits for the pass in flight', async () => {
    let finish!: () => void;
    let finished = false;
    const loop = new PollingLoop(() => new Promise<void>((resolve) => (finish = resolve)).then(() => void (finished = true)), { everyMs: 1000 });
    loop.start(0);
    await jest.advanceTimersByTimeAsync(0);
    const stopped = loop.stop();
    finish();
    await stopped;
    expect(finished).toBe(true);
  });

  it('wake brings the next pass forward; wakes while one is due share it; a wake during a pass is followed by another', async () => {
    const at: number[] = [];
    let inPass: (() => void) | null = null;
    let start = Date.now();
    const loop = new PollingLoop(
      () => {
        at.push(Date.now() - start);
        return at.length === 3 ? new Promise<void>((resolve) => (inPass = resolve)) : Promise.resolve();
      },
      { everyMs: 1000 },
    );
    loop.wake(0); // before start: nothing
    await jest.advanceTimersByTimeAsync(100);
    expect(at).toEqual([]);
    start = Date.now();
    loop.start(200);
    await jest.advanceTimersByTimeAsync(300); // the first pass at 200, the next due at 1200
    loop.wake(50);
    loop.wake(50); // shares the one due at 350
    await jest.advanceTimersByTimeAsync(100);
    expect(at).toEqual([200, 350]);
    loop.wake(50); // the third pass, at 450, hangs until inPass()
    await jest.advanceTimersByTimeAsync(100);
    loop.wake(50); // during the pass
    inPass!();
    await jest.advanceTimersByTimeAsync(60);
    expect(at).toEqual([200, 350, 450, 550]);
    await jest.advanceTimersByTimeAsync(1000); // then the interval again
    expect(at).toEqual([200, 350, 450, 550, 1550]);
    await loop.stop();
  });
});
