/**
 * `synchronous_standby_names` as PostgreSQL parses it (syncrep_gram.y):
 *   ''                         no synchronous standby: every commit is async
 *   'a, b'                     FIRST 1 (a, b)  (the pre-9.6 form)
 *   'FIRST n (a, b, ...)'      the n connected standbys of highest priority (earliest in the list) are sync
 *   'n (a, b, ...)'            same as FIRST n
 *   'ANY n (a, b, ...)'        quorum: a commit waits for any n of the listed standbys
 * A name is a standby's application_name (walreceiverName); `*` matches any standby.
 */
export interface StandbyNames {
  method: 'first' | 'any';
  num: number;
  names: string[];
}

const NAME = String.raw`(?:"[^"]+"|[A-Za-z_][A-Za-z0-9_$-]*|\*)`;
const LIST = String.raw`${NAME}(?:\s*,\s*${NAME})*`;
const FORM = new RegExp(String.raw`^\s*(?:(FIRST|ANY)\s+)?(\d+)\s*\(\s*(${LIST})\s*\)\s*$`, 'i');
const BARE = new RegExp(String.raw`^\s*(${LIST})\s*$`);

function names(list: string): string[] {
  return list.split(',').map((n) => n.trim().replace(/^"(.*)"$/, '$1'));
}

/** The parsed value, undefined for '' (no synchronous standbys), or an error message as PostgreSQL words it. */
export function parseStandbyNames(value: string): StandbyNames | undefined | { error: string } {
  if (value.trim() === '') return undefined;
  const m = FORM.exec(value);
  if (m) {
    const num = Number(m[2]);
    if (num <= 0) return { error: `number of synchronous standbys (${num}) must be greater than zero` };
    return { method: m[1]?.toUpperCase() === 'ANY' ? 'any' : 'first', num, names: names(m[3]) };
  }
  const b = BARE.exec(value);
  if (b && !/^\s*(FIRST|ANY)\b/i.test(value)) return { method: 'first', num: 1, names: names(b[1]) };
  return { error: `invalid value for parameter "synchronous_standby_names": "${value}"` };
}

/** The priority of a standby in the list (1 = highest), 0 when it is not listed. */
export function standbyPriority(s: StandbyNames, applicationName: string): number {
  const i = s.names.findIndex((n) => n === '*' || n.toLowerCase() === applicationName.toLowerCase());
  if (i < 0) return 0;
  return s.method === 'any' ? 1 : i + 1;
}

/**
 * The application_name a standby's walreceiver connects with, as PostgreSQL picks it: primary_conninfo's
 * application_name, else cluster_name, else `walreceiver`. A replica node's `application_name` stands for
 * primary_conninfo's; omitted, it is the node's id, as the exported primary_conninfo names it
 * (nodes/postgres/deploy.ts), so synchronous_standby_names lists replicas by their ids.
 */
export function walreceiverName(nodeId: string, s: { application_name?: string; cluster_name: string }): string {
  if (s.application_name === undefined) return nodeId;
  return s.application_name || s.cluster_name || 'walreceiver';
}
