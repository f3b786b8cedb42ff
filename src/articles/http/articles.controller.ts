import { BadRequestException, Body, Controller, Delete, NotFoundException, Param, Patch, Post, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { CAN, Roles } from '../../auth/roles';
import type { User } from '../../auth/users.service';
import { Clock } from '../../common/clock';
import { CurrentUser } from '../../auth/auth.guard';
import { correlationId, etag, idempotency, ifMatch } from '../../common/http';
import { problem } from '../../common/problem.filter';
import { UUID } from '../../common/uuid';
import { CommandResult, ExecuteArticleCommand } from '../commands/article-command';
import type { ArticleCommand } from '../domain/article.decide';
import {
  AddBylineDto,
  ApproveDto,
  AttachPhotoDto,
  CorrectDto,
  DraftArticleDto,
  PublishDto,
  ReviseArticleDto,
  WithdrawDto,
} from './article.dto';

const notFound = () => new NotFoundException(problem(404, 'no such article', { code: 'ARTICLE_NOT_FOUND' }, 'ARTICLE_NOT_FOUND'));

/** The write side: every article command through the CommandBus (the reads are read-models/article-view). */
@ApiTags('articles')
@ApiBearerAuth()
@Controller('articles')
export class ArticlesController {
  constructor(
    private readonly commands: CommandBus,
    private readonly clock: Clock,
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
    const result = await this.commands.execute(new ExecuteArticleCommand(articleId, command, envelope));
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
}
