// API benchmark (issues 5, 16): the real service (`node bin/nova-advisor.js serve`, the production entry) on
// 127.0.0.1 over a PostgreSQL database holding one synthetic snapshot, loaded with autocannon.
const USAGE = `npx tsx bench/api-bench.ts [--hosts 15000] [--flavors 2000] [--images 100000] [--seed 1] [--runs 3]
    [--duration 10] [--connections 10] [--rate 1000] [--soak 150] [--curve 1000,4000,15000] [--workers 1]
    [--node-flags="--max-semi-space-size=32 …"] [--admin-url postgres://postgres@127.0.0.1:5432/test] [--json FILE]
Starts the service --runs times: cold start (spawn → GET /readyz 200), the first recommendation and validation right
after ready, the CPU it spends after ready until idle, its heap then. On the last start, per scenario, --runs measured
runs of --duration s: req/s, p50/p99 latency, the service's CPU per request (its user + system time from
/proc/<pid>/stat ÷ answers), GC share (its /metrics), the machine's load; the uncached scenarios also at --rate req/s
offered (0: not). --soak: then the nothing-reused recommendations at --rate req/s, runs of --duration s back to back
for that many seconds (0: not): p99 and CPU per run, and the full collections meanwhile. --workers: the service's
WORKERS (processes on one port; its CPU and memory are theirs summed). --node-flags: Node's options for the service
instead of those of package.json's start script (to measure the service started otherwise).
--curve: for each host count a fresh service loaded with uncached recommendations, then uncached
validations, --runs times: CPU per answer. Figures over runs print as min–max (median m).`;
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon, { type AutocannonRequest, type AutocannonResult } from 'autocannon';
import { pino } from 'pino';
import { normaliseCloud } from '../src/sync/normalise.ts';
import { openDatabase } from '../src/store/database.ts';
import { PgSnapshotStore } from '../src/store/pg-store.ts';
import {
  DEFAULT_ADMIN_DATABASE_URL, MiB, REPO_ROOT, createScratchDatabase, finishReport, formatCount, formatLoadavg, formatMachineLoad, formatMiB,
  formatMs, formatRange, intFlag, measureCpu, newReport, sampleRss, startChild, startTsChild, summarise, treeCpuMs, treeMemory,
  type BenchReport, type Child, type CpuWindow, type ScratchDatabase,
} from './common.ts';
import { PACED_WARMUP_SECONDS, type PacedRequest, type PacedResult } from './paced-load.ts';
import { DISTINCT, REPEATED, pickSamples, requestBodies, type Samples } from './requests.ts';
import { DEFAULT_OPTIONS, generateSyntheticCloud, type SyntheticCloudOptions, SYNTHETIC_CLOUD_FLAGS } from './synthetic-cloud.ts';

/** Issue 16's targets, at 15,000 hosts on 2 cores. */
const TARGET = {
  cachedRps: 5000, cachedP99Ms: 5,
  /** Every answer computed afresh: p99 at this offered rate, and the service's CPU per answer. */
  uncachedRps: 1000, uncachedP99Ms: 10, uncachedCpuMs: 1,
  /** GC pauses ÷ service CPU on the cold path (everything computed per request). */
  gcShare: 0.05,
  firstAnswerMs: 20,
  coldStartMs: 5000,
  /** Half the 416 MiB the service used at ready when issue 16 was filed. */
  heapBytes: 208 * MiB,
} as const;
const READY_TIMEOUT_MS = 120_000;
/** The service as `npm start` runs it (package.json), Node's options included: `node <these>`. */
const START_COMMAND = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start
  .split(' ').filter((word) => word !== '').slice(1);
/** What `node` runs: Node's options, then the script and its arguments. */
type Command = readonly string[];

/** START_COMMAND with other options for Node (`--node-flags`), or as it is. */
function commandWith(nodeFlags: string | undefined): Command {
  if (nodeFlags === undefined) return START_COMMAND;
  const script = START_COMMAND.findIndex((word) => !word.startsWith('-'));
  return [...nodeFlags.split(' ').filter((word) => word !== ''), ...START_COMMAND.slice(script)];
}
/** The service counts as idle after ready once it uses at most IDLE_CPU_MS of CPU in IDLE_WINDOW_MS (4 % of a core). */
const IDLE_WINDOW_MS = 500;
const IDLE_CPU_MS = 20;
const IDLE_TIMEOUT_MS = 120_000;
const WARMUP_SECONDS = 2;
const JSON_HEADERS = { 'content-type': 'application/json' };

/** Writes the synthetic snapshot the way a sync would (one transaction) and returns the samples. */
async function seedDatabase(url: string, size: SyntheticCloudOptions): Promise<{ samples: Samples; writeMs: number; cloud: string }> {
  const log = pino({ level: 'warn' });
  const db = await openDatabase({ databaseUrl: url, dataDir: '.' }, log);
  try {
    const store = new PgSnapshotStore(db, log);
    await store.migrate();
    const { snapshot } = normaliseCloud(generateSyntheticCloud(size), randomUUID(), 'openstack');
    const started = performance.now();
    await store.saveSnapshot(snapshot, { durationMs: 0, requestCount: 0 });
    return { samples: pickSamples(snapshot), writeMs: performance.now() - started, cloud: snapshot.cloud };
  } finally {
    await db.close();
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls /readyz every 20 ms until 200; fails as soon as the service exits. */
async function waitReady(base: string, child: Child, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.process.exitCode !== null || child.process.signalCode !== null) {
      throw new Error(`the service exited (${child.process.exitCode ?? child.process.signalCode}) before /readyz answered 200; see its output above`);
    }
    try {
      if ((await fetch(`${base}/readyz`)).status === 200) return;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) throw new Error(`${base}/readyz not 200 within ${timeoutMs} ms`);
    await sleep(20);
  }
}

