// What answers read about a snapshot and that depends on it alone (the host index, PCI device classes, trait-set
// groups, the lookups of images, flavors and hosts, the per-host-list facts) is built before the snapshot answers
// (issue 16), on the real start-up wiring over real PostgreSQL: the first answers after ready build nothing of it.
// Seen through src/lib/memo.ts watchMemoBuilds, which reports every per-object value computed.
import { randomUUID } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { watchMemoBuilds } from '../../src/lib/memo.ts';
import type { CloudSnapshot } from '../../src/model/index.ts';
import { loadDemoCloud } from '../../src/sync/demo.ts';
import { normaliseCloud } from '../../src/sync/normalise.ts';
import { openDemoApp, type DemoApp } from '../helpers/demo-app.ts';

let demo: DemoApp;

beforeAll(async () => {
  demo = await openDemoApp();
});
afterAll(async () => {
  await demo?.close();
});

/** The objects a snapshot owns that memos are keyed on. */
function ownedBy(snapshot: CloudSnapshot): Set<object> {
  return new Set<object>([snapshot, snapshot.hosts, snapshot.images, snapshot.flavors]);
}

/** One answer of each kind a caller asks of a snapshot, each expected 200. */
async function answerEachKind(snapshot: CloudSnapshot): Promise<void> {
  const image = snapshot.images.find((i) => i.name === 'ubuntu-22.04')!;
  const flavor = snapshot.flavors.find((f) => f.name === 'm1.large')!;
  const host = snapshot.hosts[0]!;
  const asked: [string, Promise<LightMyRequestResponse>][] = [
    ['recommendation by name', demo.app.inject({ method: 'POST', url: '/v1/recommendations', payload: { image: { name: image.name }, flavor: { name: flavor.name }, workload: 'nfv-dataplane', vfs: 2 } })],
    ['recommendation by id', demo.app.inject({ method: 'POST', url: '/v1/recommendations', payload: { image: { id: image.id }, flavor: { id: flavor.id }, vnic_type: 'direct' } })],
    ['validation', demo.app.inject({ method: 'POST', url: '/v1/validations', payload: { properties: { ...image.properties, hw_vif_model: 'e1000' }, flavor: { name: flavor.name } } })],
    ['preview', demo.app.inject({ method: 'POST', url: '/v1/previews', payload: { image: { id: image.id }, flavor: { id: flavor.id }, vnic_type: 'direct' } })],
    ['image by id', demo.app.inject({ url: `/v1/images/${image.id}` })],
    ['flavor by id', demo.app.inject({ url: `/v1/flavors/${flavor.id}` })],
    ['host by name', demo.app.inject({ url: `/v1/hosts/${host.name}` })],
    ['image page after a marker', demo.app.inject({ url: `/v1/images?limit=2&marker=${image.id}` })],
  ];
  for (const [what, answer] of asked) expect((await answer).statusCode, what).toBe(200);
}

/** The per-snapshot values built while `work` runs. */
async function builtDuring(snapshot: CloudSnapshot, work: () => Promise<void>): Promise<number> {
  const owned = ownedBy(snapshot);
  let builds = 0;
  const stop = watchMemoBuilds((key) => {
    if (owned.has(key)) builds++;
  });
  try {
    await work();
  } finally {
    stop();
  }
  return builds;
}

describe('a snapshot is prepared before it answers (issue 16)', () => {
  it('after start, once /readyz says ready, the first answers of each kind build nothing per snapshot', async () => {
    expect((await demo.app.inject({ url: '/readyz' })).statusCode).toBe(200);
    const snapshot = demo.context.registry.current()!;
    expect(await builtDuring(snapshot, () => answerEachKind(snapshot))).toBe(0);
  });

  it('a snapshot put after a sync answers only once prepared: the previous one answers meanwhile, then nothing is built on first answers', async () => {
    const { registry } = demo.context;
    const previous = registry.current()!;
    const { snapshot: next } = normaliseCloud(loadDemoCloud(), randomUUID(), 'demo');
    expect(next.cloud).toBe(previous.cloud);
    // Counted from the put on: the preparation builds each value once, the answers after it none.
    let prepared = 0;
    const owned = ownedBy(next);
    const stop = watchMemoBuilds((key) => {
      if (owned.has(key)) prepared++;
    });
    try {
      registry.put(next);
      expect(registry.current()).toBe(previous);
      await vi.waitFor(() => expect(registry.current()).toBe(next));
    } finally {
      stop();
    }
    expect(prepared).toBeGreaterThan(0);
    expect(await builtDuring(next, () => answerEachKind(next))).toBe(0);
  });

  it('of two snapshots put one after the other, the newer stays current though the older, larger one finishes its preparation last', async () => {
    const { registry } = demo.context;
    const base = normaliseCloud(loadDemoCloud(), randomUUID(), 'demo').snapshot;
    // 24,000 hosts: a preparation long enough to give the event loop turns, so the small newer one ends first.
    const older: CloudSnapshot = { ...base, hosts: Array.from({ length: 2_000 }, () => base.hosts).flat() };
    const newer = normaliseCloud(loadDemoCloud(), randomUUID(), 'demo').snapshot;
    // The older one's last step builds its hosts' lookup by name, after its images' (advisor/lookup.ts lookupSteps).
    let imagesLooked = false;
    let olderDone = false;
    const stop = watchMemoBuilds((key) => {
      if (key === older.images) imagesLooked = true;
      else if (key === older.hosts && imagesLooked) olderDone = true;
    });
    try {
      registry.put(older);
      registry.put(newer);
      await vi.waitFor(() => expect(registry.current()).toBe(newer));
      expect(olderDone).toBe(false);
      await vi.waitFor(() => expect(olderDone).toBe(true), { timeout: 20_000 });
    } finally {
      stop();
    }
    await new Promise(setImmediate);
    expect(registry.current()).toBe(newer);
  });
});
