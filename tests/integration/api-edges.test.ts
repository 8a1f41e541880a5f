// Issue 11, the HTTP edge: what Fastify and Node answer before a route runs is problem+json too (bad URL, 414, 431,
// poisoned keys), optional bodies may be absent, body limits agree with the schemas' maxima, a down or hung Keystone is
// 503 with Retry-After within a bound, overload is 503, and `nova-advisor sync` skipped has its own exit code.
// buildApp() on the real start-up wiring over a fresh real PostgreSQL database (openDemoApp); 431 over a real socket.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type AppDeps } from '../../src/api/app.ts';
import { KeystoneTokenValidator } from '../../src/api/auth.ts';
import { bodyLimitOf, maxJsonBytes } from '../../src/api/body-limit.ts';
import type { SyncService } from '../../src/advisor/sync-service.ts';
import type { AppContext } from '../../src/app-context.ts';
import { EXIT, runCli } from '../../src/cli/program.ts';
import { loadSettings } from '../../src/config/index.ts';
import type { SyncJob } from '../../src/model/index.ts';
import { PciConfigCheckRequest } from '../../src/schemas/pci-config.ts';
import { createSyncService, type SyncOutcome } from '../../src/sync/sync.ts';
import { SnapshotRegistry } from '../../src/advisor/registry.ts';
import { openDemoApp, type DemoApp } from '../helpers/demo-app.ts';
import { FakeOpenStack } from '../contract/support/fake-openstack.ts';

const silent = pino({ level: 'silent' });

let demo: DemoApp;
let ctx: AppContext;
let databaseUrl: string;
const apps: FastifyInstance[] = [];

beforeAll(async () => {
  demo = await openDemoApp();
  ctx = demo.context;
  databaseUrl = ctx.settings.DATABASE_URL ?? '';
});

afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

afterAll(() => demo?.close());

async function appWith(env: Record<string, string> = {}, extra: Partial<AppDeps> = {}): Promise<FastifyInstance> {
  const settings = loadSettings({ DATABASE_URL: databaseUrl, AUTH_MODE: 'none', ...env });
  const { store, registry, ruleContext } = ctx;
  const app = await buildApp({ settings, store, registry, ruleContext, ...extra });
  await app.ready();
  apps.push(app);
  return app;
}

function expectProblem(res: request.Response, status: number, code: string): void {
  expect([res.status, res.headers['content-type'], res.body.code, res.body.status]).toEqual([status, 'application/problem+json', code, status]);
}

const fields = (res: request.Response): string[] => (res.body.errors as { field: string }[]).map((e) => e.field);

/** Sends raw bytes on a fresh connection and returns everything the server wrote before closing. */
async function rawHttp(app: FastifyInstance, text: string): Promise<{ status: number; headers: string; body: string }> {
  const address = app.server.address() as AddressInfo;
  const socket = connect(address.port, '127.0.0.1');
  await once(socket, 'connect');
  socket.end(text);
  const chunks: Buffer[] = [];
  for await (const chunk of socket) chunks.push(chunk as Buffer);
  const answer = Buffer.concat(chunks).toString('utf8');
  const [head = '', body = ''] = answer.split('\r\n\r\n');
  return { status: Number(head.split(' ')[1]), headers: head.toLowerCase(), body };
}

