import { Controller, Get, HttpCode, NotFoundException, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CAN, Roles } from '../auth/roles';
import { problem } from '../common/problem.filter';
import { ProjectionRebuilder } from '../read-models/projection-rebuilder.service';
import { ProjectionRunner } from '../read-models/projection-runner.service';

@ApiTags('admin')
@ApiBearerAuth()
@Controller('admin')
export class AdminController {
  constructor(
    private readonly runner: ProjectionRunner,
    private readonly rebuilder: ProjectionRebuilder,
  ) {}

  @Get('projections')
  @Roles(...CAN.admin)
  @ApiOperation({ summary: 'Each projection: checkpoint position, events behind the log, status' })
  projections() {
    return this.runner.status();
  }

  @Post('projections/:name/rebuild')
  @Roles(...CAN.admin)
  @HttpCode(202)
  @ApiOperation({ summary: 'Rebuild a projection from the event log into a shadow table, then swap it in' })
  rebuild(@Param('name') name: string) {
    if (!this.runner.get(name)) {
      throw new NotFoundException(problem(404, `no projection named ${name}`, { known: this.runner.projections.map((p) => p.name) }, 'PROJECTION_NOT_FOUND'));
    }
    const job = this.rebuilder.start(name);
    return { jobId: job.jobId };
  }

  @Get('jobs/:jobId')
  @Roles(...CAN.admin)
  job(@Param('jobId') jobId: string) {
    const job = this.rebuilder.job(jobId);
    if (!job) throw new NotFoundException(problem(404, 'no such job on this instance', {}, 'JOB_NOT_FOUND'));
    return job;
  }
}
