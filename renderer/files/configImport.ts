/**
 * A node's settings after importing its configuration file: the file's settings; what the real file never
 * carries (`keeps`: the simulated machine's cores and RAM in a postgresql.conf) stays as the node had it;
 * every other setting the file omits takes its default, as the real server's reload does.
 */
import type { ConfigFormat } from '../../sim/index.ts';

export function importedSettings(
  config: Pick<ConfigFormat<Record<string, unknown>>, 'keeps'>,
  before: Record<string, unknown>,
  fromFile: Record<string, unknown>,
): Record<string, unknown> {
  const kept = Object.fromEntries((config.keeps ?? []).filter((k) => k in before).map((k) => [k, before[k]]));
  return { ...kept, ...fromFile };
}
