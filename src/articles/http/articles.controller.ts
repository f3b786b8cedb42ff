import { BadRequestException, Body, Controller, Delete, Get, HttpCode, NotFoundException, Param, Patch, Post, Query, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiTags } from '@nestjs/swagger';
import { ApiRoute } from '../../common/openapi';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { CAN, Roles } from '../../auth/roles';
import type { User } from '../../auth/users.service';
import { Clock } from '../../common/clock';
import { correlationId, CurrentUser, etag, idempotency, ifMatch } from '../../common/http';
import { problem } from '../../common/problem.filter';
import { BadSearch } from '../../read-models/search/search-text';
import { badSearch } from '../../read-models/search/search-sql';
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
import {
  ArticlePage,
  ArticleView,
  AuditEntryView,
  BylineAnswer,
  CommandAnswer,
  DiffView,
  PhotoAnswer,
  PublishAnswer,
  RemovedAnswer,
  StoredEventView,
} from './article.responses';

const notFound = () => new NotFoundException(problem(404, 'no such article', { code: 'ARTICLE_NOT_FOUND' }, 'ARTICLE_NOT_FOUND'));
const badQuery = (err: unknown) => {
  if (err instanceof BadCursor) throw new BadRequestException(problem(400, err.message, { errors: [{ field: 'cursor', message: err.message }] }, 'BAD_CURSOR'));
  if (err instanceof BadSearch) throw badSearch(err);
  throw err;
};

