import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsOptional,
  IsString,
  Matches,
  ValidateIf,
  MaxLength,
  MinLength,
  ValidateNested,
} from 'class-validator';

/** Stripe's limit of tax ids per customer. */
export const MAX_TAX_IDS = 25;

export class BillingAddressDto {
  @ApiProperty({ nullable: true, type: String, example: 'Unter den Linden 1' })
  line1!: string | null;

  @ApiProperty({ nullable: true, type: String, example: null })
  line2!: string | null;

  @ApiProperty({ nullable: true, type: String, example: 'Berlin' })
  city!: string | null;

  @ApiProperty({ nullable: true, type: String, example: null, description: 'State or region.' })
  state!: string | null;

  @ApiProperty({ nullable: true, type: String, example: '10117' })
  postalCode!: string | null;

  @ApiProperty({ nullable: true, type: String, example: 'DE', description: 'ISO 3166-1 alpha-2.' })
  country!: string | null;
}

export class TaxIdDto {
  @ApiProperty({ example: 'txi_1Q…', description: 'The Stripe tax id.' })
  id!: string;

  @ApiProperty({ example: 'eu_vat', description: "Stripe's tax id type." })
  type!: string;

  @ApiProperty({ example: 'DE123456789', description: 'As Stripe normalised it.' })
  value!: string;

  @ApiProperty({ nullable: true, type: String, example: 'DE' })
  country!: string | null;

  @ApiProperty({
    nullable: true,
    type: String,
    example: 'pending',
    description: "Stripe's verification status: pending, verified, unverified or unavailable.",
  })
  verificationStatus!: string | null;
}

export class BillingProfileDto {
  @ApiProperty({
    nullable: true,
    type: String,
    example: 'Beispiel GmbH',
    description: 'The name invoices are made out to (the Stripe customer name).',
  })
  name!: string | null;

  @ApiProperty({ nullable: true, type: String, example: 'billing@example.com' })
  email!: string | null;

  @ApiProperty({ nullable: true, type: BillingAddressDto })
  address!: BillingAddressDto | null;

  @ApiProperty({ type: [TaxIdDto] })
  taxIds!: TaxIdDto[];
}

export class BillingAddressInputDto {
  @ApiPropertyOptional({ example: 'Unter den Linden 1' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  line1?: string;

  @ApiPropertyOptional({ example: 'Floor 2' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  line2?: string;

  @ApiPropertyOptional({ example: 'Berlin' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  city?: string;

  @ApiPropertyOptional({ example: 'BE', description: 'State, county, province or region.' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  state?: string;

  @ApiPropertyOptional({ example: '10117' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(20)
  postalCode?: string;

  @ApiProperty({ example: 'DE', description: 'ISO 3166-1 alpha-2, upper case.' })
  @IsString()
  @Matches(/^[A-Z]{2}$/, { message: 'country must be an ISO 3166-1 alpha-2 code such as DE' })
  country!: string;
}

export class TaxIdInputDto {
  @ApiProperty({
    example: 'eu_vat',
    description:
      "One of Stripe's tax id types (`eu_vat`, `gb_vat`, `us_ein`, `au_abn`, `ca_bn`, …); Stripe decides which it accepts.",
  })
  @IsString()
  @Matches(/^[a-z]{2,4}_[a-z_]{2,12}$/, { message: 'type must be a Stripe tax id type' })
  type!: string;

  @ApiProperty({ example: 'DE123456789' })
  @IsString()
  @MinLength(1)
  @MaxLength(64)
  value!: string;
}

/**
 * Fields left out are left as they are; `null` clears `address` (Stripe cannot unset a customer's
 * name, so `name` is replaced, never cleared). `taxIds` is the
 * complete list the customer should have: ids not in it are deleted, new ones added, and the
 * ones already there (same type, same value up to case and spaces) kept.
 */
export class UpdateBillingProfileDto {
  @ApiPropertyOptional({ type: String, example: 'Beispiel GmbH' })
  @ValidateIf((body: UpdateBillingProfileDto) => body.name !== undefined)
  @IsString()
  @MinLength(1)
  @MaxLength(256)
  name?: string;

  @ApiPropertyOptional({ nullable: true, type: BillingAddressInputDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => BillingAddressInputDto)
  address?: BillingAddressInputDto | null;

  @ApiPropertyOptional({
    type: [TaxIdInputDto],
    description: `The full list of tax ids (at most ${MAX_TAX_IDS}); \`[]\` removes them all.`,
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_TAX_IDS)
  @ValidateNested({ each: true })
  @Type(() => TaxIdInputDto)
  taxIds?: TaxIdInputDto[];
}
