/**
 * The command table of the Redis model, as Redis 7 declares its commands (src/commands/*.json, compiled
 * into commands.def): each command's arity and whether an out-of-memory server refuses it.
 */

/** Arity as Redis declares it (negative: at least that many), and whether OOM refuses it (`denyoom`). */
export const COMMANDS: Record<string, { arity: number; denyoom?: boolean }> = {
  get: { arity: 2 },
  set: { arity: -3, denyoom: true },
  del: { arity: -2 },
  exists: { arity: -2 },
  expire: { arity: -3 },
  pexpire: { arity: -3 },
  ttl: { arity: 2 },
  pttl: { arity: 2 },
  persist: { arity: 2 },
  mget: { arity: -2 },
  incr: { arity: 2, denyoom: true },
  dbsize: { arity: 1 },
  flushall: { arity: -1 },
  config: { arity: -2 },
  'config|get': { arity: -3 },
  'config|set': { arity: -4 },
  info: { arity: -1 },
  ping: { arity: -1 },
  publish: { arity: 3 },
  subscribe: { arity: -2 },
  unsubscribe: { arity: -1 },
};

/** Commands a client in RESP2 subscribed mode may still send (`processCommand`). */
export const PUBSUB_CONTEXT = new Set(['subscribe', 'unsubscribe', 'ping']);
