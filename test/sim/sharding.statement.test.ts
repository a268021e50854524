/** Where routing finds a statement's shard key, and which scatters it merges or refuses (sim/sharding/statement.ts). */
import { describe, expect, it } from 'vitest';
import { mergeShardRows } from '../../sim/sharding/merge.ts';
import { analyseStatement } from '../../sim/sharding/statement.ts';

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