describe('errors before a route runs are problem+json', () => {
  it('a path that is not valid percent-encoding → 400', async () => {
    const app = await appWith();
    const res = await request(app.server).get('/v1/flavors/%zz');
    expectProblem(res, 400, 'bad_request');
    expect(res.body.instance).toBe('/v1/flavors/%zz');
  });

  it('a path segment longer than any name → 414; a 255-character name is looked up (404)', async () => {
    const app = await appWith();
    expectProblem(await request(app.server).get(`/v1/flavors/${'a'.repeat(255 * 9 + 1)}`), 414, 'uri_too_long');
    expectProblem(await request(app.server).get(`/v1/flavors/${'€'.repeat(255)}`), 404, 'not_found');
  });

  it('headers over Node\'s 16 KiB → 431 written on the socket', async () => {
    const app = await appWith();
    await app.listen({ host: '127.0.0.1', port: 0 });
    const res = await rawHttp(app, `GET /v1/flavors HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(20_000)}\r\n\r\n`);
    expect(res.status).toBe(431);
    expect(res.headers).toContain('content-type: application/problem+json');
    expect(JSON.parse(res.body)).toMatchObject({ status: 431, code: 'headers_too_large', type: 'urn:nova-advisor:problem:headers_too_large' });
    // A request line past the limit is the same overflow to Node's parser.
    const longUrl = await rawHttp(app, `GET /v1/flavors?x=${'u'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`);
    expect([longUrl.status, JSON.parse(longUrl.body).code]).toEqual([431, 'headers_too_large']);
    const garbage = await rawHttp(app, 'NOT HTTP AT ALL\r\n\r\n');
    expect([garbage.status, JSON.parse(garbage.body).code]).toEqual([400, 'bad_request']);
  });

  it.each([
    ['at the top', '{"image": {"name": "ubuntu-22.04"}, "__proto__": {"polluted": true}}', '__proto__'],
    ['in an open record', '{"image": {"properties": {"__proto__": {"x": 1}}}}', 'image.properties.__proto__'],
    ['as constructor.prototype', '{"image": {"properties": {"constructor": {"prototype": {"x": 1}}}}}', 'image.properties.constructor'],
    ['spelt with an escape', '{"image": {"properties": {"\\u005f_proto__": {"x": 1}}}}', 'image.properties.__proto__'],
  ])('a key that would replace a prototype %s → 400 naming it', async (_where, body, field) => {
    const app = await appWith();
    // Three times: a body sent again is refused again (json-body.ts keeps, from the second time, only bodies it accepted).
    for (let i = 0; i < 3; i++) {
      const res = await request(app.server).post('/v1/recommendations').set('content-type', 'application/json').send(body);
      expectProblem(res, 400, 'bad_request');
      expect(fields(res)).toEqual([field]);
    }
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('answers a body sent again and again as the first time, whether its schema accepts it or not', async () => {
    const app = await appWith();
    const post = (path: string, body: string) => request(app.server).post(path).set({ 'content-type': 'application/json', 'x-request-id': 'again' }).send(body);
    // The snapshot's age may pass a second between the two.
    const answer = (res: request.Response) => [res.status, res.text.replace(/"ageSeconds":\d+/, '')];
    for (const [path, body] of [
      ['/v1/recommendations', '{"image": {"name": "ubuntu-22.04"}, "flavor": {"name": "m1.large"}, "vfs": 2, "workload": "nfv-dataplane"}'],
      ['/v1/validations', '{"properties": {"os_distro": "ubuntu", "hw_vif_model": "e1000"}, "name": "upload"}'],
      ['/v1/recommendations', '{"image": {"name": "ubuntu-22.04"}, "vfs": -1}'],
    ] as const) {
      // The second time keeps the parsed body (json-body.ts), the third reads it.
      const [first, again, third] = [await post(path, body), await post(path, body), await post(path, body)];
      expect(answer(again)).toEqual(answer(first));
      expect(answer(third)).toEqual(answer(first));
    }
  });
});

describe('POST /v1/sync with its optional body absent', () => {
  const job: SyncJob = {
    id: 'job-1', cloud: 'lab', status: 'running', startedAt: new Date(0).toISOString(), finishedAt: null,
    progress: {}, requestCount: 0, snapshotId: null, error: null,
  };
  const started: (string | undefined)[] = [];
  const sync: SyncService = { clouds: () => ['lab'], start: async (cloud) => (started.push(cloud), job), get: async () => job };

  it('starts the default cloud with no body and no Content-Type, as with {} or a named cloud', async () => {
    const app = await appWith({}, { sync });
    expect((await request(app.server).post('/v1/sync')).status).toBe(202);
    expect((await request(app.server).post('/v1/sync').send({})).status).toBe(202);
    expect((await request(app.server).post('/v1/sync').send({ cloud: 'lab' })).status).toBe(202);
    expect(started).toEqual([undefined, undefined, 'lab']);
    // Content-Type application/json with nothing after it is still malformed JSON.
    expectProblem(await request(app.server).post('/v1/sync').set('content-type', 'application/json').send(''), 400, 'bad_request');
  });
});

describe('body limits agree with the schemas', () => {
  // Each of the 512 entries at its 16,384-character maximum, every character one JSON.stringify writes as \u0001.
  const entry = '\u0001'.repeat(16_384);
  const maximal = { device_spec: Array(256).fill(entry), alias: Array(256).fill(entry), report_in_placement: false, pci_in_placement: false };

  it('the limit is the longest valid body: 512 entries × 16,384 characters × 6 bytes and the rest', () => {
    const limit = bodyLimitOf(PciConfigCheckRequest);
    const withCloud = JSON.stringify({ ...maximal, cloud: '\u0001'.repeat(255) });
    expect(PciConfigCheckRequest.safeParse(JSON.parse(withCloud)).success).toBe(true);
    expect(limit).toBe(maxJsonBytes(PciConfigCheckRequest));
    expect(limit).toBe(Buffer.byteLength(withCloud));
    expect(limit).toBe(50_334_805);
  });

  it('a valid body of exactly the limit is answered; one byte more is 413 problem+json', { timeout: 60_000 }, async () => {
    const app = await appWith();
    const limit = bodyLimitOf(PciConfigCheckRequest);
    const compact = JSON.stringify(maximal);
    // Whitespace up to the limit: the cloud field is left out, as no cloud of that name exists to answer.
    const atLimit = `${compact}${' '.repeat(limit - Buffer.byteLength(compact))}`;
    const send = (body: string) => request(app.server).post('/v1/pci/config-checks').set('content-type', 'application/json').send(body);
    const ok = await send(atLimit);
    expect(ok.status).toBe(200);
    expect(ok.body.verdict).toBe('fail');
    expectProblem(await send(`${atLimit} `), 413, 'payload_too_large');
  });
});

describe('Keystone down or hung', () => {
  let hung: Server;
  let hungUrl: string;
  beforeAll(async () => {
    // Accepts and reads, never answers.
    hung = createServer(() => undefined);
    hung.listen(0, '127.0.0.1');
    await once(hung, 'listening');
    hungUrl = `http://127.0.0.1:${(hung.address() as AddressInfo).port}/v3`;
  });
  afterAll(() => {
    hung.closeAllConnections();
    hung.close();
  });

  const keystoneApp = (url: string) =>
    appWith({ AUTH_MODE: 'keystone' }, { tokenValidator: new KeystoneTokenValidator(url, { timeoutMs: 500 }), authRealm: url });

  it('hung: 503 unavailable with Retry-After after the timeout, then at once while it stays down', async () => {
    const app = await keystoneApp(hungUrl);
    const t0 = Date.now();
    const first = await request(app.server).get('/v1/flavors').set('x-auth-token', 'token-1');
    const firstMs = Date.now() - t0;
    expectProblem(first, 503, 'unavailable');
    expect(first.headers['retry-after']).toBe('1');
    expect(firstMs).toBeGreaterThanOrEqual(450);
    expect(firstMs).toBeLessThan(1_500);
    const t1 = Date.now();
    expectProblem(await request(app.server).get('/v1/flavors').set('x-auth-token', 'token-2'), 503, 'unavailable');
    expect(Date.now() - t1).toBeLessThan(200);
  });

  it('down (connection refused): 503 unavailable with Retry-After after the retries', { timeout: 10_000 }, async () => {
    // Port 1 (tcpmux): nothing listens there and, below the ephemeral range, no other test's server can be given it,
    // as a port freed by closing a server could be (a parallel suite's fake Keystone once answered 401 on it).
    const app = await keystoneApp('http://127.0.0.1:1/v3');
    const t0 = Date.now();
    const res = await request(app.server).get('/v1/flavors').set('x-auth-token', 'token-1');
    expectProblem(res, 503, 'unavailable');
    expect(res.headers['retry-after']).toBe('1');
    // Three retries with back-off (0.25–0.5, 0.5–1, 1–2 s: src/openstack/http.ts).
    expect(Date.now() - t0).toBeLessThan(4_000);
  });
});

describe('overload', () => {
  it('answers /v1 503 problem+json with Retry-After past the heap threshold; probes still answer', async () => {
    const app = await appWith({ OVERLOAD_MAX_HEAP_USED_MB: '1' });
    // @fastify/under-pressure samples once a second; before its first sample it sees no pressure.
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    const res = await request(app.server).get('/v1/flavors');
    expectProblem(res, 503, 'unavailable');
    expect(res.headers['retry-after']).toBe('10');
    expect(res.body.detail).toMatch(/heapUsedBytes/);
    expect((await request(app.server).get('/healthz')).status).toBe(200);
  });

  it('does not refuse the first answers after ready for the start\'s own event-loop delay, and refuses later delays', async () => {
    const app = await appWith({ OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: '50' });
    const readyAt = Date.now();
    // Work like a start's, right after ready: 100 ms stretches with only a turn of the loop between them.
    const busyFor = async (ms: number) => {
      for (const until = Date.now() + ms; Date.now() < until; ) {
        const stretch = Date.now() + 100;
        while (Date.now() < stretch);
        await new Promise((resolve) => setImmediate(resolve));
      }
    };
    await busyFor(1_300);
    expect((await request(app.server).get('/v1/flavors')).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, 2_100 - (Date.now() - readyAt))));
    // Past the grace, long enough that one whole sample (a second) is of busy work.
    await busyFor(2_300);
    const res = await request(app.server).get('/v1/flavors');
    expectProblem(res, 503, 'unavailable');
    expect(res.body.detail).toMatch(/eventLoopDelay/);
  });

  it('is off with both thresholds 0', async () => {
    const app = await appWith({ OVERLOAD_MAX_HEAP_USED_MB: '0', OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: '0' });
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    expect((await request(app.server).get('/v1/flavors')).status).toBe(200);
  });
});

