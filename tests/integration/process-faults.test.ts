// A process killed mid-sync, for real (issue 11): `node bin/nova-advisor.js sync` as a child process, on a fresh
// PostgreSQL database, reads a local fake OpenStack (clouds.yaml in a temp folder) whose Placement listing answers
// only after 20 s, so the sync is running; the child gets SIGKILL (`kill -9`). Nothing of it can finish its job
// row: the next reader (a store of its own on the same database, as another replica is) must mark the job failed
// once its heartbeat is older than the lease, and the next sync must take the lock (it died with the killed
// session) and succeed. Heartbeat 1 s (SYNC_JOB_HEARTBEAT_SECONDS), so the lease is 3 s. Timings are printed for
// docs/reliability.md.
import { spawn, type ChildProcess } from 'node:child_process';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SyncJob } from '../../src/model/index.ts';
import { openDatabase } from '../../src/store/database.ts';
import { LEASE_EXPIRED_ERROR, PgSnapshotStore, syncJobLeaseMs } from '../../src/store/pg-store.ts';
import { FakeOpenStack, type Script } from '../contract/support/fake-openstack.ts';
import { createTestDatabase, makeTempDir, type TestDatabase } from '../helpers/db.ts';

const BIN = fileURLToPath(new URL('../../bin/nova-advisor.js', import.meta.url));
const HEARTBEAT_SECONDS = 1;
const LEASE_MS = syncJobLeaseMs(HEARTBEAT_SECONDS * 1000);
/** Longer than the test waits before the kill: the sync is still reading Placement when it dies. */
const PLACEMENT_DELAY_MS = 20_000;

let db: TestDatabase;
let fake: FakeOpenStack;
let dir: string;
let reader: PgSnapshotStore;
const children: ChildProcess[] = [];

/**
 * The CLI's client asks pages of 1,000 and the recording has pages of 2: answer a first page with the recorded one of
 * the same listing; the client then follows its next links, which the recording has.
 */
const pagesOfTwo: Script = (r) =>
  r.path.includes('limit=1000') ? fake.recorded(null, r.service, r.method, r.path.replace('limit=1000', 'limit=2')) : undefined;

beforeAll(async () => {
  [db, fake, dir] = await Promise.all([createTestDatabase(), FakeOpenStack.start(), makeTempDir()]);
  const cloud = fake.cloud();
  // The fake's own cloud, as an operator writes it (src/openstack/config.ts reads it like openstacksdk).
  await writeFile(
    join(dir, 'clouds.yaml'),
    JSON.stringify({
      clouds: {
        [cloud.name]: {
          auth: {
            auth_url: cloud.authUrl,
            username: 'admin',
            password: 'fake-Secret-pw',
            project_name: 'admin',
            user_domain_name: 'Default',
            project_domain_name: 'Default',
          },
          region_name: cloud.regionName,
        },
      },
    }),
  );
  // The next reader: another process's store on the same database, with the same heartbeat setting.
  reader = new PgSnapshotStore(await openDatabase({ databaseUrl: db.url, dataDir: '' }), undefined, {
    syncJobHeartbeatMs: HEARTBEAT_SECONDS * 1000,
  });
  await reader.migrate();
}, 30_000);

afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await reader?.close();
  await Promise.all([fake?.close(), db?.drop(), dir && rm(dir, { recursive: true, force: true })]);
});

