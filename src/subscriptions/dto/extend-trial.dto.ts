import { ApiProperty } from '@nestjs/swagger';
import { IsDateString } from 'class-validator';

export class ExtendTrialDto {
  @ApiProperty({
    example: '2026-12-24T00:00:00Z',
    description:
      'The new end of the trial (ISO 8601): in the future, later than the current trial end, at ' +
      'most 730 days from now.',
  })
  @IsDateString({ strict: true })
  trialEnd!: string;
}