describe('server timeouts', () => {
  it('come from the settings (headers never after the whole request)', async () => {
    const app = await appWith({ HTTP_REQUEST_TIMEOUT_SECONDS: '30', HTTP_HEADERS_TIMEOUT_SECONDS: '45', HTTP_KEEP_ALIVE_TIMEOUT_SECONDS: '61' });
    expect([app.server.requestTimeout, app.server.headersTimeout, app.server.keepAliveTimeout]).toEqual([30_000, 30_000, 61_000]);
    const defaults = await appWith();
    expect([defaults.server.requestTimeout, defaults.server.headersTimeout, defaults.server.keepAliveTimeout]).toEqual([60_000, 15_000, 72_000]);
  });
});

describe('shutdown', () => {
  it('`serve` on SIGTERM closes the server and the store and exits 0', { timeout: 60_000 }, async () => {
    const bin = fileURLToPath(new URL('../../bin/nova-advisor.js', import.meta.url));
    const child = spawn(process.execPath, [bin, 'serve'], { env: { PATH: process.env['PATH'], DATABASE_URL: databaseUrl, PORT: '0', AUTH_MODE: 'none' } });
    let log = '';
    await new Promise<void>((resolve) =>
      child.stdout.on('data', (chunk: Buffer) => {
        log += chunk.toString();
        if (log.includes('"msg":"ready"')) resolve();
      }),
    );
    const t0 = Date.now();
    child.kill('SIGTERM');
    const [code] = (await once(child, 'exit')) as [number];
    expect(code).toBe(0);
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(log).toMatch(/"signal":"SIGTERM".*shutting down/);
  });

  it('abort() fails a running sync at once and records it, so close() does not wait for the read', async () => {
    const fake = await FakeOpenStack.start();
    try {
      // Every image page takes 30 s: without the abort, close() would wait for it.
      fake.script((r) => (r.path.startsWith('/v2/images') ? { status: 200, body: {}, delayMs: 30_000 } : undefined));
      const service = createSyncService({
        settings: { SYNC_INTERVAL_SECONDS: 0 }, store: ctx.store, registry: new SnapshotRegistry(ctx.store), log: silent,
        clouds: [fake.cloud()], client: { pageSize: 2, http: { timeoutMs: 60_000 } },
      });
      const done = service.run();
      await new Promise((resolve) => setTimeout(resolve, 300));
      const t0 = Date.now();
      service.abort();
      await service.close();
      const outcome = await done;
      expect(Date.now() - t0).toBeLessThan(1_000);
      expect(outcome.status).toBe('failed');
      expect(outcome.error?.message).toMatch(/shutting down/);
      expect(outcome.summary?.status).toBe('failed');
    } finally {
      await fake.close();
    }
  });
});

describe('nova-advisor sync exit codes', () => {
  const outcome = (status: SyncOutcome['status'], recorded: boolean): SyncOutcome => ({
    status, cloud: 'lab', region: null, counts: null, durationMs: 1, requestCount: 0, skippedProviders: [], placementRead: null,
    summary: recorded ? ({ id: 's1' } as SyncOutcome['summary']) : null,
    error: status === 'succeeded' ? null : new Error(status === 'skipped' ? 'another sync of cloud "lab" is running' : 'boom'),
  });

  it.each([
    ['succeeded', outcome('succeeded', true), EXIT.ok],
    ['failed (recorded)', outcome('failed', true), EXIT.findings],
    ['skipped: another sync holds the lock', outcome('skipped', false), EXIT.skipped],
    ['failed and not even recorded (the store failed)', outcome('failed', false), EXIT.failed],
  ])('%s', async (_what, result, code) => {
    const codes: number[] = [];
    const context = { ...ctx, sync: { select: () => ['lab'], run: async () => result } } as unknown as AppContext;
    await runCli(['node', 'nova-advisor', 'sync'], { out: () => undefined, err: () => undefined, exit: (c) => codes.push(c), withContext: (run) => run(context) });
    expect(codes).toEqual([code]);
  });
});
