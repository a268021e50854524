/**
 * Instance shapes a postgres node can be: Amazon RDS for PostgreSQL, on-demand, Single-AZ, us-east-1, USD per
 * hour, as tabulated in January 2025 from AWS's price list (https://aws.amazon.com/rds/postgresql/pricing/).
 * Compute only: storage, I/O and Multi-AZ (twice the price) are extra. Each size up doubles vCPU, RAM and
 * price, which is the ceiling of vertical scaling: the price doubles, the gain does not.
 *
 * Checked (November 2026, from this machine, which reaches no AWS page): db.t4g.medium against
 * infratally.com's 2026 PostgreSQL table. The db.m7g and db.r7g rows could not be checked against a
 * PostgreSQL price page: they match a January 2025 table that prices several engines together, and a 2026
 * page (usage.ai) puts Graviton3 r7g at MySQL's rates (0.239, 0.478, ... an hour), about 3 % below ours.
 * The shapes say which: `checked` names the source a price was checked against, and the app shows it.
 */

export interface InstanceShape {
  name: string;
  vcpu: number;
  /** RAM in GiB. */
  ramGiB: number;
  usdPerHour: number;
  /** The page and date the price was checked against; absent: not checked (see above). */
  checked?: string;
}

export const INSTANCE_PRICES = { source: 'https://aws.amazon.com/rds/postgresql/pricing/', region: 'us-east-1', date: '2025-01' } as const;

export const INSTANCES: readonly InstanceShape[] = [
  { name: 'db.t4g.medium', vcpu: 2, ramGiB: 4, usdPerHour: 0.065, checked: 'infratally.com/articles/aws-rds-pricing-explained-2026.html (2026)' },
  { name: 'db.m7g.large', vcpu: 2, ramGiB: 8, usdPerHour: 0.168 },
  { name: 'db.m7g.xlarge', vcpu: 4, ramGiB: 16, usdPerHour: 0.336 },
  { name: 'db.m7g.2xlarge', vcpu: 8, ramGiB: 32, usdPerHour: 0.672 },
  { name: 'db.m7g.4xlarge', vcpu: 16, ramGiB: 64, usdPerHour: 1.344 },
  { name: 'db.r7g.large', vcpu: 2, ramGiB: 16, usdPerHour: 0.247 },
  { name: 'db.r7g.xlarge', vcpu: 4, ramGiB: 32, usdPerHour: 0.493 },
  { name: 'db.r7g.2xlarge', vcpu: 8, ramGiB: 64, usdPerHour: 0.986 },
  { name: 'db.r7g.4xlarge', vcpu: 16, ramGiB: 128, usdPerHour: 1.973 },
];

/** The names a node's `instance` setting takes: `custom` (cores and ram as set) or a shape. */
export const INSTANCE_NAMES = ['custom', ...INSTANCES.map((i) => i.name)] as [string, ...string[]];

export function instanceShape(name: string): InstanceShape | undefined {
  return INSTANCES.find((i) => i.name === name);
}

/** Settings with an instance's vCPU and RAM as cores and ram (an instance is its shape: it wins over both). */
export function withInstance<S extends { instance: string; cores: number; ram: string | number }>(s: S): S {
  const shape = instanceShape(s.instance);
  return shape ? { ...s, cores: shape.vcpu, ram: `${shape.ramGiB}GB` } : s;
}
