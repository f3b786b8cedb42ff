/**
 * A background pass run again and again: the first after `start(firstMs)`, then `everyMs` after each one ends, or
 * `backoffMs(failures)` after one that threw (`failures` in a row). One pass at a time; the timers do not keep the
 * process alive; `stop()` cancels the next pass and waits for the one in flight (the daemon, the scheduler, the
 * notary).
 */
export class PollingLoop {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;
  private failures = 0;

  constructor(
    private readonly pass: () => Promise<unknown>,
    private readonly options: { everyMs: number; backoffMs?: (failures: number) => number; onError?: (err: unknown) => void },
  ) {}

  start(firstMs: number): void {
    this.schedule(firstMs);
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
    this.timer = setTimeout(() => {
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
        this.schedule(this.failures && backoffMs ? backoffMs(this.failures) : everyMs);
      });
    }, ms);
    this.timer.unref();
  }
}
