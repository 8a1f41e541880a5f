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
import { connect, type Socket } from 'node:net';
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

/** Bytes of one read: a 24 KB answer arrives in one or two. */
const READ_BUFFER_BYTES = 64 * 1024;
const HEAD_END = '\r\n\r\n';

/**
 * One keep-alive HTTP/1.1 connection with one request out at a time, on a bare socket that reads into a buffer all
 * connections share (net's `onread`), so an answer costs this process no allocation but its head's text. Through
 * node:http each answer arrived as Buffers of memory outside V8's heap, and that memory's growth started a full
 * collection of this process's heap every ~250 ms at 1,000 answers a second (15–27 in a 6 s run, a perf_hooks 'gc'
 * observer): pauses in which due requests waited and counted as the service's latency, and CPU taken from the
 * service's cores. Answers are framed by Content-Length, as the service sends them; one framed otherwise fails and
 * ends its connection, which is opened again.
 */
class Connection {
  private socket!: Socket;
  /** The answer's head read so far, when it came in more than one read. */
  private head = '';
  /** Body bytes still to come; -1 while the head is read. */
  private remaining = -1;
  private status = 0;
  private pending: ((ok: boolean) => void) | null = null;

  constructor(private readonly hostname: string, private readonly port: number, private readonly shared: Buffer) {
    this.open();
  }

  private open(): void {
    this.head = '';
    this.remaining = -1;
    this.socket = connect({
      host: this.hostname, port: this.port, noDelay: true,
      onread: { buffer: this.shared, callback: (bytes) => this.read(this.shared, bytes) },
    });
    let connected = false;
    this.socket.once('connect', () => {
      connected = true;
    });
    this.socket.on('error', () => undefined);
    // A connection the service ended is opened again for the requests still to come; one never made is not retried.
    this.socket.on('close', () => {
      this.done(false);
      if (connected) this.open();
    });
  }

  /** Sends `text` (a whole request); `answered` gets whether its answer was 2xx. */
  send(text: string, answered: (ok: boolean) => void): void {
    this.pending = answered;
    this.socket.write(text, 'latin1');
  }

  close(): void {
    this.socket.removeAllListeners('close');
    this.socket.destroy();
  }

  private done(ok: boolean): void {
    const answered = this.pending;
    this.pending = null;
    answered?.(ok);
  }

  private read(buffer: Buffer, bytes: number): boolean {
    let at = 0;
    while (at < bytes) {
      if (this.remaining < 0) {
        at = this.readHead(buffer, at, bytes);
        if (at < 0) return false;
      } else {
        const taken = Math.min(this.remaining, bytes - at);
        this.remaining -= taken;
        at += taken;
      }
      if (this.remaining === 0) {
        this.remaining = -1;
        this.done(this.status >= 200 && this.status < 300);
      }
    }
    return true;
  }

  /** Reads head bytes from `at`; returns where its body starts, or `bytes` when the head goes on (-1: not framed). */
  private readHead(buffer: Buffer, at: number, bytes: number): number {
    const before = this.head.length;
    // Where the head ends may straddle two reads: search from the last 3 characters of the earlier part.
    this.head += buffer.toString('latin1', at, Math.min(bytes, at + 8192));
    const end = this.head.indexOf(HEAD_END, Math.max(0, before - 3));
    if (end < 0) return Math.min(bytes, at + 8192);
    const head = this.head.slice(0, end);
    this.head = '';
    this.status = Number(head.slice(9, 12));
    const length = /\r\ncontent-length: *(\d+)/i.exec(head);
    if (!length) {
      this.socket.destroy();
      return -1;
    }
    this.remaining = Number(length[1]);
    return at + end + HEAD_END.length - before;
  }
}

/** A request as sent on the wire. */
function requestText({ method, path, headers, body }: PacedRequest, host: string): string {
  const lines = [`${method} ${path} HTTP/1.1`, `host: ${host}`];
  for (const [name, value] of Object.entries(headers ?? {})) lines.push(`${name}: ${value}`);
  if (body !== undefined) lines.push(`content-length: ${Buffer.byteLength(body)}`);
  return `${lines.join('\r\n')}${HEAD_END}${body ?? ''}`;
}

/**
 * Opens the connections before the clock starts (one GET /healthz on each, all at once), as wrk2 connects before it
 * measures: the run measures answers at a steady rate, not TCP handshakes and a new process's first requests, which
 * made the first 0.3 s of each run its slowest.
 */
async function openConnections(hostname: string, port: number, count: number): Promise<Connection[]> {
  const shared = Buffer.alloc(READ_BUFFER_BYTES);
  const connections = Array.from({ length: count }, () => new Connection(hostname, port, shared));
  await Promise.all(connections.map((c) => new Promise<void>((resolve, reject) => {
    c.send(requestText({ method: 'GET', path: '/healthz' }, `${hostname}:${port}`), (ok) => (ok ? resolve() : reject(new Error('GET /healthz failed'))));
  })));
  return connections;
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
  const host = `${hostname}:${port}`;
  // FIFO: each request goes out on the connection idle longest, so the load is spread over all of them as wrk2
  // spreads it (node's http.Agent, LIFO by default, sent nearly all of it over the two or three used last).
  const free = await openConnections(hostname, Number(port), o.connections);
  const all = [...free];
  const interval = 1000 / o.rate;
  const warm = Math.floor((o.warmupSeconds ?? PACED_WARMUP_SECONDS) * o.rate);
  const total = warm + Math.floor(o.seconds * o.rate);
  const latencies = new Float64Array(total - warm);
  let answered = 0;
  let settledCount = 0;
  let failed = 0;
  let queuedMax = 0;
  const waiting: number[] = [];
  let allSettled: () => void = () => undefined;
  const settled = new Promise<void>((resolve) => {
    allSettled = resolve;
  });
  function send(connection: Connection, due: number): void {
    const measured = due >= measuredFrom;
    connection.send(requestText(next(), host), (ok) => {
      if (measured) {
        latencies[answered++] = performance.now() - due;
        if (!ok) failed++;
      }
      if (waiting.length > 0) send(connection, waiting.shift()!);
      else free.push(connection);
      if (++settledCount === total) allSettled();
    });
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
        const connection = free.shift();
        if (connection) send(connection, at);
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
  for (const connection of all) connection.close();
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
