/**
 * A background pass run again and again: the first after `start(firstMs)`, then `everyMs` after each one ends, or
 * `backoffMs(failures)` after one that threw (`failures` in a row). One pass at a time; the timers do not keep the
 * process alive; `stop()` cancels the next pass and waits for the one in flight (the daemon, the scheduler, the
 * notary).
 */
export class PollingLoop {
  private timer?: NodeJS.Timeout;
  private dueAt = Infinity;
  private running?: Promise<void>;
  private started = false;
  private stopped = false;
  private failures = 0;
  /** A wake that came during a pass: the next pass follows it within this many ms. */
  private wokenMs?: number;

  constructor(
    private readonly pass: () => Promise<unknown>,
    private readonly options: { everyMs: number; backoffMs?: (failures: number) => number; onError?: (err: unknown) => void },
  ) {}

  start(firstMs: number): void {
    this.started = true;
    this.schedule(firstMs);
  }

  /**
   * The next pass within `ms` rather than at its usual time: there is work (a pass in flight is followed by another).
   * Wakes that come while one is pending share it, so a burst of work is taken in one pass. Ignored while backing
   * off after failures, and before `start`.
   */
  wake(ms: number): void {
    if (!this.started || this.stopped || this.failures) return;
    if (this.running) {
      this.wokenMs = Math.min(this.wokenMs ?? ms, ms);
      return;
    }
    if (this.dueAt <= Date.now() + ms) return;
    clearTimeout(this.timer);
    this.schedule(ms);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.dueAt = Date.now() + ms;
    this.timer = setTimeout(() => {
      this.dueAt = Infinity;
      this.running = this.pass().then(
        () => {
          this.failures = 0;
        },
        (err: unknown) => {
          this.failures += 1;
          this.options.onError?.(err);
        },
      );
      void this.running.finally(() => {
        this.running = undefined;
        const { everyMs, backoffMs } = this.options;
        const woken = this.wokenMs;
        this.wokenMs = undefined;
        this.schedule(this.failures && backoffMs ? backoffMs(this.failures) : Math.min(woken ?? everyMs, everyMs));
      });
    }, ms);
    this.timer.unref();
  }
}
