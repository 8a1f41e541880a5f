// Scrape benchmark (issue 15): GET /metrics over 127.0.0.1 from the real app (buildApp, PostgreSQL store) holding one
// synthetic snapshot, the capacity summary computed once when the snapshot became current.
//   npx tsx bench/scrape-bench.ts [--hosts 15000] [--flavors 2000] [--images 1000] [--seed 1] [--scrapes 50]
//       [--admin-url postgres://postgres@127.0.0.1:5432/test] [--json FILE]
// Reports the capacity summary's compute time (once per snapshot, in steps while requests are answered), its CPU
// and the longest the event loop was held meanwhile (host index included), then the scrape time (min / median / p95
// / max over --scrapes scrapes, the first one after the summary apart: it renders the capacity text that later
// scrapes reuse) and the body size, for the view without host names (what a scrape
// without a host-detail token gets) and the view with them (AUTH_MODE=none; per-host families behind the
// cardinality guard, METRICS_MAX_FAMILY_SERIES). With `NODE_OPTIONS=--expose-gc`, also the heap the host index and
// the summary hold.
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { monitorEventLoopDelay, performance, type IntervalHistogram } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { readySummary } from '../src/advisor/capacity-summary.ts';
import { SnapshotRegistry } from '../src/advisor/registry.ts';
import { buildApp } from '../src/api/app.ts';
import { KeystoneTokenValidator } from '../src/api/auth.ts';
import { loadSettings } from '../src/config/index.ts';
import { defaultRuleContext } from '../src/rules/index.ts';
import { openDatabase } from '../src/store/database.ts';
import { PgSnapshotStore } from '../src/store/pg-store.ts';
import { normaliseCloud } from '../src/sync/normalise.ts';
import { DEFAULT_ADMIN_DATABASE_URL, createScratchDatabase, finishReport, formatCount, formatMiB, formatMs, intFlag, newReport, type BenchReport } from './common.ts';
import { DEFAULT_OPTIONS, SYNTHETIC_CLOUD_FLAGS, generateSyntheticCloud, type SyntheticCloudOptions } from './synthetic-cloud.ts';

/** The bar for one scrape at 15,000 hosts. */
const TARGET_MS = 100;

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/** The longest and p99 delay of a 1 ms timer: how long the event loop was held at a time. */
function holdFigure(name: string, delays: IntervalHistogram): { name: string; value: string } {
  return { name, value: `longest ${formatMs(delays.max / 1e6)}, p99 ${formatMs(delays.percentile(99) / 1e6)} (delay of a 1 ms timer)` };
}

/** Times `scrapes` scrapes after a first one; `once` makes one scrape and returns its body's bytes. */
async function timeScrapes(scrapes: number, once: () => Promise<number>): Promise<{ first: number; ms: number[]; bytes: number }> {
  const timed = async () => {
    const started = performance.now();
    const bytes = await once();
    return { ms: performance.now() - started, bytes };
  };
  const first = await timed();
  const ms: number[] = [];
  let bytes = first.bytes;
  for (let i = 0; i < scrapes; i++) {
    const scrape = await timed();
    ms.push(scrape.ms);
    bytes = scrape.bytes;
  }
  return { first: first.ms, ms: ms.sort((a, b) => a - b), bytes };
}

async function overHttp(url: string): Promise<number> {
  const res = await fetch(url);
  const body = await res.text();
  if (res.status !== 200) throw new Error(`GET ${url}: ${res.status} ${body.slice(0, 200)}`);
  return Buffer.byteLength(body);
}

