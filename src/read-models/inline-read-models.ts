import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { ArticleReadModels } from '../articles/commands/article-read-models';
import type { Article } from '../articles/domain/article';
import { UserEventProjections } from '../auth/user-event-projections';
import type { StoredEvent } from '../event-store/event-store.types';
import { ArticleViewProjection } from './article-view/article-view.projection';
import { PublishedCache } from './published-article/published-cache';
import { ProjectionRunner } from './projection-runner.service';

/** What the write side asks of the read models (articles' and auth's hooks), answered here. */
@Injectable()
export class InlineReadModels implements ArticleReadModels, UserEventProjections {
  constructor(
    private readonly runner: ProjectionRunner,
    private readonly articles: ArticleViewProjection,
    private readonly cache: PublishedCache,
  ) {}

  snapshot(articleId: string) {
    return this.articles.snapshot(articleId);
  }

  inlineWrites(before: Article | null) {
    return this.runner.inlineWrites(before);
  }

  changed(articleId: string): void {
    this.cache.evict(articleId);
    this.runner.appended();
  }

  projectInline(manager: EntityManager, events: StoredEvent[]): Promise<void> {
    return this.runner.projectOtherInline(manager, events);
  }
}
