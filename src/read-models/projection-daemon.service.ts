import { Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { PollingLoop } from '../common/polling-loop';
import { APP_CONFIG, AppConfig } from '../config/config';
import { ProjectionRunner } from './projection-runner.service';

/** How soon after an append its pass runs: soon enough for a search to find it, late enough to batch a burst. */
const WAKE_MS = 50;

/**
 * Keeps every projection's checkpoint moving with the log in the background. The inline path already wrote
 * the rows; this proves them against the log (nothing missed, nothing doubled), feeds projections that
 * were added later or are being rebuilt, and writes the search tables (which no command waits for).
 */
@Injectable()
export class ProjectionDaemon implements OnApplicationBootstrap, OnApplicationShutdown {
  /** Every second; after passes where a projection failed, 2, 4, 8… seconds, at most 30. */
  private readonly loop = new PollingLoop(
    async () => {
      if (!(await this.tick())) throw new Error('a projection failed'); // logged and recorded on its checkpoint by the runner
    },
    { everyMs: 1000, backoffMs: (failures) => Math.min(30_000, 1000 * 2 ** failures) },
  );

  constructor(
    private readonly runner: ProjectionRunner,
    private readonly config: ConfigService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.runner.ensureCheckpoints();
    if (this.config.get<AppConfig>(APP_CONFIG)?.NEWSROOM_PROJECTION_DAEMON === 'off') return;
    // Search is written here, not in the command: an append wakes the next pass, and a burst shares one.
    this.runner.onAppended(() => this.loop.wake(WAKE_MS));
    this.loop.start(200);
  }

  /** Runs every projection's catch-up once; true when none failed. Exposed so tests can wait for idle instead of sleeping. */
  async tick(): Promise<boolean> {
    let ok = true;
    for (const projection of this.runner.projections) {
      if (this.loop.isStopped) break;
      try {
        await this.runner.catchUp(projection);
      } catch {
        ok = false;
      }
    }
    return ok;
  }

  onApplicationShutdown(): Promise<void> {
    return this.loop.stop();
  }
}
