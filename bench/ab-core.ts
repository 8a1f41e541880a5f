// Two builds of the advisor in one process (issue 16): the answers of this checkout and of a git ref to the same
// requests, compared for equality, then their CPU per answer in passes taken in turn. On this shared 2-core VM the
// same build measured in two processes a minute apart differed by up to 40 %, more than most changes to the rules
// make; passes of both builds interleaved in one process see the same machine, so their ratio is what a change did.
const USAGE = `npx tsx bench/ab-core.ts --base REF [--scenario uncached-recommendations] [--passes 10] [--warmup 2] [--chunk 200]
    [--hosts 15000] [--flavors 2000] [--images 100000] [--seed 1]
Builds REF (a git commit, branch or tag) in a temporary worktree and this checkout as it is (uncommitted changes
included), each with scripts/build.mjs, and loads both builds' advisor (src/advisor/advice.ts, compiled) in this
process over the same synthetic snapshot. Sends each api-bench request of the scenario (bench/requests.ts) to both and
compares the answers as sent, less the snapshot reference; then --passes passes of all requests, the two builds taking
turns on every --chunk requests (base first in even chunks), each build's CPU time in the pass (this process's main
thread, /proc schedstat) ÷ requests.
The first --warmup passes of each build are left out of the figures (the JIT is still compiling).
Scenarios: uncached-recommendations (new image, inline flavor and workload each time: a scan of every host each),
new-image-recommendations (scans reused over 48 flavors × workloads), uncached-validations.`;
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { normaliseCloud } from '../src/sync/normalise.ts';
import type { RawCloud } from '../src/openstack/schemas.ts';
import type * as AdviceModule from '../src/advisor/advice.ts';
import type * as PolicyModule from '../src/advisor/policy.ts';
import type * as RegistryModule from '../src/advisor/registry.ts';
import type * as RulesModule from '../src/rules/index.ts';
import type * as RecommendationModule from '../src/schemas/recommendation.ts';
import type * as ValidationModule from '../src/schemas/validation.ts';
import type * as NormaliseModule from '../src/sync/normalise.ts';
import type { SnapshotStore } from '../src/store/types.ts';
import { REPO_ROOT, formatCount, formatLoadavg, formatRange, intFlag, speedProbeUs, summarise, threadCpuMs } from './common.ts';
import { pickSamples, requestBodies } from './requests.ts';
import { DEFAULT_OPTIONS, SYNTHETIC_CLOUD_FLAGS, generateSyntheticCloud } from './synthetic-cloud.ts';

const SCENARIOS = {
  'uncached-recommendations': { bodies: 'uncachedRecommendations', kind: 'recommendation' },
  'new-image-recommendations': { bodies: 'newImageRecommendations', kind: 'recommendation' },
  'uncached-validations': { bodies: 'uncachedValidations', kind: 'validation' },
} as const;
type ScenarioName = keyof typeof SCENARIOS;

/** One build's advisor over its own copy of the snapshot, answering the scenario's requests by position. */
interface Build {
  name: string;
  answer(i: number): string | Buffer;
}

function git(args: string[], cwd = REPO_ROOT): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8' }).trim();
}

function build(dir: string): void {
  execFileSync(process.execPath, [join(dir, 'scripts/build.mjs')], { cwd: dir, stdio: 'inherit' });
}

/**
 * Loads a build's modules from `dir`/dist (each build its own module instances: its own caches and memos), makes the
 * snapshot current in its registry and parses the requests with its own schemas. The store is never read by these
 * answers; a validation's audit row is dropped, not written (api-bench measures that path through the database).
 */
