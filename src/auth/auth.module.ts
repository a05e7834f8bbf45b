import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ApiAuthGuard } from './api-auth.guard';
import { RequestAuthenticator } from './request-authenticator';
import { TokenVerifier } from './token-verifier';

@Global()
@Module({
  providers: [TokenVerifier, RequestAuthenticator, { provide: APP_GUARD, useClass: ApiAuthGuard }],
  exports: [RequestAuthenticator],
})
export class AuthModule {}
