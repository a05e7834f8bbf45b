import { ApiProperty } from '@nestjs/swagger';
import { PurchaseStatus } from '../../generated/prisma/enums';

export class PurchaseDto {
  @ApiProperty({ format: 'uuid', example: '7d3c2a10-5b8e-4d7f-9f0a-1c2b3d4e5f60' })
  id!: string;

  @ApiProperty({ example: 'prod_lifetime' })
  productId!: string;

  @ApiProperty({ example: 'Pro Lifetime' })
  productName!: string;

  @ApiProperty({ example: 'price_lifetime' })
  priceId!: string;

  @ApiProperty({
    example: true,
    description:
      'A lifetime grant (its features are kept); false for a consumable such as credits.',
  })
  lifetime!: boolean;

  @ApiProperty({ example: 1 })
  quantity!: number;

  @ApiProperty({ example: 49900, description: 'Paid, in minor units (cents).' })
  amount!: number;

  @ApiProperty({ example: 'usd' })
  currency!: string;

  @ApiProperty({ enum: Object.values(PurchaseStatus), example: 'ACTIVE' })
  status!: PurchaseStatus;

  @ApiProperty({ type: String, format: 'date-time', example: '2026-01-15T10:00:00.000Z' })
  purchasedAt!: Date;

  @ApiProperty({ nullable: true, type: String, format: 'date-time', example: null })
  refundedAt!: Date | null;
}
