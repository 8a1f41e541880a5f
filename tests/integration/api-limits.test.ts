// Issue 10: rate limits per address (before the token check) and per token, the bound on Keystone calls that
// unknown tokens cause, refusal of what PostgreSQL cannot store, and audit rows surviving a bad row in their
// batch. buildApp() on the real start-up wiring over a fresh real PostgreSQL database.
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { pino } from 'pino';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/api/app.ts';
import { KeystoneTokenValidator } from '../../src/api/auth.ts';
import { openAppContext, type AppContext } from '../../src/app-context.ts';
import { loadSettings } from '../../src/config/index.ts';
import type { ValidationRecord } from '../../src/model/index.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';

const silent = pino({ level: 'silent' });
const READERS = new Set(['reader-a', 'reader-b']);

let db: TestDatabase;
let ctx: AppContext;
const apps: FastifyInstance[] = [];

/** Keystone as the API tests fake it, counting calls and how many were in flight at once. */
const keystone = { server: null as Server | null, url: '', calls: 0, inFlight: 0, maxInFlight: 0, delayMs: 0 };

beforeAll(async () => {
  keystone.server = createServer((req, res) => {
    keystone.calls++;
    keystone.maxInFlight = Math.max(keystone.maxInFlight, ++keystone.inFlight);
    const subject = String(req.headers['x-subject-token']);
    setTimeout(() => {
      keystone.inFlight--;
      if (!READERS.has(subject)) return void res.writeHead(404, { 'content-type': 'application/json' }).end('{"error": {"code": 404}}');
      const token = { expires_at: new Date(Date.now() + 3_600_000).toISOString(), user: { id: 'u1' }, project: { id: 'p1' }, roles: [{ name: 'reader' }] };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token }));
    }, keystone.delayMs);
  });
  keystone.server.listen(0, '127.0.0.1');
  await once(keystone.server, 'listening');
  keystone.url = `http://127.0.0.1:${(keystone.server.address() as AddressInfo).port}/v3`;
  db = await createTestDatabase();
  ctx = await openAppContext(loadSettings({ DATABASE_URL: db.url, AUTH_MODE: 'none', LOG_LEVEL: 'silent' }), silent);
});

afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

afterAll(async () => {
  await ctx?.close();
  await db?.drop();
  keystone.server?.close();
});

/** An app on the shared store with these settings, its tokens checked by the fake Keystone when AUTH_MODE=keystone. */
async function appWith(env: Record<string, string>, context: AppContext = ctx): Promise<FastifyInstance> {
  const auth = env['AUTH_MODE'] === 'keystone' ? { tokenValidator: new KeystoneTokenValidator(keystone.url), authRealm: keystone.url } : {};
  const settings = loadSettings({ DATABASE_URL: db.url, AUTH_MODE: 'none', ...env });
  const { store, registry, ruleContext, storeMetrics } = context;
  const app = await buildApp({ settings, store, registry, ruleContext, storeMetrics, ...auth });
  await app.ready();
  apps.push(app);
  return app;
}

function expectProblem(res: request.Response, status: number, code: string): void {
  expect([res.status, res.headers['content-type'], res.body.code]).toEqual([status, 'application/problem+json', code]);
}

describe('rate limits', () => {
  it('answers 429 problem+json with Retry-After past the limit per address, and never limits probes', async () => {
    const app = await appWith({ RATE_LIMIT_PER_ADDRESS: '3', RATE_LIMIT_WINDOW_SECONDS: '60' });
    for (let i = 0; i < 3; i++) expect((await request(app.server).get('/v1/snapshots')).status).toBe(200);
    const refused = await request(app.server).get('/v1/snapshots');
    expectProblem(refused, 429, 'too_many_requests');
    expect(refused.body).toMatchObject({ type: 'urn:nova-advisor:problem:too_many_requests', title: 'Too many requests', status: 429 });
    expect(refused.body.detail).toMatch(/more than 3 requests in 60 s from this address/);
    const retryAfter = Number(refused.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    for (let i = 0; i < 5; i++) {
      for (const path of ['/healthz', '/readyz', '/metrics']) expect((await request(app.server).get(path)).status).toBe(200);
    }
  });

  it('limits each token on its own, without the token in the answer', async () => {
    const app = await appWith({ AUTH_MODE: 'keystone', RATE_LIMIT_PER_TOKEN: '2' });
    const snapshots = (token: string) => request(app.server).get('/v1/snapshots').set('x-auth-token', token);
    expect([(await snapshots('reader-a')).status, (await snapshots('reader-a')).status]).toEqual([200, 200]);
    const refused = await snapshots('reader-a');
    expectProblem(refused, 429, 'too_many_requests');
    expect(refused.headers['retry-after']).toBeDefined();
    expect(refused.text).not.toContain('reader-a');
    expect((await snapshots('reader-b')).status).toBe(200);
  });

  it('cuts off a flood of made-up tokens from one address before they become Keystone calls', async () => {
    const app = await appWith({ AUTH_MODE: 'keystone', RATE_LIMIT_PER_ADDRESS: '5' });
    const before = keystone.calls;
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) statuses.push((await request(app.server).get('/v1/snapshots').set('x-auth-token', `garbage-${i}`)).status);
    expect(statuses).toEqual([...Array<number>(5).fill(401), ...Array<number>(15).fill(429)]);
    expect(keystone.calls - before).toBe(5);
  });

  it('queues token checks beyond the bound on concurrent Keystone calls instead of failing them', async () => {
    keystone.delayMs = 20;
    keystone.maxInFlight = 0;
    try {
      const validator = new KeystoneTokenValidator(keystone.url, { maxConcurrentChecks: 2 });
      const before = keystone.calls;
      const verdicts = await Promise.all(Array.from({ length: 12 }, (_v, i) => validator.validate(i === 0 ? 'reader-a' : `unknown-${i}`)));
      expect(verdicts[0]).toMatchObject({ userId: 'u1', roles: ['reader'] });
      expect(verdicts.slice(1)).toEqual(Array(11).fill(null));
      expect(keystone.calls - before).toBe(12);
      expect(keystone.maxInFlight).toBe(2);
    } finally {
      keystone.delayMs = 0;
    }
  });
});

