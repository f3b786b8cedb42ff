import { BadRequestException, Body, Controller, Delete, Get, HttpCode, NotFoundException, Param, Patch, Post, Query, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { CAN, Roles } from '../../auth/roles';
import type { User } from '../../auth/users.service';
import { Clock } from '../../common/clock';
import { correlationId, CurrentUser, etag, idempotency, ifMatch } from '../../common/http';
import { problem } from '../../common/problem.filter';
import { ArticleQueries, BadCursor, UUID } from '../article-queries.service';
import { CommandResult, ExecuteArticleCommand } from '../commands/article-command';
import type { ArticleCommand } from '../domain/article.decide';
import { PublishedCache } from '../../publishing/published-cache';
import { workingView } from '../domain/article.views';
import {
  AddBylineDto,
  ApproveDto,
  ArticleAtQuery,
  AttachPhotoDto,
  CorrectDto,
  DiffQuery,
  DraftArticleDto,
  ListArticlesQuery,
  PublishDto,
  ReviseArticleDto,
  WithdrawDto,
} from './article.dto';

const notFound = () => new NotFoundException(problem(404, 'no such article', { code: 'ARTICLE_NOT_FOUND' }, 'ARTICLE_NOT_FOUND'));
const badCursor = (err: unknown) => {
  if (err instanceof BadCursor) throw new BadRequestException(problem(400, err.message, { errors: [{ field: 'cursor', message: err.message }] }, 'BAD_CURSOR'));
  throw err;
};

/** The write side (commands through the CommandBus) and the working-state reads of articles. */
@ApiTags('articles')
@ApiBearerAuth()
@Controller('articles')
export class ArticlesController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: ArticleQueries,
    private readonly clock: Clock,
    private readonly published: PublishedCache,
  ) {}

  /** Runs a command and writes the answer: status, ETag, idempotent replay header. */
  private async run(
    req: FastifyRequest,
    reply: FastifyReply,
    user: User,
    articleId: string,
    command: ArticleCommand,
    opts: { ifMatch: boolean; status: number; body?: unknown },
  ): Promise<CommandResult> {
    if (command.type !== 'DraftArticle' && !UUID.test(articleId)) throw notFound();
    articleId = articleId.toLowerCase(); // the id answered is the one the article has, whatever the URL's case
    const envelope = {
      now: this.clock.now(),
      actor: { id: user.id, username: user.username, roles: user.roles },
      commandId: randomUUID(),
      correlationId: correlationId(req),
      expectedVersion: ifMatch(req, opts.ifMatch),
      idempotency: idempotency(req, opts.body),
    };
    let result: CommandResult;
    try {
      result = await this.commands.execute(new ExecuteArticleCommand(articleId, command, envelope));
    } finally {
      // Read-your-write on this instance without waiting for the notification (even after an error: it may have committed).
      this.published.evict(articleId);
    }
    reply.status(opts.status).header('ETag', etag(result.version));
    if (result.replayed) reply.header('Idempotent-Replayed', 'true');
    return result;
  }

  @Post()
  @Roles(...CAN.write)
  @ApiOperation({ summary: 'Draft an article' })
  async draft(@Body() dto: DraftArticleDto, @CurrentUser() user: User, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const articleId = randomUUID();
    const r = await this.run(req, reply, user, articleId, {
      type: 'DraftArticle',
      data: { articleId, headline: dto.headline, body: dto.body.map(({ type, text }) => ({ type, text })), language: dto.language, source: dto.source ?? null, summary: dto.summary ?? null },
    }, { ifMatch: false, status: 201, body: dto });
    reply.header('Location', `/articles/${r.articleId}`);
    return { id: r.articleId, version: r.version, status: r.status };
  }

  @Patch(':id')
  @Roles(...CAN.write)
  @ApiOperation({ summary: 'Revise a draft (If-Match required)' })
  async revise(@Param('id') id: string, @Body() dto: ReviseArticleDto, @CurrentUser() user: User, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const changes = Object.fromEntries(
      Object.entries({ ...dto, body: dto.body?.map(({ type, text }) => ({ type, text })) }).filter(([, v]) => v !== undefined),
    );
    if (!Object.keys(changes).length) {
      throw new BadRequestException(problem(400, 'nothing to revise: send at least one of headline, body, language, source, summary', { errors: [] }, 'VALIDATION_FAILED'));
    }
    const r = await this.run(req, reply, user, id, { type: 'ReviseDraft', data: { changes } }, { ifMatch: true, status: 200, body: dto });
    return { id: r.articleId, version: r.version, status: r.status };
  }

  @Post(':id/bylines')
  @Roles(...CAN.write)
  async addByline(@Param('id') id: string, @Body() dto: AddBylineDto, @CurrentUser() user: User, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const r = await this.run(req, reply, user, id, {
      type: 'AddByline',
      data: { bylineId: randomUUID(), name: dto.name, role: dto.role ?? null, organisation: dto.organisation ?? null },
    }, { ifMatch: false, status: 201, body: dto });
    return { id: r.articleId, bylineId: r.subjectId, version: r.version };
  }

  @Delete(':id/bylines/:bylineId')
  @Roles(...CAN.write)
  async removeByline(@Param('id') id: string, @Param('bylineId') bylineId: string, @CurrentUser() user: User, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const r = await this.run(req, reply, user, id, { type: 'RemoveByline', data: { bylineId } }, { ifMatch: false, status: 200 });
    return { id: r.articleId, version: r.version };
  }

  @Post(':id/photos')
  @Roles(...CAN.write)
  async attachPhoto(@Param('id') id: string, @Body() dto: AttachPhotoDto, @CurrentUser() user: User, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const { photographer, organisation, line } = dto.credit;
    const r = await this.run(req, reply, user, id, {
      type: 'AttachPhotoCredit',
      data: { photoId: randomUUID(), href: dto.href, caption: dto.caption, credit: { photographer, organisation: organisation ?? null, line: line ?? null } },
    }, { ifMatch: false, status: 201, body: dto });
    return { id: r.articleId, photoId: r.subjectId, version: r.version };
  }

  @Delete(':id/photos/:photoId')
  @Roles(...CAN.write)
  async removePhoto(@Param('id') id: string, @Param('photoId') photoId: string, @CurrentUser() user: User, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const r = await this.run(req, reply, user, id, { type: 'RemovePhoto', data: { photoId } }, { ifMatch: false, status: 200 });
    return { id: r.articleId, version: r.version };
  }

  @Post(':id/approval')
  @Roles(...CAN.approve)
  @ApiOperation({ summary: 'Approve exactly the version read (If-Match required; four-eyes)' })
  async approve(@Param('id') id: string, @Body() dto: ApproveDto, @CurrentUser() user: User, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const r = await this.run(req, reply, user, id, { type: 'ApproveArticle', data: { note: dto.note ?? null } }, { ifMatch: true, status: 200, body: dto });
    return { id: r.articleId, version: r.version, status: r.status };
  }

  @Post(':id/publication')
  @Roles(...CAN.publish)
  @ApiOperation({ summary: 'Publish (or schedule) with a copyright notice (If-Match required)' })
  async publish(@Param('id') id: string, @Body() dto: PublishDto, @CurrentUser() user: User, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const { holder, text, usageTerms } = dto.copyrightNotice;
    const publishAt = dto.publishAt ? new Date(dto.publishAt).toISOString() : null;
    const embargoUntil = dto.embargoUntil ? new Date(dto.embargoUntil).toISOString() : null;
    const r = await this.run(req, reply, user, id, {
      type: 'PublishArticle',
      data: { copyrightNotice: { holder, text, usageTerms: usageTerms ?? null }, publishAt, ...(embargoUntil ? { embargoUntil } : {}) },
    }, { ifMatch: true, status: 200, body: dto });
    return {
      id: r.articleId,
      version: r.version,
      status: r.status,
      publishedAt: r.status === 'published' ? r.publishedAt : null,
      ...(r.status === 'scheduled' ? { publishAt } : {}),
      ...(embargoUntil && r.status === 'published' ? { embargoUntil } : {}),
    };
  }

  @Delete(':id/publication')
  @Roles(...CAN.publish)
  @ApiOperation({ summary: 'Cancel a scheduled publication (If-Match required)' })
  async cancelSchedule(@Param('id') id: string, @CurrentUser() user: User, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const r = await this.run(req, reply, user, id, { type: 'CancelScheduledPublication', data: {} }, { ifMatch: true, status: 200 });
    return { id: r.articleId, version: r.version, status: r.status };
  }

  @Post(':id/corrections')
  @Roles(...CAN.publish)
  @ApiOperation({ summary: 'Publish a correction, never silent (If-Match required)' })
  async correct(@Param('id') id: string, @Body() dto: CorrectDto, @CurrentUser() user: User, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const r = await this.run(req, reply, user, id, {
      type: 'CorrectArticle',
      data: { kind: dto.kind, note: dto.note, headline: dto.headline ?? null, body: dto.body?.map(({ type, text }) => ({ type, text })) ?? null },
    }, { ifMatch: true, status: 200, body: dto });
    return { id: r.articleId, version: r.version, status: r.status };
  }

  @Post(':id/withdrawal')
  @Roles(...CAN.publish)
  @ApiOperation({ summary: 'Withdraw a published article (If-Match required)' })
  async withdraw(@Param('id') id: string, @Body() dto: WithdrawDto, @CurrentUser() user: User, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const r = await this.run(req, reply, user, id, { type: 'WithdrawArticle', data: { reason: dto.reason } }, { ifMatch: true, status: 200, body: dto });
    return { id: r.articleId, version: r.version, status: r.status };
  }

  @Get()
  @Roles(...CAN.read)
  async list(@Query() q: ListArticlesQuery) {
    return this.queries.list(q.status, q.cursor, q.limit ?? 50).catch(badCursor);
  }

  @Get(':id')
  @Roles(...CAN.read)
  @ApiOperation({ summary: 'The working state, now or as it stood at ?version=N or ?asOf=<time>' })
  async get(@Param('id') id: string, @Query() q: ArticleAtQuery, @Res({ passthrough: true }) reply: FastifyReply) {
    if (q.version !== undefined && q.asOf !== undefined) {
      throw new BadRequestException(problem(400, 'give version or asOf, not both', { errors: [{ field: 'version', message: 'not with asOf' }] }, 'VALIDATION_FAILED'));
    }
    const past = q.version !== undefined || q.asOf !== undefined;
    const article = past ? await this.queries.at(id, { version: q.version, asOf: q.asOf && new Date(q.asOf).toISOString() }) : await this.queries.current(id);
    if (!article || (q.version !== undefined && article.version < q.version)) {
      throw new NotFoundException(problem(404, past ? 'the article did not exist then' : 'no such article', { code: 'ARTICLE_NOT_FOUND' }, 'ARTICLE_NOT_FOUND'));
    }
    reply.header('ETag', etag(article.version));
    return workingView(article);
  }

  @Get(':id/history')
  @Roles(...CAN.audit)
  @ApiOperation({ summary: 'The audit trail of one article, oldest first' })
  async history(@Param('id') id: string) {
    if (!UUID.test(id) || !(await this.queries.current(id))) throw notFound();
    return this.queries.history(id);
  }

  @Get(':id/events')
  @Roles(...CAN.audit)
  async events(@Param('id') id: string) {
    if (!UUID.test(id)) throw notFound();
    const events = await this.queries.events(id);
    if (!events.length) throw notFound();
    return events.map(({ position, version, type, schemaVersion, data, metadata, recordedAt, hash }) => ({ position, version, type, schemaVersion, data, metadata, recordedAt, hash }));
  }

  @Get(':id/diff')
  @Roles(...CAN.audit)
  async diff(@Param('id') id: string, @Query() q: DiffQuery) {
    const article = await this.queries.current(id);
    if (!article) throw notFound();
    if (q.from > article.version || q.to > article.version) {
      throw new BadRequestException(problem(400, `the article has ${article.version} versions`, { errors: [{ field: q.from > article.version ? 'from' : 'to', message: `at most ${article.version}` }] }, 'VALIDATION_FAILED'));
    }
    return this.queries.diff(id, q.from, q.to);
  }
}
