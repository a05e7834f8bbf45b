import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public } from '../auth/auth.decorators';
import { OptionalAccount } from '../auth/current.decorators';
import type { AccountRef } from '../auth/request-context';
import { ApiErrors } from '../errors/api-errors.decorator';
import { CatalogService } from './catalog.service';
import { CatalogQueryDto, PriceWithProductDto, ProductDto } from './dto/catalog.dto';

@ApiTags('catalog')
@ApiBearerAuth()
@Controller('catalog')
export class CatalogController {
  constructor(private readonly catalog: CatalogService) {}

  @Get('products')
  @Public()
  @ApiOperation({
    summary: 'Active products with their active prices and features',
    description:
      'Public. With a bearer token each product also carries `subscribed` and `current`.',
  })
  @ApiOkResponse({ type: [ProductDto] })
  @ApiErrors('VALIDATION_FAILED', 'UNAUTHENTICATED')
  listProducts(
    @Query() query: CatalogQueryDto,
    @OptionalAccount() account?: AccountRef,
  ): Promise<ProductDto[]> {
    return this.catalog.listProducts(query, account);
  }

  @Get('prices/:id')
  @Public()
  @ApiOperation({ summary: 'One price with its product' })
  @ApiOkResponse({ type: PriceWithProductDto })
  @ApiErrors('PRICE_NOT_FOUND', 'UNAUTHENTICATED')
  getPrice(@Param('id') id: string): Promise<PriceWithProductDto> {
    return this.catalog.getPrice(id);
  }
}
