import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional } from 'class-validator';
import { IsTime } from '../../common/validation';

/** GET /published/{id}: what readers saw at a time. */
export class PublishedAtQuery {
  @ApiPropertyOptional({ description: 'RFC 3339 time' })
  @IsOptional()
  @IsTime()
  asOf?: string;
}
