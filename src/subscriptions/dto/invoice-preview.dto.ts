import { ApiProperty } from '@nestjs/swagger';

export class InvoicePreviewLineDto {
  @ApiProperty({ example: 'Remaining time on 5 × Team after 12 Dec 2026' })
  description!: string;

  @ApiProperty({ example: 1450, description: 'Minor units, before invoice-level discounts.' })
  amount!: number;

  @ApiProperty({ type: String, nullable: true, example: 'price_team_monthly' })
  priceId!: string | null;

  @ApiProperty({ type: Number, nullable: true, example: 5 })
  quantity!: number | null;

  @ApiProperty({ description: 'A credit or charge for part of a period, from a change.' })
  proration!: boolean;

  @ApiProperty({ type: String, format: 'date-time' })
  periodStart!: Date;

  @ApiProperty({ type: String, format: 'date-time' })
  periodEnd!: Date;
}

export class InvoicePreviewDto {
  @ApiProperty({
    type: String,
    format: 'date-time',
    description: 'When Stripe will create (and try to collect) this invoice.',
  })
  date!: Date;

  @ApiProperty({ example: 14500, description: 'What will be collected, minor units.' })
  amountDue!: number;

  @ApiProperty({ example: 14500, description: 'Sum of the lines before discounts and tax.' })
  subtotal!: number;

  @ApiProperty({ example: 14500, description: 'After discounts and tax.' })
  total!: number;

  @ApiProperty({ example: 0, description: 'Exclusive and inclusive tax, minor units.' })
  tax!: number;

  @ApiProperty({ example: 0, description: 'Total of discounts, minor units.' })
  discount!: number;

  @ApiProperty({ example: 'usd' })
  currency!: string;

  @ApiProperty({ type: String, format: 'date-time', description: 'Billing period start.' })
  periodStart!: Date;

  @ApiProperty({ type: String, format: 'date-time', description: 'Billing period end.' })
  periodEnd!: Date;

  @ApiProperty({ type: [InvoicePreviewLineDto] })
  lines!: InvoicePreviewLineDto[];
}

export class UpcomingInvoiceDto {
  @ApiProperty({
    type: InvoicePreviewDto,
    nullable: true,
    description:
      'The next invoice of the current subscription; null when none is due (a cancellation is ' +
      'pending, the subscription is paused, or the plan is a lifetime purchase).',
  })
  invoice!: InvoicePreviewDto | null;
}

export class ChangePreviewDto {
  @ApiProperty({
    type: String,
    format: 'date-time',
    description:
      'The instant the prorations are computed for. Send it back as `prorationDate` with the ' +
      'change itself to be charged exactly the previewed amounts (Stripe prorates per second).',
  })
  prorationDate!: Date;

  @ApiProperty({
    example: 1450,
    description:
      'What the change collects at once, minor units: the invoice it creates with ' +
      '`always_invoice`, or when the billing period restarts (another interval, a trial ended); ' +
      'else 0 and the prorations go on the next invoice.',
  })
  amountDueNow!: number;

  @ApiProperty({
    type: InvoicePreviewDto,
    nullable: true,
    description: 'The invoice the change creates at once, if it creates one.',
  })
  immediateInvoice!: InvoicePreviewDto | null;

  @ApiProperty({
    type: InvoicePreviewDto,
    nullable: true,
    description:
      'The next scheduled invoice after the change (with any prorations it carries); null when ' +
      'the change restarts the billing period (the immediate invoice pays the new period).',
  })
  nextInvoice!: InvoicePreviewDto | null;
}
