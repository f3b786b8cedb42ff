import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { ArticleStatus } from '../domain/article';

/** What the article commands answer, for the OpenAPI document (test/openapi.e2e.spec.ts checks each answer). */

const TIME = { type: 'string', format: 'date-time' } as const;
// Not imported from read-models: articles/ must not depend on it (test/architecture.spec.ts).
const STATUSES: ArticleStatus[] = ['draft', 'approved', 'scheduled', 'published', 'withdrawn'];

/** What an article command answers. */
export class CommandAnswer {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ description: 'The version after the command; also the ETag.' }) version: number;
  @ApiProperty({ enum: STATUSES }) status: string;
}

/** What a correction proposal, its approval or its rejection answers. */
export class CorrectionAnswer extends CommandAnswer {
  @ApiProperty({ format: 'uuid' }) correctionId: string;
  @ApiProperty({ enum: ['proposed', 'approved', 'rejected'] }) correctionStatus: string;
}

export class PublishAnswer extends CommandAnswer {
  @ApiProperty({ ...TIME, nullable: true, description: 'When it went out; null when scheduled.' }) publishedAt: string | null;
  @ApiPropertyOptional({ ...TIME, description: 'When scheduled: when it will go out.' }) publishAt?: string;
}

export class BylineAnswer {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) bylineId: string;
  @ApiProperty() version: number;
}

export class PhotoAnswer {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) photoId: string;
  @ApiProperty() version: number;
}

export class RemovedAnswer {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() version: number;
}

