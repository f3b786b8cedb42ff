import { DeliveriesController, SubscribersController } from './distribution.controller';
import { DeliveryLogQueries } from './delivery-log.queries';
import { DeliveryWorker } from './delivery-worker.service';
import { NatsPublisher } from './nats.publisher';
import { SubscribersService } from './subscribers.service';

/**
 * Distribution (issue #18): subscribers, delivery of the log to them, the delivery log and its audit. Its providers
 * use the event store, the clock and the projection runner, which the app module provides.
 */
export const DISTRIBUTION_CONTROLLERS = [SubscribersController, DeliveriesController];
export const DISTRIBUTION_PROVIDERS = [NatsPublisher, DeliveryWorker, SubscribersService, DeliveryLogQueries];
