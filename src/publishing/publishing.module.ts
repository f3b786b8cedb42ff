import { Module } from '@nestjs/common';
import { CommonModule } from '../common/common.module';
import { ReadModelsModule } from '../read-models/read-models.module';
import { PublishingController } from './publishing.controller';

/** What readers and partners get besides the JSON: the article page, ninjs and the Atom feed. */
@Module({
  imports: [CommonModule, ReadModelsModule],
  controllers: [PublishingController],
})
export class PublishingModule {}
