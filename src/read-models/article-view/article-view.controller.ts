import { BadRequestException, Controller, Get, NotFoundException, Param, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CAN, Roles } from '../../auth/roles';
import { BadCursor } from '../../common/cursor';
import { UUID } from '../../common/uuid';
import { etag } from '../../common/http';
import { problem } from '../../common/problem.filter';
import { AuditTrailQueries } from '../audit-trail/audit-trail.queries';
import { workingView } from './article-view';
import { ArticleAtQuery, DiffQuery, ListArticlesQuery } from './article-view.dto';
import { ArticleViewQueries } from './article-view.queries';

const notFound = () => new NotFoundException(problem(404, 'no such article', { code: 'ARTICLE_NOT_FOUND' }, 'ARTICLE_NOT_FOUND'));
const badCursor = (err: unknown) => {
  if (err instanceof BadCursor) throw new BadRequestException(problem(400, err.message, { errors: [{ field: 'cursor', message: err.message }] }, 'BAD_CURSOR'));
  throw err;
};

/** The read side of /articles: the working state now (article_view) or at a version or time (the stream folded), its history and events. */
@ApiTags('articles')
@ApiBearerAuth()
@Controller('articles')
export class ArticleViewController {
  constructor(
    private readonly queries: ArticleViewQueries,
    private readonly audit: AuditTrailQueries,
  ) {}

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
    return this.audit.history(id);
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
