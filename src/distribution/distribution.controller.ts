import { Body, Controller, Delete, Get, HttpCode, NotFoundException, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CAN, Roles } from '../auth/roles';
import type { User } from '../auth/users.service';
import { UUID } from '../common/uuid';
import { CurrentUser } from '../auth/auth.guard';
import { correlationId } from '../common/http';
import { problem } from '../common/problem.filter';
import { Clock } from '../common/clock';
import { DeliveryLogQueries } from './delivery-log.queries';
import { CreateSubscriberDto, DeliveriesQuery, RedeliveryDto } from './subscriber.dto';
import { SubscribersService } from './subscribers.service';
import type { Destination } from './subscriber-events';

const actorOf = (user: User, req: FastifyRequest) => ({ id: user.id, username: user.username, roles: user.roles, correlationId: correlationId(req) });

/** Partners (subscribers) managed by admins; their delivery logs readable by admins and auditors. */
@ApiTags('distribution')
@ApiBearerAuth()
@Controller('subscribers')
export class SubscribersController {
  constructor(
    private readonly subscribers: SubscribersService,
    private readonly log: DeliveryLogQueries,
  ) {}

  @Post()
  @Roles(...CAN.admin)
  @ApiOperation({ summary: 'Add a subscriber (webhook or NATS JetStream); answers its id and, for a webhook, its signing secret, shown only now' })
  async create(@Body() dto: CreateSubscriberDto, @CurrentUser() admin: User, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const d = dto.destination;
    const destination: Destination = d.kind === 'webhook' ? { kind: 'webhook', url: d.url! } : { kind: 'nats', subject: d.subject! };
    const created = await this.subscribers.create({ name: dto.name, destination, onFailure: dto.onFailure, maxAttempts: dto.maxAttempts, from: dto.from }, actorOf(admin, req));
    reply.status(201).header('Location', `/subscribers/${created.id}`).header('Cache-Control', 'no-store');
    return created;
  }

  @Get()
  @Roles(...CAN.verify)
  @ApiOperation({ summary: 'Every subscriber (not removed ones), with its delivery counts' })
  list() {
    return this.subscribers.list();
  }

  @Get(':id')
  @Roles(...CAN.verify)
  get(@Param('id') id: string) {
    return this.subscribers.get(id);
  }

  @Post(':id/pause')
  @Roles(...CAN.admin)
  @HttpCode(200)
  @ApiOperation({ summary: 'Stop sending to it; what is published meanwhile waits for it' })
  pause(@Param('id') id: string, @CurrentUser() admin: User, @Req() req: FastifyRequest) {
    return this.subscribers.setStatus(id, 'paused', actorOf(admin, req));
  }

  @Post(':id/resume')
  @Roles(...CAN.admin)
  @HttpCode(200)
  resume(@Param('id') id: string, @CurrentUser() admin: User, @Req() req: FastifyRequest) {
    return this.subscribers.setStatus(id, 'active', actorOf(admin, req));
  }

  @Delete(':id')
  @Roles(...CAN.admin)
  @ApiOperation({ summary: 'Remove it: nothing more is sent, its secret is erased, its delivery log is kept' })
  remove(@Param('id') id: string, @CurrentUser() admin: User, @Req() req: FastifyRequest) {
    return this.subscribers.setStatus(id, 'deleted', actorOf(admin, req));
  }

  @Post(':id/redelivery')
  @Roles(...CAN.admin)
  @HttpCode(200)
  @ApiOperation({ summary: 'Deliver again, in order, every publication, correction and withdrawal from a log position' })
  redeliver(@Param('id') id: string, @Body() dto: RedeliveryDto, @CurrentUser() admin: User, @Req() req: FastifyRequest) {
    return this.subscribers.redeliver(id, dto.fromPosition, actorOf(admin, req));
  }

  @Get(':id/deliveries')
  @Roles(...CAN.verify)
  @ApiOperation({ summary: "The subscriber's delivery log, by log position" })
  async deliveries(@Param('id') id: string, @Query() q: DeliveriesQuery) {
    await this.subscribers.get(id);
    return this.log.bySubscriber(id, q);
  }

  @Get(':id/deliveries/:position/payload')
  @Roles(...CAN.verify)
  @ApiOperation({ summary: 'The exact body sent for one delivery' })
  async payload(@Param('id') id: string, @Param('position') position: string, @Res() reply: FastifyReply) {
    const body = UUID.test(id) && /^\d{1,15}$/.test(position) ? await this.log.payload(id, Number(position)) : null;
    if (body === null) throw new NotFoundException(problem(404, 'no such delivery', { code: 'DELIVERY_NOT_FOUND' }, 'DELIVERY_NOT_FOUND'));
    return reply.header('Content-Type', 'application/json; charset=utf-8').send(body);
  }
}

/** Who received which version of an article, and the distribution audit. */
@ApiTags('distribution')
@ApiBearerAuth()
@Controller()
export class DeliveriesController {
  constructor(
    private readonly log: DeliveryLogQueries,
    private readonly clock: Clock,
  ) {}

  @Get('articles/:id/deliveries')
  @Roles(...CAN.audit)
  @ApiOperation({ summary: 'Every delivery of the article to every subscriber, in log order' })
  async byArticle(@Param('id') id: string) {
    if (!UUID.test(id)) throw new NotFoundException(problem(404, 'no such article', { code: 'ARTICLE_NOT_FOUND' }, 'ARTICLE_NOT_FOUND'));
    return this.log.byArticle(id.toLowerCase());
  }

  @Get('audit/distribution')
  @Roles(...CAN.audit)
  @ApiOperation({ summary: 'Partners that received a version later corrected or withdrawn without receiving the correction or withdrawal' })
  async audit() {
    const gaps = await this.log.gaps();
    return { ok: gaps.length === 0, checkedAt: this.clock.now(), gaps };
  }
}
