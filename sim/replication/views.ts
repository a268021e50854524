/**
 * The monitoring views of replication, from the model: the rows of pg_stat_replication (a primary's
 * walsenders) and pg_stat_wal_receiver (a replica's walreceiver), the settings behind pg_is_in_recovery(),
 * pg_last_xact_replay_timestamp(), pg_last_wal_replay_lsn() and pg_last_wal_receive_lsn() (see
 * engine/snapshots.ts), and the replication processes of pg_stat_activity. Every column PostgreSQL has.
 */
import { type ActivityRow, virtualTimestamp } from '../monitoring/activity.ts';
import type { Replication } from './Replication.ts';
import type { Standby } from './Standby.ts';
import { walreceiverName } from './standbyNames.ts';
import { lsnText } from './Stream.ts';

const interval = (us: number | null) => (us === null ? null : `${(us / 1e6).toFixed(6)} seconds`);
const ts = (us: number | null) => (us === null ? null : virtualTimestamp(us));
const connected = (s: Standby) => s.state === 'streaming' || s.state === 'catchup';

/** The standbys a primary's walsenders serve now. */
function walsenders(repl: Replication, nodeId: string): Standby[] {
  const stream = repl.role(nodeId) === 'primary' ? repl.streams.get(nodeId) : undefined;
  return stream ? stream.standbys.filter(connected) : [];
}

/** The standby whose walreceiver runs on a replica. */
function standby(repl: Replication, nodeId: string): Standby | undefined {
  return repl.role(nodeId) === 'replica' ? repl.standbys.get(nodeId) : undefined;
}

function replicationRows(repl: Replication, nodeId: string): unknown[] {
  const stream = repl.streams.get(nodeId);
  if (!stream) return [];
  const states = stream.syncStates();
  const lsn = (seq: number) => stream.lsnOf(seq);
  return walsenders(repl, nodeId).map((s) => {
    const shown = s.lagShown;
    const st = states.get(s.id) ?? { state: 'async', priority: 0 };
    return {
      pid: s.pid,
      usesysid: 10,
      usename: 'postgres',
      application_name: walreceiverName(s.id, s.node.settings),
      client_addr: repl.addr(s.id),
      client_hostname: null,
      client_port: 40000 + (s.pid % 20000),
      backend_start: ts(s.connectedAt),
      backend_xmin: null,
      state: s.state,
      sent_lsn: lsnText(stream.lsnAt(s.sendNext - 1) ?? stream.lsnAt(s.flushed)),
      write_lsn: lsn(s.ackWrite),
      flush_lsn: lsn(s.ackFlush),
      replay_lsn: lsn(s.ackApply),
      write_lag: shown ? interval(s.writeLag) : null,
      flush_lag: shown ? interval(s.flushLag) : null,
      replay_lag: shown ? interval(s.replayLag) : null,
      sync_priority: st.priority,
      sync_state: st.state,
      reply_time: ts(s.replyTime),
    };
  });
}

function walReceiverRows(s: Standby | undefined): unknown[] {
  if (!s || !connected(s)) return [];
  const stream = s.stream;
  const upstream = stream.primary.id;
  return [
    {
      pid: s.pid + 1,
      status: 'streaming',
      receive_start_lsn: lsnText(s.receiveStart?.lsnValue ?? stream.start?.lsnValue),
      receive_start_tli: s.timeline,
      written_lsn: stream.lsnOf(s.received),
      flushed_lsn: stream.lsnOf(s.flushed),
      received_tli: s.timeline,
      last_msg_send_time: ts(s.lastSendUs),
      last_msg_receipt_time: ts(s.lastReceiptUs),
      latest_end_lsn: stream.lsnOf(s.received),
      latest_end_time: ts(s.lastReceiptUs),
      slot_name: null,
      sender_host: upstream,
      sender_port: 5432,
      conninfo: `user=postgres passfile=/var/lib/postgresql/.pgpass channel_binding=prefer dbname=replication host=${upstream} port=5432${s.node.settings.application_name === undefined ? ` application_name=${s.id}` : s.node.settings.application_name ? ` application_name=${s.node.settings.application_name}` : ''} fallback_application_name=${s.node.settings.cluster_name || 'walreceiver'} sslmode=prefer`,
    },
  ];
}

/** SQL that sets the replication views and functions of a node before a console statement. */
export function refreshSql(repl: Replication, nodeId: string): string {
  const s = standby(repl, nodeId);
  const replayTs = repl.standbys.get(nodeId)?.replayTs ?? repl.promotedReplayTs.get(nodeId) ?? null;
  const quote = (v: string) => `'${v.replace(/'/g, "''")}'`;
  const set = (k: string, v: string) => `set_config('sim.${k}', ${quote(v)}, false)`;
  return `SELECT ${[
    set('replication', JSON.stringify(replicationRows(repl, nodeId))),
    set('wal_receiver', JSON.stringify(walReceiverRows(s))),
    set('in_recovery', s ? 'on' : 'off'),
    set('replay_ts', replayTs === null ? '' : virtualTimestamp(replayTs)),
    set('replay_lsn', s ? (s.stream.lsnOf(s.applied) ?? '') : ''),
    set('receive_lsn', s ? (s.stream.lsnOf(s.flushed) ?? '') : ''),
    set('lsn_offset', String(repl.role(nodeId) === 'primary' ? (repl.streams.get(nodeId)?.lsnOffset ?? 0) : 0)),
  ].join(', ')}`;
}

/** Replication processes for pg_stat_activity: walsenders on a primary; startup and walreceiver on a replica. */
export function activityRows(repl: Replication, nodeId: string): ActivityRow[] {
  const rows: ActivityRow[] = walsenders(repl, nodeId).map((s) => ({
    pid: s.pid,
    datname: null,
    usename: 'postgres',
    applicationName: walreceiverName(s.id, s.node.settings),
    clientAddr: repl.addr(s.id),
    clientPort: 40000 + (s.pid % 20000),
    backendStart: s.connectedAt,
    xactStart: null,
    queryStart: s.connectedAt,
    stateChange: s.connectedAt,
    waitEventType: 'Activity',
    waitEvent: 'WalSenderMain',
    state: 'active',
    query: `START_REPLICATION 0/3000000 TIMELINE ${s.timeline}`,
    backendType: 'walsender',
  }));
  const s = standby(repl, nodeId);
  if (!s) return rows;
  const process = (pid: number, backendStart: number, wait: [string, string] | null, backendType: string): ActivityRow => ({
    pid,
    datname: null,
    usename: null,
    applicationName: '',
    clientAddr: null,
    clientPort: null,
    backendStart,
    xactStart: null,
    queryStart: null,
    stateChange: null,
    waitEventType: wait?.[0] ?? null,
    waitEvent: wait?.[1] ?? null,
    state: null,
    query: '',
    backendType,
  });
  rows.push(process(s.pid + 2, 0, s.replaying ? null : ['IPC', 'RecoveryWalStream'], 'startup'));
  if (connected(s)) rows.push(process(s.pid + 1, s.connectedAt, ['Activity', 'WalReceiverMain'], 'walreceiver'));
  return rows;
}
