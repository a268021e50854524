/** The sim's public API: what lessons/, the renderer's sim client and the tests use. */
import './nodes/index.ts';

export { type SimError, ERROR_CATALOGUE, conditionName } from './core/errors.ts';
export {
  type Command,
  CommandError,
  type CommandOutcome,
  type CommandResult,
  commandSchemas,
  type FaultCommand,
  type JournalEntry,
  type JsonValue,
  parseCommand,
  type SimCommand,
} from './core/commands.ts';
export { Scheduler } from './core/Scheduler.ts';
export { Rng } from './core/rng.ts';
export { parseDuration, parseMemory, parseTime, formatBytes } from './core/units.ts';
export type { DbEngine, EngineFactory } from './engine/DbEngine.ts';
export { MONITORING_QUERIES } from './monitoring/queries.ts';
export type { ConsoleRecord } from './monitoring/consoleHistory.ts';
export { buildReport, type Report } from './report.ts';
export { isReplicationEdge, nodeKind, nodeKinds } from './nodes/index.ts';
export { type ConfigFormat, type ConfigIssue, type ConsoleResult, isSqlEndpoint, type NodeSnapshot, type Reply, type SimEvent, type StatementCall } from './nodes/types.ts';
export type { StatementResult } from './engine/protocol.ts';
export { parseSql, SqlSyntaxError, statementText } from './sql/parser.ts';
export { applyOverrides, formatIssues, parseScenario, parseScenarioText, type ScenarioIssue } from './scenario/load.ts';
export { edgeProblem, type Scenario, scenarioSchema } from './scenario/schema.ts';
export { editScenario, type EditResult } from './scenario/edit.ts';
export { describeSettings, type SettingDoc } from './scenario/settings.ts';
export { type OutsideClient, type RequestPath, ScenarioError, Simulation, type SimSnapshot, type SimulationOptions } from './Simulation.ts';
export { Runner, type RunnerResult, type RunStatus, type Speed } from './runner/Runner.ts';
export { formatPgbouncerIni, type IniResult, parsePgbouncerIni } from './nodes/pgbouncer/ini.ts';
export {
  appRoles,
  DATABASE,
  databaseBehind,
  type ExportedFile,
  type ExportTemplates,
  exportScenario,
  pgbouncerIni,
  type Placement,
  placement,
  postgresFragment,
  REPLICATION_USER,
} from './export/index.ts';
export type { AppSnapshot } from './nodes/app/AppNode.ts';
export type { AppCacheFigures } from './nodes/app/CacheAside.ts';
export type { StaleCacheSample, StaleWhy } from './nodes/app/cacheStale.ts';
export { formatAdvice, memoryRisk, type PgTuneAdvice, pgtune } from './nodes/postgres/pgtune.ts';
export { INSTANCE_PRICES, INSTANCES, type InstanceShape, instanceShape } from './nodes/postgres/instances.ts';
export { type PostgresSettings, postgresSettings } from './nodes/postgres/settings.ts';
export type { PostgresSnapshot } from './nodes/postgres/snapshot.ts';
export type { PrimaryFigures, ReplicaFigures, ReplicationFigures } from './replication/figures.ts';
export type { PgBouncerSnapshot } from './nodes/pgbouncer/PgBouncerNode.ts';
export type { PgDogSnapshot } from './nodes/pgdog/PgDogNode.ts';
export type { RedisSnapshot } from './nodes/redis/RedisNode.ts';
export { dataSchema, operationSchema, type ScriptSpec, scriptSchema, workloadSchema } from './workload/schema.ts';
export { defaultOperations, defaultSetupSql } from './workload/defaults.ts';
export { boundStatements, cacheKey, clientOperation, type PreparedOperation, paramGenerator, prepareOperation } from './workload/operations.ts';
export type { AppSettings } from './nodes/app/settings.ts';
export type { StaleSample } from './replication/ConsistencyChecker.ts';
export { journalUntil, Timeline } from './timeline.ts';
export { shardOfNodes } from './scenario/sharding.ts';
export { KEY_TYPES } from './sharding/keys.ts';
export { HASH_STRATEGIES, type ShardMap, shardNodes } from './sharding/shardMap.ts';
export type { ReshardPreview } from './sharding/reshard.ts';
export { rebalancePlacement } from './sharding/hashStrategies.ts';
export type { RouteExplain } from './nodes/proxy/ShardRouter.ts';
export { type Chart, type ChartPoint, type ChartSeries, esc, svgChart } from './bench/charts.ts';
export { diffFigures, type FigureDiff, figures, overlayCharts, topologyDiff } from './bench/compare.ts';
export { type Interval, interval95 } from './bench/stats.ts';
export {
  aggregate,
  checkCombinations,
  combinations,
  overridesOf,
  plusMinus,
  SWEEP_FIGURES,
  type SweepFigure,
  type SweepPoint,
  type SweepResult,
  SweepValueError,
  sweepCharts,
  sweepSeeds,
  type Vary,
} from './bench/sweep.ts';
