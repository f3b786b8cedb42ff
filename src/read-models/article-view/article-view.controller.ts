import { BadRequestException, Controller, Get, NotFoundException, Param, Query, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { ApiRoute } from '../../common/openapi';
import { badSearch } from '../search/search-sql';
import { BadSearch } from '../search/search-text';
import { ArticlePage, ArticleView, AuditEntryView, DiffView, StoredEventView } from './article-view.responses';
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
const badQuery = (err: unknown) => {
  if (err instanceof BadCursor) throw new BadRequestException(problem(400, err.message, { errors: [{ field: 'cursor', message: err.message }] }, 'BAD_CURSOR'));
  if (err instanceof BadSearch) throw badSearch(err);
  throw err;
};

/** The read side of /articles: the working state now (article_view) or at a version or time (the stream folded), its history and events. */
@ApiTags('articles')
@Controller('articles')
export class ArticleViewController {
  constructor(
    private readonly queries: ArticleViewQueries,
    private readonly audit: AuditTrailQueries,
  ) {}

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
    return this.audit.history(id);
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
