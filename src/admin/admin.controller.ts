import { Controller, Get, HttpCode, NotFoundException, Param, Post } from '@nestjs/common';
import { ApiProperty, ApiTags } from '@nestjs/swagger';
import { ApiRoute } from '../common/openapi';
import { CAN, Roles } from '../auth/roles';
import { problem } from '../common/problem.filter';
import { ProjectionRebuilder } from '../read-models/projection-rebuilder.service';
import { ProjectionRunner } from '../read-models/projection-runner.service';

class ProjectionStatusView {
  @ApiProperty({ example: 'articles' }) name: string;
  @ApiProperty({ description: 'The checkpoint: the last event applied.' }) position: number;
  @ApiProperty() transactionId: string;
  @ApiProperty({ description: 'Committed events not yet applied.' }) lagEvents: number;
  @ApiProperty({ example: 'running' }) status: string;
  @ApiProperty({ type: String, nullable: true }) error: string | null;
}

class RebuildAccepted {
  @ApiProperty({ format: 'uuid', description: 'Follow it at GET /admin/jobs/{jobId}.' }) jobId: string;
}

class RebuildJobView {
  @ApiProperty({ format: 'uuid' }) jobId: string;
  @ApiProperty() projection: string;
  @ApiProperty({ enum: ['running', 'succeeded', 'failed'] }) status: string;
  @ApiProperty() eventsProcessed: number;
  @ApiProperty() eventsTotal: number;
  @ApiProperty({ format: 'date-time' }) startedAt: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) finishedAt: string | null;
  @ApiProperty({ type: String, nullable: true }) liveChecksum: string | null;
  @ApiProperty({ type: String, nullable: true }) rebuiltChecksum: string | null;
  @ApiProperty({ type: Boolean, nullable: true, description: 'True when the rebuilt table matched the live one.' }) identical: boolean | null;
  @ApiProperty({ type: String, nullable: true }) error: string | null;
}

@ApiTags('admin')
@Controller('admin')
export class AdminController {
  constructor(
    private readonly runner: ProjectionRunner,
    private readonly rebuilder: ProjectionRebuilder,
  ) {}

  @Get('projections')
  @Roles(...CAN.admin)
  @ApiRoute({
    summary: 'Each projection: checkpoint position, events behind the log, status',
    ok: { status: 200, description: 'The projections.', type: [ProjectionStatusView] },
    auth: { roles: CAN.admin },
  })
  projections() {
    return this.runner.status();
  }

  @Post('projections/:name/rebuild')
  @Roles(...CAN.admin)
  @HttpCode(202)
  @ApiRoute({
    summary: 'Rebuild a projection from the event log into a shadow table, then repair the live one',
    ok: { status: 202, description: 'Started.', type: RebuildAccepted },
    auth: { roles: CAN.admin }, rateLimited: true,
    problems: { 404: ['PROJECTION_NOT_FOUND'] },
  })
  rebuild(@Param('name') name: string) {
    if (!this.runner.get(name)) {
      throw new NotFoundException(problem(404, `no projection named ${name}`, { known: this.runner.projections.map((p) => p.name) }, 'PROJECTION_NOT_FOUND'));
    }
    const job = this.rebuilder.start(name);
    return { jobId: job.jobId };
  }

  @Get('jobs/:jobId')
  @Roles(...CAN.admin)
  @ApiRoute({
    summary: 'A rebuild job on this instance',
    ok: { status: 200, description: 'The job.', type: RebuildJobView },
    auth: { roles: CAN.admin },
    problems: { 404: ['JOB_NOT_FOUND'] },
  })
  job(@Param('jobId') jobId: string) {
    const job = this.rebuilder.job(jobId);
    if (!job) throw new NotFoundException(problem(404, 'no such job on this instance', {}, 'JOB_NOT_FOUND'));
    return job;
  }
}
