// The store's contract, run against both engines: real PostgreSQL and embedded PGlite (design.md "Storage").
import { spawnSync } from 'node:child_process';
import { readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CloudSnapshot, Host } from '../../src/model/index.ts';
import { DataDirLockedError, openDatabase } from '../../src/store/database.ts';
import { PgSnapshotStore, SYNC_LOCK_NAMESPACE } from '../../src/store/pg-store.ts';
import { makeTempDir, openEmbeddedStore, openPostgresStore, type TestStore } from '../helpers/db.ts';

const META = { durationMs: 1234, requestCount: 17 };

function host(n: number, pciCount: number): Host {
  const uuid = `host-${n}`;
  return {
    uuid,
    name: `compute-${n}.example.org`,
    traits: ['COMPUTE_NODE', 'HW_CPU_X86_AVX2', `CUSTOM_RACK_${n % 3}`],
    aggregates: n % 2 === 0 ? ['agg-a', 'agg-b'] : [],
    inventories: {
      VCPU: { total: 64, reserved: 0, minUnit: 1, maxUnit: 64, stepSize: 1, allocationRatio: 16 },
      MEMORY_MB: { total: 393216, reserved: 512, minUnit: 1, maxUnit: 393216, stepSize: 1, allocationRatio: 1.5 },
    },
    usages: { VCPU: n, MEMORY_MB: 2048 * n },
    // Every third host as a sync without Nova's listings leaves it (not read), the others as libvirt reports them.
    hypervisorType: n % 3 === 0 ? null : 'QEMU',
    hypervisorVersion: n % 3 === 0 ? null : 8002002,
    computeService: n % 3 === 0 ? null : { disabled: n % 3 === 2, forcedDown: n % 3 === 2 },
    pciProviders: Array.from({ length: pciCount }, (_, k) => ({
      uuid: `${uuid}-pci-${k}`,
      name: `compute-${n}.example.org_0000:3b:00.${k}`,
      parentUuid: uuid,
      rootUuid: uuid,
      resourceClass: k % 2 === 0 ? 'CUSTOM_PCI_8086_154C' : 'CUSTOM_PCI_15B3_1018',
      traits: k % 2 === 0 ? ['COMPUTE_MANAGED_PCI_DEVICE', 'HW_NIC_SRIOV'] : [],
      inventory: { total: 16, reserved: k, minUnit: 1, maxUnit: 16, stepSize: 1, allocationRatio: 0.1 + k },
      used: k,
    })),
  };
}

function snapshot(id: string, cloud: string, hosts: Host[] = [host(1, 2), host(2, 0), host(3, 3)]): CloudSnapshot {
  return {
    id,
    cloud,
    region: 'RegionOne',
    // Not in Date#toISOString form on purpose: the store must give back the exact string.
    takenAt: '2026-11-20T10:00:00+01:00',
    source: 'openstack',
    apis: { computeMaxMicroversion: '2.93', placementMaxMicroversion: '1.39' },
    flavors: [
      {
        id: 'f-2',
        name: 'm1.large',
        vcpus: 4,
        ramMb: 8192,
        diskGb: 80,
        ephemeralGb: 0,
        swapMb: 0,
        isPublic: true,
        extraSpecs: { 'hw:cpu_policy': 'dedicated', 'pci_passthrough:alias': 'a1:2' },
        accessProjects: [],
      },
      {
        id: 'f-1', name: 'tiny', vcpus: 1, ramMb: 512, diskGb: 1, ephemeralGb: 5, swapMb: 256, isPublic: false, extraSpecs: {},
        // A private flavor shared with two projects (one id with characters text[] literals must escape).
        accessProjects: ['0b5e0f7a1c2d4e3f8a9b0c1d2e3f4a5b', 'odd {project}, "id"'],
      },
    ],
    images: [
      {
        id: 'img-1',
        // Characters that break naive array or JSON encodings.
        name: 'Ubuntu "jammy" {22.04}, \\ backslash, ünïcode',
        status: 'active',
        visibility: 'shared',
        diskFormat: 'qcow2',
        minDiskGb: 10,
        minRamMb: 1024,
        owner: '6f1c3a0e9d8b4c7a9e2f1d0c3b4a5e6f',
        hidden: false,
        members: [
          { project: '1a2b3c4d5e6f47a8b9c0d1e2f3a4b5c6', status: 'accepted' },
          { project: '2b3c4d5e6f7a48b9c0d1e2f3a4b5c6d7', status: 'pending' },
          { project: '3c4d5e6f7a8b49c0d1e2f3a4b5c6d7e8', status: 'rejected' },
        ],
        properties: { hw_vif_model: 'virtio', os_distro: 'ubuntu', 'trait:HW_CPU_X86_AVX2': 'required', note: 'a,b "c"' },
      },
      {
        id: 'img-2', name: null, status: 'queued', visibility: null, diskFormat: null, minDiskGb: 0, minRamMb: 0,
        owner: null, hidden: true, members: [], properties: {},
      },
    ],
    hosts,
  };
}

