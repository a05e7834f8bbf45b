import { join, raw, sql, type Sql } from '../../src/database/sql';

const users = (id: number, extra: Sql | null): Sql =>
  sql`SELECT * FROM users WHERE id = ${id}${extra ?? raw('')}`;
const inOrg = (org: string): Sql => sql` AND org = ${org}`;

/** Statements are rendered once per shape; values always come from the fragment itself. */
describe('SQL fragments', () => {
  it('renders the same shape to the same text object, with each call’s own values', () => {
    const a = users(1, inOrg('org_a')).toCachedQuery();
    const b = users(2, inOrg('org_b')).toCachedQuery();
    expect(a.text).toBe('SELECT * FROM users WHERE id = $1 AND org = $2');
    expect(b.text).toBe(a.text);
    expect(a.values).toEqual([1, 'org_a']);
    expect(b.values).toEqual([2, 'org_b']);
    expect(b.shape).toBe(a.shape);
  });

  it('tells apart shapes that differ in nesting, in raw text or in the number of joined parts', () => {
    const plain = users(1, null).toCachedQuery();
    const nested = users(1, inOrg('o')).toCachedQuery();
    const rawA = sql`SELECT ${raw('a')} FROM t WHERE x = ${1}`.toCachedQuery();
    const rawB = sql`SELECT ${raw('b')} FROM t WHERE x = ${1}`.toCachedQuery();
    const two = sql`VALUES ${join([sql`(${1})`, sql`(${2})`])}`.toCachedQuery();
    const three = sql`VALUES ${join([sql`(${1})`, sql`(${2})`, sql`(${3})`])}`.toCachedQuery();
    expect(plain.text).toBe('SELECT * FROM users WHERE id = $1');
    expect(nested.text).toBe('SELECT * FROM users WHERE id = $1 AND org = $2');
    expect([rawA.text, rawB.text]).toEqual([
      'SELECT a FROM t WHERE x = $1',
      'SELECT b FROM t WHERE x = $1',
    ]);
    expect(two.text).toBe('VALUES ($1), ($2)');
    expect(three.text).toBe('VALUES ($1), ($2), ($3)');
    expect(three.values).toEqual([1, 2, 3]);
  });

  it('keeps raw fragments whose text looks like the shape key itself apart', () => {
    const select = (what: Sql): Sql => sql`SELECT ${what}`;
    const two = select(join([raw('a'), raw('b')])).toCachedQuery();
    const one = select(join([raw("a'(),'b")])).toCachedQuery();
    expect(two.text).toBe('SELECT a, b');
    expect(one.text).toBe("SELECT a'(),'b");
  });

  it('renders the same text as an uncached render', () => {
    const statement = sql`WITH ${join([sql`a AS (SELECT ${1})`, sql`b AS (SELECT ${'x'})`])} SELECT ${true}`;
    const { text, values } = statement.toQuery();
    expect(statement.toCachedQuery()).toMatchObject({ text, values });
    expect(statement.toCachedQuery()).toMatchObject({ text, values });
  });
});
