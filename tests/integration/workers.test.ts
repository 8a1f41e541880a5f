// WORKERS=2 (issue 16: both cores answer): `node bin/nova-advisor.js serve` on a fresh database of the real
// PostgreSQL with the demo cloud. The primary forks two workers on one port, the second once the first answers (the
// service is ready then; issue 16: cold start); connections go to both; /metrics counts
// the requests of both; a worker killed is replaced while the other answers; SIGTERM stops all of them gracefully
// (exit 0), a request in flight on a connection answered first; a worker that cannot start stops the service instead of
// restarting forever; the embedded database refuses more than one worker. Connections opened at once are spread evenly
// (src/server-balancer.ts), where Node's cluster split them by which worker acknowledged first.
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { connect } from 'node:net';
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReadyFacts } from '../../src/server-log.ts';
import { createTestDatabase, makeTempDir, type TestDatabase } from '../helpers/db.ts';

const BIN = fileURLToPath(new URL('../../bin/nova-advisor.js', import.meta.url));

interface Service {
  child: ChildProcess;
  /** Every JSON log line so far (stdout), parsed. */
  lines: Record<string, unknown>[];
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The first line `match` accepts, now or when it comes; fails when the service exits first. */
  line(match: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  stderr(): string;
}

const services: ChildProcess[] = [];

function serve(env: Record<string, string>): Service {
  const child = spawn(process.execPath, [BIN, 'serve'], {
    env: { PATH: process.env['PATH'], HOST: '127.0.0.1', PORT: '0', LOG_FORMAT: 'json', LOG_LEVEL: 'info', AUTH_MODE: 'none', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  services.push(child);
  const lines: Record<string, unknown>[] = [];
  const waiting = new Set<() => void>();
  let buffered = '';
  let errors = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const parts = buffered.split('\n');
    buffered = parts.pop()!;
    for (const part of parts) if (part.startsWith('{')) lines.push(JSON.parse(part) as Record<string, unknown>);
    for (const wake of waiting) wake();
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    errors += chunk.toString();
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => {
    for (const wake of waiting) wake();
    resolve({ code, signal });
  }));
  const line = (match: (l: Record<string, unknown>) => boolean, timeoutMs = 60_000) => new Promise<Record<string, unknown>>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no such log line within ${timeoutMs} ms; stderr: ${errors}`)), timeoutMs);
    const check = (): void => {
      const found = lines.find(match);
      if (found) {
        waiting.delete(check);
        clearTimeout(timer);
        resolve(found);
      } else if (child.exitCode !== null || child.signalCode !== null) {
        waiting.delete(check);
        clearTimeout(timer);
        reject(new Error(`serve exited (${child.exitCode ?? child.signalCode}) first; stderr: ${errors}`));
      }
    };
    waiting.add(check);
    check();
  });
  return { child, lines, exit, line, stderr: () => errors };
}

/** GET over a connection of its own (no keep-alive), so the primary hands each to the next worker. */
function getOnce(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http.get(url, { agent: false, headers: { connection: 'close' } }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => {
        body += chunk.toString();
      });
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    }).on('error', reject);
  });
}

/** GET with a request id over `agent` (keep-alive: the connection stays with the worker it was handed to). */
function getWith(agent: http.Agent, url: string, requestId: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http.get(url, { agent, headers: { 'x-request-id': requestId } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode!));
    }).on('error', reject);
  });
}

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

let db: TestDatabase;
afterAll(async () => {
  for (const child of services) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await db?.drop();
});

/** When a process started (epoch ms, ~10 ms steps): /proc/<pid>/stat's starttime is in clock ticks (USER_HZ, 100 on Linux) since boot; /proc/uptime is seconds since boot. */
function startedAt(pid: number): number {
  const startTicks = Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[19]);
  const uptimeS = Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
  return Date.now() - (uptimeS - startTicks / 100) * 1000;
}

describe('serve with WORKERS=2 on PostgreSQL', () => {
  let service: Service;
  let ready: ReadyFacts;
  let readyzAtReady: number;
  let all: Required<ReadyFacts>['workers'];
  beforeAll(async () => {
    db = await createTestDatabase();
    service = serve({ DATABASE_URL: db.url, WORKERS: '2' });
    ready = (await service.line((l) => l['msg'] === 'ready')) as unknown as ReadyFacts;
    readyzAtReady = (await getOnce(`${ready.url}/readyz`)).status;
    all = (await service.line((l) => l['msg'] === 'all workers ready'))['workers'] as typeof all;
  }, 90_000);

  it('says ready when the first worker answers (/readyz 200), and all workers ready when both do, each a child of the primary', () => {
    expect(ready.workers).toEqual({ count: 2, ready: 1, pids: [expect.any(Number)] });
    expect(readyzAtReady).toBe(200);
    expect(all.count).toBe(2);
    expect(all.ready).toBe(2);
    expect(all.pids).toHaveLength(2);
    expect(all.pids).toContain(ready.workers!.pids[0]);
    for (const pid of all.pids) {
      expect(pid).not.toBe(service.child.pid);
      expect(isAlive(pid)).toBe(true);
    }
    // One entry from the primary, not a banner per worker.
    expect(service.lines.filter((l) => l['msg'] === 'ready')).toHaveLength(1);
  });

  it('warns once, not once per worker, that the API is open (AUTH_MODE=none) and that Node runs with the memory reducer on', () => {
    // Started as `node bin/nova-advisor.js serve`, without npm start's --no-memory-reducer (README "Start it").
    const warnings = service.lines.filter((l) => l['level'] === 40).map((l) => String(l['msg']));
    expect(warnings.filter((msg) => msg.startsWith('AUTH_MODE=none'))).toHaveLength(1);
    expect(warnings.filter((msg) => msg.includes('--no-memory-reducer'))).toHaveLength(1);
  });

  it('starts the second worker only after the first answers, so they do not load the snapshots at once', () => {
    const [second] = all.pids.filter((pid) => pid !== ready.workers!.pids[0]);
    const firstReadyAt = service.lines.find((l) => l['msg'] === 'worker ready' && l['pid'] === ready.workers!.pids[0])!['time'] as number;
    expect(startedAt(second!)).toBeGreaterThan(firstReadyAt - 50);
  });

  it('forks the first worker before the primary loads the service\'s modules, which it then supervises', () => {
    const starting = service.lines.find((l) => l['msg'] === 'starting workers, one after another')!;
    expect(starting).toMatchObject({ workers: 2, forkedBeforeModules: 1 });
    // The primary loads its modules (through tsx or from dist/), zod and the settings before it logs this: the worker
    // began before all of it.
    expect(startedAt(ready.workers!.pids[0]!)).toBeLessThan((starting['time'] as number) - 100);
  });

  it('is ready (/readyz 200) from either worker', async () => {
    for (let i = 0; i < 4; i++) expect((await getOnce(`${ready.url}/readyz`)).status).toBe(200);
  });

  it('hands connections to both workers, and /metrics counts the requests of both', async () => {
    const requests = 12;
    for (let i = 0; i < requests; i++) expect((await getOnce(`${ready.url}/v1/flavors?limit=1`)).status).toBe(200);
    await service.line((l) => l['msg'] === 'request completed' && l['pid'] === all.pids[0]);
    const completed = service.lines.filter((l) => l['msg'] === 'request completed');
    const answeredBy = new Set(completed.map((l) => l['pid']));
    expect([...answeredBy].sort()).toEqual([...all.pids].sort());
    const metrics = await getOnce(`${ready.url}/metrics`);
    expect(metrics.status).toBe(200);
    const line = metrics.body.split('\n').find((l) => l.startsWith('nova_advisor_http_requests_total{method="GET",route="/v1/flavors",status="200"}'));
    expect(line?.split(' ')[1]).toBe(String(requests));
    // Read alike by every worker: taken once, not summed (one series per cloud, not one per worker).
    expect(metrics.body.match(/^nova_advisor_snapshot_age_seconds\{/gm)).toHaveLength(1);
    // The capacity families come once, from the worker that got the scrape (once its summary is ready).
    let scrape = metrics.body;
    for (let i = 0; i < 50 && !/^nova_advisor_capacity_info\{/m.test(scrape); i++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      scrape = (await getOnce(`${ready.url}/metrics`)).body;
    }
    expect(scrape.match(/^nova_advisor_capacity_info\{/gm)).toHaveLength(1);
  });

  it('spreads connections opened at once evenly over the workers, each answering its own', async () => {
    // The earlier tests' connections (each closed after its request) are no longer counted by then.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const agent = new http.Agent({ keepAlive: true, maxSockets: 10 });
    try {
      // Ten requests at once open ten connections at once, as a load generator does.
      const ids = Array.from({ length: 10 }, (_, i) => `spread-${i}`);
      expect(await Promise.all(ids.map((id) => getWith(agent, `${ready.url}/healthz`, id)))).toEqual(ids.map(() => 200));
      const completed = await Promise.all(ids.map((id) => service.line((l) => l['msg'] === 'request completed' && l['reqId'] === id)));
      const perWorker = new Map<unknown, number>();
      for (const line of completed) perWorker.set(line['pid'], (perWorker.get(line['pid']) ?? 0) + 1);
      expect([...perWorker.keys()].sort()).toEqual([...all.pids].sort());
      expect([...perWorker.values()]).toEqual([5, 5]);
    } finally {
      agent.destroy();
    }
  });

  it('replaces a worker that dies, while the other one answers', async () => {
    const [victim, survivor] = all.pids;
    process.kill(victim!, 'SIGKILL');
    await service.line((l) => l['msg'] === 'a worker stopped; starting another' && l['worker'] === victim);
    expect(isAlive(survivor!)).toBe(true);
    expect((await getOnce(`${ready.url}/healthz`)).status).toBe(200);
    const replaced = await service.line((l) => l['msg'] === 'worker ready' && l['pid'] !== victim && l['pid'] !== survivor);
    expect(isAlive(replaced['pid'] as number)).toBe(true);
  }, 60_000);

  it('stops every worker gracefully on SIGTERM and exits 0, answering first a request in flight on a connection', async () => {
    const workers = service.lines.filter((l) => l['msg'] === 'worker ready').map((l) => l['pid'] as number).filter(isAlive);
    expect(workers).toHaveLength(2);
    // A validation whose body is half sent when the signal comes: its worker has it, and must answer it before it ends.
    const { port } = new URL(ready.url);
    const body = JSON.stringify({ properties: { os_distro: 'ubuntu', hw_vif_model: 'virtio' }, name: 'in-flight' });
    const socket = connect(Number(port), '127.0.0.1');
    let answer = '';
    socket.on('data', (chunk: Buffer) => {
      answer += chunk.toString();
    });
    const ended = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.write(`POST /v1/validations HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\nx-request-id: in-flight\r\ncontent-length: ${body.length}\r\n\r\n${body.slice(0, 10)}`);
    await service.line((l) => l['msg'] === 'incoming request' && l['reqId'] === 'in-flight');
    service.child.kill('SIGTERM');
    await service.line((l) => l['msg'] === 'shutting down' && workers.includes(l['pid'] as number));
    await new Promise((resolve) => setTimeout(resolve, 300));
    socket.write(body.slice(10));
    await ended;
    // Answered, then its connection closed by the worker (idle once answered) before it ended.
    expect(answer).toMatch(/^HTTP\/1\.1 200 /);
    expect(await service.exit).toEqual({ code: 0, signal: null });
    // Each worker ran its own graceful shutdown (src/server.ts), asked once by the primary.
    expect(service.lines.filter((l) => l['msg'] === 'shutting down' && workers.includes(l['pid'] as number))).toHaveLength(2);
    for (const pid of workers) expect(isAlive(pid)).toBe(false);
  }, 60_000);
});

describe('serve with WORKERS=2 that cannot start', () => {
  it('stops (exit 1) when a worker fails before it is ready, instead of starting it again and again', async () => {
    const missing = new URL(db.url);
    missing.pathname = '/na_test_no_such_database';
    const service = serve({ DATABASE_URL: missing.toString(), WORKERS: '2' });
    const { code } = await service.exit;
    expect(code).toBe(1);
    const stopped = service.lines.filter((l) => l['msg'] === 'a worker stopped before it was ready (see its log above): stopping the service');
    expect(stopped.length).toBeGreaterThanOrEqual(1);
    expect(service.lines.filter((l) => l['msg'] === 'a worker stopped; starting another')).toHaveLength(0);
  }, 60_000);

  it('refuses more than one worker on the embedded database, naming WORKERS', async () => {
    const dataDir = await makeTempDir();
    try {
      const service = serve({ DATA_DIR: dataDir, WORKERS: '2' });
      const { code } = await service.exit;
      expect(code).not.toBe(0);
      expect(service.stderr()).toMatch(/WORKERS: 2 processes need DATABASE_URL/);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 30_000);
});
