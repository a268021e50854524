/** Where routing finds a statement's shard key, and which scatters it merges or refuses (sim/sharding/statement.ts). */
import { beforeAll, describe, expect, it } from 'vitest';
import { mergeShardRows } from '../../sim/sharding/merge.ts';
import { analyseStatement, routeFacts } from '../../sim/sharding/statement.ts';
import { loadSqlParser } from '../../sim/sql/parser.ts';

beforeAll(() => loadSqlParser());

const map = { tables: [{ table: 'users', column: 'id' }, { table: 'orders', column: 'user_id' }] };
const keys = (sql: string) => analyseStatement(sql, map).keys;

describe('the shard key of a statement', () => {
  it('is found in = , IN lists and INSERT ... VALUES on the distribution column', () => {
    expect(keys('SELECT id, email FROM users WHERE id = $1')).toEqual([{ param: 1 }]);
    expect(keys('SELECT * FROM orders o WHERE o.status = $2 AND $1 = o.user_id')).toEqual([{ param: 1 }]);
    expect(keys("SELECT * FROM users WHERE id = 42 AND name <> 'where id = 7'")).toEqual([{ literal: '42' }]);
    expect(keys('SELECT * FROM users WHERE id IN ($1, 7, $3)')).toEqual([{ param: 1 }, { literal: '7' }, { param: 3 }]);
    expect(keys('INSERT INTO orders (amount, user_id) VALUES ($1, $2), (3, 9)')).toEqual([{ param: 2 }, { literal: '9' }]);
    expect(keys('UPDATE users SET name = $2 WHERE id = $1')).toEqual([{ param: 1 }]);
  });

  it('is not found where it does not fix one shard', () => {
    expect(keys('SELECT * FROM users WHERE id = $1 OR name = $2')).toEqual([]);
    expect(keys('SELECT * FROM users WHERE id = $1 + 1')).toEqual([]);
    expect(keys('SELECT * FROM users WHERE id NOT IN (1, 2)')).toEqual([]);
    expect(keys('SELECT * FROM orders WHERE id = $1')).toEqual([]); // orders are distributed by user_id
    expect(keys('SELECT * FROM users WHERE id IN (SELECT user_id FROM orders)')).toEqual([]);
    expect(keys('INSERT INTO orders (user_id, amount) SELECT id, 1 FROM users')).toEqual([]);
    expect(analyseStatement('SELECT * FROM regions WHERE code = $1', map)).toMatchObject({ distributed: false, keys: [] });
  });
});

describe('a scatter', () => {
  it('merges plain columns under ORDER BY and LIMIT, and aggregates alone; refuses the rest with the reason', () => {
    expect(analyseStatement('SELECT id FROM users ORDER BY email DESC NULLS LAST, 1 LIMIT $1', map).merge).toEqual({
      kind: 'rows',
      orderBy: [
        { column: 'email', descending: true, nullsFirst: false },
        { column: 1, descending: false, nullsFirst: false },
      ],
      limit: { param: 1 },
    });
    expect(analyseStatement('SELECT count(*), avg(amount) AS a FROM orders', map).merge).toEqual({
      kind: 'aggregates',
      aggregates: ['count', 'avg'],
      names: ['count', 'a'],
      shardSql: 'SELECT count(*), sum(amount), count(amount) FROM orders',
    });
    for (const [sql, why] of [
      ['SELECT region, count(*) FROM users GROUP BY region', 'GROUP'],
      ['SELECT count(DISTINCT region) FROM users', 'DISTINCT'],
      ['SELECT sum(amount) / count(*) FROM orders', 'expression over aggregates'],
      ['SELECT id FROM users ORDER BY lower(email)', 'output columns only'],
      ['SELECT id FROM users ORDER BY id OFFSET 10', 'OFFSET'],
    ]) {
      expect(analyseStatement(sql, map).merge, sql).toEqual({ refused: expect.stringContaining(why) });
    }
  });

  it('sorts merged rows by type: numeric exactly, text in code point order, NULLs as PostgreSQL places them', () => {
    const merged = mergeShardRows(
      { kind: 'rows', orderBy: [{ column: 'amount', descending: true, nullsFirst: true }, { column: 'name', descending: false, nullsFirst: false }] },
      [
        { columns: ['amount', 'name'], types: [1700, 25], rows: [[null, 'z'], ['10.50', 'b'], ['9.99', 'a']] },
        { columns: ['amount', 'name'], types: [1700, 25], rows: [['10.5', 'B'], ['100.00', 'x']] },
      ],
      () => undefined,
    );
    expect(merged).toMatchObject({ ok: true, rows: [[null, 'z'], ['100.00', 'x'], ['10.5', 'B'], ['10.50', 'b'], ['9.99', 'a']] });
    const refused = mergeShardRows({ kind: 'rows', orderBy: [{ column: 'j', descending: false, nullsFirst: false }] }, [{ columns: ['j'], types: [3802], rows: [[{}], [{}]] }], () => undefined);
    expect(refused).toMatchObject({ ok: false, refused: expect.stringContaining('oid 3802') });
  });
});

