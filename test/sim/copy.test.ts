/** A real client's COPY in the model: what it costs (sim/nodes/postgres/copyCost.ts), that COPY TO reads, and what rows each touches (replication/footprint.ts). */
import { beforeAll, describe, expect, it } from 'vitest';
import { copyInProfile, copyProfileSql } from '../../sim/nodes/postgres/copyCost.ts';
import { footprint } from '../../sim/replication/footprint.ts';
import { loadSqlParser } from '../../sim/sql/parser.ts';
import { isReadOnlySql } from '../../sim/workload/operations.ts';

beforeAll(() => loadSqlParser());

const lines = (n: number) => new TextEncoder().encode(Array.from({ length: n }, (_, i) => `${i}\tuser${i}@example.com\tUser ${i}\teu\n`).join(''));

describe('COPY FROM STDIN', () => {
  it('costs its data: CPU, WAL and pages grow with the rows and bytes copied', () => {
    const small = copyInProfile('COPY users FROM STDIN', lines(10), 0);
    const large = copyInProfile('COPY public.users (id, email, name, region) FROM STDIN', lines(10_000), 0);
    expect([small.rows, large.rows]).toEqual([10, 10_000]);
    expect(large.cpuUs).toBeGreaterThan(100 * small.cpuUs);
    expect(large.walRecords).toBeGreaterThan(10_000);
    expect(large.accesses).toEqual([{ relation: 'users', placement: 'tail', pages: large.randomPages, sequential: false }]);
    expect(large.randomPages).toBeGreaterThan(10 * small.randomPages);
  });
});

describe('COPY TO STDOUT', () => {
  it('is profiled as the query it runs, and reads', () => {
    expect(copyProfileSql('COPY users TO STDOUT')).toBe('SELECT * FROM users');
    expect(copyProfileSql('copy "Users" (id, email) to stdout with (format csv)')).toBe('SELECT id, email FROM "Users"');
    expect(copyProfileSql("COPY (SELECT id, ')' FROM users WHERE (id > 1)) TO STDOUT")).toBe("SELECT id, ')' FROM users WHERE (id > 1)");
    expect(copyProfileSql('COPY users FROM STDIN')).toBe('COPY users FROM STDIN');
    expect(copyProfileSql('SELECT 1')).toBe('SELECT 1');
    expect(isReadOnlySql('COPY (SELECT 1) TO STDOUT')).toBe(true);
    expect(isReadOnlySql('COPY users FROM STDIN')).toBe(false);
  });
});

describe('footprint', () => {
  it('a COPY FROM inserts into its table; a COPY TO reads its table, or what its query reads', () => {
    expect(footprint('COPY public.users (id, email) FROM STDIN')).toEqual([{ table: 'users', keys: new Map(), kind: 'insert' }]);
    expect(footprint('COPY "Users" TO STDOUT (FORMAT csv)')).toEqual([{ table: 'Users', keys: new Map(), kind: 'read' }]);
    expect(footprint('COPY (SELECT email FROM users WHERE id = 7) TO STDOUT')).toEqual([{ table: 'users', keys: new Map(), kind: 'read' }]);
  });
});
