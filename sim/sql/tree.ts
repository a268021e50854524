/**
 * Reading PostgreSQL parse trees (sim/sql/parser.ts): every node is `{ Kind: fields }`, fields holding
 * nodes, lists of nodes or scalars; fields at their default (0, false, '') are left out, as protobuf's JSON
 * leaves them, so `{ ival: {} }` is the integer 0.
 */
import type { A_Const, Node } from 'libpg-query';

/** A node's kind and fields. */
export function kindOf(node: unknown): [string, Record<string, unknown>] | undefined {
  if (node === null || typeof node !== 'object' || Array.isArray(node)) return undefined;
  const keys = Object.keys(node);
  if (keys.length !== 1 || !/^[A-Z]/.test(keys[0])) return undefined;
  const fields = (node as Record<string, unknown>)[keys[0]];
  return fields !== null && typeof fields === 'object' ? [keys[0], fields as Record<string, unknown>] : undefined;
}

/**
 * Calls `visit` on every node under `tree` (itself included), depth first in field order; when `visit`
 * returns false the node's children are skipped.
 */
export function walk(tree: unknown, visit: (kind: string, fields: Record<string, unknown>) => boolean | undefined): void {
  if (Array.isArray(tree)) {
    for (const item of tree) walk(item, visit);
    return;
  }
  if (tree === null || typeof tree !== 'object') return;
  const node = kindOf(tree);
  if (node && visit(node[0], node[1]) === false) return;
  for (const value of Object.values(node ? node[1] : tree)) if (value !== null && typeof value === 'object') walk(value, visit);
}

/** The strings of a name list (a function's or a column's qualified name, a type name): `["pg_catalog", "now"]`. */
export function names(list: Node[] | undefined): string[] {
  return (list ?? []).flatMap((n) => ('String' in n && n.String.sval !== undefined ? [n.String.sval] : 'String' in n ? [''] : []));
}

/** A constant's text as the server's input function would receive it (`42`, `1.5`, `abc`, `t`), or undefined for NULL. */
export function constText(c: A_Const): string | undefined {
  if (c.isnull) return undefined;
  if (c.ival) return String(c.ival.ival ?? 0);
  if (c.fval) return c.fval.fval ?? '0';
  if (c.sval) return c.sval.sval ?? '';
  if (c.bsval) return c.bsval.bsval ?? '';
  if (c.boolval) return c.boolval.boolval ? 't' : 'f';
  return undefined;
}
