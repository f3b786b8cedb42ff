import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { ReadModelsModule } from '../read-models/read-models.module';
import { AdminController } from './admin.controller';
import { HealthController } from './health.controller';

/** Operators' endpoints: projections and their rebuilds, and the health check. */
@Module({
  imports: [TerminusModule, ReadModelsModule],
  controllers: [AdminController, HealthController],
})
export class AdminModule {}