async function loadBuild(name: string, dir: string, raw: RawCloud, bodies: readonly string[], kind: 'recommendation' | 'validation'): Promise<Build> {
  const load = <T>(path: string): Promise<T> => import(pathToFileURL(join(dir, 'dist', path)).href) as Promise<T>;
  const { normaliseCloud: normalise } = await load<typeof NormaliseModule>('sync/normalise.js');
  const { SnapshotRegistry } = await load<typeof RegistryModule>('advisor/registry.js');
  const { recommend, validateImage } = await load<typeof AdviceModule>('advisor/advice.js');
  const { defaultRuleContext } = await load<typeof RulesModule>('rules/index.js');
  const { UNSCOPED } = await load<typeof PolicyModule>('advisor/policy.js');
  const { RecommendationRequest } = await load<typeof RecommendationModule>('schemas/recommendation.js');
  const { ValidationRequest } = await load<typeof ValidationModule>('schemas/validation.js');
  const store = { recordValidation: () => Promise.resolve() } as unknown as SnapshotStore;
  const { snapshot } = normalise(structuredClone(raw), `ab-${name}`, 'openstack');
  const registry = new SnapshotRegistry(store);
  registry.put(snapshot);
  // put() prepares the snapshot (host index, memos) in steps between turns of the event loop, then makes it current.
  for (;;) {
    try {
      registry.answering(snapshot.cloud);
      break;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
  const deps = { store, registry, ruleContext: defaultRuleContext() };
  if (kind === 'recommendation') {
    const requests = bodies.map((body) => RecommendationRequest.parse(JSON.parse(body)));
    return { name, answer: (i) => recommend(deps, UNSCOPED, requests[i]!).json() };
  }
  const requests = bodies.map((body) => ValidationRequest.parse(JSON.parse(body)));
  return { name, answer: (i) => validateImage(deps, UNSCOPED, requests[i]!).json() };
}

/** An answer as sent less its snapshot reference (the snapshot's id and age differ between the two copies). */
function withoutSnapshot(json: string | Buffer): string {
  const { snapshot: _ref, ...rest } = JSON.parse(json.toString()) as Record<string, unknown>;
  return JSON.stringify(rest);
}

/** The first top-level member in which two answers differ. */
function firstDifference(a: string, b: string): string {
  const [x, y] = [JSON.parse(a), JSON.parse(b)] as Record<string, unknown>[];
  const keys = [...new Set([...Object.keys(x!), ...Object.keys(y!)])];
  return keys.find((key) => JSON.stringify(x![key]) !== JSON.stringify(y![key])) ?? '(member order)';
}

/**
 * CPU time of this process's main thread spent answering requests `from` to `to` − 1, in ms. The main thread alone:
 * V8's helper threads mark the heap both builds share concurrently, and their CPU landed on whichever build ran at the
 * time (process CPU time put one build 0.4 ms an answer above the other in single passes of the same code).
 */
function cpuMs(target: Build, from: number, to: number): number {
  const started = threadCpuMs('self', process.pid);
  for (let i = from; i < to; i++) target.answer(i);
  return threadCpuMs('self', process.pid) - started;
}

/**
 * One pass of every request through both builds, `chunk` requests at a time, the builds taking turns on each chunk
 * (base first in even chunks): both see the machine of the same second, where whole passes in turn (8 s each at 15,000
 * hosts) saw different ones. CPU per answer of each build.
 */
function pass(builds: readonly [Build, Build], count: number, chunk: number): [number, number] {
  const spent = [0, 0];
  for (let from = 0, c = 0; from < count; from += chunk, c++) {
    const to = Math.min(count, from + chunk);
    for (const b of c % 2 === 0 ? [0, 1] : [1, 0]) spent[b]! += cpuMs(builds[b]!, from, to);
  }
  return [spent[0]! / count, spent[1]! / count];
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      ...SYNTHETIC_CLOUD_FLAGS, base: { type: 'string' }, scenario: { type: 'string' }, passes: { type: 'string' }, warmup: { type: 'string' },
      chunk: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  const scenarioName = (values.scenario ?? 'uncached-recommendations') as ScenarioName;
  if (values.help || !values.base || !(scenarioName in SCENARIOS)) {
    console.log(USAGE);
    process.exit(values.help ? 0 : 2);
  }
  const passes = intFlag(values, 'passes', 10);
  const warmup = intFlag(values, 'warmup', 2);
  const chunk = intFlag(values, 'chunk', 200);
  if (passes <= warmup) throw new Error(`--passes (${passes}) must be more than --warmup (${warmup})`);
  const size = {
    hosts: intFlag(values, 'hosts', DEFAULT_OPTIONS.hosts), flavors: intFlag(values, 'flavors', DEFAULT_OPTIONS.flavors),
    images: intFlag(values, 'images', DEFAULT_OPTIONS.images), seed: intFlag(values, 'seed', DEFAULT_OPTIONS.seed),
  };
  const baseCommit = git(['rev-parse', '--verify', `${values.base}^{commit}`]);
  const changed = git(['status', '--porcelain', '--untracked-files=no']) !== '';
  const scratch = mkdtempSync(join(tmpdir(), 'nova-advisor-ab-'));
  const worktree = join(scratch, 'base');
  try {
    git(['worktree', 'add', '--detach', worktree, baseCommit]);
    // The base builds and loads with this checkout's packages: a change of dependencies is not what this compares.
    symlinkSync(join(REPO_ROOT, 'node_modules'), join(worktree, 'node_modules'));
    console.log(`ab-core: building ${values.base} (${baseCommit.slice(0, 12)}) and this checkout…`);
    build(worktree);
    build(REPO_ROOT);

    const scenario = SCENARIOS[scenarioName];
    const raw = generateSyntheticCloud(size);
    const bodies = requestBodies(pickSamples(normaliseCloud(structuredClone(raw), 'ab-samples', 'openstack').snapshot))[scenario.bodies];
    const base = await loadBuild('base', worktree, raw, bodies, scenario.kind);
    const head = await loadBuild('head', REPO_ROOT, raw, bodies, scenario.kind);
    const headName = `this checkout (${git(['rev-parse', '--short=12', 'HEAD'])}${changed ? ' with uncommitted changes' : ''})`;
    console.log(`ab-core: ${scenarioName}, ${formatCount(bodies.length)} requests, ${formatCount(size.hosts)} hosts / ${formatCount(size.images)} images (seed ${size.seed})`);
    console.log(`  base: ${values.base} (${baseCommit.slice(0, 12)})\n  head: ${headName}`);

    let differing = 0;
    let first = '';
    for (let i = 0; i < bodies.length; i++) {
      const [a, b] = [withoutSnapshot(base.answer(i)), withoutSnapshot(head.answer(i))];
      if (a === b) continue;
      if (differing++ === 0) first = `first at request ${i}, in ${firstDifference(a, b)}`;
    }
    console.log(`  answers: ${differing === 0 ? `identical for all ${formatCount(bodies.length)}` : `${formatCount(differing)} of ${formatCount(bodies.length)} differ (${first})`}`);

    const load = [formatLoadavg()];
    const probes = [speedProbeUs()];
    const ms: Record<'base' | 'head', number[]> = { base: [], head: [] };
    console.log('  pass  base ms/answer  head ms/answer  head ÷ base');
    for (let p = 0; p < passes; p++) {
      const [baseMs, headMs] = pass([base, head], bodies.length, chunk);
      ms.base.push(baseMs);
      ms.head.push(headMs);
      probes.push(speedProbeUs());
      console.log(`  ${String(p).padStart(4)}  ${ms.base[p]!.toFixed(3).padStart(14)}  ${ms.head[p]!.toFixed(3).padStart(14)}  ${(ms.head[p]! / ms.base[p]!).toFixed(3).padStart(11)}${p < warmup ? '  (warm-up)' : ''}`);
    }
    load.push(formatLoadavg());
    const kept = (values: number[]) => values.slice(warmup);
    const ratios = kept(ms.head).map((h, i) => h / kept(ms.base)[i]!);
    const fmt = (digits: number) => (n: number) => n.toFixed(digits);
    console.log(`  CPU per answer, ${passes - warmup} passes each after ${warmup} warm-up: base ${formatRange(kept(ms.base), fmt(3))} ms, head ${formatRange(kept(ms.head), fmt(3))} ms`);
    console.log(`  head ÷ base per pass: ${formatRange(ratios, fmt(3))}${summarise(ratios).max < 1 ? ': head faster in every pass' : summarise(ratios).min > 1 ? ': head slower in every pass' : ''}`);
    console.log(`  load average (1 / 5 / 15 min) ${load.join(' → ')}; speed probe ${formatRange(probes, fmt(0))} µs (higher: the VM got less CPU)`);
  } finally {
    try {
      git(['worktree', 'remove', '--force', worktree]);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  }
}

await main();
