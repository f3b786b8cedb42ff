import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { CommonModule } from '../common/common.module';
import { APP_CONFIG, AppConfig } from '../config/config';
import { ExecuteArticleCommandHandler } from './commands/execute-article-command.handler';
import { HeadCache } from './commands/head-cache';
import { ArticlesController } from './http/articles.controller';

/**
 * The article workflow's write side: the commands over HTTP, the handler (load, decide, append). The read models it
 * writes with every append come from ReadModelsModule (global) as ArticleReadModels.
 */
@Module({
  imports: [CommonModule],
  controllers: [ArticlesController],
  providers: [
    ExecuteArticleCommandHandler,
    {
      provide: HeadCache,
      useFactory: (config: ConfigService) => new HeadCache(config.get<AppConfig>(APP_CONFIG)!.NEWSROOM_HEAD_CACHE_ENTRIES),
      inject: [ConfigService],
    },
  ],
})
export class ArticlesModule {}
