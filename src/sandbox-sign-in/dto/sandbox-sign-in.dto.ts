import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEmail, IsOptional, IsString, Matches, MaxLength, ValidateIf } from 'class-validator';

/** Ids as identity providers issue them: letters, digits and `_ . : @ | -`, at most 64. */
const EXTERNAL_ID = /^[A-Za-z0-9][A-Za-z0-9_.:@|-]{0,63}$/;
const ROLE = /^[a-z][a-z0-9_:-]{0,31}$/;

export class SandboxSignInDto {
  @ApiProperty({
    example: 'user_ada',
    pattern: EXTERNAL_ID.source,
    description: 'The `sub` claim.',
  })
  @IsString()
  @Matches(EXTERNAL_ID, { message: 'userId must be 1–64 letters, digits or _ . : @ | -' })
  userId!: string;

  @ApiPropertyOptional({ example: 'ada@example.com' })
  @IsOptional()
  @IsEmail()
  @MaxLength(254)
  email?: string;

  @ApiPropertyOptional({
    example: 'org_acme',
    pattern: EXTERNAL_ID.source,
    description: 'Act for this organisation: it becomes the billing account.',
  })
  @ValidateIf((body: SandboxSignInDto) => body.orgId !== undefined || body.role !== undefined)
  @IsString({ message: 'orgId is required with role' })
  @Matches(EXTERNAL_ID, { message: 'orgId must be 1–64 letters, digits or _ . : @ | -' })
  orgId?: string;

  @ApiPropertyOptional({
    example: 'member',
    pattern: ROLE.source,
    description: 'The role in the organisation (requires orgId); BILLING_ADMIN_ROLES may buy.',
  })
  @ValidateIf((body: SandboxSignInDto) => body.role !== undefined || body.orgId !== undefined)
  @IsString({ message: 'role is required with orgId' })
  @Matches(ROLE, { message: 'role must be 1–32 of a-z, 0-9, _ : - starting with a letter' })
  role?: string;
}

export class SandboxTokenDto {
  @ApiProperty({ description: 'Send as `Authorization: Bearer <token>`.' })
  token!: string;

  @ApiProperty({ type: String, format: 'date-time' })
  expiresAt!: Date;
}