/** The service's own runtime figures from its /metrics (prom-client default metrics, src/api/metrics.ts); null when absent. */
interface Runtime {
  heapUsed: number | null;
  /** GC pauses so far, every kind (nodejs_gc_duration_seconds_sum). */
  gcSeconds: number | null;
  /** Full collections so far (nodejs_gc_duration_seconds_count, kind major). */
  majorGcs: number | null;
}

async function readRuntime(base: string): Promise<Runtime> {
  const res = await fetch(`${base}/metrics`);
  const text = await res.text();
  if (res.status !== 200) return { heapUsed: null, gcSeconds: null, majorGcs: null };
  // Any prefix (the service uses nova_advisor_); the GC histogram has one series per kind (minor, major, …).
  const heap = /^\w*nodejs_heap_size_used_bytes(?:\{[^}]*\})? (\S+)$/m.exec(text);
  const gc = [...text.matchAll(/^\w*nodejs_gc_duration_seconds_sum(?:\{[^}]*\})? (\S+)$/gm)];
  // With workers, the primary sums theirs under the same labels.
  const major = [...text.matchAll(/^\w*nodejs_gc_duration_seconds_count\{[^}]*kind="major"[^}]*\} (\S+)$/gm)];
  return {
    heapUsed: heap ? Number(heap[1]) : null,
    gcSeconds: gc.length > 0 ? gc.reduce((sum, m) => sum + Number(m[1]), 0) : null,
    // No major series yet: none since the metric began (a series appears with its first observation).
    majorGcs: gc.length > 0 ? major.reduce((sum, m) => sum + Number(m[1]), 0) : null,
  };
}

/** The service's CPU, GC pauses and the machine's load while `run` runs; /metrics is read outside the CPU window. */
async function measured<T>(service: Service, run: () => Promise<T>): Promise<{ result: T; window: CpuWindow; gcMs: number | null; majorGcs: number | null }> {
  const before = await readRuntime(service.base);
  const cpu = measureCpu(service.child.pid);
  const result = await run();
  const window = cpu.stop();
  const after = await readRuntime(service.base);
  const gcMs = before.gcSeconds !== null && after.gcSeconds !== null ? (after.gcSeconds - before.gcSeconds) * 1000 : null;
  const majorGcs = before.majorGcs !== null && after.majorGcs !== null ? after.majorGcs - before.majorGcs : null;
  return { result, window, gcMs, majorGcs };
}

interface Service {
  child: Child;
  base: string;
}

/** Spawns the service over the database; resolves at /readyz 200 with the cold start and a CPU window from spawn. */
async function startService(databaseUrl: string, workers: number, command: Command): Promise<{ service: Service; coldMs: number; sinceSpawn: { stop(): CpuWindow } }> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  // No OS_* variables: the service must answer from the stored snapshot, not sync a cloud.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('OS_')));
  const started = performance.now();
  const child = startChild(process.execPath, [...command], {
    ...env, DATABASE_URL: databaseUrl, HOST: '127.0.0.1', PORT: String(port), AUTH_MODE: 'none', DEMO_CLOUD: 'false', LOG_LEVEL: 'warn',
    // autocannon loads from one address: the per-address limit would answer it 429.
    RATE_LIMIT_PER_ADDRESS: '0',
    WORKERS: String(workers),
  });
  const sinceSpawn = measureCpu(child.pid);
  try {
    await waitReady(base, child, READY_TIMEOUT_MS);
  } catch (err) {
    await child.stop();
    throw err;
  }
  return { service: { child, base }, coldMs: performance.now() - started, sinceSpawn };
}

/**
 * Waits until the service is idle (the work it does in the background after ready is over): how long, and its CPU.
 * Idle is IDLE_WINDOWS windows in a row: the service begins its capacity summary half a second after ready
 * (src/api/metrics.ts), which one quiet window right after the first answers could come before.
 */
async function waitIdle(pid: number): Promise<{ ms: number; cpuMs: number; settled: boolean }> {
  const started = performance.now();
  const first = treeCpuMs(pid);
  let last = first;
  let quiet = 0;
  let busyUntil = started;
  for (;;) {
    await sleep(IDLE_WINDOW_MS);
    const now = treeCpuMs(pid);
    quiet = now - last <= IDLE_CPU_MS ? quiet + 1 : 0;
    if (quiet === 0) busyUntil = performance.now();
    last = now;
    const idle = quiet === IDLE_WINDOWS;
    if (idle || performance.now() - started > IDLE_TIMEOUT_MS) return { ms: busyUntil - started, cpuMs: last - first, settled: idle };
  }
}

const IDLE_WINDOWS = 2;

/** One start: cold start, the first answers after ready (each must be 200), the background work, heap and RSS when idle. */
interface Start {
  coldMs: number;
  firstMs: number[];
  busyAfterReady: { ms: number; cpuMs: number; settled: boolean };
  /** Heap used right after the first answers, and once idle. */
  heapAtReady: number | null;
  heapUsed: number | null;
  rss: number;
  /** GC pauses ÷ CPU from spawn to idle. */
  gcShare: number | null;
  window: CpuWindow;
}

async function startAndSettle(databaseUrl: string, first: AutocannonRequest[], workers: number, command: Command): Promise<{ service: Service; start: Start }> {
  const { service, coldMs, sinceSpawn } = await startService(databaseUrl, workers, command);
  try {
    const check = await checkRequests(service.base, first);
    if (check.failures.length > 0) throw new Error(`first answers after ready failed: ${check.failures.join('; ')}`);
    const atReady = await readRuntime(service.base);
    const busyAfterReady = await waitIdle(service.child.pid);
    const window = sinceSpawn.stop();
    const runtime = await readRuntime(service.base);
    return {
      service,
      start: {
        coldMs, firstMs: check.coldMs, busyAfterReady, heapAtReady: atReady.heapUsed, heapUsed: runtime.heapUsed, rss: treeMemory(service.child.pid).rss,
        gcShare: runtime.gcSeconds === null ? null : (runtime.gcSeconds * 1000) / window.serviceMs, window,
      },
    };
  } catch (err) {
    await service.child.stop();
    throw err;
  }
}

