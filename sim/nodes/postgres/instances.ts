/**
 * Instance shapes a postgres node can be: Amazon RDS for PostgreSQL, on-demand, Single-AZ, us-east-1, USD per
 * hour, from AWS's price list (https://aws.amazon.com/rds/postgresql/pricing/) as tabulated in January 2025
 * (the db.t4g figures are also those of https://infratally.com/articles/aws-rds-pricing-explained-2026.html,
 * 2026). Compute only: storage, I/O and Multi-AZ (twice the price) are extra. Each size up doubles vCPU, RAM
 * and price, which is the ceiling of vertical scaling: the price doubles, the gain does not.
 */

export interface InstanceShape {
  name: string;
  vcpu: number;
  /** RAM in GiB. */
  ramGiB: number;
  usdPerHour: number;
}

export const INSTANCE_PRICES = { source: 'https://aws.amazon.com/rds/postgresql/pricing/', region: 'us-east-1', date: '2025-01' } as const;

export const INSTANCES: readonly InstanceShape[] = [
  { name: 'db.t4g.medium', vcpu: 2, ramGiB: 4, usdPerHour: 0.065 },
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
