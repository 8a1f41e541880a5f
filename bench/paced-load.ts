// Load at a steady offered rate (issue 16's "p99 ≤ 10 ms at 1,000 req/s"), measured as wrk2 measures it: request i
// is due at start + i / rate whatever happened before, and its latency runs from that time to its answer's end, so
// time spent waiting for a free connection counts (no coordinated omission). autocannon 9's own pacing
// (`overallRate`, lib/httpClient.js) does neither: each connection sends its share of a second as fast as answered
// from the start of the second and then waits for the next, and it fills in latencies as if requests were due every
// `Math.ceil(1 / rate)` = 1 ms. Its "1,000 req/s" runs were bursts of saturated load.
//
//   npx tsx bench/paced-load.ts --base http://127.0.0.1:PORT --requests FILE [--rate 1000] [--seconds 5] [--connections 10]
//
// As a process of its own (api-bench's paced runs), it sends FILE's requests (a JSON array of PacedRequest) in turn and
// prints {"event":"result",…} with its own CPU time: a generator inside the bench process shared that process's event
// loop and heap with everything else the bench does.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

export interface PacedRequest {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface PacedResult {
  /** Answers received (any status) and those not 2xx, plus requests that failed or were still unanswered. */
  answers: number;
  failed: number;
  /** Answers per second of the run's wall time (the last answers included). */
  rps: number;
  /** Latencies from each request's due time, in ms (fractions kept). */
  p50: number;
  p99: number;
  max: number;
  /** Most requests that were due while every connection was busy. */
  queuedMax: number;
  /** Requests sent in the warm-up before the measured ones (their answers are the service's work too). */
  warmup: number;
}

/** The unmeasured warm-up of a paced run, in seconds (pacedLoad). */
export const PACED_WARMUP_SECONDS = 1;

/**
 * Opens the connections before the clock starts (one GET /healthz on each, all at once), as wrk2 connects before it
 * measures: the run measures answers at a steady rate, not TCP handshakes and a new process's first requests, which
 * made the first 0.3 s of each run its slowest.
 */
async function openConnections(hostname: string, port: string, agent: http.Agent, connections: number): Promise<void> {
  await Promise.all(Array.from({ length: connections }, () => new Promise<void>((resolve, reject) => {
    http.get({ hostname, port, path: '/healthz', agent }, (res) => {
      res.resume();
      res.on('end', resolve);
    }).on('error', reject);
  })));
}

/** The value below which `fraction` of the sorted values lie (nearest rank). */
function percentile(sorted: Float64Array, fraction: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1))]!;
}

/**
 * Sends `rate` requests a second for `warmupSeconds` (1), unmeasured, then for `seconds` over at most `connections`
 * keep-alive connections to `base`, each request made by `next()`. Requests due while every connection is busy wait in
 * order for the next free one. After the last is due, waits up to `drainSeconds` for the answers still out; those
 * never answered count as failed. The warm-up is the same load, steady across its end: as autocannon's runs have one
 * (api-bench), and as wrk2 calibrates before it records, so the first second of a new process sending (its code not
 * yet compiled) is not measured as the service's.
 */
export async function pacedLoad(base: string, next: () => PacedRequest, o: { rate: number; seconds: number; connections: number; warmupSeconds?: number; drainSeconds?: number }): Promise<PacedResult> {
  const { hostname, port } = new URL(base);
  // FIFO: each request goes out on the connection idle longest, so the load is spread over all of them as wrk2
  // spreads it (node's default, LIFO, sent nearly all of it over the two or three used last).
  const agent = new http.Agent({ keepAlive: true, maxSockets: o.connections, scheduling: 'fifo' });
  await openConnections(hostname, port, agent, o.connections);
  const interval = 1000 / o.rate;
  const warm = Math.floor((o.warmupSeconds ?? PACED_WARMUP_SECONDS) * o.rate);
  const total = warm + Math.floor(o.seconds * o.rate);
  const latencies = new Float64Array(total - warm);
  let answered = 0;
  let settledCount = 0;
  let failed = 0;
  let free = o.connections;
  let queuedMax = 0;
  const waiting: number[] = [];
  let allSettled: () => void = () => undefined;
  const settled = new Promise<void>((resolve) => {
    allSettled = resolve;
  });
  const finish = (due: number, ok: boolean, measured: boolean): void => {
    if (measured) {
      latencies[answered++] = performance.now() - due;
      if (!ok) failed++;
    }
    free++;
    if (waiting.length > 0) send(waiting.shift()!);
    if (++settledCount === total) allSettled();
  };
  function send(due: number): void {
    const measured = due >= measuredFrom;
    free--;
    const { method, path, headers, body } = next();
    const req = http.request({ hostname, port, path, method, agent, headers: { ...headers, ...(body !== undefined && { 'content-length': Buffer.byteLength(body) }) } }, (res) => {
      res.resume();
      res.on('end', () => finish(due, res.statusCode !== undefined && res.statusCode >= 200 && res.statusCode < 300, measured));
      res.on('error', () => finish(due, false, measured));
    });
    req.on('error', () => finish(due, false, measured));
    req.end(body);
  }
  const start = performance.now();
  const measuredFrom = start + warm * interval;
  let sent = 0;
  await new Promise<void>((resolve) => {
    // Every millisecond (node's timer granularity), whatever is due goes out; lateness of the timer counts as latency.
    const tick = (): void => {
      const due = Math.min(total, Math.floor((performance.now() - start) / interval) + 1);
      for (; sent < due; sent++) {
        const at = start + sent * interval;
        if (free > 0) send(at);
        else queuedMax = Math.max(queuedMax, waiting.push(at));
      }
      if (sent < total) setTimeout(tick, 1);
      else resolve();
    };
    tick();
  });
  const drain = setTimeout(allSettled, (o.drainSeconds ?? 10) * 1000);
  if (total > 0) await settled;
  clearTimeout(drain);
  const wallMs = performance.now() - measuredFrom;
  agent.destroy();
  const sorted = latencies.slice(0, answered).sort();
  return {
    answers: answered, failed: failed + (total - warm - answered), rps: answered / (wallMs / 1000),
    p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), max: sorted[sorted.length - 1] ?? NaN, queuedMax, warmup: warm,
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { base: { type: 'string' }, requests: { type: 'string' }, rate: { type: 'string' }, seconds: { type: 'string' }, connections: { type: 'string' } } });
  if (!values.base || !values.requests) throw new Error('usage: paced-load.ts --base URL --requests FILE [--rate 1000] [--seconds 5] [--connections 10]');
  const requests = JSON.parse(readFileSync(values.requests, 'utf8')) as PacedRequest[];
  let turn = 0;
  const before = process.cpuUsage();
  const result = await pacedLoad(values.base, () => requests[turn++ % requests.length]!, {
    rate: Number(values.rate ?? 1000), seconds: Number(values.seconds ?? 5), connections: Number(values.connections ?? 10),
  });
  const { user, system } = process.cpuUsage(before);
  console.log(JSON.stringify({ event: 'result', ...result, cpuMs: (user + system) / 1000 }));
}
