import { Controller, Get, HttpCode, HttpStatus, Inject } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { Public } from '../auth/auth.decorators';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { ApiErrors } from '../errors/api-errors.decorator';
import { HealthService, type ReadinessReport } from './health.service';

class LivenessDto {
  @ApiProperty({ example: 'ok' })
  status!: 'ok';

  @ApiProperty({ enum: ['sandbox', 'test', 'live'] })
  mode!: string;

  @ApiProperty({ example: 12.5, description: 'Seconds since start.' })
  uptime!: number;
}

class ReadinessDto {
  @ApiProperty({ enum: ['ready'] })
  status!: 'ready';

  @ApiProperty({
    type: 'object',
    properties: {
      database: { type: 'string', enum: ['up', 'busy'] },
      stripe: { type: 'string', enum: ['up', 'down', 'unknown'] },
      stripeCheckedAt: { type: 'string', format: 'date-time', nullable: true },
    },
    required: ['database', 'stripe', 'stripeCheckedAt'],
    example: { database: 'up', stripe: 'up', stripeCheckedAt: '2026-12-01T10:00:00.000Z' },
    description:
      '`database`: `up`, or `busy` when every pooled connection is taken (still ready). ' +
      "`stripe`: information only, the last background probe's answer (`up`, `down`, `unknown`), " +
      'refreshed at most every 30 s.',
  })
  checks!: ReadinessReport['checks'];
}

@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get()
  @ApiOperation({
    summary: 'Liveness: the process answers',
    description: 'Touches neither the database nor Stripe: a restart would not fix either.',
  })
  @ApiOkResponse({ type: LivenessDto })
  @ApiErrors('UNAUTHENTICATED')
  live(): LivenessDto {
    return { status: 'ok', mode: this.config.mode, uptime: Math.round(process.uptime() * 10) / 10 };
  }

  @Get('ready')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Readiness: the database answers and the service is not shutting down',
    description:
      'Fails with 503 SERVICE_UNAVAILABLE when PostgreSQL is unreachable and from the moment a shutdown ' +
      'starts (SIGTERM). Stripe is reported in `checks` from a cache refreshed in the background at most ' +
      'every 30 s, and never fails readiness: a Stripe outage should not take every instance out of rotation.',
  })
  @ApiOkResponse({ type: ReadinessDto })
  @ApiErrors('SERVICE_UNAVAILABLE', 'UNAUTHENTICATED')
  ready(): Promise<ReadinessReport> {
    return this.health.readiness();
  }
}
