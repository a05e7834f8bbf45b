import { Body, Controller, HttpCode, HttpStatus, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public } from '../auth/auth.decorators';
import { ApiErrors, JSON_BODY_ERRORS } from '../errors/api-errors.decorator';
import { SandboxSignInDto, SandboxTokenDto } from './dto/sandbox-sign-in.dto';
import { SandboxSignInService } from './sandbox-sign-in.service';

@ApiTags('sandbox')
@Controller('sandbox')
export class SandboxSignInController {
  constructor(private readonly signIn: SandboxSignInService) {}

  @Post('sign-in')
  @Public()
  @HttpCode(HttpStatus.CREATED)
  @ApiOperation({
    summary: 'Sandbox only: a token for any user, or any organisation member with a role',
    description:
      'Exists only in sandbox mode with the sandbox secret (no STRIPE_SECRET_KEY, no JWT_JWKS_URL): ' +
      'the demo frontend signs in with it. In stripe mode there is no such route (404): tokens come ' +
      "from the product's identity provider.",
  })
  @ApiCreatedResponse({ type: SandboxTokenDto })
  @ApiErrors(...JSON_BODY_ERRORS, 'UNAUTHENTICATED')
  create(@Body() body: SandboxSignInDto): SandboxTokenDto {
    return this.signIn.issue(body);
  }
}
