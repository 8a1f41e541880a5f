// What every benchmark shares: flags, the report they print (and hand to bench/run.ts as JSON), memory
// readings from /proc, scratch PostgreSQL databases, child processes that announce readiness on stdout,
// and a description of the machine. Benchmarks measure and print; they never assert timings.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
export const MiB = 1024 * 1024;

/** Admin connection the benchmarks create their scratch databases from (the test database). */
export const DEFAULT_ADMIN_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';

export interface Figure {
  name: string;
  value: string;
  target?: string;
  /** Whether the target is met; absent when there is no target. */
  met?: boolean;
}

export interface BenchReport {
  bench: string;
  /** The command line that produced it, to re-run it. */
  command: string;
  startedAt: string;
  figures: Figure[];
  notes: string[];
}

export function newReport(bench: string): BenchReport {
  const args = process.argv.slice(2).filter((_arg, i, all) => all[i] !== '--json' && all[i - 1] !== '--json');
  return { bench, command: ['npx tsx', `bench/${bench}.ts`, ...args].join(' '), startedAt: new Date().toISOString(), figures: [], notes: [] };
}

/** A non-negative integer flag, or its default. */
export function intFlag(values: Record<string, unknown>, name: string, fallback: number): number {
  const text = values[name];
  if (text === undefined) return fallback;
  const value = Number(text);
  if (typeof text !== 'string' || !Number.isInteger(value) || value < 0) {
    throw new Error(`--${name} must be a non-negative integer, not ${String(text)}`);
  }
  return value;
}

export function formatMs(ms: number): string {
  if (ms >= 60_000) return `${(ms / 60_000).toFixed(1)} min`;
  if (ms >= 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  return `${ms.toFixed(ms < 10 ? 2 : 0)} ms`;
}

export function formatMiB(bytes: number): string {
  return `${Math.round(bytes / MiB).toLocaleString('en-US')} MiB`;
}

export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** Prints the figures as a table and, with `--json FILE`, writes the report there for bench/run.ts. */
export function finishReport(report: BenchReport, jsonPath: string | undefined): void {
  const width = Math.max(...report.figures.map((f) => f.name.length), 6);
  console.log(`\n${report.bench} — ${report.command}`);
  for (const f of report.figures) {
    const target = f.target ? `  (target ${f.target}: ${f.met ? 'met' : 'MISSED'})` : '';
    console.log(`  ${f.name.padEnd(width)}  ${f.value}${target}`);
  }
  for (const note of report.notes) console.log(`  note: ${note}`);
  if (jsonPath) writeFileSync(jsonPath, `${JSON.stringify(report, null, 2)}\n`);
}

// ---------------------------------------------------------------- memory

/**
 * A process and the processes it started, and theirs (/proc/<pid>/task/<tid>/children): the service with WORKERS > 1
 * is its primary and the workers it forked (src/server-workers.ts), each with its own CPU time and memory.
 */
export function processTree(pid: number): number[] {
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) {
    try {
      for (const tid of readdirSync(`/proc/${tree[i]}/task`)) {
        const children = readFileSync(`/proc/${tree[i]}/task/${tid}/children`, 'utf8').trim();
        if (children !== '') tree.push(...children.split(' ').map(Number));
      }
    } catch {
      // It ended while being read.
    }
  }
  return tree;
}

/** VmRSS and VmHWM summed over a process tree (processTree): what the service holds, however many processes it runs. */
export function treeMemory(pid: number): { rss: number; peak: number } {
  let rss = 0;
  let peak = 0;
  for (const member of processTree(pid)) {
    try {
      const memory = processMemory(member);
      rss += memory.rss;
      peak += memory.peak;
    } catch {
      // It ended while being read.
    }
  }
  return { rss, peak };
}

/** CPU time of a process tree (processTree), in ms. */
export function treeCpuMs(pid: number): number {
  let ms = 0;
  for (const member of processTree(pid)) {
    try {
      ms += processCpuMs(member);
    } catch {
      // It ended while being read.
    }
  }
  return ms;
}

/** VmRSS (now) and VmHWM (peak since start) of a process, in bytes, from /proc/<pid>/status. */
export function processMemory(pid: number | 'self' = 'self'): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  return { rss: kib('VmRSS'), peak: kib('VmHWM') };
}

/** Samples the RSS of a process tree (treeMemory) every interval: VmHWM covers a whole life, this covers one phase. */
export function sampleRss(pid: number, intervalMs = 100): { stop(): { peak: number; last: number } } {
  let peak = 0;
  let last = 0;
  const read = (): void => {
    try {
      last = treeMemory(pid).rss;
      peak = Math.max(peak, last);
    } catch {
      // The process has exited; keep what was seen.
    }
  };
  read();
  const timer = setInterval(read, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      read();
      return { peak, last };
    },
  };
}

// ---------------------------------------------------------------- ranges over runs

/** Smallest, median (the mean of the middle two for an even count) and largest of some runs' values. */
export function summarise(values: readonly number[]): { min: number; median: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length / 2;
  const median = sorted.length % 2 === 1 ? sorted[Math.floor(mid)]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { min: sorted[0] ?? NaN, median, max: sorted.at(-1) ?? NaN };
}

