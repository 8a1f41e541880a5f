// Two replicas as deployed: two `node bin/nova-advisor.js serve` processes on one fresh PostgreSQL database. A
// snapshot is saved by a third party (a store of its own, as `nova-advisor sync` writes one) and both must answer
// from it within seconds; then their LISTEN sessions are killed and they must reconnect and hear the next one.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CloudSnapshot } from '../../src/model/index.ts';
import { openDatabase } from '../../src/store/database.ts';
import { PgSnapshotStore } from '../../src/store/pg-store.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';

const BIN = fileURLToPath(new URL('../../bin/nova-advisor.js', import.meta.url));
// Well under the 30 s periodic check: only the notification (or the replay after a reconnect) can be this fast.
const LEARN_WITHIN_MS = 5_000;

interface Replica {
  child: ChildProcess;
  url: string;
  output: string[];
}

let db: TestDatabase;
let writer: PgSnapshotStore;
const replicas: Replica[] = [];

/** A port free now (the kernel's pick for port 0), for a child to listen on. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function run(args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  return spawn(process.execPath, [BIN, ...args], { env: { PATH: process.env['PATH'], ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Starts `serve` and resolves once it logs "ready" (after listen and after it started following). */
async function startReplica(): Promise<Replica> {
  const port = await freePort();
  const child = run(['serve'], { DATABASE_URL: db.url, HOST: '127.0.0.1', PORT: String(port), AUTH_MODE: 'none', LOG_LEVEL: 'info' });
  const replica: Replica = { child, url: `http://127.0.0.1:${port}`, output: [] };
  replicas.push(replica);
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      replica.output.push(chunk.toString());
      if (replica.output.join('').includes('"msg":"ready"')) resolve();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${replica.output.join('')}`)));
  });
  return replica;
}

/** Which snapshot answers, and whether the flavor of that name is in it. */
async function flavorSeen(replica: Replica, name: string): Promise<{ snapshotId: string; found: boolean }> {
  const response = await fetch(`${replica.url}/v1/flavors?name=${encodeURIComponent(name)}`);
  expect(response.status).toBe(200);
  const body = (await response.json()) as { items: { name: string }[]; snapshot: { id: string } };
  return { snapshotId: body.snapshot.id, found: body.items.some((f) => f.name === name) };
}

/** Polls the replica until it answers from the snapshot; returns how long that took. */
async function learnedWithin(replica: Replica, snapshot: CloudSnapshot, flavor: string, since: number): Promise<number> {
  for (;;) {
    const seen = await flavorSeen(replica, flavor);
    if (seen.snapshotId === snapshot.id) {
      expect(seen.found).toBe(true);
      return performance.now() - since;
    }
    if (performance.now() - since > LEARN_WITHIN_MS) {
      throw new Error(`${replica.url} still answers from ${seen.snapshotId}: ${replica.output.join('')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The current snapshot with one flavor more under a new id, saved as a sync would save it. */
async function saveWithFlavor(name: string): Promise<CloudSnapshot> {
  const current = await writer.latestSnapshot();
  if (!current) throw new Error('no snapshot to start from');
  const template = current.flavors[0];
  if (!template) throw new Error('the demo cloud has no flavor');
  const snapshot: CloudSnapshot = {
    ...current,
    id: `replica-${name}`,
    takenAt: new Date().toISOString(),
    flavors: [...current.flavors, { ...template, id: `id-${name}`, name }],
  };
  await writer.saveSnapshot(snapshot, { durationMs: 1, requestCount: 0 });
  return snapshot;
}

async function listenSessions(admin: pg.Client): Promise<number[]> {
  const { rows } = await admin.query<{ pid: number }>(
    `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN%'`,
  );
  return rows.map((r) => r.pid);
}

beforeAll(async () => {
  db = await createTestDatabase();
  // Migrates and loads the demo cloud once, so the two replicas do not race to do it.
  const migrate = run(['migrate'], { DATABASE_URL: db.url });
  expect(await new Promise((resolve) => migrate.once('exit', resolve))).toBe(0);
  await Promise.all([startReplica(), startReplica()]);
  writer = new PgSnapshotStore(await openDatabase({ databaseUrl: db.url, dataDir: '' }));
}, 30_000);

afterAll(async () => {
  await Promise.all(
    replicas.map(({ child }) =>
      child.exitCode === null ? new Promise((resolve) => child.once('exit', resolve).kill('SIGTERM')) : undefined,
    ),
  );
  await writer?.close();
  await db?.drop();
});

describe('replicas on one PostgreSQL', () => {
  it('both answer from a snapshot another process saved, within seconds', async () => {
    for (const replica of replicas) expect((await flavorSeen(replica, 'replica.one')).found).toBe(false);
    const saved = performance.now();
    const snapshot = await saveWithFlavor('replica.one');
    for (const replica of replicas) {
      expect(await learnedWithin(replica, snapshot, 'replica.one', saved)).toBeLessThan(LEARN_WITHIN_MS);
    }
  });

  it('survive their LISTEN session being killed, reconnect and hear the next snapshot', async () => {
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    try {
      const before = await listenSessions(admin);
      expect(before).toHaveLength(2);
      await admin.query('SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid', [before]);
      // Reconnected: two LISTEN sessions again, none of them the killed ones (first retry after 0.5 s).
      const deadline = performance.now() + 10_000;
      let after: number[] = [];
      while (performance.now() < deadline) {
        after = await listenSessions(admin);
        if (after.length === 2 && after.every((pid) => !before.includes(pid))) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(after).toHaveLength(2);
      expect(after.some((pid) => before.includes(pid))).toBe(false);
    } finally {
      await admin.end();
    }
    for (const { child } of replicas) expect(child.exitCode).toBeNull();

    const saved = performance.now();
    const snapshot = await saveWithFlavor('replica.two');
    for (const replica of replicas) {
      expect(await learnedWithin(replica, snapshot, 'replica.two', saved)).toBeLessThan(LEARN_WITHIN_MS);
    }
    expect(replicas.every((r) => r.output.join('').includes('snapshot notification session reopened'))).toBe(true);
  });
});
