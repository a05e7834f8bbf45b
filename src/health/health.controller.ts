import { Controller, Get, HttpCode, HttpStatus, Inject } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
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
    additionalProperties: { type: 'string', enum: ['up', 'down'] },
    example: { database: 'up', stripe: 'up' },
  })
  checks!: ReadinessReport['checks'];
}

@ApiTags('health')
@Public()
@SkipThrottle()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Liveness: the process answers' })
  @ApiOkResponse({ type: LivenessDto })
  @ApiErrors('UNAUTHENTICATED')
  live(): LivenessDto {
    return { status: 'ok', mode: this.config.mode, uptime: Math.round(process.uptime() * 10) / 10 };
  }

  @Get('ready')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Readiness: the database answers',
    description:
      'Fails with 503 SERVICE_UNAVAILABLE when PostgreSQL is unreachable. Stripe is reported in `checks` ' +
      'but does not fail readiness: a Stripe outage should not take every instance out of rotation.',
  })
  @ApiOkResponse({ type: ReadinessDto })
  @ApiErrors('SERVICE_UNAVAILABLE', 'UNAUTHENTICATED')
  ready(): Promise<ReadinessReport> {
    return this.health.readiness();
  }
}