/** `min–max (median m)` over the runs; a single run is printed as its value. */
export function formatRange(values: readonly number[], format: (n: number) => string = formatCount): string {
  if (values.length === 1) return format(values[0]!);
  const { min, median, max } = summarise(values);
  return `${format(min)}–${format(max)} (median ${format(median)})`;
}

// ---------------------------------------------------------------- CPU time and the machine's load

/** USER_HZ, the unit of /proc/<pid>/stat's utime/stime and of /proc/stat: 100 on Linux (`getconf CLK_TCK`). */
const TICKS_PER_SECOND = 100;

/**
 * CPU time of a process, all its threads (GC and libuv workers included), in ms: the sum of its threads'
 * /proc/<pid>/task/<tid>/schedstat run time (ns; user + system, as the scheduler accounts it), else its
 * /proc/<pid>/stat utime + stime (10 ms ticks: too coarse for a few hundred requests of a millisecond). A thread
 * that ends takes its time with it; the service's threads (V8 platform, libuv pool) live as long as it does.
 */
export function processCpuMs(pid: number | 'self' = 'self'): number {
  try {
    let ms = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        ms += threadCpuMs(pid, Number(tid));
      } catch {
        // The thread ended between the listing and the read.
      }
    }
    return ms;
  } catch {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // proc(5): the command name (field 2) may hold spaces; from field 3 on, utime is field 14 and stime field 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
  }
}

/** CPU time of one thread of a process, in ms (its /proc/<pid>/task/<tid>/schedstat run time). This process's main thread: ('self', process.pid). */
export function threadCpuMs(pid: number | 'self', tid: number): number {
  return Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ', 1)[0]) / 1e6;
}

/** The machine's busy CPU time (user, nice, system, irq, softirq) and steal time, in ms, from /proc/stat. */
function machineCpuMs(): { busy: number; steal: number } {
  const [user, nice, system, _idle, _iowait, irq, softirq, steal] = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!
    .trim().split(/\s+/).slice(1).map(Number) as number[];
  const ms = (ticks: number | undefined): number => ((ticks ?? 0) * 1000) / TICKS_PER_SECOND;
  return { busy: ms(user) + ms(nice) + ms(system) + ms(irq) + ms(softirq), steal: ms(steal) };
}

/** The 1, 5 and 15-minute load averages, as uptime prints them. */
export function formatLoadavg(): string {
  return loadavg().map((l) => l.toFixed(2)).join(' / ');
}

/** What a measured phase cost the service, and what else the machine was doing meanwhile. */
export interface CpuWindow {
  wallMs: number;
  /** CPU time of the measured process. */
  serviceMs: number;
  /** CPU time of this process (the load generator). */
  selfMs: number;
  /** CPU time of everything else: other processes (other benchmarks, tests, PostgreSQL) and the kernel's own. */
  othersMs: number;
  /** Time the hypervisor ran something else while this machine wanted its CPUs. */
  stealMs: number;
  /** 1-minute load average at the start and at the end. */
  loadBefore: number;
  loadAfter: number;
  /** The speed probe's readings (µs) at the start, every PROBE_EVERY_MS and at the end: the median. */
  probeUs: number;
}

// The speed probe. This VM's host gives it less CPU at times without any steal time showing (/proc/stat): the same
// uncached recommendations cost the service 1.25 ms of CPU each at one moment and 1.9-2.2 ms later that hour, with
// nothing else of ours running and the VM 97 % idle between runs. Load averages and the other processes' CPU do not
// show it; a fixed piece of work timed through each measured window does (56-98 µs between such runs). The piece: the
// final pass of a capacity scan (7 columns of 15,000 numbers, capacity.ts tallyHosts's shape), the fastest of PROBE_ROUNDS.

const PROBE_HOSTS = 15_000;
const PROBE_ROUNDS = 10;
const PROBE_EVERY_MS = 500;
const probeColumns = Array.from({ length: 7 }, (_, c) => Float64Array.from({ length: PROBE_HOSTS }, (_, i) => ((i * 7919 + c * 104729) % 1000) + 1));
const probeOut = new Int32Array(PROBE_HOSTS);

function probePass(): number {
  const [a, b, c, d, e, f, g] = probeColumns as [Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array];
  let total = 0;
  for (let i = 0; i < PROBE_HOSTS; i++) {
    const units = Math.min(Math.floor(a[i]! / 3), Math.floor(b[i]! / 7), Math.floor(c[i]! / 11));
    probeOut[i] = units;
    total += units + d[i]! + e[i]! + f[i]! + g[i]!;
  }
  return total;
}

// Compiled before the first reading: the first passes run unoptimised.
for (let i = 0; i < 20; i++) probePass();

/** The speed probe once: the fastest of PROBE_ROUNDS passes, in µs (higher: the host gave this VM less CPU). */
export function speedProbeUs(): number {
  let best = Infinity;
  for (let r = 0; r < PROBE_ROUNDS; r++) {
    const started = performance.now();
    probePass();
    best = Math.min(best, performance.now() - started);
  }
  return best * 1000;
}

