import { BadRequestException, Controller, Get, Headers, Query, StreamableFile } from '@nestjs/common';
import { Readable } from 'node:stream';
import { ApiProperty, ApiPropertyOptional, ApiTags, getSchemaPath } from '@nestjs/swagger';
import { AuditEntryView, AuditPage } from '../read-models/article-view/article-view.responses';
import { ApiRoute } from '../common/openapi';
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

class VerifyFailureView {
  @ApiProperty() articleId: string;
  @ApiProperty() streamId: string;
  @ApiProperty({ type: Number, nullable: true }) version: number | null;
  @ApiProperty() reason: string;
}

class VerifyReportView {
  @ApiProperty({ description: 'True when every check passed.' }) ok: boolean;
  @ApiProperty() streamsChecked: number;
  @ApiProperty() eventsChecked: number;
  @ApiProperty({ type: [VerifyFailureView] }) failures: VerifyFailureView[];
}

@ApiTags('audit')
@Controller('audit')
export class AuditController {
  constructor(
    private readonly queries: AuditTrailQueries,
    private readonly verifier: Verifier,
  ) {}

  @Get('verify')
  @Roles(...CAN.verify)
  @ApiRoute({
    summary: 'Walk the whole log: hash chains, dense versions, the stream ledger',
    ok: { status: 200, description: 'The report (ok false lists the failures).', type: VerifyReportView },
    auth: { roles: CAN.verify },
  })
  verify() {
    return this.verifier.verify();
  }

  @Get()
  @Roles(...CAN.audit)
  @ApiRoute({
    summary: 'The global audit trail, newest first; Accept: application/x-ndjson exports every match as a stream',
    ok: { status: 200, description: 'One page (JSON), or every match, one entry per line (NDJSON).', type: AuditPage, alsoContent: { 'application/x-ndjson': { $ref: getSchemaPath(AuditEntryView) } } },
    auth: { roles: CAN.audit },
    problems: { 400: ['VALIDATION_FAILED', 'BAD_CURSOR'] },
  })
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
