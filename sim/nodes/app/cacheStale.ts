/**
 * The app's stale cache reads, by level: each cached answer is checked against what its primary had
 * committed (sim/replication/cacheChecks.ts), and a stale one is kept as a sample that says which key,
 * which level, how old, which write it missed and why the cache still had the old value.
 */
import type { CacheLevel } from '../../caching/CacheService.ts';
import type { CachedValue } from '../../caching/value.ts';
import { Histogram } from '../../metrics/Histogram.ts';
import type { Missed } from '../../replication/cacheChecks.ts';
import type { WriteRecord } from '../../replication/Stream.ts';
import { cacheKey } from '../../workload/operations.ts';
import type { AppSettings } from './settings.ts';

/**
 * Why the cache still had a value older than the primary's:
 * - `ttl`: cache_strategy ttl, writes touch no key: the value lives until its TTL;
 * - `not-invalidated`: the write that changed the rows declares no invalidation of this key;
 * - `other-instance-l1`: the write deleted the key in Redis and in its own instance's L1, and nothing
 *   told this instance (cache_l1_invalidation none);
 * - `invalidation-in-flight`: the write committed, its DEL or its bus message had not arrived yet;
 * - `race`: the value was read before the write committed and stored after the write's invalidation
 *   (cache-aside's known race);
 * - `grace`: the value was past its TTL, served on purpose while a background load refreshed it (cache_grace).
 */
export type StaleWhy = 'ttl' | 'not-invalidated' | 'other-instance-l1' | 'invalidation-in-flight' | 'race' | 'grace';

/** One stale cached read, explained. */
export interface StaleCacheSample {
  /** Virtual time of the read, seconds. */
  at: number;
  app: string;
  /** The app instance's application_name (`app-1`). */
  instance: string;
  level: CacheLevel;
  key: string;
  op: string;
  params: readonly unknown[];
  /** When the value was loaded into the cache, seconds. */
  storedAt: number;
  /** The primary whose write log the value is checked against, the value's position in it and the primary's committed one. */
  primary: string;
  readPosition: number;
  primaryPosition: number;
  /** How long the oldest missed write had been committed, ms; how many writes the value missed. */
  staleMs: number;
  versions: number;
  /** The oldest write it missed. */
  missed: { op: string; params: readonly unknown[]; committedAt: number };
  why: StaleWhy;
}

const MAX_SAMPLES = 50;
const ms = (us: number) => Math.round(us) / 1000;

interface LevelFigures {
  reads: number;
  staleReads: number;
  staleMs: Histogram;
}

export class StaleCacheReads {
  private readonly levels: Record<CacheLevel, LevelFigures> = { l1: empty(), l2: empty() };
  /** The newest samples by (time, order of the read): the same set whatever order deferred verdicts come in. */
  private samples: { n: number; s: StaleCacheSample }[] = [];
  private n = 0;
  private readonly whys: Record<StaleWhy, number> = { ttl: 0, 'not-invalidated': 0, 'other-instance-l1': 0, 'invalidation-in-flight': 0, race: 0, grace: 0 };

  constructor(
    private readonly app: string,
    private readonly settings: AppSettings,
  ) {}

  /** A cached read was answered from `level` (its verdict comes with `verdict`). */
  read(level: CacheLevel): void {
    this.levels[level].reads++;
  }

  /** Records the verdict on a cached read served now (`nowUs`) from `level`. */
  verdict(
    at: { nowUs: number; level: CacheLevel; key: string; instance: string; op: string; params: readonly unknown[]; value: CachedValue; primary: string; graced: boolean },
    missed: Missed | undefined,
  ): void {
    if (!missed) return;
    const f = this.levels[at.level];
    const oldest = missed.writes[0];
    const staleUs = at.nowUs - oldest.resolvedUs!;
    f.staleReads++;
    f.staleMs.record(staleUs);
    const n = this.n++;
    const sample: StaleCacheSample = {
      at: at.nowUs / 1e6,
      app: this.app,
      instance: at.instance,
      level: at.level,
      key: at.key,
      op: at.op,
      params: at.params,
      storedAt: at.value.storedUs / 1e6,
      primary: at.primary,
      readPosition: Number(at.value.version?.split('@')[1] ?? 0),
      primaryPosition: missed.primaryPosition,
      staleMs: ms(staleUs),
      versions: missed.writes.length,
      missed: { op: oldest.op?.name ?? (oldest.sql ?? '').slice(0, 200), params: oldest.params, committedAt: oldest.resolvedUs! / 1e6 },
      why: at.graced ? 'grace' : this.why(at.level, at.key, at.value, oldest),
    };
    this.whys[sample.why]++;
    this.samples.push({ n, s: sample });
    if (this.samples.length > 2 * MAX_SAMPLES) this.trim();
  }

  private why(level: CacheLevel, key: string, v: CachedValue, w: WriteRecord): StaleWhy {
    if (this.settings.cache_strategy === 'ttl') return 'ttl';
    if (!w.op?.invalidates?.some((t) => cacheKey(t, w.params) === key)) return 'not-invalidated';
    if (v.storedUs >= w.resolvedUs!) return 'race';
    if (level === 'l1' && this.settings.cache_l1_invalidation === 'none') return 'other-instance-l1';
    return 'invalidation-in-flight';
  }

  private trim(): void {
    this.samples.sort((a, b) => a.s.at - b.s.at || a.n - b.n);
    this.samples = this.samples.slice(-MAX_SAMPLES);
  }

  /** The last stale reads, oldest first. */
  lastSamples(): StaleCacheSample[] {
    this.trim();
    return this.samples.map((x) => x.s);
  }

  /** Per level: cached reads answered, stale ones, their rate and how stale; and the stale reads by why. */
  figures() {
    const one = (f: LevelFigures) => ({
      reads: f.reads,
      staleReads: f.staleReads,
      staleRate: f.reads > 0 ? Math.round((f.staleReads / f.reads) * 1e4) / 1e4 : 0,
      staleMs: { p50: ms(f.staleMs.percentile(50)), p95: ms(f.staleMs.percentile(95)), max: ms(f.staleMs.max) },
    });
    return { l1: one(this.levels.l1), l2: one(this.levels.l2), why: { ...this.whys } };
  }
}

function empty(): LevelFigures {
  return { reads: 0, staleReads: 0, staleMs: new Histogram() };
}
