import 'reflect-metadata';
import { ValidationPipe, type ArgumentMetadata } from '@nestjs/common';
import { CatalogQueryDto } from '../../src/catalog/dto/catalog.dto';
import { ApiError } from '../../src/errors/api-error';
import { createValidationPipe } from '../../src/errors/validation';

const query: ArgumentMetadata = { type: 'query', metatype: CatalogQueryDto, data: undefined };
const body: ArgumentMetadata = { type: 'body', metatype: CatalogQueryDto, data: undefined };

/**
 * Query strings and route parameters are validated once per distinct input and remembered;
 * every request still gets its own DTO, failures are never remembered, bodies never are.
 */
describe('the validation pipe', () => {
  it('answers a repeated query with its own copy of the validated DTO', async () => {
    const pipe = createValidationPipe();
    const first = (await pipe.transform(
      { type: 'recurring', excludeSubscribed: 'true' },
      query,
    )) as CatalogQueryDto;
    expect(first).toBeInstanceOf(CatalogQueryDto);
    expect({ ...first }).toEqual({ type: 'recurring', excludeSubscribed: true });
    // A handler that changes its DTO changes nothing for the next request.
    first.type = 'one_time';
    const second = (await pipe.transform(
      { type: 'recurring', excludeSubscribed: 'true' },
      query,
    )) as CatalogQueryDto;
    expect(second).not.toBe(first);
    expect(second).toBeInstanceOf(CatalogQueryDto);
    expect({ ...second }).toEqual({ type: 'recurring', excludeSubscribed: true });
  });

  it('validates an empty query once (the DTO lists its absent optional fields)', async () => {
    const pipe = createValidationPipe();
    const validate = jest.spyOn(ValidationPipe.prototype, 'transform');
    try {
      const first: unknown = await pipe.transform({}, query);
      const second: unknown = await pipe.transform({}, query);
      expect(validate).toHaveBeenCalledTimes(1);
      expect(second).toBeInstanceOf(CatalogQueryDto);
      expect(second).toEqual(first);
    } finally {
      validate.mockRestore();
    }
  });

  it('refuses a bad query every time, naming the field', async () => {
    const pipe = createValidationPipe();
    for (let i = 0; i < 2; i++) {
      const error = await pipe.transform({ type: 'weekly' }, query).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ApiError);
      expect((error as ApiError).details.map((d) => d.field)).toEqual(['type']);
    }
    await expect(pipe.transform({ unknown: 'x' }, query)).rejects.toBeInstanceOf(ApiError);
  });

  it('does not answer an input with an undefined field from the copy of one without it', async () => {
    const pipe = createValidationPipe();
    await pipe.transform({}, query);
    await expect(pipe.transform({ unknown: undefined }, query)).rejects.toBeInstanceOf(ApiError);
  });

  it('validates bodies afresh', async () => {
    const pipe = createValidationPipe();
    const first = await pipe.transform({ type: 'recurring' }, body);
    const second = await pipe.transform({ type: 'recurring' }, body);
    expect(second).not.toBe(first);
    expect(second).toEqual(first);
    await expect(pipe.transform({ type: 'weekly' }, body)).rejects.toBeInstanceOf(ApiError);
  });
});
