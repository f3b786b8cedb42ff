import { BadRequestException, Controller, Get, Headers, Query, StreamableFile } from '@nestjs/common';
import { Readable } from 'node:stream';
import { ApiBearerAuth, ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { BadCursor } from '../common/cursor';
import { AuditTrailQueries } from '../read-models/audit-trail/audit-trail.queries';
import { Verifier } from './verifier.service';
import { CAN, Roles } from '../auth/roles';
import { problem } from '../common/problem.filter';
import { IsTime } from '../common/validation';

export class AuditQuery {
  @ApiPropertyOptional({ description: 'user id or username' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  actor?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @Matches(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, { message: 'articleId must be a UUID' })
  articleId?: string;

  @ApiPropertyOptional({ example: 'ArticlePublished' })
  @IsOptional()
  @Matches(/^[A-Za-z]{1,64}$/, { message: 'type must be an event type name' })
  type?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsTime()
  from?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsTime()
  to?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(200)
  cursor?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 500, default: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;
}

@ApiTags('audit')
@ApiBearerAuth()
@Controller('audit')
export class AuditController {
  constructor(
    private readonly queries: AuditTrailQueries,
    private readonly verifier: Verifier,
  ) {}

  @Get('verify')
  @Roles(...CAN.verify)
  @ApiOperation({ summary: 'Walk the whole log: hash chains, dense versions, the stream ledger' })
  verify() {
    return this.verifier.verify();
  }

  @Get()
  @Roles(...CAN.audit)
  @ApiOperation({ summary: 'The global audit trail, newest first; Accept: application/x-ndjson exports every match as a stream' })
  async list(@Query() q: AuditQuery, @Headers('accept') accept?: string) {
    try {
      if (accept?.includes('application/x-ndjson')) {
        await this.queries.audit({ ...q, limit: 1 }); // reject a bad cursor before the stream starts
        return new StreamableFile(Readable.from(this.export(q)), { type: 'application/x-ndjson; charset=utf-8' });
      }
      return await this.queries.audit({ ...q, limit: q.limit ?? 100 });
    } catch (err) {
      if (err instanceof BadCursor) throw new BadRequestException(problem(400, err.message, { errors: [{ field: 'cursor', message: err.message }] }, 'BAD_CURSOR'));
      throw err;
    }
  }

  /** Page by page through the filter, one JSON line per entry: memory stays flat however long the trail. */
  private async *export(q: AuditQuery): AsyncGenerator<string> {
    let cursor = q.cursor;
    do {
      const page = await this.queries.audit({ ...q, cursor, limit: 500 });
      for (const entry of page.items) yield `${JSON.stringify(entry)}\n`;
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
  }
}