/** The write side (commands through the CommandBus) and the working-state reads of articles. */
@ApiTags('articles')
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
  @ApiRoute({
    summary: 'Draft an article',
    ok: { status: 201, description: 'Drafted: version 1.', type: CommandAnswer, headers: ['ETag', 'Location'] },
    auth: { roles: CAN.write }, body: true, idempotent: true, rateLimited: true,
  })
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
  @ApiRoute({
    summary: 'Revise a draft (If-Match required)',
    ok: { status: 200, description: 'Revised.', type: CommandAnswer, headers: ['ETag'] },
    auth: { roles: CAN.write }, body: true, ifMatch: 'required', idempotent: true, rateLimited: true,
    problems: { 404: ['ARTICLE_NOT_FOUND'], 409: ['ARTICLE_WITHDRAWN', 'ARTICLE_PUBLISHED', 'ARTICLE_SCHEDULED'] },
  })
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
  @ApiRoute({
    summary: 'Add a byline',
    ok: { status: 201, description: 'Added.', type: BylineAnswer, headers: ['ETag'] },
    auth: { roles: CAN.write }, body: true, ifMatch: 'optional', idempotent: true, rateLimited: true,
    problems: { 404: ['ARTICLE_NOT_FOUND'], 409: ['ARTICLE_WITHDRAWN', 'ARTICLE_PUBLISHED', 'ARTICLE_SCHEDULED'] },
  })
  async addByline(@Param('id') id: string, @Body() dto: AddBylineDto, @CurrentUser() user: User, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const r = await this.run(req, reply, user, id, {
      type: 'AddByline',
      data: { bylineId: randomUUID(), name: dto.name, role: dto.role ?? null, organisation: dto.organisation ?? null },
    }, { ifMatch: false, status: 201, body: dto });
    return { id: r.articleId, bylineId: r.subjectId, version: r.version };
  }

  @Delete(':id/bylines/:bylineId')
  @Roles(...CAN.write)
  @ApiRoute({
    summary: 'Remove a byline',
    ok: { status: 200, description: 'Removed.', type: RemovedAnswer, headers: ['ETag'] },
    auth: { roles: CAN.write }, ifMatch: 'optional', idempotent: true, rateLimited: true,
    problems: { 404: ['ARTICLE_NOT_FOUND', 'BYLINE_NOT_FOUND'], 409: ['ARTICLE_WITHDRAWN', 'ARTICLE_PUBLISHED', 'ARTICLE_SCHEDULED'] },
  })
  async removeByline(@Param('id') id: string, @Param('bylineId') bylineId: string, @CurrentUser() user: User, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const r = await this.run(req, reply, user, id, { type: 'RemoveByline', data: { bylineId } }, { ifMatch: false, status: 200 });
    return { id: r.articleId, version: r.version };
  }

  @Post(':id/photos')
  @Roles(...CAN.write)
  @ApiRoute({
    summary: 'Attach a photo with its credit',
    ok: { status: 201, description: 'Attached.', type: PhotoAnswer, headers: ['ETag'] },
    auth: { roles: CAN.write }, body: true, ifMatch: 'optional', idempotent: true, rateLimited: true,
    problems: { 404: ['ARTICLE_NOT_FOUND'], 409: ['ARTICLE_WITHDRAWN', 'ARTICLE_PUBLISHED', 'ARTICLE_SCHEDULED'] },
  })
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
  @ApiRoute({
    summary: 'Remove a photo',
    ok: { status: 200, description: 'Removed.', type: RemovedAnswer, headers: ['ETag'] },
    auth: { roles: CAN.write }, ifMatch: 'optional', idempotent: true, rateLimited: true,
    problems: { 404: ['ARTICLE_NOT_FOUND', 'PHOTO_NOT_FOUND'], 409: ['ARTICLE_WITHDRAWN', 'ARTICLE_PUBLISHED', 'ARTICLE_SCHEDULED'] },
  })
  async removePhoto(@Param('id') id: string, @Param('photoId') photoId: string, @CurrentUser() user: User, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const r = await this.run(req, reply, user, id, { type: 'RemovePhoto', data: { photoId } }, { ifMatch: false, status: 200 });
    return { id: r.articleId, version: r.version };
  }

  @Post(':id/approval')
  @Roles(...CAN.approve)
  @HttpCode(200)
  @ApiRoute({
    summary: 'Approve exactly the version read (If-Match required; four-eyes)',
    ok: { status: 200, description: 'Approved: status approved.', type: CommandAnswer, headers: ['ETag'] },
    auth: { roles: CAN.approve }, body: true, ifMatch: 'required', idempotent: true, rateLimited: true,
    problems: {
      403: ['FOUR_EYES'],
      404: ['ARTICLE_NOT_FOUND'],
      409: ['ARTICLE_NOT_DRAFT', 'HEADLINE_REQUIRED', 'BODY_REQUIRED', 'BYLINE_REQUIRED', 'PHOTO_CREDIT_REQUIRED', 'ARTICLE_WITHDRAWN', 'ARTICLE_PUBLISHED', 'ARTICLE_SCHEDULED'],
    },
  })
  async approve(@Param('id') id: string, @Body() dto: ApproveDto, @CurrentUser() user: User, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const r = await this.run(req, reply, user, id, { type: 'ApproveArticle', data: { note: dto.note ?? null } }, { ifMatch: true, status: 200, body: dto });
    return { id: r.articleId, version: r.version, status: r.status };
  }

  @Post(':id/publication')
  @Roles(...CAN.publish)
  @HttpCode(200)
  @ApiRoute({
    summary: 'Publish (or schedule, with publishAt) with a copyright notice (If-Match required)',
    ok: { status: 200, description: 'Published (status published) or scheduled (status scheduled, publishAt).', type: PublishAnswer, headers: ['ETag'] },
    auth: { roles: CAN.publish }, body: true, ifMatch: 'required', idempotent: true, rateLimited: true,
    problems: { 404: ['ARTICLE_NOT_FOUND'], 409: ['ARTICLE_NOT_APPROVED', 'COPYRIGHT_NOTICE_REQUIRED', 'ARTICLE_WITHDRAWN'] },
  })
  async publish(@Param('id') id: string, @Body() dto: PublishDto, @CurrentUser() user: User, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const { holder, text, usageTerms } = dto.copyrightNotice;
    const publishAt = dto.publishAt ? new Date(dto.publishAt).toISOString() : null;
    const r = await this.run(req, reply, user, id, {
      type: 'PublishArticle',
      data: { copyrightNotice: { holder, text, usageTerms: usageTerms ?? null }, publishAt },
    }, { ifMatch: true, status: 200, body: dto });
    return { id: r.articleId, version: r.version, status: r.status, publishedAt: r.status === 'published' ? r.publishedAt : null, ...(r.status === 'scheduled' ? { publishAt } : {}) };
  }

  @Delete(':id/publication')
  @Roles(...CAN.publish)
  @ApiRoute({
    summary: 'Cancel a scheduled publication (If-Match required)',
    ok: { status: 200, description: 'Cancelled: status approved again.', type: CommandAnswer, headers: ['ETag'] },
    auth: { roles: CAN.publish }, ifMatch: 'required', idempotent: true, rateLimited: true,
    problems: { 404: ['ARTICLE_NOT_FOUND'], 409: ['ARTICLE_NOT_SCHEDULED', 'ARTICLE_WITHDRAWN'] },
  })
  async cancelSchedule(@Param('id') id: string, @CurrentUser() user: User, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const r = await this.run(req, reply, user, id, { type: 'CancelScheduledPublication', data: {} }, { ifMatch: true, status: 200 });
    return { id: r.articleId, version: r.version, status: r.status };
  }

  @Post(':id/corrections')
  @Roles(...CAN.publish)
  @HttpCode(200)
  @ApiRoute({
    summary: 'Publish a correction, never silent (If-Match required)',
    ok: { status: 200, description: 'Corrected and republished.', type: CommandAnswer, headers: ['ETag'] },
    auth: { roles: CAN.publish }, body: true, ifMatch: 'required', idempotent: true, rateLimited: true,
    problems: { 404: ['ARTICLE_NOT_FOUND'], 409: ['ARTICLE_NOT_PUBLISHED', 'CORRECTION_NOTE_REQUIRED', 'ARTICLE_WITHDRAWN'] },
  })
  async correct(@Param('id') id: string, @Body() dto: CorrectDto, @CurrentUser() user: User, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const r = await this.run(req, reply, user, id, {
      type: 'CorrectArticle',
      data: { kind: dto.kind, note: dto.note, headline: dto.headline ?? null, body: dto.body?.map(({ type, text }) => ({ type, text })) ?? null },
    }, { ifMatch: true, status: 200, body: dto });
    return { id: r.articleId, version: r.version, status: r.status };
  }

  @Post(':id/withdrawal')
  @Roles(...CAN.publish)
  @HttpCode(200)
  @ApiRoute({
    summary: 'Withdraw a published article (If-Match required)',
    ok: { status: 200, description: 'Withdrawn: readers get 410 with the reason.', type: CommandAnswer, headers: ['ETag'] },
    auth: { roles: CAN.publish }, body: true, ifMatch: 'required', idempotent: true, rateLimited: true,
    problems: { 404: ['ARTICLE_NOT_FOUND'], 409: ['ARTICLE_NOT_PUBLISHED', 'WITHDRAWAL_REASON_REQUIRED', 'ARTICLE_WITHDRAWN'] },
  })
  async withdraw(@Param('id') id: string, @Body() dto: WithdrawDto, @CurrentUser() user: User, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const r = await this.run(req, reply, user, id, { type: 'WithdrawArticle', data: { reason: dto.reason } }, { ifMatch: true, status: 200, body: dto });
    return { id: r.articleId, version: r.version, status: r.status };
  }

  @Get()
  @Roles(...CAN.read)
  @ApiRoute({
    summary: 'The articles, newest first; by status, by author (drafter), and searched with q (best first, with snippets)',
    ok: { status: 200, description: 'One page.', type: ArticlePage },
    auth: { roles: CAN.read },
    problems: { 400: ['VALIDATION_FAILED', 'BAD_CURSOR'] },
  })
  async list(@Query() q: ListArticlesQuery) {
    return this.queries.list({ status: q.status, author: q.author, q: q.q, cursor: q.cursor, limit: q.limit ?? 50 }).catch(badQuery);
  }

  @Get(':id')
  @Roles(...CAN.read)
  @ApiRoute({
    summary: 'The working state, now or as it stood at ?version=N or ?asOf=<time>',
    ok: { status: 200, description: 'The article.', type: ArticleView, headers: ['ETag'] },
    auth: { roles: CAN.read },
    problems: { 400: ['VALIDATION_FAILED'], 404: ['ARTICLE_NOT_FOUND'] },
  })
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
  @ApiRoute({
    summary: 'The audit trail of one article, oldest first',
    ok: { status: 200, description: 'Every entry.', type: [AuditEntryView] },
    auth: { roles: CAN.audit },
    problems: { 404: ['ARTICLE_NOT_FOUND'] },
  })
  async history(@Param('id') id: string) {
    if (!UUID.test(id) || !(await this.queries.current(id))) throw notFound();
    return this.queries.history(id);
  }

  @Get(':id/events')
  @Roles(...CAN.audit)
  @ApiRoute({
    summary: 'The raw events of one article, oldest first',
    ok: { status: 200, description: 'Every event of the stream.', type: [StoredEventView] },
    auth: { roles: CAN.audit },
    problems: { 404: ['ARTICLE_NOT_FOUND'] },
  })
  async events(@Param('id') id: string) {
    if (!UUID.test(id)) throw notFound();
    const events = await this.queries.events(id);
    if (!events.length) throw notFound();
    return events.map(({ position, version, type, schemaVersion, data, metadata, recordedAt, hash }) => ({ position, version, type, schemaVersion, data, metadata, recordedAt, hash }));
  }

  @Get(':id/diff')
  @Roles(...CAN.audit)
  @ApiRoute({
    summary: 'Field-level changes between two versions (?from=&to=)',
    ok: { status: 200, description: 'The changes.', type: DiffView },
    auth: { roles: CAN.audit },
    problems: { 400: ['VALIDATION_FAILED'], 404: ['ARTICLE_NOT_FOUND'] },
  })
  async diff(@Param('id') id: string, @Query() q: DiffQuery) {
    const article = await this.queries.current(id);
    if (!article) throw notFound();
    if (q.from > article.version || q.to > article.version) {
      throw new BadRequestException(problem(400, `the article has ${article.version} versions`, { errors: [{ field: q.from > article.version ? 'from' : 'to', message: `at most ${article.version}` }] }, 'VALIDATION_FAILED'));
    }
    return this.queries.diff(id, q.from, q.to);
  }
}
