// Runs the benchmarks of issues 5 and 16, each in its own process (so each one's memory is its own), and writes
// bench/RESULTS.md: one table of every figure with its target, the command lines, the date, the machine and its load.
//   npx tsx bench/run.ts [--hosts 15000] [--flavors 2000] [--images 100000] [--duration 10] [--runs 3]
//       [--curve 1000,4000,15000] [--soak 150] [--sync-timeout-s 1800] [--only sync,api,placement,scrape] [--workers 1] [--quick]
//       [--out bench/RESULTS.md]
// --quick: 1,000 hosts, 10,000 images, 5 s per API run, 30 s of api-bench's back-to-back runs (--soak). --runs: api-bench repeats each phase that often itself; sync
// and scrape run that often as processes and their figures are merged into ranges; the Placement comparison runs once.
// The Placement comparison needs the lab (../shared/openstack-lab) on 127.0.0.1:8778 and is skipped, with a note,
// when it does not answer.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, uptime } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { describeMachine, formatLoadavg, formatMs, intFlag, startTsChild, summarise, type BenchReport, type Figure } from './common.ts';

const BENCHES = ['placement', 'sync', 'api', 'scrape'] as const;
type BenchName = (typeof BENCHES)[number];
const FILES: Record<BenchName, string> = { placement: 'placement-compare.ts', sync: 'sync-bench.ts', api: 'api-bench.ts', scrape: 'scrape-bench.ts' };
const LAB_PLACEMENT = 'http://127.0.0.1:8778/';

async function labAnswers(): Promise<boolean> {
  try {
    return (await fetch(LAB_PLACEMENT, { signal: AbortSignal.timeout(2000) })).ok;
  } catch {
    return false;
  }
}

/** Processes per benchmark: api-bench repeats its phases itself; the Placement comparison loads the lab (once). */
function processRuns(name: BenchName, runs: number): number {
  return name === 'api' || name === 'placement' ? 1 : runs;
}

/** Runs one benchmark file in a child process; its report, or one that says how it failed. */
async function runBench(name: BenchName, args: string[], dir: string): Promise<BenchReport> {
  const json = join(dir, `${name}.json`);
  rmSync(json, { force: true });
  const file = fileURLToPath(new URL(`./${FILES[name]}`, import.meta.url));
  const command = ['npx tsx', `bench/${FILES[name]}`, ...args].join(' ');
  console.log(`\n=== ${command}`);
  const started = performance.now();
  const child = startTsChild(file, [...args, '--json', json]);
  const code = await child.exited;
  try {
    return JSON.parse(readFileSync(json, 'utf8')) as BenchReport;
  } catch {
    return {
      bench: FILES[name].replace(/\.ts$/, ''), command, startedAt: new Date().toISOString(), notes: [],
      figures: [{ name: 'run', value: `failed (exit ${code}) after ${formatMs(performance.now() - started)}; see its output` }],
    };
  }
}

const NUMBER = /\d[\d,]*(?:\.\d+)?/g;

/**
 * One value from several runs' values of a figure: as is when they agree; when they differ only in their numbers,
 * each differing number as `min–max (median m)` with the runs' decimals; otherwise the values side by side.
 */
