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
});
