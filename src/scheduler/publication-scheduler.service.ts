import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import { ExecuteArticleCommand } from '../articles/commands/article-command';
import { DomainError } from '../articles/domain/article.decide';
import { Clock } from '../common/clock';
import { ConfigService } from '@nestjs/config';
import { APP_CONFIG, AppConfig } from '../config/config';
import { ArticleViewQueries } from '../read-models/article-view/article-view.queries';

/** The scheduler acts as itself in the audit trail, never as a person. */
export const SCHEDULER_ACTOR = { id: '00000000-0000-4000-8000-000000000001', username: 'scheduler', roles: ['system'] };

/**
 * Publishes scheduled articles once their time has come: on start-up (catching up on what fell due while the
 * service was down: the event then says it went out late) and every few seconds after. Exactly once, also with
 * several instances: publishing is a command like any other, so the second attempt finds the article already
 * published (or loses the version race) and appends nothing.
 */
@Injectable()
export class PublicationScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(PublicationScheduler.name);
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private running?: Promise<number>;

  constructor(
    private readonly articles: ArticleViewQueries,
    private readonly commands: CommandBus,
    private readonly clock: Clock,
    private readonly config: ConfigService,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.get<AppConfig>(APP_CONFIG)?.NEWSROOM_SCHEDULER === 'off') return;
    this.schedule(0);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.tick()
        .catch((err: unknown) => {
          this.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'scheduler pass failed; will retry');
          return 0;
        })
        .finally(() => {
          this.running = undefined;
          this.schedule(5000);
        });
    }, ms);
    this.timer.unref();
  }

  /** Publishes everything due now; returns how many articles it published. */
  async tick(): Promise<number> {
    const now = this.clock.now();
    const due = await this.articles.dueForPublication(now, 100);
    let published = 0;
    for (const id of due) {
      try {
        await this.commands.execute(
          new ExecuteArticleCommand(id, { type: 'PublishScheduledArticle', data: {} }, {
            now: this.clock.now(),
            actor: SCHEDULER_ACTOR,
            commandId: randomUUID(),
            correlationId: `scheduler-${randomUUID()}`,
          }),
        );
        published++;
      } catch (err) {
        // Another instance got there first, or the schedule was cancelled meanwhile: nothing to do.
        if (!(err instanceof DomainError)) throw err;
      }
    }
    return published;
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }
}