function mergeValues(values: readonly string[]): string {
  const first = values[0] ?? '';
  if (values.every((v) => v === first)) return first;
  const shape = (v: string) => v.replace(NUMBER, '#');
  if (!values.every((v) => shape(v) === shape(first))) return values.join(' | ');
  const numbers = values.map((v) => [...v.matchAll(NUMBER)].map((m) => m[0]));
  let i = 0;
  return first.replace(NUMBER, () => {
    const texts = numbers.map((n) => n[i]!);
    i++;
    if (texts.every((t) => t === texts[0])) return texts[0]!;
    const decimals = Math.max(...texts.map((t) => t.split('.')[1]?.length ?? 0));
    const format = (n: number) => n.toLocaleString('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
    const { min, median, max } = summarise(texts.map((t) => Number(t.replaceAll(',', ''))));
    return `${format(min)}–${format(max)} (median ${format(median)})`;
  });
}

/** The reports of several runs of one benchmark as one: figures by name, met when every run met the target. */
function mergeRuns(reports: BenchReport[]): BenchReport {
  if (reports.length === 1) return reports[0]!;
  const names = [...new Set(reports.flatMap((r) => r.figures.map((f) => f.name)))];
  const figures = names.map((name): Figure => {
    const found = reports.map((r) => r.figures.find((f) => f.name === name));
    const present = found.filter((f): f is Figure => f !== undefined);
    const target = present.find((f) => f.target !== undefined)?.target;
    const value = mergeValues(present.map((f) => f.value)) + (present.length < reports.length ? ` (in ${present.length} of ${reports.length} runs)` : '');
    return { name, value, ...(target !== undefined && { target, met: found.every((f) => f?.met === true) }) };
  });
  const first = reports[0]!;
  return { ...first, figures, notes: [`${reports.length} runs, one process each; figures that differ between runs print as min–max (median m)`, ...first.notes] };
}

function cell(text: string): string {
  return text.replaceAll('|', '\\|');
}

function render(reports: BenchReport[], skipped: string[], runCommand: string, wallMs: number, loadAtStart: string): string {
  const machine = describeMachine();
  const lines = [
    '# Benchmark results (issues 5, 16)',
    '',
    `Written by \`${runCommand}\` on ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC in ${formatMs(wallMs)}.`,
    '',
    `Machine: ${machine.cpu}, ${machine.cores} CPUs (nproc), ${machine.memory} memory, Linux ${machine.kernel}, Node ${machine.node}.`,
    `Load (loadavg 1 / 5 / 15 min): ${loadAtStart} at the start, ${formatLoadavg()} at the end; up ${formatMs(uptime() * 1000)}.`,
    '',
    'How to read it:',
    '',
    '- A figure measured in several runs reads `min–max (median m)`; a target is met only when every run meets it (the',
    '  worst end of the range). api-bench repeats each phase `--runs` times (starts of the service, each load run, each',
    '  cost-curve batch); sync and scrape run `--runs` times as processes; the Placement comparison runs once (its',
    '  times are medians of 15 runs per flavor).',
    '- Latency and req/s depend on what else the 2 cores do. Rows "machine …" give the 1-minute load average before→after',
    '  each run and the cores the rest of the machine used meanwhile (other processes, steal); "machine load" rows give',
    '  the load average around each benchmark process. Compare figures taken under different load with care.',
    '- "service CPU per request" is the serving process\'s own CPU time (user + system, all its threads, from',
    '  /proc/<pid>/task/*/schedstat) ÷ the answers in the run: it barely depends on the machine\'s load, so it is the',
    '  figure to compare across runs and machines. "GC share" is its GC pauses (/metrics `nodejs_gc_duration_seconds`)',
    '  ÷ that CPU time. The cost curve gives CPU per uncached answer at several host counts; it must grow no faster',
    '  than the hosts.',
    '',
    '| Benchmark | Figure | Measured | Target | Met |',
    '| --- | --- | --- | --- | --- |',
  ];
  for (const report of reports) {
    for (const f of report.figures) {
      lines.push(`| ${report.bench} | ${cell(f.name)} | ${cell(f.value)} | ${cell(f.target ?? '')} | ${f.target === undefined ? '' : f.met ? 'yes' : '**no**'} |`);
    }
  }
  lines.push('', '## Commands', '');
  for (const report of reports) lines.push(`- \`${report.command}\` (started ${report.startedAt})`);
  for (const note of skipped) lines.push(`- ${note}`);
  for (const report of reports.filter((r) => r.notes.length > 0)) {
    lines.push('', `## Notes: ${report.bench}`, '', '<details><summary>details</summary>', '');
    for (const note of report.notes) lines.push(`- ${note}`);
    lines.push('', '</details>');
  }
  return `${lines.join('\n')}\n`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      hosts: { type: 'string' },
      flavors: { type: 'string' },
      images: { type: 'string' },
      duration: { type: 'string' },
      'sync-timeout-s': { type: 'string' },
      only: { type: 'string' },
      runs: { type: 'string' },
      curve: { type: 'string' },
      soak: { type: 'string' },
      workers: { type: 'string' },
      quick: { type: 'boolean' },
      out: { type: 'string' },
    },
  });
  const quick = values.quick === true;
  const hosts = intFlag(values, 'hosts', quick ? 1000 : 15_000);
  const runs = Math.max(1, intFlag(values, 'runs', 3));
  // The curve at 15,000 hosts (1,000 / 4,000 / 15,000), scaled alike for other sizes.
  const curve = values.curve ?? [...new Set([Math.round(hosts / 15), Math.round((hosts * 4) / 15), hosts])].join(',');
  const size = [
    '--hosts', String(hosts),
    '--flavors', String(intFlag(values, 'flavors', 2000)),
    '--images', String(intFlag(values, 'images', quick ? 10_000 : 100_000)),
  ];
  const only = new Set((values.only ?? BENCHES.join(',')).split(',').map((s) => s.trim()));
  const unknown = [...only].filter((b) => !(BENCHES as readonly string[]).includes(b));
  if (unknown.length > 0) throw new Error(`--only: unknown benchmark(s) ${unknown.join(', ')}; known: ${BENCHES.join(', ')}`);
  const args: Record<BenchName, string[]> = {
    placement: [],
    sync: [...size, '--latency-ms', '20', '--concurrency', '16', '--timeout-s', String(intFlag(values, 'sync-timeout-s', 1800))],
    api: [...size, '--duration', String(intFlag(values, 'duration', quick ? 5 : 10)), '--runs', String(runs), '--curve', curve,
      '--soak', String(intFlag(values, 'soak', quick ? 30 : 150)), '--workers', String(intFlag(values, 'workers', 1))],
    // Images do not enter capacity: hosts and flavors only.
    scrape: size.slice(0, 4),
  };

  const started = performance.now();
  const loadAtStart = formatLoadavg();
  const dir = mkdtempSync(join(tmpdir(), 'na-bench-'));
  const reports: BenchReport[] = [];
  const skipped: string[] = [];
  try {
    for (const name of BENCHES.filter((b) => only.has(b))) {
      if (name === 'placement' && !(await labAnswers())) {
        skipped.push(`placement-compare skipped: the lab's Placement (${LAB_PLACEMENT}) does not answer; start ../shared/openstack-lab/up.sh`);
        continue;
      }
      const runReports: BenchReport[] = [];
      const load: string[] = [];
      for (let r = 0; r < processRuns(name, runs); r++) {
        const before = formatLoadavg();
        runReports.push(await runBench(name, args[name], dir));
        load.push(`${before} → ${formatLoadavg()}`);
      }
      const report = mergeRuns(runReports);
      report.figures.push({ name: 'machine load (loadavg 1 / 5 / 15 min) before → after, per run', value: load.join('; ') });
      reports.push(report);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const out = values.out ?? fileURLToPath(new URL('./RESULTS.md', import.meta.url));
  writeFileSync(out, render(reports, skipped, ['npx tsx bench/run.ts', ...process.argv.slice(2)].join(' '), performance.now() - started, loadAtStart));
  console.log(`\nwrote ${out}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
