/**
 * Many headless runs at once, for the sweep and the A/B compare: each run is `npm run sim` in a child
 * process of its own (its engines in-process: one core each), at most `parallel` at a time. A run is
 * independent and deterministic, so running them side by side changes nothing but the wall time.
 * Ctrl+C (or `cancel`) stops every child this module started, by its PID.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Report } from '../index.ts';

/** One run: a scenario file with overrides, a seed and an optional duration (microseconds). */
export interface RunJob {
  file: string;
  sets: string[];
  seed: number;
  durationUs?: number;
}

export interface RunManyOptions {
  /** At most this many children at once; default the machine's cores. */
  parallel?: number;
  /** After each run ends: how many are done, of how many. */
  onDone?: (done: number, total: number, job: RunJob) => void;
  /** Aborting kills the running children and rejects. */
  signal?: AbortSignal;
}

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The CLI arguments of a run (what `npm run sim --` would be given). */
export function runArgs(job: RunJob, json: string): string[] {
  const args = [job.file, '--in-process', '--seed', String(job.seed), '--json', json];
  if (job.durationUs !== undefined) args.push('--duration', `${job.durationUs / 1000}ms`);
  for (const s of job.sets) args.push('--set', s);
  return args;
}

/** Runs every job, `parallel` at a time; the reports in the jobs' order. A failed run rejects with its error output. */
export async function runMany(jobs: readonly RunJob[], options: RunManyOptions = {}): Promise<Report[]> {
  const parallel = Math.max(1, options.parallel ?? availableParallelism());
  const dir = await mkdtemp(join(tmpdir(), 'pg-lab-runs-'));
  const children = new Set<ChildProcess>();
  const stopAll = () => {
    for (const c of children) if (c.pid !== undefined && c.exitCode === null) process.kill(c.pid, 'SIGTERM');
  };
  options.signal?.addEventListener('abort', stopAll);
  process.on('SIGINT', stopAll);
  const reports: Report[] = new Array(jobs.length);
  let next = 0;
  let done = 0;
  const one = (i: number) =>
    new Promise<void>((resolve, reject) => {
      const json = join(dir, `run-${i}.json`);
      const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...runArgs(jobs[i], json)], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
      children.add(child);
      let stderr = '';
      child.stderr!.on('data', (d) => void (stderr += d));
      child.on('error', reject);
      child.on('close', async (code, sig) => {
        children.delete(child);
        if (code !== 0) {
          const why = options.signal?.aborted ? 'cancelled' : sig ? `stopped by ${sig}` : `exit code ${code}`;
          reject(new Error(`run ${jobs[i].file} seed ${jobs[i].seed} ${jobs[i].sets.join(' ')} failed (${why}):\n${stderr.trim()}`));
          return;
        }
        try {
          reports[i] = JSON.parse(await readFile(json, 'utf8')) as Report;
          options.onDone?.(++done, jobs.length, jobs[i]);
          resolve();
        } catch (e) {
          reject(e);
        }
      });
    });
  const lane = async () => {
    while (next < jobs.length && !options.signal?.aborted) await one(next++);
  };
  try {
    await Promise.all(Array.from({ length: Math.min(parallel, jobs.length) }, lane));
    if (options.signal?.aborted) throw new Error('cancelled');
    return reports;
  } finally {
    stopAll();
    process.off('SIGINT', stopAll);
    options.signal?.removeEventListener('abort', stopAll);
    await rm(dir, { recursive: true, force: true });
  }
}