describe('keys on joins and qualified columns', () => {
  it("a qualified key column is the key of the table its qualifier names, on a join too", () => {
    const join = 'SELECT * FROM users u JOIN orders o ON o.user_id = u.id WHERE o.user_id = $1';
    expect(routeFacts(join, map, [42]).keys).toEqual([{ table: 'orders', column: 'user_id', source: { param: 1 }, value: 42 }]);
    // users.id is not orders' key: the qualifier says whose column it is
    expect(routeFacts('SELECT * FROM users u JOIN orders o ON o.user_id = u.id WHERE u.id = $1', map, [7]).keys).toEqual([
      { table: 'users', column: 'id', source: { param: 1 }, value: 7 },
    ]);
    expect(keys('SELECT * FROM orders o JOIN users u ON u.id = o.user_id WHERE o.id = $1')).toEqual([]);
    expect(keys('SELECT * FROM orders WHERE orders.user_id = $1')).toEqual([{ param: 1 }]);
  });

  it('a join condition between two key columns fixes no key', () => {
    expect(routeFacts('SELECT * FROM users a, orders b WHERE a.id = b.user_id', map)).toMatchObject({ keys: [], why: expect.stringContaining('no conjunct') });
    expect(keys('SELECT * FROM orders a, orders b WHERE a.user_id = b.user_id')).toEqual([]);
  });

  it('reads the value under a cast, and text and NULL constants as the input function would get them', () => {
    expect(keys('SELECT * FROM users WHERE id = $1::bigint')).toEqual([{ param: 1 }]);
    expect(keys("SELECT * FROM users WHERE id = '0'::int")).toEqual([{ literal: '0' }]);
    expect(keys('SELECT * FROM users WHERE id = 0')).toEqual([{ literal: '0' }]);
    expect(keys('SELECT * FROM users WHERE id = NULL')).toEqual([]);
  });

  it("text that only looks like a key is not one: strings, comments, other tables' columns", () => {
    expect(keys("SELECT * FROM users WHERE name = 'id = 7' /* id = 8 */ AND id = $2")).toEqual([{ param: 2 }]);
    expect(keys('SELECT * FROM users WHERE (id = $1 OR id = $2)')).toEqual([]);
    expect(keys('SELECT * FROM public.users WHERE id = $1')).toEqual([{ param: 1 }]);
    expect(keys('SELECT * FROM other.users WHERE id = $1')).toEqual([]);
  });

  it('explains why no key fixes a shard', () => {
    expect(routeFacts('SELECT * FROM regions WHERE code = $1', map)).toMatchObject({ tables: [], keys: [], why: 'it names no distributed table' });
    expect(routeFacts('INSERT INTO orders (user_id) SELECT id FROM users', map).why).toMatch(/rows of a query/);
    expect(routeFacts('INSERT INTO orders (amount) VALUES (1)', map).why).toMatch(/does not name user_id/);
    expect(routeFacts("INSERT INTO orders (user_id) VALUES ($1), ('5')", map, ['3'])).toMatchObject({
      command: 'insert',
      tables: ['orders'],
      keys: [
        { table: 'orders', column: 'user_id', source: { param: 1 }, value: '3' },
        { table: 'orders', column: 'user_id', source: { literal: '5' }, value: '5' },
      ],
    });
  });
});

describe('merges read from the tree', () => {
  it('FETCH FIRST is a LIMIT; LIMIT ALL is none; WITH TIES, set operations and windows are refused', () => {
    expect(analyseStatement('SELECT id FROM users ORDER BY id FETCH FIRST 5 ROWS ONLY', map).merge).toEqual({ kind: 'rows', orderBy: [{ column: 'id', descending: false, nullsFirst: false }], limit: { literal: '5' } });
    expect(analyseStatement('SELECT id FROM users LIMIT ALL', map).merge).toEqual({ kind: 'rows', orderBy: [] });
    for (const [sql, why] of [
      ['SELECT id FROM users ORDER BY id FETCH FIRST 5 ROWS WITH TIES', 'WITH TIES'],
      ['SELECT id FROM users UNION SELECT user_id FROM orders', 'UNION'],
      ['SELECT id, row_number() OVER () FROM users', 'OVER'],
      ['SELECT id FROM users LIMIT $1 + 1', 'LIMIT with an expression'],
      ['SELECT count(*) FILTER (WHERE id > 1) FROM users', 'expression over aggregates'],
    ]) {
      expect(analyseStatement(sql, map).merge, sql).toEqual({ refused: expect.stringContaining(why) });
    }
  });

  it('asks the shards for avg as sum and count, whatever the spacing, casing, alias and text around', () => {
    expect(analyseStatement("SELECT AVG ( amount ) avg_amount, max(amount) FROM orders WHERE note <> 'avg(x)'", map).merge).toEqual({
      kind: 'aggregates',
      aggregates: ['avg', 'max'],
      names: ['avg_amount', 'max'],
      shardSql: "SELECT sum( amount ), count( amount ), max(amount) FROM orders WHERE note <> 'avg(x)'",
    });
    expect(analyseStatement("SELECT 'é', avg(amount) FROM orders", map).merge).toMatchObject({ refused: expect.stringContaining('expression over aggregates') });
    expect(analyseStatement('SELECT /* é */ avg(amount) AS "Ä" FROM orders', map).merge).toMatchObject({ names: ['Ä'], shardSql: 'SELECT /* é */ sum(amount), count(amount) FROM orders' });
  });
});
