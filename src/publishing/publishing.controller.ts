import { Controller, Get, Param, Query, Req, Res } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ApiTags } from '@nestjs/swagger';
import { ApiRoute } from '../common/openapi';
import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Public } from '../auth/roles';
import { Clock } from '../common/clock';
import { APP_CONFIG, AppConfig } from '../config/config';
import { etag, noneMatch } from '../common/http';
import { ArticleViewQueries } from '../read-models/article-view/article-view.queries';
import { isEmbargoed, type PublishedArticle } from '../read-models/published-article/published-article';
import { PublishedArticleQueries } from '../read-models/published-article/published-article.queries';
import { PublishedCache, RenderedArticle, renderedJson, sendRendered } from '../read-models/published-article/published-cache';
import { gone, neverPublished } from '../read-models/published-article/published.controller';
import { PAGE_CONTENT_SECURITY_POLICY, renderArticlePage, renderNotFoundPage, renderWithdrawnPage } from './article-page';
import { renderAtomFeed } from './atom';
import { FeedQuery } from './feed.query';
import { BadSearch } from '../read-models/search/search-text';
import { badSearch } from '../read-models/search/search-sql';
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
    config: ConfigService,
  ) {
    this.baseUrl = config.get<AppConfig>(APP_CONFIG)!.publicUrl;
  }

  /** NEWSROOM_PUBLIC_URL: every absolute link names it, whatever Host the request came with. */
  private readonly baseUrl: string;

  private async withdrawal(id: string) {
    const article = await this.articles.current(id);
    return article?.withdrawal ? { reason: article.withdrawal.reason, at: article.withdrawal.at } : null;
  }

  @Get('published/:id/ninjs')
  @Public()
  @ApiRoute({
    summary: 'The published article as IPTC ninjs 2.1',
    ok: { status: 200, description: 'A ninjs 2.1 document.', schema: { type: 'object', additionalProperties: true, description: 'IPTC ninjs 2.1 (https://iptc.org/std/ninjs/).' }, headers: ['ETag', 'Cache-Control'] },
    also: [{ status: 304, description: 'Not modified (If-None-Match matched the ETag).', headers: ['ETag'] }],
    auth: 'public',
    problems: { 404: ['NOT_PUBLISHED'], 410: ['ARTICLE_WITHDRAWN'] },
  })
  async ninjs(@Param('id') id: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    const ticket = this.cache.ticket(id);
    const row = await this.queries.published(id);
    if (!row?.document || isEmbargoed(row.document, this.clock.now())) throw neverPublished();
    if (row.status === 'withdrawn') throw gone(await this.withdrawal(id));
    const rendered = renderedNinjs(row.document, this.baseUrl);
    this.cache.store(ticket, 'ninjs', this.baseUrl, rendered);
    return sendRendered(request, reply, rendered);
  }

  @Get('news/:id')
  @Public()
  @ApiRoute({
    summary: 'The article page (HTML with schema.org NewsArticle); 404 and 410 are HTML pages too',
    ok: { status: 200, description: 'The page.', contentType: 'text/html', schema: { type: 'string' }, headers: ['ETag', 'Cache-Control'] },
    also: [
      { status: 304, description: 'Not modified (If-None-Match matched the ETag).', headers: ['ETag'] },
      { status: 404, description: 'An HTML page: no such published article.' },
      { status: 410, description: 'An HTML page: withdrawn, with the reason.', headers: ['Cache-Control'] },
    ],
    auth: 'public',
  })
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
    const rendered = renderedPage(row.document, this.baseUrl);
    this.cache.store(ticket, 'page', this.baseUrl, rendered);
    return sendRendered(request, reply, rendered);
  }

  @Get('feeds/published.atom')
  @Public()
  @ApiRoute({
    summary: `Atom feed of the latest ${FEED_SIZE} changes readers see (with ?q=, of those that match); a withdrawn article is an RFC 6721 tombstone`,
    ok: { status: 200, description: 'An Atom 1.0 feed.', contentType: 'application/atom+xml', schema: { type: 'string' }, headers: ['ETag', 'Cache-Control'] },
    also: [{ status: 304, description: 'Not modified (If-None-Match matched the ETag).', headers: ['ETag'] }],
    auth: 'public',
    problems: { 400: ['VALIDATION_FAILED'] },
  })
  async feed(@Query() query: FeedQuery, @Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    const { live, withdrawn } = await this.queries.latest(FEED_SIZE, this.clock.now(), query.q).catch((err: unknown) => {
      throw err instanceof BadSearch ? badSearch(err) : err;
    });
    const xml = renderAtomFeed(live, { baseUrl: this.baseUrl, now: this.clock.now(), withdrawn, query: query.q });
    const tag = `"${createHash('sha256').update(xml).digest('base64url').slice(0, 27)}"`;
    reply.header('ETag', tag).header('Cache-Control', 'public, max-age=60');
    if (noneMatch(request, tag)) return reply.status(304).send();
    return reply.status(200).header('Content-Type', 'application/atom+xml; charset=utf-8').send(xml);
  }
}