export async function scrapeBench(argv: string[]): Promise<BenchReport> {
  const { values } = parseArgs({ args: argv, options: { ...SYNTHETIC_CLOUD_FLAGS, scrapes: { type: 'string' }, 'admin-url': { type: 'string' }, json: { type: 'string' } } });
  const size: SyntheticCloudOptions = {
    hosts: intFlag(values, 'hosts', DEFAULT_OPTIONS.hosts),
    flavors: intFlag(values, 'flavors', DEFAULT_OPTIONS.flavors),
    // Images do not enter capacity; a few keep the snapshot small to generate and save.
    images: intFlag(values, 'images', 1_000),
    seed: intFlag(values, 'seed', DEFAULT_OPTIONS.seed),
  };
  const scrapes = intFlag(values, 'scrapes', 50);
  const fullSize = size.hosts >= DEFAULT_OPTIONS.hosts;
  const report = newReport('scrape-bench');
  const log = pino({ level: 'silent' });
  const database = await createScratchDatabase(values['admin-url'] ?? DEFAULT_ADMIN_DATABASE_URL);
  const db = await openDatabase({ databaseUrl: database.url, dataDir: '.' }, log);
  try {
    const store = new PgSnapshotStore(db, log);
    await store.migrate();
    const { snapshot } = normaliseCloud(generateSyntheticCloud(size), randomUUID(), 'openstack');
    await store.saveSnapshot(snapshot, { durationMs: 0, requestCount: 0 });
    const ruleContext = defaultRuleContext();
    const registry = new SnapshotRegistry(store);

    // Two apps on one registry: AUTH_MODE=none (host view) and keystone without a token (the view without hosts;
    // no token means no Keystone call, so the validator's URL is never asked).
    const open = await buildApp({ settings: loadSettings({ DATABASE_URL: database.url, AUTH_MODE: 'none', LOG_LEVEL: 'silent' }), store, registry, ruleContext });
    const keystone = 'http://127.0.0.1:9/v3';
    const scoped = await buildApp({ settings: loadSettings({ DATABASE_URL: database.url, AUTH_MODE: 'keystone', LOG_LEVEL: 'silent' }), store, registry, ruleContext,
      tokenValidator: new KeystoneTokenValidator(keystone), authRealm: keystone });
    try {
      globalThis.gc?.();
      const heapBefore = process.memoryUsage().heapUsed;
      const started = performance.now();
      const cpuBefore = process.cpuUsage();
      // How long the index and the summary hold the event loop at a time: what a request arriving meanwhile waits.
      const holds = monitorEventLoopDelay({ resolution: 1 });
      holds.enable();
      registry.put(snapshot);
      // The summary's own holds: from when the snapshot is current (its index built) to when the summary is ready.
      const summaryHolds = monitorEventLoopDelay({ resolution: 1 });
      while (registry.current(snapshot.cloud) !== snapshot) await new Promise((r) => setTimeout(r, 1));
      summaryHolds.enable();
      // The registry computes it in the background, a step at a time; wait for it as a scrape would find it.
      let summary = readySummary(snapshot, ruleContext);
      for (; !summary; summary = readySummary(snapshot, ruleContext)) await new Promise((r) => setTimeout(r, 20));
      holds.disable();
      summaryHolds.disable();
      const cpu = process.cpuUsage(cpuBefore);
      report.figures.push(
        { name: 'cloud', value: `${formatCount(size.hosts)} hosts, ${formatCount(snapshot.hosts.reduce((n, h) => n + h.pciProviders.length, 0))} PCI providers, ${formatCount(snapshot.flavors.length)} flavors` },
        { name: 'capacity summary (once per snapshot)', value: `${formatMs(summary.seconds * 1000)} computing, ${formatMs(performance.now() - started)} from put to ready (index included), ${formatMs((cpu.user + cpu.system) / 1000)} CPU` },
        holdFigure('event loop held, put to ready', holds),
        holdFigure('event loop held, current to ready (summary only)', summaryHolds),
      );
      globalThis.gc?.();
      if (globalThis.gc) report.figures.push({ name: 'heap held by index + summary', value: formatMiB(process.memoryUsage().heapUsed - heapBefore) });
      for (const [view, app] of [['without host names', scoped], ['with host names (guarded)', open]] as const) {
        await app.listen({ port: 0, host: '127.0.0.1' });
        const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/metrics`;
        const { first, ms, bytes } = await timeScrapes(scrapes, () => overHttp(url));
        const p95 = quantile(ms, 0.95);
        report.figures.push({
          name: `scrape ${view}`,
          value: `min ${formatMs(ms[0]!)}, median ${formatMs(quantile(ms, 0.5))}, p95 ${formatMs(p95)}, max ${formatMs(ms.at(-1)!)} over ${scrapes}; first ${formatMs(first)}; ${formatCount(bytes / 1024)} KiB`,
          ...(fullSize && { target: `p95 < ${TARGET_MS} ms`, met: p95 < TARGET_MS }),
        });
      }
      report.notes.push('Scrapes over HTTP on 127.0.0.1, one at a time, the client in the same process as the service (its reading of the body and its garbage count too); the first scrape after a new snapshot renders the capacity text that later ones reuse.');
    } finally {
      await open.close();
      await scoped.close();
    }
  } finally {
    await db.close();
    await database.drop();
  }
  finishReport(report, values.json);
  return report;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await scrapeBench(process.argv.slice(2));
