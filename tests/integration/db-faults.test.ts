// Database faults caused for real on a private PostgreSQL cluster (tests/helpers/private-pg.ts), against the app on
// its start-up wiring with a sync service on the fake OpenStack: the lock-holding session terminated mid-sync, the
// server stopped while requests run, a job whose process stopped reporting. Counts are printed for docs/reliability.md.
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/api/app.ts';
import { openAppContext, type AppContext } from '../../src/app-context.ts';
import { loadSettings } from '../../src/config/index.ts';
import { AUDIT_BUFFER_MAX } from '../../src/store/audit.ts';
import { LEASE_EXPIRED_ERROR, SYNC_LOCK_NAMESPACE } from '../../src/store/pg-store.ts';
import { createSyncService, type OpenStackSyncService } from '../../src/sync/sync.ts';
import { FakeOpenStack } from '../contract/support/fake-openstack.ts';
import { startPrivatePostgres, type PrivatePostgres } from '../helpers/private-pg.ts';

const log = pino({ level: 'silent' });
let cluster: PrivatePostgres;
let fake: FakeOpenStack;
let ctx: AppContext;
let sync: OpenStackSyncService;
let app: FastifyInstance;

beforeAll(async () => {
  [cluster, fake] = await Promise.all([startPrivatePostgres(), FakeOpenStack.start()]);
  ctx = await openAppContext(loadSettings({ DATABASE_URL: cluster.url, AUTH_MODE: 'none', LOG_LEVEL: 'silent' }), log);
  // The demo cloud answers recommendations; syncs read the fake one (page size 2 like its recording, quick back-off).
  sync = createSyncService({
    settings: ctx.settings,
    store: ctx.store,
    registry: ctx.registry,
    log,
    clouds: [fake.cloud()],
    client: { pageSize: 2, http: { timeoutMs: 5_000, retries: 3, backoffBaseMs: 10, backoffMaxMs: 50 } },
  });
  app = await buildApp({ settings: ctx.settings, store: ctx.store, registry: ctx.registry, ruleContext: ctx.ruleContext, sync, storeMetrics: ctx.storeMetrics });
  await app.ready();
}, 30_000);

afterAll(async () => {
  await app?.close();
  await ctx?.close();
  await Promise.all([fake?.close(), cluster?.destroy()]);
}, 30_000);

async function sql<T extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: cluster.url });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Starts a sync over HTTP and waits for its job to finish; returns the finished job. */
async function syncToEnd(): Promise<{ id: string; status: string; error: string | null }> {
  const started = await app.inject({ method: 'POST', url: '/v1/sync', payload: {} });
  expect(started.statusCode).toBe(202);
  const { id } = started.json<{ id: string }>();
  return until('the sync job to finish', async () => {
    const job = (await app.inject({ method: 'GET', url: `/v1/sync/${id}` })).json<{ id: string; status: string; error: string | null }>();
    return job.status === 'running' ? undefined : job;
  });
}

const counts = { faults: 0, requests: 0, fiveHundreds: 0, rowsLost: 0, rowsDropped: 0 };
afterAll(() => {
  console.log(
    `db-faults: ${counts.faults} faults caused, ${counts.requests} requests sent, ${counts.fiveHundreds} 5xx other than 503, ` +
      `${counts.rowsLost} audit rows lost in the outage, ${counts.rowsDropped} dropped from the full buffer (as designed)`,
  );
});

async function auditRowsLostMetric(): Promise<number> {
  const metrics = await app.inject({ method: 'GET', url: '/metrics' });
  return Number(/^nova_advisor_audit_write_failures_total (\d+)$/m.exec(metrics.body)?.[1]);
}

