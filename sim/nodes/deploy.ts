/**
 * What a node kind writes for a real deployment of a scenario (`npm run export`, real mode): its files
 * and its docker-compose.yml service, from its settings and its place in the topology. Each kind's own
 * is in its folder and registered with the kind (`NodeKindDefinition.deploy`), so a new kind brings its
 * export with it; sim/export/ places the nodes and collects the files.
 */
import type { ShardMap } from '../sharding/shardMap.ts';

/** The role standbys log in with to stream (created on the primary by the compose file and real mode). */
export const REPLICATION_USER = 'replicator';
/** The database the application's data lives in. */
export const DATABASE = 'mydb';

/** Where a server is reached: its node id, host and port. */
export interface DeployEndpoint {
  id: string;
  host: string;
  port: number;
}

/** A node's place in the deployment (sim/export/topology.ts works it out). */
export interface DeployedNode {
  id: string;
  /** A standby's upstream (the node it streams from), where the standby reaches it. */
  upstream?: DeployEndpoint;
  /** The nodes that stream from it (a primary's standbys). */
  standbys: string[];
  /** The database nodes it connects to as a client (a pooler's, a shard router's), with each one's upstream if it is a standby. */
  targets: (DeployEndpoint & { upstream?: string })[];
  /** The scenario's shard map, if it has one. */
  sharding?: ShardMap;
}

/** One file of a node, by its name in the node's folder. */
export interface DeployFile {
  name: string;
  text: string;
}

export interface DeployFormat<S> {
  /** The real server's default port. */
  port: number;
  /** Its configuration files. */
  files(settings: S, node: DeployedNode): DeployFile[];
  /** Its docker-compose.yml service: the lines under `  NODE:`, indented from there. */
  compose(settings: S, node: DeployedNode): string[];
}
