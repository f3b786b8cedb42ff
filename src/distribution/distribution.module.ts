import { Module } from '@nestjs/common';
import { CommonModule } from '../common/common.module';
import { DeliveriesController, SubscribersController } from './distribution.controller';
import { DeliveryLogQueries } from './delivery-log.queries';
import { DeliveryWorker } from './delivery-worker.service';
import { NatsPublisher } from './nats.publisher';
import { SubscribersService } from './subscribers.service';

/**
 * Distribution (issue #18): subscribers (partners), delivery of the log to them by webhook or NATS JetStream, the
 * delivery log and its audit. Reads the log through the event store (global); the audit trail's inline writes for
 * subscriber events come through UserEventProjections (global, from the read models).
 */
@Module({
  imports: [CommonModule],
  controllers: [SubscribersController, DeliveriesController],
  providers: [NatsPublisher, DeliveryWorker, SubscribersService, DeliveryLogQueries],
})
export class DistributionModule {}