describe('the session holding the sync lock is terminated mid-sync', () => {
  it('fails that sync with the reason, keeps the process, and the next sync succeeds', async () => {
    // Placement's provider listing answers after 3 s, so the sync holds its lock while the session is killed.
    fake.script((r) =>
      r.service === 'placement' && r.path.split('?')[0] === '/resource_providers'
        ? { ...fake.recorded(null, 'placement', 'GET', r.path), delayMs: 3_000 }
        : undefined,
    );
    const started = await app.inject({ method: 'POST', url: '/v1/sync', payload: {} });
    counts.requests++;
    expect(started.statusCode).toBe(202);
    const { id } = started.json<{ id: string }>();
    // Two-key advisory locks show their first key as classid (PostgreSQL docs, pg_locks).
    const [holder] = await until('the sync lock', async () => {
      const rows = await sql<{ pid: number }>(`SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND classid = $1 AND granted`, [SYNC_LOCK_NAMESPACE]);
      return rows.length > 0 ? rows : undefined;
    });
    const killedAt = Date.now();
    await sql('SELECT pg_terminate_backend($1)', [holder!.pid]);
    counts.faults++;

    const job = await until('the job to fail', async () => {
      const res = await app.inject({ method: 'GET', url: `/v1/sync/${id}` });
      counts.requests++;
      const body = res.json<{ status: string; error: string | null }>();
      return body.status === 'running' ? undefined : body;
    });
    expect(job.status).toBe('failed');
    expect(job.error).toMatch(/^lost the database session holding the sync lock/);
    // Aborted at once, not after the delayed listing answered.
    expect(Date.now() - killedAt).toBeLessThan(2_500);
    const [failed] = await sql<{ status: string; error: string }>(`SELECT status, error FROM snapshots WHERE cloud = 'fake' ORDER BY seq DESC LIMIT 1`);
    expect(failed).toMatchObject({ status: 'failed', error: expect.stringMatching(/sync lock/) as unknown });

    fake.reset();
    const next = await syncToEnd();
    counts.requests += 2;
    expect(next).toMatchObject({ status: 'succeeded', error: null });
  }, 20_000);
});

describe('PostgreSQL stopped while requests run', () => {
  it('answers 503 + Retry-After on database-backed routes, keeps answering from memory, writes the queued audit rows after the restart', async () => {
    const { id: jobId } = await syncToEnd();
    const statuses: Record<string, number[]> = {};
    let validationsAnswered = 0;
    const send = async (route: string, response: Promise<LightMyRequestResponse>) => {
      const res = await response;
      counts.requests++;
      (statuses[route] ??= []).push(res.statusCode);
      if (res.statusCode >= 500 && res.statusCode !== 503) counts.fiveHundreds++;
      if (res.statusCode === 503) {
        expect(res.headers['retry-after']).toMatch(/^\d+$/);
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(res.json()).toMatchObject({ status: 503, code: 'unavailable' });
      }
      return res;
    };

    await cluster.stop();
    counts.faults++;
    const downUntil = Date.now() + 3_000;
    for (let round = 0; Date.now() < downUntil; round++) {
      await Promise.all([
        send('GET /v1/snapshots', app.inject({ method: 'GET', url: '/v1/snapshots' })),
        send('GET /v1/sync/{id}', app.inject({ method: 'GET', url: `/v1/sync/${jobId}` })),
        send('POST /v1/sync', app.inject({ method: 'POST', url: '/v1/sync', payload: {} })),
        send('GET /readyz', app.inject({ method: 'GET', url: '/readyz' })),
        send('POST /v1/recommendations', app.inject({ method: 'POST', url: '/v1/recommendations', payload: { image: { name: 'ubuntu-22.04' }, flavor: { name: 'm1.large' } } })),
        send('POST /v1/validations', app.inject({ method: 'POST', url: '/v1/validations', payload: { properties: { os_distro: 'ubuntu22.04' }, name: `outage-${round}` } })).then(
          (res) => void (res.statusCode === 200 && validationsAnswered++),
        ),
      ]);
      await new Promise((r) => setTimeout(r, 100));
    }
    await cluster.start();

    for (const route of ['GET /v1/snapshots', 'GET /v1/sync/{id}', 'POST /v1/sync', 'GET /readyz']) {
      expect(new Set(statuses[route]), route).toEqual(new Set([503]));
    }
    for (const route of ['POST /v1/recommendations', 'POST /v1/validations']) expect(new Set(statuses[route]), route).toEqual(new Set([200]));
    expect(validationsAnswered).toBeGreaterThan(10);

    // Retried with backoff (at most 5 s apart) until written: every answer given during the outage has its row.
    const written = await until('the queued audit rows', async () => {
      const [row] = await sql<{ n: number }>(`SELECT count(*)::int AS n FROM validations WHERE image_ref LIKE 'outage-%'`);
      return row!.n === validationsAnswered ? row!.n : undefined;
    }, 15_000);
    expect(written).toBe(validationsAnswered);
    counts.rowsLost = await auditRowsLostMetric();
    expect(counts.rowsLost).toBe(0);

    console.log(`db-faults: outage ${Object.entries(statuses).map(([route, s]) => `${route} ${s.length}×${[...new Set(s)].join('/')}`).join(', ')}; ${written} audit rows written after the restart`);

    // Back: the same routes answer again, and a sync runs.
    expect((await send('GET /v1/snapshots', app.inject({ method: 'GET', url: '/v1/snapshots' }))).statusCode).toBe(200);
    expect((await send('GET /readyz', app.inject({ method: 'GET', url: '/readyz' }))).statusCode).toBe(200);
    expect((await syncToEnd()).status).toBe('succeeded');
    counts.requests += 2;
  }, 30_000);
});

