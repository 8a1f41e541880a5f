// What every benchmark shares: flags, the report they print (and hand to bench/run.ts as JSON), memory
// readings from /proc, scratch PostgreSQL databases, child processes that announce readiness on stdout,
// and a description of the machine. Benchmarks measure and print; they never assert timings.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, totalmem } from 'node:os';
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

/** VmRSS (now) and VmHWM (peak since start) of a process, in bytes, from /proc/<pid>/status. */
export function processMemory(pid: number | 'self' = 'self'): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  return { rss: kib('VmRSS'), peak: kib('VmHWM') };
}

/** Samples a process's RSS every interval: VmHWM covers its whole life, this covers one phase. */
export function sampleRss(pid: number | 'self', intervalMs = 100): { stop(): { peak: number; last: number } } {
  let peak = 0;
  let last = 0;
  const read = (): void => {
    try {
      last = processMemory(pid).rss;
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
