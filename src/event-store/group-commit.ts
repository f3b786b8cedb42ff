/**
 * Group commit: appends that arrive while a statement is in flight go together into the next one, so many appends
 * share one round trip and one durable commit. At most `inFlight` statements run at once (each on a connection of
 * the pool), and a stream is in at most one of them: a later append to a stream waits for the statement carrying
 * the earlier one, so appends to a stream keep their order and two statements never lock the same ledger row.
 *
 * `run` settles every item of the batch it is given (it must not throw); the queue only decides who goes together.
 * A batch is sent once the callers of this turn have queued their appends: after the current microtasks when the
 * queue was idle, and after a statement answers, on the next turn of the event loop, so that the callers it has just
 * answered can queue their next appends first (else the first of them would go alone, the rest in the next one).
 */
export interface Grouped<R> {
  readonly key: string;
  resolve(value: R): void;
  reject(reason: unknown): void;
}

export class GroupCommit<I extends Grouped<R>, R> {
  private readonly queue: I[] = [];
  private readonly busy = new Set<string>();
  private running = 0;
  private scheduled = false;

  constructor(
    private readonly run: (batch: I[]) => Promise<void>,
    private readonly inFlight: number,
    private readonly maxBatch: number,
  ) {}

  submit(item: Omit<I, 'resolve' | 'reject'>): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ ...item, resolve, reject } as I);
      this.schedule(queueMicrotask);
    });
  }

  private schedule(defer: (callback: () => void) => unknown): void {
    if (this.scheduled) return;
    this.scheduled = true;
    defer(() => {
      this.scheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    while (this.running < this.inFlight && this.queue.length) {
      const batch: I[] = [];
      const keys = new Set<string>();
      for (let i = 0; i < this.queue.length && batch.length < this.maxBatch; ) {
        const item = this.queue[i];
        if (this.busy.has(item.key) || keys.has(item.key)) {
          i++;
          continue;
        }
        keys.add(item.key);
        batch.push(item);
        this.queue.splice(i, 1);
      }
      if (!batch.length) return;
      for (const key of keys) this.busy.add(key);
      this.running++;
      void this.run(batch)
        .catch((err: unknown) => batch.forEach((item) => item.reject(err)))
        .finally(() => {
          this.running--;
          for (const key of keys) this.busy.delete(key);
          this.schedule(setImmediate);
        });
    }
  }
}
