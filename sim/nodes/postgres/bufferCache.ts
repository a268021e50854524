/**
 * Which pages are cached: shared_buffers and the OS page cache, by the workload's real access pattern.
 *
 * Both caches are modelled as LRU caches under the independent reference model, with Che's approximation
 * (Che, Tung, Wang 2002; Fricker, Robert, Roberts 2012): a cache of C pages holds exactly the pages
 * referenced within the last T accesses, where T solves Σ_pages (1 − e^(−λ_p·T)) = C (λ_p: the page's
 * share of accesses), so a page is found with probability 1 − e^(−λ_p·T). PostgreSQL's clock sweep
 * (usage counts up to 5) is an LRU approximation that keeps frequently used pages a little better; the
 * kernel's page cache is an LRU with an active and an inactive list. Both are close enough to LRU for
 * hit ratios that a student compares.
 *
 * Where accesses go comes from what the engine really did (the plan's relations and buffers, see
 * costModel.ts) and from the operation's parameter distribution: a key drawn zipf(s) over n keys lands
 * on page ⌊rank·pages/n⌋ of the relation (keys are taken as clustered, as a table loaded in key order is),
 * so a hot key range is a hot page range. A B-tree's upper levels and a heap's insertion point are a few
 * pages touched by every access; a sequential scan touches every page, and one of a table larger than
 * shared_buffers/4 goes through a 256kB ring (heapam.c initscan: BAS_BULKREAD), so it reads through the OS
 * page cache without evicting shared_buffers.
 *
 * The OS page cache is taken as a second LRU holding what shared_buffers and it hold together (the double
 * buffering that makes the pair hold less than their sum is ignored). After a restart shared_buffers is
 * empty and after a new machine (RAM, cores) the page cache too: a cache that went cold N accesses ago
 * holds only the pages referenced since, so T is capped at N, and the hit ratio climbs back as it warms.
 */
import type { Skew } from '../../workload/operations.ts';
import { PAGE_BYTES } from './costModel.ts';

export type { Skew };

/** Where a plan node's pages go in its relation. */
export type Placement = 'key' | 'upper' | 'tail' | 'scan';

/** Buffers a statement touches in one relation (heap or index), from its plan. */
export interface Access {
  relation: string;
  placement: Placement;
  pages: number;
  /** A sequential read (scans, bitmap heap scans): misses cost disk throughput, not latency. */
  sequential: boolean;
}

/** Where an access's pages are found: in shared_buffers, and in either cache. */
export interface Hits {
  sharedBuffers: number;
  anyCache: number;
}

/** Log-spaced buckets per relation: within one, a zipf(1) page's share varies by less than 25 %. */
const BUCKETS = 48;
/** Pages of a B-tree's upper levels per relation page (fan-out ~300 on 8kB pages), and a heap's insertion point. */
const UPPER_FANOUT = 300;
const TAIL_PAGES = 2;
/** Each second the access mix keeps this share of its past (a half-life of about 3 s). */
const DECAY = 0.8;

interface Domain {
  /** Bucket edges in pages, from 0 to the domain's size. */
  edges: number[];
  /** Per bucket: accesses per page per access, after the last solve. */
  rate: Float64Array;
  /** Same, without the accesses of ring-buffer scans (they do not stay in shared_buffers). */
  rateNoRing: Float64Array;
}

interface Stream {
  domain: string;
  relation: string;
  placement: Placement;
  skew: Skew;
  ring: boolean;
  weight: number;
  /** The last answer, and the times it was computed for (valid until the next solve). */
  last?: { t1: number; t2: number; hits: Hits };
}

/** Share of a zipf(s) key's draws whose 0-based rank is below x, for n keys: the inverse of the workload's generator. */
function zipfCdf(x: number, skew: { s: number; n: number }): number {
  if (x <= 0) return 0;
  if (x >= skew.n) return 1;
  const e = 1 - skew.s;
  if (Math.abs(e) < 1e-9) return Math.log1p(x) / Math.log1p(skew.n);
  return ((1 + x) ** e - 1) / ((1 + skew.n) ** e - 1);
}

function edgesFor(pages: number): number[] {
  const edges = [0];
  for (let j = 0; j <= BUCKETS; j++) {
    const e = Math.min(pages, Math.round(pages ** (j / BUCKETS)));
    if (e > edges[edges.length - 1]) edges.push(e);
  }
  return edges;
}

/** A stream's share of its accesses in each bucket of its domain. */
function shares(stream: Stream, edges: number[]): number[] {
  const pages = edges[edges.length - 1];
  const out: number[] = [];
  for (let b = 0; b + 1 < edges.length; b++) {
    if (stream.placement === 'key' && stream.skew.kind === 'zipf') {
      const k = stream.skew.n / pages;
      out.push(zipfCdf(edges[b + 1] * k, stream.skew) - zipfCdf(edges[b] * k, stream.skew));
    } else out.push((edges[b + 1] - edges[b]) / pages);
  }
  return out;
}