/** `nova-advisor sync` on the fake cloud; its output is kept for failure messages. */
function syncProcess(): { child: ChildProcess; output: string[]; exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }> } {
  const child = spawn(process.execPath, [BIN, 'sync'], {
    env: {
      PATH: process.env['PATH'],
      DATABASE_URL: db.url,
      OS_CLIENT_CONFIG_FILE: join(dir, 'clouds.yaml'),
      OS_CLOUD: 'fake',
      SYNC_JOB_HEARTBEAT_SECONDS: String(HEARTBEAT_SECONDS),
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const output: string[] = [];
  child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, output, exit };
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number, context = () => ''): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}${context()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function sql<T extends pg.QueryResultRow>(text: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    return (await client.query<T>(text)).rows;
  } finally {
    await client.end();
  }
}

const jobRows = () => sql<{ id: string; status: string }>('SELECT id, status FROM sync_jobs ORDER BY started_at');
const advisoryLocks = async () => (await sql<{ n: number }>(`SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory'`))[0]?.n ?? 0;

describe('a process killed (SIGKILL) with its sync running', () => {
  it('leaves a job the next reader fails once the lease has passed; the next sync takes the lock and succeeds', async () => {
    const began = performance.now();
    const isPlacementListing = (r: { service: string; path: string }) => r.service === 'placement' && r.path.startsWith('/resource_providers');
    fake.script(pagesOfTwo);
    fake.script((r) => (isPlacementListing(r) ? { ...fake.recorded(null, 'placement', 'GET', '/resource_providers'), delayMs: PLACEMENT_DELAY_MS } : undefined));

    // 1. The sync runs: its job row is `running` and it waits on Placement.
    const first = syncProcess();
    const context = () => `\n${first.output.join('')}`;
    const job = await until('the job row to be running', async () => (await jobRows()).find((j) => j.status === 'running'), 15_000, context);
    await until('the sync to wait on Placement', async () => (fake.count(isPlacementListing) > 0 ? true : undefined), 15_000, context);
    const running = performance.now();
    expect(await advisoryLocks()).toBe(1);

    // 2. Alive past a whole lease, its heartbeat keeps it running for every reader.
    const started = (await reader.getSyncJob(job.id))!;
    const aliveSince = Date.parse(started.startedAt);
    await new Promise((r) => setTimeout(r, Math.max(0, aliveSince + LEASE_MS + 500 - Date.now())));
    expect(await reader.getSyncJob(job.id)).toMatchObject({ status: 'running', error: null });

    // 3. kill -9: no handler runs, no row is finished, the database sessions just drop.
    first.child.kill('SIGKILL');
    const killed = performance.now();
    expect(await first.exit).toEqual({ code: null, signal: 'SIGKILL' });
    expect(await reader.getSyncJob(job.id)).toMatchObject({ status: 'running' }); // its last heartbeat is < 1 s old
    await until('the killed session to release the sync lock', async () => ((await advisoryLocks()) === 0 ? true : undefined), 5_000);

    // 4. The next reader fails it once the heartbeat is older than the lease (3 heartbeats, the last ≤ 1 s before the kill).
    const failed = await until<SyncJob>('the job to be failed', async () => {
      const read = await reader.getSyncJob(job.id);
      return read?.status === 'running' ? undefined : (read ?? undefined);
    }, LEASE_MS + 5_000);
    const failedAfterMs = performance.now() - killed;
    expect(failed).toMatchObject({ status: 'failed', error: LEASE_EXPIRED_ERROR, finishedAt: expect.any(String) as unknown });
    expect(failedAfterMs).toBeGreaterThan(LEASE_MS - HEARTBEAT_SECONDS * 1000 - 500);
    expect(failedAfterMs).toBeLessThan(LEASE_MS + 2_000);

    // 5. The next sync is not skipped: the lock died with the killed session. Placement answers at once now.
    fake.reset();
    fake.script(pagesOfTwo);
    const second = syncProcess();
    const secondStarted = performance.now();
    expect(await second.exit, second.output.join('')).toEqual({ code: 0, signal: null });
    const secondMs = performance.now() - secondStarted;
    const rows = await jobRows();
    expect(rows.map((r) => r.status)).toEqual(['failed', 'succeeded']);
    expect((await reader.getSyncJob(job.id))?.error).toBe(LEASE_EXPIRED_ERROR);
    const [latest] = await reader.listSnapshots('fake', 1);
    expect(latest).toMatchObject({ status: 'complete', counts: { flavors: 4, images: 4, hosts: 2, pciProviders: 6 } });

    console.log(
      `process-faults: sync running and waiting on Placement ${Math.round(running - began)} ms after spawn, killed ` +
        `${Math.round(killed - began)} ms after spawn (alive past a ${LEASE_MS} ms lease); failed by the next reader ${Math.round(failedAfterMs)} ms after the kill; next sync succeeded in ` +
        `${Math.round(secondMs)} ms (process included); whole test ${Math.round(performance.now() - began)} ms`,
    );
  }, 30_000);
});
