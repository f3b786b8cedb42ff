import { randomUUID } from 'node:crypto';
import type { Clock } from '../common/clock';

export interface RebuildJob {
  jobId: string;
  projection: string;
  status: 'running' | 'succeeded' | 'failed';
  eventsProcessed: number;
  eventsTotal: number;
  startedAt: string;
  finishedAt: string | null;
  /** Checksums of the live table just before the repair, and of the rebuilt one: equal when replay matches the live path. */
  liveChecksum: string | null;
  rebuiltChecksum: string | null;
  identical: boolean | null;
  error: string | null;
}

/**
 * The rebuild jobs of this process (GET /admin/jobs/{id}), and their queue: rebuilds run one after another, as they
 * share the shadow tables' names.
 */
export class RebuildJobs {
  private readonly jobs = new Map<string, RebuildJob>();
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly clock: Clock) {}

  get(id: string): RebuildJob | undefined {
    return this.jobs.get(id);
  }

  running(projection: string): RebuildJob | undefined {
    return [...this.jobs.values()].find((j) => j.projection === projection && j.status === 'running');
  }

  create(projection: string): RebuildJob {
    const job: RebuildJob = {
      jobId: randomUUID(),
      projection,
      status: 'running',
      eventsProcessed: 0,
      eventsTotal: 0,
      startedAt: this.clock.now(),
      finishedAt: null,
      liveChecksum: null,
      rebuiltChecksum: null,
      identical: null,
      error: null,
    };
    this.jobs.set(job.jobId, job);
    return job;
  }

  /** Runs `work` after every rebuild queued before it; its jobs end succeeded, or failed with its error. */
  run(jobs: RebuildJob[], work: () => Promise<void>, onProgress?: () => void): Promise<void> {
    const done = this.queue.then(async () => {
      try {
        await work();
        for (const job of jobs) job.status = 'succeeded';
      } catch (err) {
        for (const job of jobs) {
          job.status = 'failed';
          job.error = err instanceof Error ? err.message : String(err);
        }
        throw err;
      } finally {
        for (const job of jobs) job.finishedAt = this.clock.now();
        onProgress?.();
      }
    });
    this.queue = done.catch(() => undefined);
    return done;
  }
}
