// Every cloud × region of clouds.yaml is its own snapshot, and `nova-advisor sync` without --cloud syncs all of them
// (issue 14): two clouds, one listing two regions in openstacksdk's formats (a name, and {name, values}), against the
// local fake OpenStack, through the real CLI process and the real PostgreSQL.
import { spawn } from 'node:child_process';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/database.ts';
import { PgSnapshotStore } from '../../src/store/pg-store.ts';
import { createTestDatabase, makeTempDir, type TestDatabase } from '../helpers/db.ts';
import { FakeOpenStack, type Script } from './support/fake-openstack.ts';

const BIN = fileURLToPath(new URL('../../bin/nova-advisor.js', import.meta.url));
let fake: FakeOpenStack;
let db: TestDatabase;
let dir: string;
let store: PgSnapshotStore;

/** The CLI asks pages of 1,000, the recording has pages of 2: the first page is the recorded one of that listing. */
const pagesOfTwo: Script = (r) =>
  r.path.includes('limit=1000') ? fake.recorded(null, r.service, r.method, r.path.replace('limit=1000', 'limit=2')) : undefined;

beforeAll(async () => {
  [db, fake, dir] = await Promise.all([createTestDatabase(), FakeOpenStack.start(), makeTempDir()]);
  const { authUrl } = fake.cloud();
  const origin = authUrl.replace(/\/identity\/v3$/, '');
  const auth = { auth_url: authUrl, username: 'admin', password: 'fake-Secret-pw', project_name: 'admin', user_domain_name: 'Default', project_domain_name: 'Default' };
  await writeFile(
    join(dir, 'clouds.yaml'),
    JSON.stringify({
      clouds: {
        // The fake's catalog has RegionOne only: RegionTwo reaches the same services through its values' overrides.
        east: {
          auth,
          regions: [
            'RegionOne',
            {
              name: 'RegionTwo',
              values: {
                compute_endpoint_override: `${origin}/compute/v2.1`,
                image_endpoint_override: `${origin}/image`,
                placement_endpoint_override: `${origin}/placement`,
              },
            },
          ],
        },
        west: { auth, region_name: 'RegionOne' },
      },
    }),
  );
  store = new PgSnapshotStore(await openDatabase({ databaseUrl: db.url, dataDir: '' }));
  await store.migrate();
}, 30_000);

afterAll(async () => {
  await store?.close();
  await Promise.all([fake?.close(), db?.drop(), dir && rm(dir, { recursive: true, force: true })]);
});

beforeEach(() => {
  fake.reset();
  fake.script(pagesOfTwo);
});

function sync(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [BIN, 'sync', ...args], {
    env: { PATH: process.env['PATH'], DATABASE_URL: db.url, OS_CLIENT_CONFIG_FILE: join(dir, 'clouds.yaml'), OS_CLOUD: 'east,west' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
}

const synced = (stdout: string) => stdout.trim().split('\n').map((line) => line.split(':')[0]);

describe('clouds × regions', () => {
  it('`sync` syncs every configured cloud × region into its own snapshot, region recorded', async () => {
    const run = await sync();
    expect(run.code, run.stderr).toBe(0);
    expect(synced(run.stdout)).toEqual(['east/RegionOne', 'east/RegionTwo', 'west']);
    for (const [cloud, region] of [['east/RegionOne', 'RegionOne'], ['east/RegionTwo', 'RegionTwo'], ['west', 'RegionOne']] as const) {
      const snapshot = await store.latestSnapshot(cloud);
      expect(snapshot, cloud).toMatchObject({ cloud, region, source: 'openstack' });
      expect(snapshot?.hosts.map((h) => h.name)).toEqual(['lab-compute-1', 'lab-compute-2']);
    }
  }, 120_000);

  it('`sync --cloud` syncs only the one named: a cloud × region, or every region of a clouds.yaml cloud', async () => {
    const one = await sync('--cloud', 'east/RegionTwo');
    expect(one.code, one.stderr).toBe(0);
    expect(synced(one.stdout)).toEqual(['east/RegionTwo']);
    const east = await sync('--cloud', 'east');
    expect(east.code, east.stderr).toBe(0);
    expect(synced(east.stdout)).toEqual(['east/RegionOne', 'east/RegionTwo']);
  }, 120_000);

  it('`sync --cloud` with a name nobody configured is bad input (exit 2), naming the configured ones', async () => {
    const run = await sync('--cloud', 'north');
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/cloud "north" is not configured \(configured: east\/RegionOne, east\/RegionTwo, west\)/);
  }, 60_000);
});
