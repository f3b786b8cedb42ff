import { Controller, Get } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { ApiRoute } from '../common/openapi';
import { HealthCheck, HealthCheckService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { Public } from '../auth/roles';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
  ) {}

  /** 200 when the database answers, else 503. */
  @Get()
  @Public()
  @HealthCheck({ noCache: true, swaggerDocumentation: false })
  @ApiRoute({
    summary: 'Readiness: 200 when the database answers, else 503',
    ok: {
      status: 200,
      description: 'Ready.',
      schema: { type: 'object', properties: { status: { type: 'string', enum: ['ok'] }, info: { type: 'object', additionalProperties: true }, error: { type: 'object', additionalProperties: true }, details: { type: 'object', additionalProperties: true } }, required: ['status'] },
      headers: ['Cache-Control'],
    },
    auth: 'public',
  })
  check() {
    return this.health.check([() => this.db.pingCheck('database', { timeout: 3000 })]);
  }
}
