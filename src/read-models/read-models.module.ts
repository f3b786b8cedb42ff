import { Global, Module } from '@nestjs/common';
import { ArticleReadModels } from '../articles/commands/article-read-models';
import { UserEventProjections } from '../auth/user-event-projections';
import { CommonModule } from '../common/common.module';
import { ArticleSearchProjection } from './article-view/article-search.projection';
import { ArticleViewController } from './article-view/article-view.controller';
import { ArticleViewProjection } from './article-view/article-view.projection';
import { ArticleViewQueries } from './article-view/article-view.queries';
import { AuditTrailProjection } from './audit-trail/audit-trail.projection';
import { AuditTrailQueries } from './audit-trail/audit-trail.queries';
import { InlineReadModels } from './inline-read-models';
import { PROJECTIONS } from './projection';
import { ProjectionRebuilder } from './projection-rebuilder.service';
import { ProjectionRunner } from './projection-runner.service';
import { PublishedArticleProjection } from './published-article/published-article.projection';
import { PublishedArticleQueries } from './published-article/published-article.queries';
import { PublishedSearchProjection } from './published-article/published-search.projection';
import { PublishedCache } from './published-article/published-cache';
import { publishedCacheProvider } from './published-article/published-cache.listener';
import { PublishedController } from './published-article/published.controller';

/**
 * The read models (article_view and article_search, published_article and published_search, audit_entry): their projections, queries, the published cache,
 * and the runtime that feeds them (inline with every append, catch-up, rebuild). Global so that the write side
 * (articles, auth) gets its hooks, ArticleReadModels and UserEventProjections, without importing this module:
 * the dependency runs from the read models to the features, never back.
 */
@Global()
@Module({
  imports: [CommonModule],
  controllers: [ArticleViewController, PublishedController],
  providers: [
    ArticleViewProjection,
    ArticleSearchProjection,
    PublishedArticleProjection,
    PublishedSearchProjection,
    AuditTrailProjection,
    // In the order an append writes them (a rebuild locks the live tables in this order too).
    {
      provide: PROJECTIONS,
      useFactory: (...projections: unknown[]) => projections,
      inject: [ArticleViewProjection, ArticleSearchProjection, PublishedArticleProjection, PublishedSearchProjection, AuditTrailProjection],
    },
    ProjectionRunner,
    ProjectionRebuilder,
    ArticleViewQueries,
    PublishedArticleQueries,
    AuditTrailQueries,
    publishedCacheProvider,
    InlineReadModels,
    { provide: ArticleReadModels, useExisting: InlineReadModels },
    { provide: UserEventProjections, useExisting: InlineReadModels },
  ],
  exports: [
    ProjectionRunner,
    ProjectionRebuilder,
    ArticleViewQueries,
    PublishedArticleQueries,
    AuditTrailQueries,
    PublishedCache,
    ArticleReadModels,
    UserEventProjections,
  ],
})
export class ReadModelsModule {}
