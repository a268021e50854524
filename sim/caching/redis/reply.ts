/**
 * Redis replies as values (the RESP2 types a client sees) and their rendering as redis-cli prints them
 * on a terminal (`cliFormatReplyTTY` in redis-cli.c of Redis 7.0: `(integer) 1`, `(nil)`, `"value"`
 * quoted by `sdscatrepr`, `(error) ERR ...`, numbered arrays).
 */

export type RedisReply =
  | { readonly kind: 'status'; readonly text: string }
  | { readonly kind: 'error'; readonly text: string }
  | { readonly kind: 'integer'; readonly value: number | bigint }
  | { readonly kind: 'bulk'; readonly value: string }
  | { readonly kind: 'nil' }
  | { readonly kind: 'array'; readonly items: readonly RedisReply[] }
  /** Several top-level replies to one command, as RESP2 sends one per channel for SUBSCRIBE. */
  | { readonly kind: 'replies'; readonly items: readonly RedisReply[] };

export const OK: RedisReply = { kind: 'status', text: 'OK' };
export const NIL: RedisReply = { kind: 'nil' };
export const status = (text: string): RedisReply => ({ kind: 'status', text });
/** An error reply; `text` starts with its code (`ERR`, `OOM`, `WRONGTYPE`), as Redis sends it. */
export const error = (text: string): RedisReply => ({ kind: 'error', text });
export const integer = (value: number | bigint): RedisReply => ({ kind: 'integer', value });
export const bulk = (value: string): RedisReply => ({ kind: 'bulk', value });
export const array = (items: readonly RedisReply[]): RedisReply => ({ kind: 'array', items });

/** Redis' shared error replies (`createSharedObjects` in server.c). */
export const SYNTAX_ERROR = error('ERR syntax error');
export const NOT_AN_INTEGER = error('ERR value is not an integer or out of range');
export const OOM_ERROR = error("OOM command not allowed when used memory > 'maxmemory'.");

const encoder = new TextEncoder();

/** `sdscatrepr`: a bulk string quoted, with C escapes and `\xHH` for bytes that are not printable. */
function repr(value: string): string {
  let out = '"';
  for (const b of encoder.encode(value)) {
    const c = String.fromCharCode(b);
    if (c === '\\' || c === '"') out += `\\${c}`;
    else if (c === '\n') out += '\\n';
    else if (c === '\r') out += '\\r';
    else if (c === '\t') out += '\\t';
    else if (b === 7) out += '\\a';
    else if (b === 8) out += '\\b';
    else if (b >= 0x20 && b < 0x7f) out += c;
    else out += `\\x${b.toString(16).padStart(2, '0')}`;
  }
  return `${out}"`;
}

function formatTTY(reply: RedisReply, prefix: string): string {
  switch (reply.kind) {
    case 'error':
      return `(error) ${reply.text}\n`;
    case 'status':
      return `${reply.text}\n`;
    case 'integer':
      return `(integer) ${reply.value}\n`;
    case 'bulk':
      return `${repr(reply.value)}\n`;
    case 'nil':
      return '(nil)\n';
    case 'replies':
      return reply.items.map((r) => formatTTY(r, prefix)).join('');
    case 'array': {
      if (reply.items.length === 0) return '(empty array)\n';
      const width = String(reply.items.length).length;
      const inner = prefix + ' '.repeat(width + 2);
      return reply.items
        .map((item, i) => `${i === 0 ? '' : prefix}${String(i + 1).padStart(width)}) ${formatTTY(item, inner)}`)
        .join('');
    }
  }
}

/**
 * The text redis-cli prints for a reply. redis-cli prints `INFO`'s bulk reply raw (its lines, not a
 * quoted string), so pass the command name; the trailing newline is dropped.
 */
export function formatReply(reply: RedisReply, command = ''): string {
  if (reply.kind === 'bulk' && command.toLowerCase() === 'info') return reply.value.replace(/\r\n/g, '\n').trimEnd();
  return formatTTY(reply, '').replace(/\n$/, '');
}