type Kind = 'cached' | 'uncached' | 'reads';

interface Scenario {
  name: string;
  kind: Kind;
  /** What autocannon sends; `bodies` scenarios send one POST whose body is set per request. */
  requests: AutocannonRequest[];
  /** Sent in turn across all connections (a shared counter), so no two connections replay the same sequence. */
  bodies?: { path: string; list: string[] };
  /**
   * Issue 5: validations computed per request (`validations`) must be faster than recommendations computed per
   * request (`computed-recommendations`).
   */
  compare?: 'computed-recommendations' | 'validations';
  /** Everything computed per request, one scan of every host: the cold path GC share is judged on. */
  coldPath?: boolean;
}

function rotating(name: string, kind: Kind, path: string, list: string[], extra: Pick<Scenario, 'compare' | 'coldPath'> = {}): Scenario {
  let next = 0;
  const request: AutocannonRequest = {
    method: 'POST', path, headers: JSON_HEADERS,
    setupRequest: (req) => ({ ...req, body: list[next++ % list.length]! }),
  };
  return { name, kind, requests: [request], bodies: { path, list }, ...extra };
}

const post = (path: string, body: string): AutocannonRequest => ({ method: 'POST', path, headers: JSON_HEADERS, body });

function scenarios(samples: Samples): Scenario[] {
  const { images, flavors } = samples;
  const bodies = requestBodies(samples);
  const host = samples.hosts[0]!;
  const reads: AutocannonRequest[] = [
    '/v1/flavors?limit=50',
    '/v1/images?limit=50',
    `/v1/images?limit=50&marker=${samples.middleImageId}`,
    '/v1/hosts?limit=50',
    '/v1/hosts?limit=20&trait=COMPUTE_NET_VIF_MODEL_IGB',
    `/v1/flavors/${flavors[0]!.id}`,
    `/v1/images/${images[0]!.id}`,
    `/v1/hosts/${host}`,
    `/v1/pci/capacity?host=${host}`,
  ].map((path) => ({ method: 'GET', path }));
  return [
    rotating(`recommendations, ${REPEATED} requests repeated (answers cached)`, 'cached', '/v1/recommendations', bodies.cachedRecommendations),
    rotating(`recommendations, a new image each time over ${REPEATED} flavors × workloads (capacity scans reused)`, 'uncached', '/v1/recommendations',
      bodies.newImageRecommendations, { compare: 'computed-recommendations' }),
    rotating('recommendations, new image, flavor and workload each time (nothing reused: one scan of every host)', 'uncached', '/v1/recommendations',
      bodies.uncachedRecommendations, { coldPath: true }),
    rotating(`validations, ${REPEATED} requests repeated (answers cached)`, 'cached', '/v1/validations', bodies.cachedValidations),
    rotating('validations, new properties each time', 'uncached', '/v1/validations', bodies.uncachedValidations, { compare: 'validations' }),
    { name: 'list / item reads', kind: 'reads', requests: reads },
  ];
}

/**
 * Sends each request once, one at a time; a benchmark of error answers would measure nothing useful. These are
 * the first answers to each distinct request, so their latencies are the cold (answer-cache miss) figures.
 */
async function checkRequests(base: string, requests: AutocannonRequest[]): Promise<{ bytes: number; failures: string[]; coldMs: number[] }> {
  let bytes = 0;
  const failures: string[] = [];
  const coldMs: number[] = [];
  for (const r of requests) {
    const started = performance.now();
    const res = await fetch(`${base}${r.path}`, { method: r.method ?? 'GET', ...(r.headers && { headers: r.headers }), ...(r.body && { body: r.body }) });
    const text = await res.text();
    coldMs.push(performance.now() - started);
    bytes += text.length;
    if (res.status !== 200) failures.push(`${r.method} ${r.path} → ${res.status}: ${text.slice(0, 300)}`);
  }
  return { bytes: bytes / requests.length, failures, coldMs };
}

/**
 * Sends the first answers' requests, as checkRequests sends them, to a throwaway server in this process a few times:
 * the first POST of a process runs fetch's own code cold (its body and response paths), which added up to ~10 ms to
 * the first start's "first recommendation" and none to later starts' (issue 16). The service sees none of it.
 */
async function warmClient(requests: AutocannonRequest[]): Promise<void> {
  const body = JSON.stringify({ padding: 'x'.repeat(40_000) });
  const server = createHttpServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as { port: number };
    for (let i = 0; i < CLIENT_WARM_ROUNDS; i++) await checkRequests(`http://127.0.0.1:${port}`, requests);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}

const CLIENT_WARM_ROUNDS = 20;

/** A latency percentile (0.5 = median, 1 = max) in whole ms, like autocannon's figures. */
function coldPercentile(values: readonly number[], fraction: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))] ?? NaN);
}

function load(base: string, scenario: Scenario, duration: number, connections: number): Promise<AutocannonResult> {
  return autocannon({ url: base, connections, duration, pipelining: 1, timeout: 10, requests: scenario.requests, title: scenario.name });
}

/** One measured autocannon run. */
interface Run {
  rps: number;
  p50: number;
  p99: number;
  /** Service CPU time ÷ answers. */
  cpuMs: number;
  gcShare: number | null;
  /** Full collections during the run (null: /metrics does not say). */
  majorGcs: number | null;
  window: CpuWindow;
  answers: number;
  failed: number;
}

