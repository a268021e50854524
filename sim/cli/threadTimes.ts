/**
 * Where the threads of a process tree spend a window of wall time, from Linux's /proc: on a CPU, runnable but
 * waiting for one (schedstat's run delay), or asleep. A page's threads cannot read their own CPU time, and a
 * sampling profiler counts a thread that waits for a core as busy in whatever it was running; on a machine
 * busier than its cores, only these figures tell work from waiting. Elsewhere than Linux there are none.
 */
import { readdirSync, readFileSync } from 'node:fs';

export interface ThreadTimes {
  pid: number;
  tid: number;
  /** The thread's name (15 characters: `DedicatedWorker`, `chromium`, `ThreadPoolForeg`...). */
  name: string;
  /** Milliseconds on a CPU, and runnable but waiting for one. */
  cpuMs: number;
  waitMs: number;
}

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

function numeric(dir: string): number[] {
  try {
    return readdirSync(dir).filter((d) => /^\d+$/.test(d)).map(Number);
  } catch {
    return [];
  }
}

/** `root` and every process below it (a browser's renderers are children of its zygote, below the browser). */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const pid of numeric('/proc')) {
    const stat = read(`/proc/${pid}/stat`);
    // the fields after the name, which is in parentheses and may hold anything: state, ppid, ...
    const ppid = Number(stat?.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  }
  const out: number[] = [];
  const walk = (pid: number) => {
    out.push(pid);
    for (const c of children.get(pid) ?? []) walk(c);
  };
  walk(root);
  return out;
}

/** Every thread of `pids` now; empty where there is no /proc. */
export function threadTimes(pids: readonly number[]): ThreadTimes[] {
  const out: ThreadTimes[] = [];
  for (const pid of pids) {
    for (const tid of numeric(`/proc/${pid}/task`)) {
      const stat = read(`/proc/${pid}/task/${tid}/stat`);
      const sched = read(`/proc/${pid}/task/${tid}/schedstat`);
      if (!stat || !sched) continue;
      const [cpuNs, waitNs] = sched.split(' ').map(Number);
      out.push({ pid, tid, name: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')), cpuMs: cpuNs / 1e6, waitMs: waitNs / 1e6 });
    }
  }
  return out;
}

/** What each thread did between two readings (threads that started meanwhile count from zero). */
export function threadTimesBetween(before: readonly ThreadTimes[], after: readonly ThreadTimes[]): ThreadTimes[] {
  const earlier = new Map(before.map((t) => [`${t.pid}/${t.tid}`, t]));
  return after.map((t) => {
    const b = earlier.get(`${t.pid}/${t.tid}`);
    return { ...t, cpuMs: t.cpuMs - (b?.cpuMs ?? 0), waitMs: t.waitMs - (b?.waitMs ?? 0) };
  });
}
