import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString } from 'class-validator';
import { SEARCH_LIMITS } from '../read-models/search/search-text';

/** GET /feeds/published.atom: the feed of the articles that match a search. */
export class FeedQuery {
  @ApiPropertyOptional({ description: 'Search, as GET /articles?q= reads it (the feed stays newest first).', maxLength: SEARCH_LIMITS.maxLength })
  @IsOptional()
  @IsString()
  q?: string;
}
