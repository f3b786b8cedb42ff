import { Controller, Get, GoneException, HttpException, NotFoundException, Param, Query, Req, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { ApiRoute } from '../../common/openapi';
import { PublishedArticleView } from '../article-view/article-view.responses';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Public } from '../../auth/roles';
import { problem } from '../../common/problem.filter';
import { ArticleViewQueries } from '../article-view/article-view.queries';
import { isEmbargoed, PublishedArticle, publishedView } from './published-article';
import { Clock } from '../../common/clock';
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
    private readonly clock: Clock,
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
      // Withdrawn means withdrawn for the public: no earlier version is served either (signed-in roles use
      // /articles/{id}?asOf= and the history).
      const now = await this.articles.current(id);
      if (now?.status === 'withdrawn') throw gone(now.withdrawal);
      const asOf = new Date(q.asOf).toISOString();
      const article = await this.articles.at(id, { asOf });
      // Under embargo at that time, readers could not see it: as if not yet published.
      if (!article?.publication || (article.publication.embargoUntil && Date.parse(article.publication.embargoUntil) > Date.parse(asOf))) throw neverPublished();
      if (article.status === 'withdrawn') throw gone(article.withdrawal);
      return reply.send(publishedView(article));
    }
    const ticket = this.cache.ticket(id);
    const row = await this.queries.published(id);
    if (!row?.document || isEmbargoed(row.document, this.clock.now())) throw neverPublished();
    if (row.status === 'withdrawn') {
      const article = await this.articles.current(id);
      throw gone(article?.withdrawal);
    }
    const rendered = renderedDocument(row.document);
    this.cache.store(ticket, 'document', ANY_ORIGIN, rendered);
    return sendRendered(request, reply, rendered);
  }
}
