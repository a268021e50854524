/**
 * INFO's text for the sections the model keeps (`genRedisInfoString` in server.c of Redis 7.0): the
 * same section headers, field names, order and number formats, `\r\n` line ends and a blank line
 * between sections. Fields of those sections that the model does not keep (RSS, allocator, fork,
 * replication and network figures ...) are left out rather than made up.
 */
import { bytesToHuman } from './memory.ts';

/** The figures INFO prints, as the store keeps them. */
export interface RedisInfoData {
  usedMemory: number;
  usedMemoryPeak: number;
  usedMemoryStartup: number;
  maxmemory: number;
  maxmemoryPolicy: string;
  totalCommandsProcessed: number;
  instantaneousOpsPerSec: number;
  expiredKeys: number;
  /** A fraction (0..1); INFO prints it as a percentage. */
  expiredStalePerc: number;
  expiredTimeCapReachedCount: number;
  expireCycleCpuMilliseconds: number;
  evictedKeys: number;
  keyspaceHits: number;
  keyspaceMisses: number;
  pubsubChannels: number;
  totalErrorReplies: number;
  keys: number;
  expires: number;
  avgTtl: number;
}

/** INFO's sections in Redis' order; `default`, `all` and `everything` (or nothing) select all of them. */
const SECTIONS = ['memory', 'stats', 'keyspace'] as const;

export function renderInfo(args: readonly string[], d: RedisInfoData): string {
  const asked = args.map((a) => a.toLowerCase());
  const all = asked.length === 0 || asked.some((a) => a === 'default' || a === 'all' || a === 'everything');
  const out: string[] = [];
  for (const section of SECTIONS) {
    if (all || asked.includes(section)) out.push(SECTION_TEXT[section](d));
  }
  return out.join('\r\n');
}

const lines = (title: string, fields: [string, string | number][]): string =>
  `# ${title}\r\n${fields.map(([k, v]) => `${k}:${v}\r\n`).join('')}`;

const SECTION_TEXT: Record<(typeof SECTIONS)[number], (d: RedisInfoData) => string> = {
  memory: (d) =>
    lines('Memory', [
      ['used_memory', d.usedMemory],
      ['used_memory_human', bytesToHuman(d.usedMemory)],
      ['used_memory_peak', d.usedMemoryPeak],
      ['used_memory_peak_human', bytesToHuman(d.usedMemoryPeak)],
      ['used_memory_peak_perc', `${d.usedMemoryPeak ? ((d.usedMemory * 100) / d.usedMemoryPeak).toFixed(2) : '0.00'}%`],
      ['used_memory_startup', d.usedMemoryStartup],
      ['maxmemory', d.maxmemory],
      ['maxmemory_human', bytesToHuman(d.maxmemory)],
      ['maxmemory_policy', d.maxmemoryPolicy],
    ]),
  stats: (d) =>
    lines('Stats', [
      ['total_commands_processed', d.totalCommandsProcessed],
      ['instantaneous_ops_per_sec', d.instantaneousOpsPerSec],
      ['expired_keys', d.expiredKeys],
      ['expired_stale_perc', (d.expiredStalePerc * 100).toFixed(2)],
      ['expired_time_cap_reached_count', d.expiredTimeCapReachedCount],
      ['expire_cycle_cpu_milliseconds', d.expireCycleCpuMilliseconds],
      ['evicted_keys', d.evictedKeys],
      ['keyspace_hits', d.keyspaceHits],
      ['keyspace_misses', d.keyspaceMisses],
      ['pubsub_channels', d.pubsubChannels],
      ['total_error_replies', d.totalErrorReplies],
    ]),
  keyspace: (d) =>
    `# Keyspace\r\n${d.keys || d.expires ? `db0:keys=${d.keys},expires=${d.expires},avg_ttl=${d.avgTtl}\r\n` : ''}`,
};
