// Runs the benchmarks of issue 5, each in its own process (so each one's memory is its own), and writes
// bench/RESULTS.md: one table of every figure with its target, the command lines, the date and the machine.
//   npx tsx bench/run.ts [--hosts 15000] [--flavors 2000] [--images 100000] [--duration 10]
//       [--sync-timeout-s 1800] [--only sync,api,placement,scrape] [--quick] [--out bench/RESULTS.md]
// --quick: 1,000 hosts, 10,000 images, 5 s per API scenario. The Placement comparison needs the lab
// (../shared/openstack-lab) on 127.0.0.1:8778 and is skipped, with a note, when it does not answer.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { describeMachine, formatMs, intFlag, startTsChild, type BenchReport } from './common.ts';

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

/** Runs one benchmark file in a child process; its report, or one that says how it failed. */
async function runBench(name: BenchName, args: string[], dir: string): Promise<BenchReport> {
  const json = join(dir, `${name}.json`);
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

function cell(text: string): string {
  return text.replaceAll('|', '\\|');
}

function render(reports: BenchReport[], skipped: string[], runCommand: string, wallMs: number): string {
  const machine = describeMachine();
  const lines = [
    '# Benchmark results (issue 5)',
    '',
    `Written by \`${runCommand}\` on ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC in ${formatMs(wallMs)}.`,
    '',
    `Machine: ${machine.cpu}, ${machine.cores} CPUs (nproc), ${machine.memory} memory, Linux ${machine.kernel}, Node ${machine.node}.`,
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
      quick: { type: 'boolean' },
      out: { type: 'string' },
    },
  });
  const quick = values.quick === true;
  const size = [
    '--hosts', String(intFlag(values, 'hosts', quick ? 1000 : 15_000)),
    '--flavors', String(intFlag(values, 'flavors', 2000)),
    '--images', String(intFlag(values, 'images', quick ? 10_000 : 100_000)),
  ];
  const only = new Set((values.only ?? BENCHES.join(',')).split(',').map((s) => s.trim()));
  const unknown = [...only].filter((b) => !(BENCHES as readonly string[]).includes(b));
  if (unknown.length > 0) throw new Error(`--only: unknown benchmark(s) ${unknown.join(', ')}; known: ${BENCHES.join(', ')}`);
  const args: Record<BenchName, string[]> = {
    placement: [],
    sync: [...size, '--latency-ms', '20', '--concurrency', '16', '--timeout-s', String(intFlag(values, 'sync-timeout-s', 1800))],
    api: [...size, '--duration', String(intFlag(values, 'duration', quick ? 5 : 10))],
    // Images do not enter capacity: hosts and flavors only.
    scrape: size.slice(0, 4),
  };

  const started = performance.now();
  const dir = mkdtempSync(join(tmpdir(), 'na-bench-'));
  const reports: BenchReport[] = [];
  const skipped: string[] = [];
  try {
    for (const name of BENCHES.filter((b) => only.has(b))) {
      if (name === 'placement' && !(await labAnswers())) {
        skipped.push(`placement-compare skipped: the lab's Placement (${LAB_PLACEMENT}) does not answer; start ../shared/openstack-lab/up.sh`);
        continue;
      }
      reports.push(await runBench(name, args[name], dir));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const out = values.out ?? fileURLToPath(new URL('./RESULTS.md', import.meta.url));
  writeFileSync(out, render(reports, skipped, ['npx tsx bench/run.ts', ...process.argv.slice(2)].join(' '), performance.now() - started));
  console.log(`\nwrote ${out}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
