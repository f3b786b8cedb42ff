import { Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { PollingLoop } from '../common/polling-loop';
import { APP_CONFIG, AppConfig } from '../config/config';
import type { Projection } from './projection';
import { ProjectionRunner } from './projection-runner.service';

/**
 * How soon after an append the search tables' pass runs: soon enough for a search to find it, late enough that a
 * burst of commands shares one pass (docs/optimisation/search-writes.md).
 */
const WAKE_MS = 100;

/**
 * Keeps every projection's checkpoint moving with the log in the background, in two loops. One, every second,
 * proves the rows the inline path wrote against the log (nothing missed, nothing doubled) and feeds projections
 * added later or being rebuilt. The other writes the read models no command waits for (`afterCommit`: search),
 * woken by each append and at least every second.
 */
@Injectable()
export class ProjectionDaemon implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly inline = this.loopOver((p) => !p.afterCommit);
  private readonly afterCommit = this.loopOver((p) => Boolean(p.afterCommit));

  constructor(
    private readonly runner: ProjectionRunner,
    private readonly config: ConfigService,
  ) {}

  /** Every second; after passes where a projection failed, 2, 4, 8… seconds, at most 30. */
  private loopOver(which: (p: Projection) => boolean): PollingLoop {
    const loop: PollingLoop = new PollingLoop(
      async () => {
        // Logged and recorded on the projection's checkpoint by the runner.
        if (!(await this.catchUp(this.runner.projections.filter(which), loop))) throw new Error('a projection failed');
      },
      { everyMs: 1000, backoffMs: (failures) => Math.min(30_000, 1000 * 2 ** failures) },
    );
    return loop;
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.runner.ensureCheckpoints();
    if (this.config.get<AppConfig>(APP_CONFIG)?.NEWSROOM_PROJECTION_DAEMON === 'off') return;
    this.runner.onAppended(() => this.afterCommit.wake(WAKE_MS));
    this.inline.start(200);
    this.afterCommit.start(200);
  }

  /** Runs every projection's catch-up once; true when none failed. Exposed so tests can wait for idle instead of sleeping. */
  tick(): Promise<boolean> {
    return this.catchUp(this.runner.projections);
  }

  private async catchUp(projections: Projection[], loop?: PollingLoop): Promise<boolean> {
    let ok = true;
    for (const projection of projections) {
      if (loop?.isStopped) break;
      try {
        await this.runner.catchUp(projection);
      } catch {
        ok = false;
      }
    }
    return ok;
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([this.inline.stop(), this.afterCommit.stop()]);
  }
}
