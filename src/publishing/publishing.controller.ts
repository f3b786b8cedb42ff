import { Controller, Get, Param, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Public } from '../auth/roles';
import { Clock } from '../common/clock';
import { baseUrlOf, etag, noneMatch } from '../common/http';
import { ArticleViewQueries } from '../read-models/article-view/article-view.queries';
import { isEmbargoed, type PublishedArticle } from '../read-models/published-article/published-article';
import { PublishedArticleQueries } from '../read-models/published-article/published-article.queries';
import { PublishedCache, RenderedArticle, renderedJson, sendRendered } from '../read-models/published-article/published-cache';
import { gone, neverPublished } from '../read-models/published-article/published.controller';
import { PAGE_CONTENT_SECURITY_POLICY, renderArticlePage, renderNotFoundPage, renderWithdrawnPage } from './article-page';
import { renderAtomFeed } from './atom';
import { toNinjs } from './ninjs';

export const FEED_SIZE = 50;

/** GET /news/{id} for a published article: the page, with the headers of every page answer. */
export function renderedPage(document: PublishedArticle, baseUrl: string): RenderedArticle {
  return {
    etag: etag(document.version),
    headers: [
      ['Content-Type', 'text/html; charset=utf-8'],
      ['Content-Security-Policy', PAGE_CONTENT_SECURITY_POLICY],
      ['X-Content-Type-Options', 'nosniff'],
      ['ETag', etag(document.version)],
      ['Cache-Control', 'public, max-age=60'],
    ],
    bodyHeaders: [],
    body: Buffer.from(renderArticlePage(document, { baseUrl })),
  };
}

/** GET /published/{id}/ninjs for a published article. */
export function renderedNinjs(document: PublishedArticle, baseUrl: string): RenderedArticle {
  return renderedJson(document.version, toNinjs(document, baseUrl));
}

/** What readers and partner systems get: the article page, ninjs and the Atom feed. Public, no token. */
@ApiTags('published')
@Controller()
export class PublishingController {
  constructor(
    private readonly queries: PublishedArticleQueries,
    private readonly articles: ArticleViewQueries,
    private readonly clock: Clock,
    private readonly cache: PublishedCache,
  ) {}

  private async withdrawal(id: string) {
    const article = await this.articles.current(id);
    return article?.withdrawal ? { reason: article.withdrawal.reason, at: article.withdrawal.at } : null;
  }

  @Get('published/:id/ninjs')
  @Public()
  @ApiOperation({ summary: 'The published article as IPTC ninjs 2.1' })
  async ninjs(@Param('id') id: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    const ticket = this.cache.ticket(id);
    const row = await this.queries.published(id);
    if (!row?.document || isEmbargoed(row.document, this.clock.now())) throw neverPublished();
    if (row.status === 'withdrawn') throw gone(await this.withdrawal(id));
    const baseUrl = baseUrlOf(request);
    const rendered = renderedNinjs(row.document, baseUrl);
    this.cache.store(ticket, 'ninjs', baseUrl, rendered);
    return sendRendered(request, reply, rendered);
  }

  @Get('news/:id')
  @Public()
  @ApiProduces('text/html')
  @ApiOperation({ summary: 'The article page (HTML with schema.org NewsArticle); 410 page when withdrawn' })
  async page(@Param('id') id: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    const ticket = this.cache.ticket(id);
    const row = await this.queries.published(id);
    reply
      .header('Content-Type', 'text/html; charset=utf-8')
      .header('Content-Security-Policy', PAGE_CONTENT_SECURITY_POLICY)
      .header('X-Content-Type-Options', 'nosniff');
    if (!row?.document || isEmbargoed(row.document, this.clock.now())) return reply.status(404).header('Cache-Control', 'no-cache').send(renderNotFoundPage());
    if (row.status === 'withdrawn') {
      const withdrawal = await this.withdrawal(id);
      return reply
        .status(410)
        .header('Cache-Control', 'public, max-age=60')
        .send(renderWithdrawnPage({ language: row.document.language, reason: withdrawal?.reason ?? null, at: withdrawal?.at ?? null }));
    }
    const baseUrl = baseUrlOf(request);
    const rendered = renderedPage(row.document, baseUrl);
    this.cache.store(ticket, 'page', baseUrl, rendered);
    return sendRendered(request, reply, rendered);
  }

  @Get('feeds/published.atom')
  @Public()
  @ApiProduces('application/atom+xml')
  @ApiOperation({ summary: `Atom feed of the latest ${FEED_SIZE} published articles` })
  async feed(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    const docs = await this.queries.latestPublished(FEED_SIZE, this.clock.now());
    const xml = renderAtomFeed(docs, { baseUrl: baseUrlOf(request), now: this.clock.now() });
    const tag = `"${createHash('sha256').update(xml).digest('base64url').slice(0, 27)}"`;
    reply.header('ETag', tag).header('Cache-Control', 'public, max-age=60');
    if (noneMatch(request, tag)) return reply.status(304).send();
    return reply.status(200).header('Content-Type', 'application/atom+xml; charset=utf-8').send(xml);
  }
}
