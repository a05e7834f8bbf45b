import { ApiProperty } from '@nestjs/swagger';

export class AccountViewDto {
  @ApiProperty({
    format: 'uuid',
    description: 'The billing account the token acts for (other services name it as `accountId`).',
  })
  accountId!: string;

  @ApiProperty({
    enum: ['USER', 'ORGANIZATION'],
    description: 'Who pays: the user, or the organisation in the token.',
  })
  kind!: 'USER' | 'ORGANIZATION';

  @ApiProperty({ example: 'user_123', description: 'The `sub` claim.' })
  userId!: string;

  @ApiProperty({ nullable: true, type: String, example: 'me@example.com' })
  email!: string | null;

  @ApiProperty({ nullable: true, type: String, example: 'org_acme' })
  orgId!: string | null;

  @ApiProperty({ nullable: true, type: String, example: 'member' })
  orgRole!: string | null;

  @ApiProperty({
    description:
      'May buy, cancel, change plan and open the portal: always for a personal account; on an ' +
      'organisation only with a role in `billingAdminRoles`. Frontends disable those actions otherwise.',
  })
  canManageBilling!: boolean;

  @ApiProperty({ type: [String], example: ['owner', 'admin'] })
  billingAdminRoles!: string[];
}