/** Pages of a cache of `capacity` pages found, by Che's approximation: T such that Σ m(1 − e^(−λT)) = capacity. */
function characteristicTime(domains: Iterable<Domain>, capacity: number, noRing: boolean): number {
  const items: [number, number][] = [];
  let touched = 0;
  for (const d of domains) {
    const rate = noRing ? d.rateNoRing : d.rate;
    for (let b = 0; b < rate.length; b++) {
      if (rate[b] <= 0) continue;
      const m = d.edges[b + 1] - d.edges[b];
      items.push([m, rate[b]]);
      touched += m;
    }
  }
  if (touched <= capacity) return Number.POSITIVE_INFINITY;
  const held = (t: number) => items.reduce((n, [m, r]) => n - m * Math.expm1(-r * t), 0);
  let lo = 0;
  let hi = 1;
  while (held(hi) < capacity) hi *= 2;
  for (let i = 0; i < 50; i++) {
    const mid = (lo + hi) / 2;
    if (held(mid) < capacity) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** The chance that a page referenced at `rate` was referenced within the last `t` accesses (a page nothing keeps is never there). */
function found(rate: number, t: number): number {
  if (rate <= 0) return 0;
  return t === Number.POSITIVE_INFINITY ? 1 : -Math.expm1(-rate * t);
}

/** Accesses since a cache went cold, rounded down to steps of 1/16 of a doubling (so warm-up answers can be reused). */
function steps(n: number): number {
  return n === Number.POSITIVE_INFINITY || n < 1 ? n : 2 ** (Math.floor(Math.log2(n) * 16) / 16);
}

/**
 * One node's two caches. `record` adds a statement's accesses to the mix, `hits` says where the next ones
 * are found, `tick` (once a simulated second) ages the mix and solves the caches again.
 */
export class BufferCache {
  private readonly streams = new Map<string, Stream>();
  private domains = new Map<string, Domain>();
  private t1 = Number.POSITIVE_INFINITY;
  private t2 = Number.POSITIVE_INFINITY;
  private stale = true;
  /** Accesses since shared_buffers, and the OS page cache, went cold (Infinity: warm since the data load). */
  private sinceColdShared = Number.POSITIVE_INFINITY;
  private sinceColdOs = Number.POSITIVE_INFINITY;

  /**
   * @param relationPages pages of each relation of the data set (heaps and indexes, scale applied).
   * @param sharedPages shared_buffers in pages; `osPages` the page cache RAM leaves.
   */
  constructor(
    private relationPages: ReadonlyMap<string, number>,
    private sharedPages: number,
    private osPages: number,
  ) {}

  /** New relation sizes (measured every 10 s) or memory (a resize). */
  resize(relationPages: ReadonlyMap<string, number>, sharedPages = this.sharedPages, osPages = this.osPages): void {
    this.relationPages = relationPages;
    this.sharedPages = sharedPages;
    this.osPages = osPages;
    this.domains.clear();
    this.stale = true;
  }

  /** A restart empties shared_buffers; a new machine empties the OS page cache too. */
  cold(osCacheToo: boolean): void {
    this.sinceColdShared = 0;
    if (osCacheToo) this.sinceColdOs = 0;
  }

  private pagesOf(relation: string, placement: Placement): number {
    const pages = Math.max(1, Math.round(this.relationPages.get(relation) ?? 1));
    if (placement === 'upper') return Math.max(1, Math.ceil(pages / UPPER_FANOUT));
    if (placement === 'tail') return Math.min(pages, TAIL_PAGES);
    return pages;
  }

  private stream(a: Access, skew: Skew): Stream {
    const skewKey = a.placement === 'key' && skew.kind === 'zipf' ? `zipf ${skew.s} ${skew.n}` : 'uniform';
    const key = `${a.relation}\u0000${a.placement}\u0000${skewKey}`;
    let s = this.streams.get(key);
    if (!s) {
      // keys and scans share the relation's pages; upper levels and the insertion point are pages of their own
      const domain = a.placement === 'key' || a.placement === 'scan' ? a.relation : `${a.relation}\u0000${a.placement}`;
      s = { domain, relation: a.relation, placement: a.placement, skew, ring: false, weight: 0 };
      this.streams.set(key, s);
      this.stale = true;
    }
    return s;
  }

  /** Adds a statement's accesses to the mix (before asking for their `hits`, so a new stream is in it). */
  record(accesses: readonly Access[], skew: Skew): void {
    for (const a of accesses) {
      this.stream(a, skew).weight += a.pages;
      if (this.sinceColdShared !== Number.POSITIVE_INFINITY) this.sinceColdShared += a.pages;
      if (this.sinceColdOs !== Number.POSITIVE_INFINITY) this.sinceColdOs += a.pages;
    }
  }

  /** Ages the mix (recent accesses count most) and solves the caches again. */
  tick(): void {
    for (const s of this.streams.values()) s.weight *= DECAY;
    this.stale = true;
  }

  private solve(): void {
    this.stale = false;
    for (const s of this.streams.values()) s.last = undefined;
    ({ domains: this.domains, t1: this.t1, t2: this.t2 } = this.solution());
  }

  /** The caches solved for the mix as it is now (the pages' rates per domain, and T of each cache), stored nowhere. */
  private solution(): { domains: Map<string, Domain>; t1: number; t2: number } {
    let total = 0;
    for (const s of this.streams.values()) total += s.weight;
    const byDomain = new Map<string, Stream[]>();
    for (const s of this.streams.values()) {
      const list = byDomain.get(s.domain) ?? [];
      list.push(s);
      byDomain.set(s.domain, list);
    }
    const domains = new Map<string, Domain>();
    for (const [name, list] of byDomain) {
      const pages = this.pagesOf(list[0].relation, list[0].placement);
      const edges = edgesFor(pages);
      const rate = new Float64Array(edges.length - 1);
      const rateNoRing = new Float64Array(edges.length - 1);
      for (const s of list) {
        s.ring = s.placement === 'scan' && pages > this.sharedPages / 4;
        if (total <= 0 || s.weight <= 0) continue;
        const share = shares(s, edges);
        for (let b = 0; b < share.length; b++) {
          const r = (s.weight / total) * (share[b] / (edges[b + 1] - edges[b]));
          rate[b] += r;
          if (!s.ring) rateNoRing[b] += r;
        }
      }
      domains.set(name, { edges, rate, rateNoRing });
    }
    return {
      domains,
      t1: characteristicTime(domains.values(), this.sharedPages, true),
      t2: characteristicTime(domains.values(), this.sharedPages + this.osPages, false),
    };
  }

  /**
   * What shared_buffers holds now, per relation (expected buffers, not rounded). A page is there when it was
   * referenced within the last T accesses (Che); its usage count is its references in that window, which
   * are Poisson(λ·T) given at least one, capped at 5: a working set that fits (T infinite: the clock sweep
   * never runs) sits at 5. A held page is dirty when one of the `written` page writes since the last
   * checkpoint hit it, the writes taken to follow the access mix: 1 − e^(−λ·min(T, written)).
   */
  contents(written: number): Map<string, RelationBuffers> {
    // what the next `hits` will see, without solving now: a console query must not move the model
    const solved = this.stale ? this.solution() : { domains: this.domains, t1: this.t1 };
    const t1 = Math.min(solved.t1, steps(this.sinceColdShared));
    const out = new Map<string, RelationBuffers>();
    for (const [name, d] of solved.domains) {
      const relation = name.split('\u0000')[0];
      const r = out.get(relation) ?? { byUsage: new Array(MAX_USAGE_COUNT + 1).fill(0), dirty: 0 };
      out.set(relation, r);
      for (let b = 0; b < d.rateNoRing.length; b++) {
        const rate = d.rateNoRing[b];
        const held = (d.edges[b + 1] - d.edges[b]) * found(rate, t1);
        if (held <= 0) continue;
        r.dirty += (d.edges[b + 1] - d.edges[b]) * found(rate, Math.min(t1, written));
        if (t1 === Number.POSITIVE_INFINITY) {
          r.byUsage[MAX_USAGE_COUNT] += held;
          continue;
        }
        // Poisson(λT) for k = 1..4 references, the rest at 5; their sum is m·(1 − e^(−λT)), the pages held
        const mean = rate * t1;
        let pk = Math.exp(-mean);
        let below = 0;
        for (let k = 1; k < MAX_USAGE_COUNT; k++) {
          pk *= mean / k;
          r.byUsage[k] += (d.edges[b + 1] - d.edges[b]) * pk;
          below += (d.edges[b + 1] - d.edges[b]) * pk;
        }
        r.byUsage[MAX_USAGE_COUNT] += Math.max(0, held - below);
      }
    }
    return out;
  }

  /** Where the pages of an access (of an operation whose key is drawn by `skew`) are found now. */
  hits(a: Access, skew: Skew): Hits {
    const s = this.stream(a, skew);
    if (this.stale) this.solve();
    const d = this.domains.get(s.domain);
    if (!d) return { sharedBuffers: 1, anyCache: 1 };
    const t1 = Math.min(this.t1, steps(this.sinceColdShared));
    const t2 = Math.max(t1, Math.min(this.t2, steps(this.sinceColdOs)));
    if (s.last && s.last.t1 === t1 && s.last.t2 === t2) return s.last.hits;
    const share = shares(s, d.edges);
    let h1 = 0;
    let h2 = 0;
    for (let b = 0; b < share.length; b++) {
      if (share[b] <= 0) continue;
      h1 += share[b] * found(d.rateNoRing[b], t1);
      h2 += share[b] * found(d.rate[b], t2);
    }
    s.last = { t1, t2, hits: { sharedBuffers: h1, anyCache: Math.max(h1, h2) } };
    return s.last.hits;
  }
}

/** PostgreSQL's BM_MAX_USAGE_COUNT: the clock sweep's usage count stops at 5. */
export const MAX_USAGE_COUNT = 5;

/** What shared_buffers holds of one relation: buffers by usage count (index 1..5), and how many are dirty. */
export interface RelationBuffers {
  byUsage: number[];
  dirty: number;
}

/** Pages in `bytes`, at least one. */
export function pagesIn(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / PAGE_BYTES));
}