describe('a running job whose process stopped reporting', () => {
  it('is failed by the next read once its heartbeat is older than the lease; a live one is not', async () => {
    await sql(
      `INSERT INTO sync_jobs (id, cloud, status, started_at, heartbeat_at) VALUES
         ('job-of-a-dead-process', 'fake', 'running', now() - interval '10 minutes', now() - interval '5 minutes'),
         ('job-of-a-live-process', 'fake', 'running', now() - interval '10 minutes', now())`,
    );
    counts.faults++;
    const dead = await app.inject({ method: 'GET', url: '/v1/sync/job-of-a-dead-process' });
    const live = await app.inject({ method: 'GET', url: '/v1/sync/job-of-a-live-process' });
    counts.requests += 2;
    expect(dead.statusCode).toBe(200);
    expect(dead.json()).toMatchObject({ status: 'failed', error: LEASE_EXPIRED_ERROR, finishedAt: expect.any(String) as unknown });
    expect(live.json()).toMatchObject({ status: 'running', error: null, finishedAt: null });
  });
});

describe('audit rows past the buffer while PostgreSQL is down', () => {
  it('drops the oldest, counts them as lost, and writes the rest after the restart', async () => {
    const lostBefore = await auditRowsLostMetric();
    const extra = 5;
    await cluster.stop();
    counts.faults++;
    const outcomes = Promise.allSettled(
      Array.from({ length: AUDIT_BUFFER_MAX + extra }, (_v, i) =>
        ctx.store.recordValidation({ cloud: 'demo', snapshotId: null, imageRef: `buffered-${i}`, flavorRef: null, verdict: 'pass', findingIds: [] }),
      ),
    );
    await new Promise((r) => setTimeout(r, 1_000)); // a first write and a retry fail meanwhile
    await cluster.start();
    const settled = await outcomes;
    counts.rowsDropped = settled.filter((o) => o.status === 'rejected').length;
    expect(counts.rowsDropped).toBe(extra);
    // The oldest went: the first `extra` records.
    expect(settled.slice(0, extra).every((o) => o.status === 'rejected')).toBe(true);
    const [row] = await sql<{ n: number; oldest: number }>(
      `SELECT count(*)::int AS n, count(*) FILTER (WHERE image_ref = ANY($1))::int AS oldest FROM validations WHERE image_ref LIKE 'buffered-%'`,
      [Array.from({ length: extra }, (_v, i) => `buffered-${i}`)],
    );
    expect(row).toEqual({ n: AUDIT_BUFFER_MAX, oldest: 0 });
    expect(await auditRowsLostMetric()).toBe(lostBefore + extra);
  }, 30_000);
});
