/**
 * What was typed in the consoles of a run: the statement, the node, when (virtual time), how many rows
 * came back or which error. Generic: the lessons read it to check "the student ran this query on that
 * node and it returned a row", the report can list it. Bounded, so a long session does not grow it forever.
 */
import type { ConsoleResult } from '../core/contracts.ts';

export interface ConsoleRecord {
  /** Virtual time, microseconds. */
  at: number;
  node: string;
  query: string;
  columns: string[];
  rowCount: number;
  /** The error's code, when the statement failed. */
  error?: string;
}

export class ConsoleHistory {
  static readonly MAX = 1000;
  readonly entries: ConsoleRecord[] = [];

  record(r: ConsoleResult, at: number): void {
    this.entries.push({ at, node: r.node, query: r.query, columns: [...r.columns], rowCount: r.rowCount, ...(r.error ? { error: r.error.code } : {}) });
    if (this.entries.length > ConsoleHistory.MAX) this.entries.splice(0, this.entries.length - ConsoleHistory.MAX);
  }
}
