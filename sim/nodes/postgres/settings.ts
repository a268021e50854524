/** Settings of a `postgres` node: PostgreSQL's own names where they exist, and the server's hardware. */
import { z } from 'zod';
import { intSetting, memorySetting, timeSetting } from '../../scenario/settings.ts';

export const postgresSettings = z
  .strictObject({
    cores: intSetting(4, 1, 256, { context: 'postmaster', help: 'CPU cores of the server; running statements share them.' }),
    ram: memorySetting('16GB', 'MB', '512MB', '4TB', {
      context: 'postmaster',
      help: 'Memory of the server; what shared_buffers leaves (less 512MB) is the OS page cache.',
    }),
    disk_latency: timeSetting('0.1ms', 'ms', '1us', '100ms', {
      context: 'postmaster',
      help: 'One random 8kB read from disk, and one WAL flush at commit (NVMe ~0.1ms, SATA SSD ~0.2ms, network disk ~1ms).',
    }),
    disk_throughput: intSetting(1000, 10, 100_000, {
      context: 'postmaster',
      unit: 'MB/s',
      help: 'Sequential disk speed, for sequential scans that miss the caches and temp files.',
    }),
    max_connections: intSetting(100, 1, 10_000, {
      context: 'postmaster',
      help: 'Maximum concurrent connections; over it (less superuser_reserved_connections) a connection gets FATAL: sorry, too many clients already.',
    }),
    superuser_reserved_connections: intSetting(3, 0, 100, {
      context: 'postmaster',
      help: 'Connection slots kept for superusers; the app cannot use them.',
    }),
    shared_buffers: memorySetting('128MB', '8kB', '128kB', '1TB', {
      context: 'postmaster',
      help: "PostgreSQL's own page cache. PGTune: RAM/4. Pages not in it come from the OS cache or the disk.",
    }),
    work_mem: memorySetting('4MB', 'kB', '64kB', '2GB', {
      context: 'user',
      help: 'Memory per sort or hash before it spills to temp files (EXPLAIN: external merge Disk). Per plan node, per query.',
    }),
    effective_cache_size: memorySetting('4GB', '8kB', '8kB', '16TB', {
      context: 'user',
      help: "The planner's guess of the cache available (PGTune: 3/4 of RAM); changes plans, allocates nothing.",
    }),
  })
  .refine((s) => s.superuser_reserved_connections < s.max_connections, {
    message: 'superuser_reserved_connections must be less than max_connections',
    path: ['superuser_reserved_connections'],
  });

export type PostgresSettings = z.output<typeof postgresSettings>;
