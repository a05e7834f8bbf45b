import { Inject, Injectable } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import type { SandboxSignInDto, SandboxTokenDto } from './dto/sandbox-sign-in.dto';
import { signSandboxToken } from './sandbox-token';

/** A working day: long enough for a demo, short enough that a copied token goes stale. */
const TOKEN_LIFETIME_SECONDS = 8 * 60 * 60;

@Injectable()
export class SandboxSignInService {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  issue(body: SandboxSignInDto): SandboxTokenDto {
    const secret = this.config.jwt.secret;
    // The module is only registered with a sandbox secret; this guards against a wiring mistake.
    if (this.config.mode !== 'sandbox' || secret === undefined) {
      throw new Error('sandbox sign-in outside sandbox mode');
    }
    return signSandboxToken(
      this.config,
      secret,
      { userId: body.userId, email: body.email, orgId: body.orgId, role: body.role },
      TOKEN_LIFETIME_SECONDS,
    );
  }
}
