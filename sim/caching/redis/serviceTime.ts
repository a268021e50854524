/**
 * What a command costs Redis' one thread, for the node to charge in virtual time. Redis runs
 * commands one at a time on one core; a request costs the I/O of reading it and writing its reply
 * (syscalls, the event loop) plus the command's own CPU.
 *
 * The split: ~100k simple GET/SET a second per core unpipelined on loopback (REFERENCE.md) is
 * ~10 µs a request. With 16 commands pipelined per read, redis-benchmark gets GET 863k/s, SET 683k/s,
 * INCR 707k/s (antirez, gist 1892983, i7 920), i.e. 1.16 / 1.46 / 1.41 µs a command, in which one
 * read's I/O is shared by 16. Solving both: ~8.7 µs of I/O per read event and ~0.6 µs (GET) to
 * ~0.9 µs (SET, INCR) per command. Several keys in one command add ~0.35 µs a key (redis-benchmark
 * MSET of 10 keys: 87.7k/s against SET's 121.7k/s on the same server, cloud.tencent.com article
 * 1997317). Large values add copying, taken as ~4 GB/s (an estimate: 0.25 ns a byte in and out).
 */
import type { RedisReply } from './reply.ts';
import { byteLength } from './memory.ts';

/** CPU of one read event: read() + write() syscalls, epoll, the client's buffers. Paid once per batch read. */
export const REDIS_IO_US_PER_READ = 8.7;
/** Deleting one key (dict unlink, frees, the DEL propagated): eviction, expiry, DEL, FLUSHALL. An estimate. */
export const REDIS_US_PER_FREED_KEY = 0.5;

const READ_US = 0.6;
const WRITE_US = 0.9;
const EXTRA_KEY_US = 0.35;
const US_PER_BYTE = 0.00025;

/** Per-command CPU (µs) of the commands that are not a plain one-key read or write. */
const SPECIAL_US: Record<string, number> = {
  info: 10, // formatting three sections, an estimate
  config: 2, // a table lookup or a glob over the settings, an estimate
  flushall: WRITE_US, // plus REDIS_US_PER_FREED_KEY a key
};

const READS = new Set(['get', 'exists', 'ttl', 'pttl', 'mget', 'dbsize', 'ping', 'publish']);
const MULTI_KEY = new Set(['mget', 'exists', 'del']);

/**
 * CPU (µs) Redis' thread spends executing one command, excluding the per-read I/O
 * (REDIS_IO_US_PER_READ, which the node charges once per batch of pipelined commands). `keysFreed`
 * is what the store deleted while running it (`RedisStore.lastKeysFreed`).
 */
export function redisCommandCpuUs(argv: readonly string[], reply: RedisReply, keysFreed = 0): number {
  const name = (argv[0] ?? '').toLowerCase();
  let us = SPECIAL_US[name] ?? (READS.has(name) ? READ_US : WRITE_US);
  if (MULTI_KEY.has(name)) us += EXTRA_KEY_US * Math.max(0, argv.length - 2);
  if (name === 'subscribe' || name === 'unsubscribe') us *= Math.max(1, argv.length - 1);
  // A message goes into every receiver's output buffer, and each gets its own write().
  if (name === 'publish' && reply.kind === 'integer') us += Number(reply.value) * (EXTRA_KEY_US + REDIS_IO_US_PER_READ / 2);
  let bytes = 0;
  for (const a of argv) bytes += byteLength(a);
  return us + (bytes + replyBytes(reply)) * US_PER_BYTE + keysFreed * REDIS_US_PER_FREED_KEY;
}

function replyBytes(reply: RedisReply): number {
  if (reply.kind === 'bulk') return byteLength(reply.value);
  if (reply.kind === 'array' || reply.kind === 'replies') return reply.items.reduce((n, r) => n + replyBytes(r), 0);
  return 0;
}
