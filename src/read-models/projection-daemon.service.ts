import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { APP_CONFIG, AppConfig } from '../config/config';
import { ProjectionRunner } from './projection-runner.service';

/**
 * Keeps every projection's checkpoint moving with the log in the background. The inline path already wrote
 * the rows; this proves them against the log (nothing missed, nothing doubled) and feeds projections that
 * were added later or are being rebuilt.
 */
@Injectable()
export class ProjectionDaemon implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ProjectionDaemon.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;
  private failures = 0;

  constructor(
    private readonly runner: ProjectionRunner,
    private readonly config: ConfigService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.runner.ensureCheckpoints();
    if (this.config.get<AppConfig>(APP_CONFIG)?.NEWSROOM_PROJECTION_DAEMON === 'off') return;
    this.schedule(200);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.tick().finally(() => (this.running = undefined));
    }, ms);
    this.timer.unref();
  }

  /** Runs every projection's catch-up once; exposed so tests can wait for idle instead of sleeping. */
  async tick(): Promise<void> {
    let ok = true;
    for (const projection of this.runner.projections) {
      if (this.stopped) return;
      try {
        await this.runner.catchUp(projection);
      } catch {
        ok = false; // logged and recorded on the checkpoint by the runner
      }
    }
    this.failures = ok ? 0 : this.failures + 1;
    this.schedule(ok ? 1000 : Math.min(30_000, 1000 * 2 ** this.failures));
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }
}