/**
 * Starts measuring the CPU time of `pid` and the processes it started (treeCpuMs: a service's workers), of this
 * process and of the rest of the machine until stop().
 */
export function measureCpu(pid: number): { stop(): CpuWindow } {
  // Outside the window's CPU readings, so the probe's own CPU (~1 ms a reading) counts as the load generator's only in between.
  const probes = [speedProbeUs()];
  const start = { wall: performance.now(), service: treeCpuMs(pid), self: processCpuMs(), machine: machineCpuMs(), load: loadavg()[0]! };
  const timer = setInterval(() => probes.push(speedProbeUs()), PROBE_EVERY_MS).unref();
  return {
    stop() {
      clearInterval(timer);
      const service = treeCpuMs(pid) - start.service;
      const self = processCpuMs() - start.self;
      const machine = machineCpuMs();
      return {
        wallMs: performance.now() - start.wall, serviceMs: service, selfMs: self,
        othersMs: Math.max(0, machine.busy - start.machine.busy - service - self),
        stealMs: machine.steal - start.machine.steal,
        loadBefore: start.load, loadAfter: loadavg()[0]!, probeUs: summarise([...probes, speedProbeUs()]).median,
      };
    },
  };
}

/** The machine's load over some measured windows: load average, and the cores used by the rest of the machine. */
export function formatMachineLoad(windows: readonly CpuWindow[]): string {
  const cores = (pick: (w: CpuWindow) => number) => formatRange(windows.map((w) => pick(w) / w.wallMs), (n) => n.toFixed(2));
  const load = windows.map((w) => `${w.loadBefore.toFixed(1)}→${w.loadAfter.toFixed(1)}`).join(', ');
  return `loadavg(1 min) ${load}; other processes ${cores((w) => w.othersMs)} cores, steal ${cores((w) => w.stealMs)}, load generator ${cores((w) => w.selfMs)}; speed probe ${formatRange(windows.map((w) => w.probeUs), (n) => n.toFixed(0))} µs`;
}

// ---------------------------------------------------------------- scratch databases

export interface ScratchDatabase {
  url: string;
  name: string;
  /** Drops it, disconnecting whatever still uses it. */
  drop(): Promise<void>;
}

/** `CREATE DATABASE na_bench_<random>` through the admin connection; the caller drops it when done. */
export async function createScratchDatabase(adminUrl: string): Promise<ScratchDatabase> {
  const name = `na_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    async drop() {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      try {
        // FORCE (PostgreSQL 13+): a benchmark stopped half-way may still hold connections.
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}

// ---------------------------------------------------------------- child processes

export interface Child {
  process: ChildProcess;
  pid: number;
  /** Resolves with the first stdout line that is a JSON object with `event: <name>`. */
  waitForEvent<T>(name: string, timeoutMs: number): Promise<T>;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  /** SIGTERM, then SIGKILL after a grace period; resolves when it has exited. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Starts a process (stderr passed through, stdout read line by line for JSON events). Exactly this child is
 * signalled when stopping, never a process group or a name.
 */
export function startChild(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Child {
  const child = spawn(command, args, { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'inherit'] });
  if (child.pid === undefined) throw new Error(`could not start ${command}`);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const waiters = new Map<string, (event: unknown) => void>();
  createInterface({ input: child.stdout! }).on('line', (line) => {
    if (!line.startsWith('{')) {
      console.log(`  [child ${child.pid}] ${line}`);
      return;
    }
    try {
      const event = JSON.parse(line) as { event?: string };
      if (event.event !== undefined) waiters.get(event.event)?.(event);
    } catch {
      console.log(`  [child ${child.pid}] ${line}`);
    }
  });
  return {
    process: child,
    pid: child.pid,
    exited,
    waitForEvent<T>(name: string, timeoutMs: number): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${command} ${args.join(' ')}: no "${name}" within ${timeoutMs} ms`)), timeoutMs);
        const done = (): void => {
          clearTimeout(timer);
          waiters.delete(name);
        };
        waiters.set(name, (event) => {
          done();
          resolve(event as T);
        });
        void exited.then(() => {
          done();
          reject(new Error(`${command} ${args.join(' ')} exited (code ${child.exitCode}) before "${name}"`));
        });
      });
    },
    async stop(graceMs = 5000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Runs a TypeScript file of this repository in a child Node process through tsx. */
export function startTsChild(file: string, args: string[], env?: NodeJS.ProcessEnv, nodeOptions: string[] = []): Child {
  return startChild(process.execPath, [...nodeOptions, '--import', 'tsx', file, ...args], env);
}

// ---------------------------------------------------------------- the machine

export interface Machine {
  cpu: string;
  cores: number;
  memory: string;
  node: string;
  kernel: string;
}

export function describeMachine(): Machine {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const kernel = readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim();
  return {
    cpu: /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? cpus()[0]?.model ?? 'unknown',
    // What nproc prints: the CPUs this process may run on.
    cores: availableParallelism(),
    memory: `${(totalmem() / 1024 ** 3).toFixed(1)} GiB`,
    node: process.version,
    kernel,
  };
}
