/** PostgreSQL's parser (sim/sql/parser.ts): trees, errors as the server gives them, statement texts. */
import { beforeAll, describe, expect, it } from 'vitest';
import { loadSqlParser, parsePlpgsql, parseSql, SqlSyntaxError, statementText } from '../../sim/sql/parser.ts';
import { constText, names, walk } from '../../sim/sql/tree.ts';

beforeAll(() => loadSqlParser());

describe('parseSql', () => {
  it('gives the raw parse tree of every statement', () => {
    const { stmts } = parseSql('SELECT 1; DELETE FROM t WHERE id = $1');
    expect(stmts?.map((s) => Object.keys(s.stmt ?? {})[0])).toEqual(['SelectStmt', 'DeleteStmt']);
  });

  it("throws the server's syntax error with its position in characters", () => {
    const sql = "SELECT 'é' FRM t";
    const e = (() => {
      try {
        parseSql(sql);
      } catch (err) {
        return err as SqlSyntaxError;
      }
    })();
    expect(e).toBeInstanceOf(SqlSyntaxError);
    expect(e?.message).toBe('syntax error at or near "t"');
    expect(sql[e?.position ?? -1]).toBe('t');
  });

  it('loading again is the same load', async () => {
    await expect(loadSqlParser()).resolves.toBeUndefined();
  });
});

describe('statementText', () => {
  it('cuts each statement out by its byte offsets, multi-byte text before it included', () => {
    const sql = "SELECT 'ünïcödé';  DO $$BEGIN PERFORM 1; END$$";
    expect(parseSql(sql).stmts?.map((s) => statementText(sql, s).trim())).toEqual(["SELECT 'ünïcödé'", 'DO $$BEGIN PERFORM 1; END$$']);
  });
});

describe('parsePlpgsql', () => {
  it("gives every embedded statement's text", () => {
    const queries: string[] = [];
    walk(parsePlpgsql("DO $$BEGIN PERFORM pg_sleep(1); EXECUTE 'SELECT ' || 2; END$$"), (kind, f) => {
      if (kind === 'PLpgSQL_expr') queries.push(f.query as string);
      return true;
    });
    expect(queries).toEqual(['SELECT pg_sleep(1)', "'SELECT ' || 2"]);
  });

  it("throws the compiler's error", () => {
    expect(() => parsePlpgsql('DO $$BEGIN x := 1; END$$')).toThrow(/"x" is not a known variable/);
  });
});

describe('tree helpers', () => {
  it('reads names and constants, 0 included (left out of the JSON as a default)', () => {
    const consts: (string | undefined)[] = [];
    const funcs: string[][] = [];
    walk(parseSql("SELECT pg_catalog.now(), 0, 1.5, 'x', true, NULL"), (kind, f) => {
      if (kind === 'A_Const') consts.push(constText(f));
      if (kind === 'FuncCall') funcs.push(names(f.funcname as never));
      return true;
    });
    expect(funcs).toEqual([['pg_catalog', 'now']]);
    expect(consts).toEqual(['0', '1.5', 'x', 't', undefined]);
  });
});
