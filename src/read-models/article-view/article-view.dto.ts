import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import type { ArticleStatus } from '../../articles/domain/article';
import { AsOfQuery } from '../../common/validation';
import { SEARCH_LIMITS } from '../search/search-text';

const STATUSES: ArticleStatus[] = ['draft', 'approved', 'scheduled', 'published', 'withdrawn'];
/** Stream versions are PostgreSQL integers. */
const MAX_VERSION = 2_147_483_647;

export class ListArticlesQuery {
  @ApiPropertyOptional({ enum: STATUSES })
  @IsOptional()
  @IsIn(STATUSES)
  status?: ArticleStatus;

  @ApiPropertyOptional({
    description:
      `Search: words found in the headline, summary, body, bylines, captions or photo credits (all of them, in any order). ` +
      `Case and Latin diacritics are ignored (hanoi finds Hà Nội); Chinese, Japanese, Korean and Thai match from one character. ` +
      `Results come best first (a word in the headline counts most), then newest, each with rank and snippet. ` +
      `At most ${SEARCH_LIMITS.maxLength} characters and ${SEARCH_LIMITS.maxTerms} words; each word needs two letters or digits, or one CJK or Thai character.`,
    maxLength: SEARCH_LIMITS.maxLength,
    example: '東盟',
  })
  @IsOptional()
  @IsString()
  q?: string;

  @ApiPropertyOptional({ description: 'Only articles drafted by this user: their id (uuid) or username.', maxLength: 100 })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  author?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(500)
  cursor?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  limit?: number;
}

/** GET /articles/{id}: the working state at a time or at a version. */
export class ArticleAtQuery extends AsOfQuery {
  @ApiPropertyOptional({ minimum: 1 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_VERSION)
  version?: number;
}

export class DiffQuery {
  @ApiProperty({ minimum: 0 })
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(MAX_VERSION)
  from: number;

  @ApiProperty({ minimum: 1 })
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_VERSION)
  to: number;
}
