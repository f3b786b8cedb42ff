import { Module } from '@nestjs/common';
import { ProjectionDaemon } from './projection-daemon.service';
import { PublishedCacheListener } from './published-article/published-cache.listener';
import { ReadModelsModule } from './read-models.module';

/** What keeps the read models live in a serving process (not the CLI): the background catch-up and the published cache's change listener. */
@Module({
  imports: [ReadModelsModule],
  providers: [ProjectionDaemon, PublishedCacheListener],
})
export class ReadModelsLiveModule {}
