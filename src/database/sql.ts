/**
 * Plain parameterised SQL for the hot paths where Prisma's per-query cost shows: a tagged
 * template keeps values out of the text (`$1, $2, …` are numbered when the fragments are joined),
 * and fragments compose, so a statement can be built from the parts each Stripe kind owns.
 */
export class Sql {
  constructor(
    readonly strings: readonly string[],
    readonly values: readonly unknown[],
    /**
     * What fixes this fragment's text besides its children: the template's own strings (the
     * same array for every call of one template literal), or a text for fragments built at run
     * time (`raw`, `join`).
     */
    private readonly fixed: readonly string[] | string = strings,
  ) {}

  /** The text with `$n` placeholders and the values in order, ready for `pg`. */
  toQuery(): { text: string; values: unknown[] } {
    const values: unknown[] = [];
    const text = this.render(values);
    return { text, values };
  }

  /**
   * As `toQuery`, with the text rendered once per shape (the same templates nested the same way)
   * and reused — the same string every time, so a driver comparing it with the text it prepared
   * compares one reference — and the shape's key, to name the prepared statement.
   */
  toCachedQuery(): { text: string; values: unknown[]; shape: string } {
    const shape = this.shape();
    const values: unknown[] = [];
    let text = renderedShapes.get(shape);
    if (text === undefined) {
      text = this.render(values);
      if (renderedShapes.size >= MAX_SHAPES) renderedShapes.clear();
      renderedShapes.set(shape, text);
    } else this.collect(values);
    return { text, values, shape };
  }

  private shape(): string {
    let key: string;
    // Quoted as JSON: no text of a raw fragment or separator can read as the key's own syntax.
    if (typeof this.fixed === 'string') key = JSON.stringify(this.fixed);
    else {
      let id = templateIds.get(this.fixed);
      if (id === undefined) {
        templateCount += 1;
        id = templateCount;
        templateIds.set(this.fixed, id);
      }
      key = `#${id}`;
    }
    let children = '';
    for (const value of this.values) children += value instanceof Sql ? `${value.shape()},` : '$,';
    return `${key}(${children})`;
  }

  private collect(values: unknown[]): void {
    for (const value of this.values) {
      if (value instanceof Sql) value.collect(values);
      else values.push(value);
    }
  }

  private render(values: unknown[]): string {
    let text = this.strings[0];
    for (let i = 0; i < this.values.length; i++) {
      const value = this.values[i];
      if (value instanceof Sql) text += value.render(values);
      else {
        values.push(value);
        text += `$${values.length}`;
      }
      text += this.strings[i + 1];
    }
    return text;
  }
}

/** Ids of template literals (their strings arrays are the same object on every call). */
const templateIds = new WeakMap<readonly string[], number>();
let templateCount = 0;
/** Rendered texts by shape; statements come from a bounded set of shapes. */
const renderedShapes = new Map<string, string>();
const MAX_SHAPES = 2_000;

export function sql(strings: TemplateStringsArray, ...values: unknown[]): Sql {
  return new Sql(strings, values);
}

/** A fixed piece of SQL (an identifier chosen by code, never by input). */
export function raw(text: string): Sql {
  return new Sql([text], [], text);
}

export function join(parts: readonly Sql[], separator = ', '): Sql {
  if (parts.length === 0) return raw('');
  const strings = ['', ...parts.slice(1).map(() => separator), ''];
  return new Sql(strings, parts, `join ${separator}`);
}