describe.each([
  ['postgres', openPostgresStore],
  ['embedded', openEmbeddedStore],
] as const)('PgSnapshotStore on %s', (kind, open) => {
  let t: TestStore;
  let store: PgSnapshotStore;

  beforeAll(async () => {
    t = await open();
    store = t.store;
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it('opens the expected engine and answers ping', async () => {
    expect(t.kind).toBe(kind);
    await expect(store.ping()).resolves.toBeUndefined();
  });

  it('migrations are recorded and running them again changes nothing', async () => {
    const before = await t.db.pool.query('SELECT name FROM pgmigrations ORDER BY id');
    await store.migrate();
    await store.migrate();
    const after = await t.db.pool.query('SELECT name FROM pgmigrations ORDER BY id');
    const files = (await readdir(new URL('../../migrations', import.meta.url))).filter((f) => f.endsWith('.sql'));
    expect(after.rows).toEqual(before.rows);
    expect(after.rows.map((r: { name: string }) => `${r.name}.sql`)).toEqual(files.sort());
  });

  it('loads back exactly the snapshot it saved', async () => {
    const saved = snapshot('rt-1', 'roundtrip');
    const summary = await store.saveSnapshot(saved, META);
    expect(summary).toEqual({
      id: 'rt-1',
      cloud: 'roundtrip',
      region: 'RegionOne',
      source: 'openstack',
      status: 'complete',
      takenAt: saved.takenAt,
      counts: { flavors: 2, images: 2, hosts: 3, pciProviders: 5 },
      durationMs: 1234,
      requestCount: 17,
      error: null,
    });
    expect(await store.latestSnapshot('roundtrip')).toStrictEqual(saved);
  });

  it('loads back APIs whose versions were not read as null', async () => {
    const unread = { ...snapshot('apis-1', 'apis-unread'), apis: { computeMaxMicroversion: null, placementMaxMicroversion: null } };
    await store.saveSnapshot(unread, META);
    expect(await store.latestSnapshot('apis-unread')).toStrictEqual(unread);
  });

  it('round-trips a snapshot larger than one insert chunk', async () => {
    const big = snapshot('big-1', 'big', Array.from({ length: 1_200 }, (_, n) => host(n, 5)));
    const summary = await store.saveSnapshot(big, META);
    expect(summary.counts).toEqual({ flavors: 2, images: 2, hosts: 1_200, pciProviders: 6_000 });
    expect(await store.latestSnapshot('big')).toStrictEqual(big);
  });

  describe('the snapshot pack', () => {
    // A second facade on the same database, whose log tells which form a load read (closing it would close the database).
    const loads: { from: string }[] = [];
    const warnings: string[] = [];
    const record = (obj: object, msg: string) => {
      if (msg === 'snapshot loaded') loads.push(obj as { from: string });
    };
    const logged = () => new PgSnapshotStore(t.db, { debug: record, info: record, warn: (_obj, msg) => warnings.push(msg), error: record });
    const load = async (cloud: string) => {
      const loaded = await logged().latestSnapshot(cloud);
      return { loaded, from: loads.at(-1)?.from };
    };
    const packOf = (id: string) => t.db.pool.query('SELECT format, v8 FROM snapshot_packs WHERE snapshot_id = $1', [id]);

    it('is saved with the snapshot and loads what the rows load, byte for byte, with the same values shared', async () => {
      const saved = snapshot('pack-1', 'packed');
      await store.saveSnapshot(saved, META);
      // One part per table of a snapshot this small.
      expect((await packOf('pack-1')).rows).toEqual(Array.from({ length: 4 }, () => ({ format: expect.any(String), v8: process.versions.v8 })));
      const fromPack = await load('packed');
      expect(fromPack.from).toBe('pack');
      expect(fromPack.loaded).toStrictEqual(saved);
      await t.db.pool.query('DELETE FROM snapshot_packs WHERE snapshot_id = $1', ['pack-1']);
      const fromRows = await load('packed');
      expect(fromRows.from).toBe('rows');
      // Key order included (jsonb's, not the saved objects'): answers that echo a snapshot's objects stay the same bytes.
      expect(JSON.stringify(fromPack.loaded)).toBe(JSON.stringify(fromRows.loaded));
      for (const { loaded } of [fromPack, fromRows]) {
        // Hosts 1 and 3 have PCI providers with the same inventory and traits: one object each, as rows repeat them.
        const [first, , third] = loaded!.hosts;
        expect(third!.pciProviders[0]!.inventory).toBe(first!.pciProviders[0]!.inventory);
        expect(third!.pciProviders[0]!.traits).toBe(first!.pciProviders[0]!.traits);
      }
    });

    it.each([
      ['missing (saved before packs)', 'fallback-missing', `DELETE FROM snapshot_packs WHERE snapshot_id = $1`, []],
      ['of another format', 'fallback-format', `UPDATE snapshot_packs SET format = '0:older' WHERE snapshot_id = $1`, []],
      ['of another V8', 'fallback-v8', `UPDATE snapshot_packs SET v8 = '0.0.0' WHERE snapshot_id = $1`, []],
      ['missing a part', 'fallback-part', `DELETE FROM snapshot_packs WHERE snapshot_id = $1 AND part = 1`, ['could not read the snapshot pack; loading the snapshot from its rows']],
      ['unreadable', 'fallback-unreadable', `UPDATE snapshot_packs SET pack = '\\x1f8b00' WHERE snapshot_id = $1`, ['could not read the snapshot pack; loading the snapshot from its rows']],
    ])('loads from the rows when the pack is %s', async (_case, id, sql, warned) => {
      const saved = snapshot(id, id);
      await store.saveSnapshot(saved, META);
      await t.db.pool.query(sql, [id]);
      warnings.length = 0;
      const { loaded, from } = await load(id);
      expect(from).toBe('rows');
      expect(loaded).toStrictEqual(saved);
      expect(warnings).toEqual(warned);
    });
  });

  it('answers the newest complete snapshot per cloud, or of any cloud', async () => {
    await store.saveSnapshot(snapshot('a-1', 'cloud-a'), META);
    await store.saveSnapshot(snapshot('b-1', 'cloud-b'), META);
    await store.saveSnapshot(snapshot('a-2', 'cloud-a'), META);
    expect((await store.latestSnapshot('cloud-a'))?.id).toBe('a-2');
    expect((await store.latestSnapshot('cloud-b'))?.id).toBe('b-1');
    expect((await store.latestSnapshot())?.id).toBe('a-2');
    expect(await store.latestSnapshot('no-such-cloud')).toBeNull();
  });

  it('a failed sync is recorded and the last good snapshot stays current', async () => {
    await store.saveSnapshot(snapshot('good-1', 'flaky'), META);
    const failed = await store.recordFailedSync('flaky', 'RegionOne', 'Placement answered 503', META);
    expect(failed).toMatchObject({
      cloud: 'flaky',
      status: 'failed',
      error: 'Placement answered 503',
      counts: { flavors: 0, images: 0, hosts: 0, pciProviders: 0 },
    });
    expect((await store.latestSnapshot('flaky'))?.id).toBe('good-1');
    expect((await store.listSnapshots('flaky')).map((s) => s.status)).toEqual(['failed', 'complete']);
  });

  it('a save that fails part-way leaves nothing behind', async () => {
    await store.saveSnapshot(snapshot('atomic-1', 'atomic'), META);
    const duplicateHosts = snapshot('atomic-2', 'atomic', [host(1, 1), host(1, 1)]);
    await expect(store.saveSnapshot(duplicateHosts, META)).rejects.toThrow(/duplicate key/);
    expect((await store.latestSnapshot('atomic'))?.id).toBe('atomic-1');
    expect((await store.listSnapshots('atomic')).map((s) => s.id)).toEqual(['atomic-1']);
    // The store is still usable afterwards (the connection was not left inside the failed transaction).
    await expect(store.saveSnapshot(snapshot('atomic-3', 'atomic'), META)).resolves.toMatchObject({ id: 'atomic-3' });
  });

  it('keeps history, newest first, with a limit', async () => {
    for (const id of ['h-1', 'h-2', 'h-3']) await store.saveSnapshot(snapshot(id, 'history'), META);
    expect((await store.listSnapshots('history')).map((s) => s.id)).toEqual(['h-3', 'h-2', 'h-1']);
    expect((await store.listSnapshots('history', 2)).map((s) => s.id)).toEqual(['h-3', 'h-2']);
    const all = await store.listSnapshots(undefined, 1_000);
    expect(all.map((s) => s.id)).toEqual(expect.arrayContaining(['h-1', 'a-1', 'b-1', 'rt-1']));
  });

  it('creates, updates and reads sync jobs', async () => {
    const job = await store.createSyncJob('jobs');
    expect(job).toMatchObject({ cloud: 'jobs', status: 'running', finishedAt: null, progress: {}, requestCount: 0 });
    expect(new Date(job.startedAt).toISOString()).toBe(job.startedAt);

    await store.updateSyncJob(job.id, { progress: { flavors: { done: 12, total: null } }, requestCount: 3 });
    const progressed = await store.updateSyncJob(job.id, { progress: { images: { done: 5, total: 40 } } });
    expect(progressed.progress).toEqual({ flavors: { done: 12, total: null }, images: { done: 5, total: 40 } });
    expect(progressed.requestCount).toBe(3);

    await store.saveSnapshot(snapshot('job-snap', 'jobs'), META);
    const finishedAt = '2026-11-20T10:05:00.000Z';
    const done = await store.updateSyncJob(job.id, { status: 'succeeded', finishedAt, snapshotId: 'job-snap', error: null });
    expect(done).toMatchObject({ status: 'succeeded', finishedAt, snapshotId: 'job-snap', error: null, requestCount: 3 });
    expect(await store.getSyncJob(job.id)).toEqual(done);
    expect(await store.updateSyncJob(job.id, {})).toEqual(done);

    expect(await store.getSyncJob('not-a-uuid')).toBeNull();
    await expect(store.updateSyncJob('not-a-uuid', { status: 'failed' })).rejects.toThrow(/does not exist/);
  });

  it('records validations for audit', async () => {
    await store.recordValidation({
      cloud: 'audit',
      snapshotId: 'rt-1',
      imageRef: 'img-1',
      flavorRef: null,
      verdict: 'warn',
      findingIds: ['vif-model-unset', 'disk-bus-unset'],
    });
    const { rows } = await t.db.pool.query(
      'SELECT cloud, snapshot_id, image_ref, flavor_ref, verdict, finding_ids, created_at FROM validations WHERE cloud = $1',
      ['audit'],
    );
    expect(rows).toEqual([
      {
        cloud: 'audit',
        snapshot_id: 'rt-1',
        image_ref: 'img-1',
        flavor_ref: null,
        verdict: 'warn',
        finding_ids: ['vif-model-unset', 'disk-bus-unset'],
        created_at: expect.any(Date),
      },
    ]);
  });

  it('runs one sync per cloud at a time', async () => {
    const outcome = await store.withSyncLock('locked', async () => {
      const inner = await store.withSyncLock('locked', async () => 'should not run');
      const other = await store.withSyncLock('other', async () => 'other ran');
      // The store stays usable for the sync itself while the lock is held.
      await store.saveSnapshot(snapshot('under-lock', 'locked'), META);
      return { inner, other };
    });
    expect(outcome).toEqual({ ran: true, value: { inner: { ran: false }, other: { ran: true, value: 'other ran' } } });
    await expect(store.withSyncLock('locked', async () => 1)).resolves.toEqual({ ran: true, value: 1 });
    await expect(store.withSyncLock('locked', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(store.withSyncLock('locked', async () => 2)).resolves.toEqual({ ran: true, value: 2 });
  });

  if (kind === 'postgres') {
    it('the sync lock excludes a holder in another session (another replica)', async () => {
      const replica = new pg.Client({ connectionString: t.settings.databaseUrl });
      await replica.connect();
      try {
        await replica.query('SELECT pg_advisory_lock($1, hashtext($2))', [SYNC_LOCK_NAMESPACE, 'replicated']);
        await expect(store.withSyncLock('replicated', async () => 'ran')).resolves.toEqual({ ran: false });
        await replica.query('SELECT pg_advisory_unlock($1, hashtext($2))', [SYNC_LOCK_NAMESPACE, 'replicated']);
        await expect(store.withSyncLock('replicated', async () => 'ran')).resolves.toEqual({ ran: true, value: 'ran' });
      } finally {
        await replica.end();
      }
    });
  }

  if (kind === 'embedded') {
    it('refuses a second open of the same data folder', async () => {
      await expect(openDatabase(t.settings)).rejects.toThrow(DataDirLockedError);
      await expect(openDatabase(t.settings)).rejects.toThrow(/in use by process \d+/);
    });
  }
});

describe('embedded data folder', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await makeTempDir();
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('keeps data across restarts, removes its lock on close and takes over a stale lock', async () => {
    const first = new PgSnapshotStore(await openDatabase({ dataDir }));
    await first.migrate();
    const saved = snapshot('persisted', 'restart');
    await first.saveSnapshot(saved, META);
    await first.close();
    await first.close(); // idempotent
    expect(await readdir(dataDir)).not.toContain('nova-advisor.lock');

    // A lock left by a process that has exited.
    const dead = spawnSync(process.execPath, ['-e', 'process.pid']).pid;
    await writeFile(join(dataDir, 'nova-advisor.lock'), `${dead}\n`);

    const second = new PgSnapshotStore(await openDatabase({ dataDir }));
    try {
      await second.migrate();
      expect(await second.latestSnapshot('restart')).toStrictEqual(saved);
    } finally {
      await second.close();
    }
  });
});
