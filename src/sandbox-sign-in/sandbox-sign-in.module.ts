import { Module, type DynamicModule } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';
import { SandboxSignInController } from './sandbox-sign-in.controller';
import { SandboxSignInService } from './sandbox-sign-in.service';

/**
 * The demo's sign-in: only in sandbox mode with the sandbox's own HS256 secret. In stripe mode,
 * or with JWT_JWKS_URL, the module is not imported at all, so the route does not exist.
 */
@Module({})
export class SandboxSignInModule {
  static enabledFor(config: AppConfig): boolean {
    return config.mode === 'sandbox' && config.jwt.jwksUrl === undefined;
  }

  static forConfig(config: AppConfig): DynamicModule[] {
    if (!SandboxSignInModule.enabledFor(config)) return [];
    return [
      {
        module: SandboxSignInModule,
        controllers: [SandboxSignInController],
        providers: [SandboxSignInService],
      },
    ];
  }
}
