/** What the postgres node's console reads from a statement's text, and how an engine's error becomes the sim's. */
import { conditionName, type SimError } from '../../core/errors.ts';
import type { EngineError } from '../../engine/protocol.ts';
import { isReadOnlySql } from '../../workload/operations.ts';

/** Rows a console statement returns at most (the rest is cut, and says so). */
export const CONSOLE_MAX_ROWS = 1000;

/** Whether a console input may change data or schema, so a primary ships it to its replicas. */
export function consoleMayWrite(sql: string): boolean {
  const text = sql.replace(/^(\s*--[^\n]*(\n|$)|\s*\/\*[\s\S]*?\*\/)*/, '');
  if (/^\s*(set|reset|show|explain(?![\s\S]*\banalyze\b)|vacuum|analyze|checkpoint|listen|unlisten|notify|discard|load|prepare|deallocate|fetch|close|declare)\b/i.test(text)) return false;
  return !(isReadOnlySql(text) && !text.includes(';'));
}

/** Whether a statement asks for a read-write transaction (a hot standby refuses it: cannot_set_read_write). */
export function setsReadWrite(sql: string): boolean {
  return /\bread[\s_]+write\b|\btransaction_read_only\s*(=|to)\s*'?(off|false|0)\b/i.test(sql);
}

export function fromEngineError(e: EngineError): SimError {
  return {
    code: conditionName(e.sqlstate),
    sqlstate: e.sqlstate,
    severity: e.severity === 'FATAL' || e.severity === 'PANIC' ? e.severity : 'ERROR',
    message: e.message,
    detail: e.detail,
    hint: e.hint,
    position: e.position,
  };
}
