import { BadRequestException, Body, Controller, Delete, HttpCode, NotFoundException, Param, Patch, Post, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiTags } from '@nestjs/swagger';
import { ApiRoute } from '../../common/openapi';
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
  RejectCorrectionDto,
  ReviseArticleDto,
  WithdrawDto,
} from './article.dto';
import { BylineAnswer, CommandAnswer, CorrectionAnswer, PhotoAnswer, PublishAnswer, RemovedAnswer } from './article.responses';

const notFound = () => new NotFoundException(problem(404, 'no such article', { code: 'ARTICLE_NOT_FOUND' }, 'ARTICLE_NOT_FOUND'));

/** The write side: every article command through the CommandBus (the reads are read-models/article-view). */
@ApiTags('articles')
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
  @ApiRoute({
    summary: 'A correction, never silent (If-Match required): a note goes live at once (200); a new headline or body is proposed (202) and goes live when someone else approves it',
    ok: { status: 200, description: 'A note-only correction: corrected and republished.', type: CommandAnswer, headers: ['ETag'] },
    also: [{ status: 202, description: 'A new headline or body: proposed, not yet public (a CorrectionAnswer); Location names the proposal, which someone other than its author approves.', headers: ['ETag', 'Location'] }],
    auth: { roles: CAN.publish }, body: true, ifMatch: 'required', idempotent: true, rateLimited: true,
    problems: { 404: ['ARTICLE_NOT_FOUND'], 409: ['ARTICLE_NOT_PUBLISHED', 'CORRECTION_NOTE_REQUIRED', 'CORRECTION_PENDING', 'ARTICLE_WITHDRAWN'] },
  })
  async correct(@Param('id') id: string, @Body() dto: CorrectDto, @CurrentUser() user: User, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const r = await this.run(req, reply, user, id, {
      type: 'CorrectArticle',
      data: { correctionId: randomUUID(), kind: dto.kind, note: dto.note, headline: dto.headline ?? null, body: dto.body?.map(({ type, text }) => ({ type, text })) ?? null },
    }, { ifMatch: true, status: 200, body: dto });
    if (!r.subjectId) return { id: r.articleId, version: r.version, status: r.status };
    // Committed but not live: 202, and where the second person approves it.
    reply.status(202).header('Location', `/articles/${r.articleId}/corrections/${r.subjectId}`);
    return { id: r.articleId, version: r.version, status: r.status, correctionId: r.subjectId, correctionStatus: 'proposed' };
  }

  @Post(':id/corrections/:correctionId/approval')
  @Roles(...CAN.approve)
  @HttpCode(200)
  @ApiRoute({
    summary: 'Approve a proposed correction: it goes live (If-Match required; four-eyes: not by its author)',
    ok: { status: 200, description: 'The correction is live.', type: CorrectionAnswer, headers: ['ETag'] },
    auth: { roles: CAN.approve }, ifMatch: 'required', idempotent: true, rateLimited: true,
    problems: { 403: ['FOUR_EYES'], 404: ['ARTICLE_NOT_FOUND', 'CORRECTION_NOT_FOUND'], 409: ['ARTICLE_NOT_PUBLISHED', 'ARTICLE_WITHDRAWN'] },
  })
  async approveCorrection(@Param('id') id: string, @Param('correctionId') correctionId: string, @CurrentUser() user: User, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const r = await this.run(req, reply, user, id, { type: 'ApproveCorrection', data: { correctionId: correctionId.toLowerCase() } }, { ifMatch: true, status: 200 });
    return { id: r.articleId, version: r.version, status: r.status, correctionId: correctionId.toLowerCase(), correctionStatus: 'approved' };
  }

  @Post(':id/corrections/:correctionId/rejection')
  @Roles(...CAN.approve)
  @HttpCode(200)
  @ApiRoute({
    summary: 'Reject (or, by its author, withdraw) a proposed correction (If-Match required)',
    ok: { status: 200, description: 'The proposal is dropped; readers never saw it.', type: CorrectionAnswer, headers: ['ETag'] },
    auth: { roles: CAN.approve }, body: true, ifMatch: 'required', idempotent: true, rateLimited: true,
    problems: { 404: ['ARTICLE_NOT_FOUND', 'CORRECTION_NOT_FOUND'], 409: ['ARTICLE_NOT_PUBLISHED', 'ARTICLE_WITHDRAWN'] },
  })
  async rejectCorrection(@Param('id') id: string, @Param('correctionId') correctionId: string, @Body() dto: RejectCorrectionDto, @CurrentUser() user: User, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const r = await this.run(req, reply, user, id, { type: 'RejectCorrection', data: { correctionId: correctionId.toLowerCase(), reason: dto.reason ?? null } }, { ifMatch: true, status: 200, body: dto });
    return { id: r.articleId, version: r.version, status: r.status, correctionId: correctionId.toLowerCase(), correctionStatus: 'rejected' };
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
}
