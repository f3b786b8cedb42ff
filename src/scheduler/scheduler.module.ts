import { Module } from '@nestjs/common';
import { CommonModule } from '../common/common.module';
import { ReadModelsModule } from '../read-models/read-models.module';
import { PublicationScheduler } from './publication-scheduler.service';

/** Publishes scheduled articles when their time comes (a command like any other, through the CommandBus). */
@Module({
  imports: [CommonModule, ReadModelsModule],
  providers: [PublicationScheduler],
})
export class SchedulerModule {}
