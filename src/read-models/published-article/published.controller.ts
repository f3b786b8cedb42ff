import { Controller, Get, GoneException, HttpException, NotFoundException, Param, Query, Req, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { ApiRoute } from '../../common/openapi';
import { PublishedArticleView } from '../article-view/article-view.responses';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Public } from '../../auth/roles';
import { problem } from '../../common/problem.filter';
import { ArticleViewQueries } from '../article-view/article-view.queries';
import { PublishedArticle, publishedView } from './published-article';
import { PublishedArticleQueries } from './published-article.queries';
import { AsOfQuery } from '../../common/validation';
import { PublishedCache, RenderedArticle, renderedJson, sendRendered } from './published-cache';

export const neverPublished = () => new NotFoundException(problem(404, 'no such published article', { code: 'NOT_PUBLISHED' }, 'NOT_PUBLISHED'));

/** 410 with the public withdrawal notice (reason and time; not who withdrew it). */
export function gone(withdrawal: { reason: string; at: string } | null | undefined): HttpException {
  const notice = withdrawal ? { reason: withdrawal.reason, at: withdrawal.at } : null;
  return new GoneException(
    problem(410, `this article was withdrawn${notice ? `: ${notice.reason}` : ''}`, { code: 'ARTICLE_WITHDRAWN', withdrawal: notice }, 'ARTICLE_WITHDRAWN'),
  );
}

/** GET /published/{id} for a published article. Unchanged until the next public event: a client with it gets 304. */
export function renderedDocument(document: PublishedArticle): RenderedArticle {
  return renderedJson(document.version, document);
}

/** The document carries no link, so one entry serves every origin. */
export const ANY_ORIGIN = '';

/** What readers see: public, no token. */
@ApiTags('published')
@Controller('published')
export class PublishedController {
  constructor(
    private readonly queries: PublishedArticleQueries,
    private readonly articles: ArticleViewQueries,
    private readonly cache: PublishedCache,
  ) {}

  @Get(':id')
  @Public()
  @ApiRoute({
    summary: 'The published article; ?asOf=<time> for what readers saw then',
    ok: { status: 200, description: 'What readers see.', type: PublishedArticleView, headers: ['ETag', 'Cache-Control'] },
    also: [{ status: 304, description: 'Not modified (If-None-Match matched the ETag).', headers: ['ETag'] }],
    auth: 'public',
    problems: { 400: ['VALIDATION_FAILED'], 404: ['NOT_PUBLISHED'], 410: ['ARTICLE_WITHDRAWN'] },
  })
  async get(@Param('id') id: string, @Query() q: AsOfQuery, @Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    if (q.asOf) {
      const article = await this.articles.at(id, { asOf: new Date(q.asOf).toISOString() });
      if (!article?.publication) throw neverPublished();
      if (article.status === 'withdrawn') throw gone(article.withdrawal);
      return reply.send(publishedView(article));
    }
    const ticket = this.cache.ticket(id);
    const row = await this.queries.published(id);
    if (!row?.document) throw neverPublished();
    if (row.status === 'withdrawn') {
      const article = await this.articles.current(id);
      throw gone(article?.withdrawal);
    }
    const rendered = renderedDocument(row.document);
    this.cache.store(ticket, 'document', ANY_ORIGIN, rendered);
    return sendRendered(request, reply, rendered);
  }
}