describe('what PostgreSQL cannot store', () => {
  const fieldsOf = (res: request.Response): string[] => (res.body.errors as { field: string }[]).map((e) => e.field);

  it('refuses a validation whose name holds NUL with a 400 naming `name`; the audit rows queued with it are written', async () => {
    const app = await appWith({});
    const validate = (name: string) => request(app.server).post('/v1/validations').send({ properties: { os_distro: 'ubuntu22.04' }, name });
    const [bad, ...good] = await Promise.all([validate('nul\u0000name'), ...['nul-ok-0', 'nul-ok-1', 'nul-ok-2'].map(validate)]);
    expectProblem(bad!, 400, 'bad_request');
    expect(bad!.body.errors).toEqual([{ field: 'name', message: expect.stringMatching(/NUL/) }]);
    expect(good.map((res) => res.status)).toEqual([200, 200, 200]);
    await ctx.store.flushValidations();
    expect(await imageRefs("LIKE 'nul%'")).toEqual(['nul-ok-0', 'nul-ok-1', 'nul-ok-2']);
  });

  it.each([
    ['an inline flavor name', 'post', '/v1/validations', { properties: {}, flavor: { name: 'f\u0000', vcpus: 1, ram: 512 } }, 'flavor.name'],
    ['an image name', 'post', '/v1/recommendations', { image: { name: 'ubuntu\u0000' } }, 'image.name'],
    ['a cloud to sync', 'post', '/v1/sync', { cloud: 'demo\u0000' }, 'cloud'],
    ['a cloud to list', 'get', '/v1/snapshots?cloud=demo%00', undefined, 'cloud'],
    ['a sync job id', 'get', '/v1/sync/job%00id', undefined, 'id'],
  ] as const)('refuses NUL in %s, naming the field', async (_what, method, url, body, field) => {
    const app = await appWith({});
    const res = await (method === 'post' ? request(app.server).post(url).send(body) : request(app.server).get(url));
    expectProblem(res, 400, 'bad_request');
    expect(fieldsOf(res)).toEqual([field]);
  });

  it('refuses an unpaired surrogate (PostgreSQL text would store U+FFFD instead) and accepts a paired one', async () => {
    const app = await appWith({});
    const raw = (name: string) =>
      request(app.server).post('/v1/validations').set('content-type', 'application/json').send(`{"properties": {}, "name": "${name}"}`);
    const lone = await raw('\\ud800x');
    expectProblem(lone, 400, 'bad_request');
    expect(fieldsOf(lone)).toEqual(['name']);
    expect((await raw('smile-\\ud83d\\ude42')).status).toBe(200);
  });
});

describe('validation audit rows', () => {
  it('writes the other rows of a batch PostgreSQL refuses, and counts the one lost at /metrics', async () => {
    const own = await openAppContext(loadSettings({ DATABASE_URL: db.url, AUTH_MODE: 'none', LOG_LEVEL: 'silent' }), silent);
    try {
      const app = await appWith({}, own);
      const row = (imageRef: string): ValidationRecord => ({ cloud: 'demo', snapshotId: null, imageRef, flavorRef: null, verdict: 'pass', findingIds: [] });
      // Straight into the store, past the schema that refuses NUL at the edge: all four queued for one batch.
      const outcomes = Promise.allSettled(['batch-0', 'batch-bad\u0000', 'batch-1', 'batch-2'].map((ref) => own.store.recordValidation(row(ref))));
      await own.store.flushValidations();
      expect((await outcomes).map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
      expect(await imageRefs("LIKE 'batch-%'")).toEqual(['batch-0', 'batch-1', 'batch-2']);
      const metrics = await request(app.server).get('/metrics');
      expect(metrics.text).toMatch(/^nova_advisor_audit_write_failures_total 1$/m);
    } finally {
      await own.close();
    }
  });
});

async function imageRefs(condition: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    const { rows } = await client.query<{ image_ref: string }>(`SELECT image_ref FROM validations WHERE image_ref ${condition} ORDER BY image_ref`);
    return rows.map((r) => r.image_ref);
  } finally {
    await client.end();
  }
}
