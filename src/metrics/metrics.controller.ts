import { Controller, Get, Header, Headers, Inject } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { adminKeyMatches } from '../auth/admin-key';
import { NoUserToken } from '../auth/auth.decorators';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { ApiError } from '../errors/api-error';
import { MetricsRegistry } from '../common/metrics.registry';
import { ApiErrors } from '../errors/api-errors.decorator';

@ApiTags('ops')
@NoUserToken()
@Controller('metrics')
export class MetricsController {
  constructor(
    private readonly registry: MetricsRegistry,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get()
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  @ApiOperation({
    summary: 'Prometheus metrics',
    description:
      'Public unless METRICS_TOKEN is set; then `Authorization: Bearer <METRICS_TOKEN>` is required.',
  })
  @ApiOkResponse({ description: 'Prometheus text format' })
  @ApiErrors('UNAUTHENTICATED')
  async metrics(@Headers('authorization') authorization?: string): Promise<string> {
    const token = this.config.metricsToken;
    if (
      token !== undefined &&
      !adminKeyMatches(authorization?.replace(/^Bearer /, '') ?? '', token)
    ) {
      throw new ApiError('UNAUTHENTICATED');
    }
    return this.registry.metrics();
  }
}