/**
 * What a load run gives, whichever generator ran it; `generatorMs`: the CPU of a generator in a process of its own;
 * `unmeasured`: answers sent in its warm-up, within the CPU window but not in the latencies.
 */
type LoadResult = Pick<Run, 'rps' | 'p50' | 'p99' | 'answers' | 'failed'> & { generatorMs?: number; unmeasured?: number };

/** As fast as answered: autocannon, `connections` closed-loop connections (latencies in whole ms). */
async function saturatedLoad(base: string, scenario: Scenario, duration: number, connections: number): Promise<LoadResult> {
  const result = await load(base, scenario, duration, connections);
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, answers: result.requests.total ?? 0, failed: result.non2xx + result.errors + result.timeouts };
}

/**
 * At `rate` req/s offered, steadily, latencies from each request's due time (bench/paced-load.ts: why not autocannon's
 * rate), sent by a process of its own: the run's requests, taken from the scenario as autocannon would, go to it in a
 * file. In this process, the generator shared its event loop and heap with the bench's own work.
 */
async function steadyLoad(base: string, scenario: Scenario, duration: number, connections: number, rate: number): Promise<LoadResult> {
  let turn = 0;
  // The warm-up's requests too, so none is sent twice (an answer asked twice is kept: it would be a cached one).
  const requests = Array.from({ length: Math.max(1, Math.floor(rate * (duration + PACED_WARMUP_SECONDS))) }, (): PacedRequest => {
    const template = scenario.requests[turn++ % scenario.requests.length]!;
    const request = template.setupRequest ? template.setupRequest({ ...template }) : template;
    return { method: request.method ?? 'GET', path: request.path ?? '/', ...(request.headers && { headers: request.headers }), ...(request.body !== undefined && { body: String(request.body) }) };
  });
  const dir = mkdtempSync(join(tmpdir(), 'na-paced-'));
  const file = join(dir, 'requests.json');
  writeFileSync(file, JSON.stringify(requests));
  const child = startTsChild('bench/paced-load.ts', ['--base', base, '--requests', file, '--rate', String(rate), '--seconds', String(duration), '--connections', String(connections)]);
  try {
    const result = await child.waitForEvent<PacedResult & { cpuMs: number }>('result', (duration + 60) * 1000);
    return { rps: result.rps, p50: result.p50, p99: result.p99, answers: result.answers, failed: result.failed, generatorMs: result.cpuMs, unmeasured: result.warmup };
  } finally {
    await child.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function measuredLoad(service: Service, run: (base: string) => Promise<LoadResult>): Promise<Run> {
  const { result: { generatorMs, unmeasured, ...result }, window, gcMs, majorGcs } = await measured(service, () => run(service.base));
  // A generator of its own counts as the load generator, not as the rest of the machine.
  const counted = generatorMs === undefined ? window : { ...window, selfMs: window.selfMs + generatorMs, othersMs: Math.max(0, window.othersMs - generatorMs) };
  return { ...result, cpuMs: window.serviceMs / (result.answers + (unmeasured ?? 0)), gcShare: gcMs === null ? null : gcMs / window.serviceMs, majorGcs, window: counted };
}

const ms1 = (n: number): string => n.toFixed(1);
const ms2 = (n: number): string => n.toFixed(2);
const percent = (n: number): string => `${(n * 100).toFixed(1)} %`;
const worst = (values: readonly number[]): number => summarise(values).max;

/** GC share over runs, or why there is none. */
function gcFigure(shares: readonly (number | null)[]): string {
  const known = shares.filter((s): s is number => s !== null);
  return known.length === shares.length ? formatRange(known, percent) : 'not exposed (no nodejs_gc_duration_seconds in /metrics)';
}

/** Parses `--curve 1000,4000,15000`. */
function hostCounts(text: string | undefined): number[] {
  if (text === undefined || text === '') return [];
  const counts = text.split(',').map((part) => Number(part.trim()));
  if (counts.some((n) => !Number.isInteger(n) || n <= 0)) throw new Error(`--curve must list host counts, like 1000,4000,15000, not ${text}`);
  return [...new Set(counts)].sort((a, b) => a - b);
}

export async function apiBench(argv: string[]): Promise<BenchReport> {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...SYNTHETIC_CLOUD_FLAGS,
      runs: { type: 'string' },
      duration: { type: 'string' },
      connections: { type: 'string' },
      rate: { type: 'string' },
      soak: { type: 'string' },
      curve: { type: 'string' },
      workers: { type: 'string' },
      'node-flags': { type: 'string' },
      'admin-url': { type: 'string' },
      json: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const size: SyntheticCloudOptions = {
    hosts: intFlag(values, 'hosts', DEFAULT_OPTIONS.hosts),
    flavors: intFlag(values, 'flavors', DEFAULT_OPTIONS.flavors),
    images: intFlag(values, 'images', DEFAULT_OPTIONS.images),
    seed: intFlag(values, 'seed', DEFAULT_OPTIONS.seed),
  };
  const runs = Math.max(1, intFlag(values, 'runs', 3));
  const duration = intFlag(values, 'duration', 10);
  const connections = intFlag(values, 'connections', 10);
  const rate = intFlag(values, 'rate', TARGET.uncachedRps);
  const soak = intFlag(values, 'soak', SOAK_SECONDS);
  const command = commandWith(values['node-flags']);
  const load: LoadOptions = { runs, duration, connections, rate };
  const curve = hostCounts(values.curve);
  const workers = Math.max(1, intFlag(values, 'workers', 1));
  const fullSize = size.hosts >= DEFAULT_OPTIONS.hosts;
  const report = newReport('api-bench');
  const add = (name: string, value: string, target?: string, met?: boolean): void => {
    report.figures.push({ name, value, ...(target !== undefined && fullSize && { target, met: met ?? false }) });
  };
  const progress = (text: string): void => console.log(`api-bench: ${text}`);

  const database = await createScratchDatabase(values['admin-url'] ?? DEFAULT_ADMIN_DATABASE_URL);
  try {
    add('machine load at the start (loadavg 1 / 5 / 15 min)', formatLoadavg());
    progress(`writing a ${size.hosts}-host / ${size.images}-image snapshot to ${database.name}…`);
    const { samples, writeMs, cloud } = await seedDatabase(database.url, size);
    add('snapshot', `${cloud}: ${formatCount(size.hosts)} hosts, ${formatCount(size.flavors)} flavors, ${formatCount(size.images)} images`);
    add('service started as', `node ${command.join(' ')}${values['node-flags'] === undefined ? ' (package.json start)' : ' (--node-flags)'}`);
    add('service processes (WORKERS)', workers === 1
      ? '1'
      : `${workers}: a primary and ${workers} workers on one port, started one after another (ready when the first answers; the others start during "service busy after ready", and the scenarios run once all answer); CPU, RSS and the heap (/metrics, summed by the primary) are theirs summed, the heap when idle also per process; the cost curve runs 1`);
    add('snapshot write (seeding, one transaction)', formatMs(writeMs));

    // The same uncached recommendation and validation first after every start: nothing is cached in a new process.
    const bodies = requestBodies(samples);
    const first = [post('/v1/recommendations', bodies.uncachedRecommendations[0]!), post('/v1/validations', bodies.uncachedValidations[0]!)];
    const starts: Start[] = [];
    let service: Service | null = null;
    await warmClient(first);
    try {
      for (let r = 0; r < runs; r++) {
        await service?.child.stop();
        service = null;
        progress(`start ${r + 1} of ${runs}…`);
        const started = await startAndSettle(database.url, first, workers, command);
        service = started.service;
        starts.push(started.start);
      }
      reportStarts(starts, add, workers);
      let computed: Computed = null;
      const all = scenarios(samples);
      for (const scenario of all) {
        progress(`${scenario.name}…`);
        computed = measureScenario(await runScenario(service!, scenario, load), add, report.notes, computed);
      }
      const cold = all.find((s) => s.coldPath);
      if (soak > 0 && rate > 0 && cold) {
        progress(`${cold.name}: ${soak} s at ${rate} req/s…`);
        reportSoak(cold, await soakLoad(service!, cold, soak, load), soak, load, add);
      }
      add('service peak RSS (VmHWM, whole run of the last start)', formatMiB(treeMemory(service!.child.pid).peak));
    } finally {
      await service?.child.stop();
    }

    if (curve.length > 0) {
      const points: CurvePoint[] = [];
      for (const hosts of curve) {
        progress(`cost curve at ${hosts} hosts…`);
        points.push(await curvePoint(hosts === size.hosts ? { database, samples } : null, { ...size, hosts }, values['admin-url'] ?? DEFAULT_ADMIN_DATABASE_URL, { ...load, rate: 0 }, command));
      }
      reportCurve(points, report.figures);
    }
    add('machine load at the end (loadavg 1 / 5 / 15 min)', formatLoadavg());
    report.notes.push(
      `${runs} runs of each figure, printed min–max (median m); a target is met when every run meets it (the worst end of the range)`,
      'service CPU per request: the service\'s user + system CPU time (every thread of its processes, the primary and its workers with --workers > 1: /proc/<pid>/task/<tid>/schedstat) over a measured run ÷ the answers in it; it varies far less with the machine\'s load than latency and req/s do',
      'GC share: the service\'s GC pauses (its /metrics nodejs_gc_duration_seconds, every kind) ÷ its CPU time in the same window; /metrics is read just outside the window',
      'machine while measured: 1-minute load average before→after each run; CPU used by the rest of the machine (/proc/stat busy time minus the service and this process) and steal time, in cores; the load generator (autocannon, in this process; the paced runs\' generator, a process of its own, by its own CPU time) shares the 2 cores with the service',
      'speed probe: a fixed pass over 7 columns of 15,000 numbers (a capacity scan\'s final pass), the fastest of 10, timed in this process at the start of each run, every 500 ms and at its end; the median per run, in µs. It reads ~56-60 µs when this VM gets its full share of the host; a higher figure means the host gave it less CPU (which no steal time shows here), and the run\'s CPU per request is inflated alike: compare CPU figures of runs with like probe readings',
      `as fast as answered: autocannon, ${connections} connections, ${duration} s per run after ${WARMUP_SECONDS} s warm-up, latencies in whole ms; "at N req/s offered": bench/paced-load.ts, in a process of its own, opens its ${connections} connections, sends ${PACED_WARMUP_SECONDS} s of the same load unmeasured, then request i at start + i / N over the connections in turn (a request due while all are busy waits for the next free one) and measures each latency from its due time, so waiting counts (CPU per request counts the warm-up's answers too); the rate is met at 99 % of N (autocannon's own pacing, overallRate, sends each second's share as fast as answered and then waits: bursts of saturated load)`,
      `the service keeps 500 answers per snapshot and kind, each from its request's second time among the last 1,000 asked once (src/advisor/answers.ts), and 256 capacity scans per host list (src/rules/placement/capacity.ts): the "repeated" scenarios measure cached answers, the "new … each time" ones send ${formatCount(DISTINCT)} distinct requests in turn across all connections, so answers (and, in the last recommendation scenario, scans) are computed afresh`,
      '"first answers, one at a time": the first requests of a scenario sent sequentially before the load, each computed afresh (for the repeated scenarios these are their cold figures)',
      `starts: the service is started ${runs} times on the same database (the bench's HTTP client first warmed on a throwaway server of its own, so that the first start's figures are the service's alone); after each, one uncached recommendation and one validation are sent as soon as /readyz is 200, then the bench waits until the service uses ≤ ${IDLE_CPU_MS} ms of CPU in each of ${IDLE_WINDOWS} windows of ${IDLE_WINDOW_MS} ms in a row (idle) and reads heap and RSS; the scenarios run on the last start`,
    );
    if (soak > 0 && rate > 0) {
      report.notes.push(`${soak} s back to back: the nothing-reused recommendations at ${formatCount(rate)} req/s offered, paced runs of ${duration} s one after another (each a new generator process, ~1 s apart) for ${soak} s, after everything above on the same start: longer than the 100 s after which V8's memory reducer, when on, starts a full collection however busy the process is; "full collections" counts nodejs_gc_duration_seconds_count{kind="major"} per run`);
    }
    if (curve.length > 0) {
      report.notes.push(`cost curve: per host count a fresh service (same flavors, images and seed) runs the two cold scenarios, recommendations with a new image, flavor and workload each time and validations with new properties, ${WARMUP_SECONDS} s of warm-up then ${runs} runs of ${duration} s each as fast as answered: under load rather than one request at a time, since an answer one at a time costs several times the CPU (bench/README.md), with or without V8's memory reducer`);
    }
    if (!fullSize) report.notes.push('targets apply at 15,000 hosts; this run reports figures only (the cost curve\'s growth is judged at any size)');
  } finally {
    await database.drop();
  }
  finishReport(report, values.json);
  return report;
}

type AddFigure = (name: string, value: string, target?: string, met?: boolean) => void;

function reportStarts(starts: Start[], add: AddFigure, workers: number): void {
  const n = starts.length;
  const cold = starts.map((s) => s.coldMs);
  add(`cold start to ready (spawn → /readyz 200), ${n} start${n === 1 ? '' : 's'}`, formatRange(cold, formatMs), '≤ 5 s', worst(cold) <= TARGET.coldStartMs);
  for (const [i, what] of ['recommendation (uncached)', 'validation (uncached, sent right after it)'].entries()) {
    const firstMs = starts.map((s) => s.firstMs[i]!);
    add(`first ${what} after /readyz 200`, `${formatRange(firstMs, ms2)} ms`, `≤ ${TARGET.firstAnswerMs} ms`, worst(firstMs) <= TARGET.firstAnswerMs);
  }
  const settled = starts.every((s) => s.busyAfterReady.settled);
  add('service busy after ready (its CPU until idle; the time to idle)',
    `${formatRange(starts.map((s) => s.busyAfterReady.cpuMs), formatMs)} CPU in ${formatRange(starts.map((s) => s.busyAfterReady.ms), formatMs)}${settled ? '' : ` (not idle within ${formatMs(IDLE_TIMEOUT_MS)} in some start)`}`);
  const heaps = starts.map((s) => s.heapUsed);
  const atReady = starts.map((s) => s.heapAtReady);
  if (heaps.every((h): h is number => h !== null) && atReady.every((h): h is number => h !== null)) {
    add('service heap used right after the first answers (nodejs_heap_size_used_bytes, garbage included)', formatRange(atReady, formatMiB));
    // The target is a process's (416 MiB was one process's heap): with workers, /metrics sums theirs, and each holds
    // the same snapshot, so each is judged by the sum ÷ workers. Idle comes after the last worker's start, so all answer.
    const perProcess = heaps.map((h) => h / workers);
    add(`service heap used when idle after ready (nodejs_heap_size_used_bytes, garbage included)${workers > 1 ? `, per process (the ${workers} workers' sum ÷ ${workers})` : ''}`,
      workers > 1 ? `${formatRange(perProcess, formatMiB)} (summed: ${formatRange(heaps, formatMiB)})` : formatRange(heaps, formatMiB),
      '≤ 208 MiB (half of 416)', worst(perProcess) <= TARGET.heapBytes);
  } else {
    add('service heap used when idle after ready', 'not exposed (no nodejs_heap_size_used_bytes in /metrics)', '≤ 208 MiB (half of 416)', false);
  }
  add('service RSS when idle after ready', formatRange(starts.map((s) => s.rss), formatMiB));
  add('service CPU from spawn to idle; GC share of it', `${formatRange(starts.map((s) => s.window.serviceMs), formatMs)}; GC ${gcFigure(starts.map((s) => s.gcShare))}`);
  add('machine during the starts', formatMachineLoad(starts.map((s) => s.window)));
}

interface ScenarioRuns {
  scenario: Scenario;
  checked: number;
  check: Awaited<ReturnType<typeof checkRequests>>;
  saturated: Run[];
  /** At --rate offered (uncached scenarios; empty with --rate 0). */
  paced: Run[];
  rate: number;
  rssPeak: number;
}

interface LoadOptions {
  runs: number;
  duration: number;
  connections: number;
  /** Offered req/s of the paced runs of uncached scenarios; 0: none. */
  rate: number;
}

async function runScenario(service: Service, scenario: Scenario, o: LoadOptions): Promise<ScenarioRuns> {
  const checked = scenario.bodies ? scenario.bodies.list.slice(0, REPEATED).map((body) => post(scenario.bodies!.path, body)) : scenario.requests;
  const check = await checkRequests(service.base, checked);
  const result: ScenarioRuns = { scenario, checked: checked.length, check, saturated: [], paced: [], rate: o.rate, rssPeak: 0 };
  if (check.failures.length > 0) return result;
  await load(service.base, scenario, WARMUP_SECONDS, o.connections);
  const rss = sampleRss(service.child.pid);
  for (let r = 0; r < o.runs; r++) result.saturated.push(await measuredLoad(service, (base) => saturatedLoad(base, scenario, o.duration, o.connections)));
  if (o.rate > 0 && scenario.kind === 'uncached') {
    for (let r = 0; r < o.runs; r++) result.paced.push(await measuredLoad(service, (base) => steadyLoad(base, scenario, o.duration, o.connections, o.rate)));
  }
  result.rssPeak = rss.stop().peak;
  return result;
}

/** Medians of the scenario the validations are compared with (issue 5). */
type Computed = { rps: number; p99: number } | null;

/** Adds the scenario's figures; returns the medians to compare validations with once it has measured them. */
function measureScenario(s: ScenarioRuns, add: AddFigure, notes: string[], computedRecommendations: Computed): Computed {
  const { scenario, check } = s;
  const name = scenario.name;
  if (check.failures.length > 0) {
    add(name, `not measured: ${check.failures.length}/${s.checked} requests fail`);
    notes.push(...check.failures.slice(0, 3));
    return computedRecommendations;
  }
  const rps = s.saturated.map((r) => r.rps);
  const p99 = s.saturated.map((r) => r.p99);
  const cpu = s.saturated.map((r) => r.cpuMs);
  const latency = `p50 ${formatRange(s.saturated.map((r) => r.p50))} / p99 ${formatRange(p99)} ms`;
  if (scenario.kind === 'cached') {
    add(`${name}: req/s`, formatRange(rps), `≥ ${formatCount(TARGET.cachedRps)}`, summarise(rps).min >= TARGET.cachedRps);
    add(`${name}: p50 / p99 latency`, latency, `p99 ≤ ${TARGET.cachedP99Ms} ms`, worst(p99) <= TARGET.cachedP99Ms);
  } else if (scenario.compare === 'validations' && computedRecommendations) {
    const computed = computedRecommendations;
    const faster = `faster than recommendations computed per request (median ${formatCount(computed.rps)} req/s, p99 ${computed.p99} ms)`;
    add(`${name}: req/s`, formatRange(rps), faster, summarise(rps).median > computed.rps);
    add(`${name}: p50 / p99 latency`, latency, faster, summarise(p99).median < computed.p99);
  } else {
    add(`${name}: req/s (as fast as answered)`, formatRange(rps));
    add(`${name}: p50 / p99 latency (as fast as answered)`, latency);
  }
  if (scenario.kind === 'uncached') {
    add(`${name}: service CPU per request`, `${formatRange(cpu, ms2)} ms`, `≤ ${TARGET.uncachedCpuMs} ms`, worst(cpu) <= TARGET.uncachedCpuMs);
  } else {
    add(`${name}: service CPU per request`, `${formatRange(cpu, ms2)} ms`);
  }
  if (s.paced.length > 0) {
    const achieved = s.paced.map((r) => r.rps);
    const pacedP99 = s.paced.map((r) => r.p99);
    add(`${name}: at ${formatCount(s.rate)} req/s offered: achieved; p50 / p99; CPU per request`,
      `${formatRange(achieved)} req/s; p50 ${formatRange(s.paced.map((r) => r.p50), ms1)} / p99 ${formatRange(pacedP99, ms1)} ms; ${formatRange(s.paced.map((r) => r.cpuMs), ms2)} ms`,
      `p99 ≤ ${TARGET.uncachedP99Ms} ms at ≥ ${formatCount(TARGET.uncachedRps)} req/s`,
      worst(pacedP99) <= TARGET.uncachedP99Ms && summarise(achieved).min >= 0.99 * TARGET.uncachedRps && s.rate >= TARGET.uncachedRps);
  }
  const gc = s.saturated.map((r) => r.gcShare);
  if (scenario.coldPath) {
    const known = gc.filter((g): g is number => g !== null);
    add(`${name}: GC share of service CPU`, gcFigure(gc), `≤ ${percent(TARGET.gcShare)}`, known.length === gc.length && worst(known) <= TARGET.gcShare);
  } else {
    add(`${name}: GC share of service CPU`, gcFigure(gc));
  }
  add(`${name}: machine while measured`, formatMachineLoad([...s.saturated, ...s.paced].map((r) => r.window)));
  add(`${name}: first answers, one at a time (p50 / max of ${s.checked})`, `${coldPercentile(check.coldMs, 0.5)} / ${coldPercentile(check.coldMs, 1)} ms`);
  add(`${name}: service RSS peak`, formatMiB(s.rssPeak));
  add(`${name}: response size (mean)`, `${formatCount(check.bytes / 1024)} KiB`);
  for (const [i, r] of [...s.saturated, ...s.paced].entries()) {
    if (r.failed > 0) notes.push(`${name}, run ${i + 1}: ${r.failed} non-2xx, errors or timeouts of ${formatCount(r.answers)}`);
  }
  return scenario.compare === 'computed-recommendations' ? { rps: summarise(rps).median, p99: summarise(p99).median } : computedRecommendations;
}

/**
 * Longer than the 100 s after which V8's memory reducer, when on, starts a full collection however busy the process is
 * (its watchdog; README "Start it"): a collection that drops the maps the optimised code was built for.
 */
const SOAK_SECONDS = 150;

/** The scenario at `o.rate` req/s offered, in runs of `o.duration` s back to back until `seconds` have passed. */
async function soakLoad(service: Service, scenario: Scenario, seconds: number, o: LoadOptions): Promise<Run[]> {
  const runs: Run[] = [];
  const started = performance.now();
  while (performance.now() - started < seconds * 1000) {
    runs.push(await measuredLoad(service, (base) => steadyLoad(base, scenario, o.duration, o.connections, o.rate)));
  }
  return runs;
}

/** How many of these runs' p99 miss the paced target. */
function runsOverTarget(p99: readonly number[]): number {
  return p99.filter((p) => p > TARGET.uncachedP99Ms).length;
}

/** These runs' p99 and how many miss the target, as the soak reports all its runs and each part of them. */
function p99OfRuns(p99: readonly number[]): string {
  return `p99 ${formatRange(p99, ms1)} ms (${runsOverTarget(p99)} of ${p99.length} runs over ${TARGET.uncachedP99Ms} ms)`;
}

/**
 * The p99 of the runs a full collection touched (counted in the run or the one before: its marking starts before the
 * count moves and its sweeping goes on after) beside the others', so a soak tells what the collections cost from what
 * the rest of the load does.
 */
function splitByCollections(p99: readonly number[], majors: readonly number[]): string {
  const touched = (i: number): boolean => (majors[i] ?? 0) > 0 || (majors[i + 1] ?? 0) > 0;
  const part = (keep: boolean): string => {
    const values = p99.filter((_, i) => touched(i) === keep);
    return values.length === 0 ? 'none' : p99OfRuns(values);
  };
  return `; the runs with a full collection or before one: ${part(true)}; the others: ${part(false)}`;
}

function reportSoak(scenario: Scenario, runs: readonly Run[], seconds: number, o: LoadOptions, add: AddFigure): void {
  const p99 = runs.map((r) => r.p99);
  const over = runsOverTarget(p99);
  const majors = runs.map((r) => r.majorGcs);
  const collections = majors.every((m): m is number => m !== null)
    ? `${majors.reduce((a, b) => a + b, 0)} full collections (in runs ${majors.flatMap((m, i) => (m > 0 ? [i + 1] : [])).join(', ') || 'none'})${splitByCollections(p99, majors)}`
    : 'full collections not exposed';
  const name = `${scenario.name}: ${seconds} s at ${formatCount(o.rate)} req/s offered (runs of ${o.duration} s back to back)`;
  add(`${name}: achieved; p99 per run; CPU per request; full collections`,
    `${formatRange(runs.map((r) => r.rps))} req/s; ${p99OfRuns(p99)}; ${formatRange(runs.map((r) => r.cpuMs), ms2)} ms; ${collections}`,
    `p99 ≤ ${TARGET.uncachedP99Ms} ms in every run`, over === 0);
  add(`${name}: machine while measured`, formatMachineLoad(runs.map((r) => r.window)));
}

interface CurvePoint {
  hosts: number;
  recommendations: Run[];
  validations: Run[];
}

/** A database holding a snapshot, and the samples taken from it. */
interface Seeded {
  database: ScratchDatabase;
  samples: Samples;
}

/** One point of the cost curve: a fresh service over a snapshot of `size` (seeded here unless `seeded` holds it). */
async function curvePoint(seeded: Seeded | null, size: SyntheticCloudOptions, adminUrl: string, o: LoadOptions, command: Command): Promise<CurvePoint> {
  const own = seeded ? null : await createScratchDatabase(adminUrl);
  try {
    const { database, samples } = seeded ?? { database: own!, samples: (await seedDatabase(own!.url, size)).samples };
    const cold = scenarios(samples).filter((s) => s.coldPath || s.compare === 'validations');
    const { service } = await startService(database.url, 1, command);
    try {
      await waitIdle(service.child.pid);
      const [recommendations, validations] = [await runScenario(service, cold[0]!, o), await runScenario(service, cold[1]!, o)];
      for (const r of [recommendations, validations]) {
        if (r.check.failures.length > 0) throw new Error(`cost curve at ${size.hosts} hosts: ${r.check.failures.slice(0, 3).join('; ')}`);
      }
      return { hosts: size.hosts, recommendations: recommendations.saturated, validations: validations.saturated };
    } finally {
      await service.child.stop();
    }
  } finally {
    await own?.drop();
  }
}

function reportCurve(points: CurvePoint[], figures: BenchReport['figures']): void {
  const kinds = ['recommendations', 'validations'] as const;
  for (const p of points) {
    for (const kind of kinds) {
      const runs = p[kind];
      figures.push({
        name: `cost curve, ${formatCount(p.hosts)} hosts: uncached ${kind}: service CPU per answer; req/s; p99; GC share`,
        value: `${formatRange(runs.map((r) => r.cpuMs), ms2)} ms; ${formatRange(runs.map((r) => r.rps))} req/s; p99 ${formatRange(runs.map((r) => r.p99))} ms; GC ${gcFigure(runs.map((r) => r.gcShare))}`,
      });
    }
    figures.push({ name: `cost curve, ${formatCount(p.hosts)} hosts: machine while measured`, value: formatMachineLoad(kinds.flatMap((k) => p[k].map((r) => r.window))) });
  }
  if (points.length < 2) return;
  // Judged on medians, segment by segment: CPU per answer may grow at most as fast as the hosts do.
  for (const kind of kinds) {
    const cpu = (p: CurvePoint) => summarise(p[kind].map((r) => r.cpuMs)).median;
    const segments = points.slice(1).map((p, i) => ({ from: points[i]!, to: p, hosts: p.hosts / points[i]!.hosts, cpu: cpu(p) / cpu(points[i]!) }));
    figures.push({
      name: `cost curve growth, uncached ${kind}: CPU per answer (median) against hosts`,
      value: segments.map((s) => `${formatCount(s.from.hosts)}→${formatCount(s.to.hosts)} hosts ×${s.hosts.toFixed(2)}: CPU ×${s.cpu.toFixed(2)}`).join('; '),
      target: 'grows no faster than hosts',
      met: segments.every((s) => s.cpu <= s.hosts),
    });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await apiBench(process.argv.slice(2));
