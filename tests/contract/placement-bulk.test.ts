// The bulk Placement read (allocation-candidate provider_summaries + 2 calls per host, src/openstack/placement.ts)
// against the per-provider walk, on the replayed lab: same hosts, PCI capacity/used and traits; trees absent
// from the candidates are walked.
import pLimit from 'p-limit';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readHosts } from './support/capacity.ts';
import { FakeOpenStack } from './support/fake-openstack.ts';
import { captureLog, fakeClient } from './support/setup.ts';

let fake: FakeOpenStack;
beforeAll(async () => {
  fake = await FakeOpenStack.start();
});
afterAll(() => fake.close());
beforeEach(() => fake.reset());

const placementCalls = () => fake.count((r) => r.service === 'placement' && r.path !== '/');
const LAB_COMPUTE_2 = 'cddb9f72-4c46-415c-a00d-9cca662a8ec0';

describe('PlacementReader.readProviderTree', () => {
  it('bulk gives the per-provider snapshot hosts in 1 + 1 + 2 per host calls instead of 1 + 4 per host and 3 per PCI provider', async () => {
    const exact = await readHosts(fakeClient(fake, captureLog().log), pLimit(16), 'per-provider');
    expect(exact.read).toEqual({ path: 'per-provider', walked: 8 });
    expect(placementCalls()).toBe(1 + 4 * 2 + 3 * 6); // no aggregates read for the 6 PCI providers

    fake.reset();
    const bulk = await readHosts(fakeClient(fake, captureLog().log), pLimit(16), 'bulk');
    expect(bulk.read).toEqual({ path: 'bulk', walked: 0 });
    expect(placementCalls()).toBe(1 + 1 + 2 * 2);
    expect(fake.count((r) => decodeURIComponent(r.path) === '/allocation_candidates?resources=MEMORY_MB:1')).toBe(1);
    expect(bulk.hosts).toEqual(exact.hosts);
    expect(bulk.hosts.flatMap((h) => h.pciProviders)).toHaveLength(6);
  });

  it('auto reads the lab (8 providers, under 2,000) provider by provider', async () => {
    const { read } = await readHosts(fakeClient(fake, captureLog().log), pLimit(16), 'auto');
    expect(read).toEqual({ path: 'per-provider', walked: 8 });
    expect(fake.count((r) => r.path.startsWith('/allocation_candidates'))).toBe(0);
  });

  /** The recorded bulk answer with compute 2's tree in it, or only it: what a host with no free memory changes. */
  const candidates = (keep: (root: string) => boolean) => {
    const recorded = fake.recorded(null, 'placement', 'GET', '/allocation_candidates?resources=MEMORY_MB:1');
    const body = structuredClone(recorded.body) as {
      allocation_requests: { allocations: Record<string, unknown> }[];
      provider_summaries: Record<string, { root_provider_uuid: string }>;
    };
    for (const [uuid, summary] of Object.entries(body.provider_summaries)) {
      if (!keep(summary.root_provider_uuid)) delete body.provider_summaries[uuid];
    }
    body.allocation_requests = body.allocation_requests.filter((r) => Object.keys(r.allocations).some((uuid) => uuid in body.provider_summaries));
    return { ...recorded, body };
  };
  const isBulkQuery = (path: string) => decodeURIComponent(path) === '/allocation_candidates?resources=MEMORY_MB:1';
  const inTreeQuery = `/allocation_candidates?resources=VCPU:1&in_tree=${LAB_COMPUTE_2}`;

  it('reads a tree absent from the candidates (a host with no free memory) from its root and one in_tree query, and still agrees', async () => {
    const exact = await readHosts(fakeClient(fake, captureLog().log), pLimit(16), 'per-provider');
    fake.reset();
    const withoutIt = candidates((root) => root !== LAB_COMPUTE_2);
    // Placement answers an in_tree query with that tree's summaries only, its nested providers included: seen on
    // the lab (Zed, 1.39, 2026-12-06) for `resources=VCPU:1&in_tree=<lab-compute-2>`: the root and its 3 PCI providers.
    const onlyIt = candidates((root) => root === LAB_COMPUTE_2);
    fake.script((r) => (isBulkQuery(r.path) ? withoutIt : decodeURIComponent(r.path) === inTreeQuery ? onlyIt : undefined));
    const bulk = await readHosts(fakeClient(fake, captureLog().log), pLimit(16), 'bulk');
    expect(bulk.read).toEqual({ path: 'bulk', walked: 1 });
    // listing + bulk query + compute 1 (2) + compute 2's root (4: it has VCPU free, the first class of its
    // inventory) + its in_tree query (1); its 3 PCI providers need no call (3 × 3 before).
    expect(placementCalls()).toBe(1 + 1 + 2 + 4 + 1);
    expect(fake.count((r) => decodeURIComponent(r.path) === inTreeQuery)).toBe(1);
    expect(bulk.hosts).toEqual(exact.hosts);
  });

  it('walks what the in_tree query does not give (the unit went meanwhile) and still agrees', async () => {
    const exact = await readHosts(fakeClient(fake, captureLog().log), pLimit(16), 'per-provider');
    fake.reset();
    const withoutIt = candidates((root) => root !== LAB_COMPUTE_2);
    fake.script((r) => (r.path.startsWith('/allocation_candidates') ? withoutIt : undefined));
    const bulk = await readHosts(fakeClient(fake, captureLog().log), pLimit(16), 'bulk');
    expect(bulk.read).toEqual({ path: 'bulk', walked: 4 });
    expect(fake.count((r) => r.path.endsWith('/usages'))).toBe(4);
    // listing + bulk query + compute 1 (2) + compute 2's root (4) + its in_tree query (1) + 3 PCI providers × 3.
    expect(placementCalls()).toBe(1 + 1 + 2 + 4 + 1 + 3 * 3);
    expect(bulk.hosts).toEqual(exact.hosts);
  });

  it('walks the tree on a Placement older than 1.31 (no in_tree on allocation candidates)', async () => {
    const exact = await readHosts(fakeClient(fake, captureLog().log), pLimit(16), 'per-provider');
    fake.reset();
    const withoutIt = candidates((root) => root !== LAB_COMPUTE_2);
    fake.script((r) => (isBulkQuery(r.path) ? withoutIt : undefined));
    const versions = fake.recorded(null, 'placement', 'GET', '/');
    fake.script((r) => (r.service === 'placement' && r.path === '/' ? { ...versions, body: olderPlacement(versions.body) } : undefined));
    const bulk = await readHosts(fakeClient(fake, captureLog().log), pLimit(16), 'bulk');
    expect(bulk.read).toEqual({ path: 'bulk', walked: 4 });
    expect(fake.count((r) => r.path.includes('in_tree'))).toBe(0);
    expect(placementCalls()).toBe(1 + 1 + 2 + 4 + 3 * 3);
    expect(bulk.hosts).toEqual(exact.hosts);
  });
});

/** Placement's version document with max_version 1.30, one before in_tree on allocation candidates. */
function olderPlacement(body: unknown): unknown {
  const doc = structuredClone(body) as { versions: { max_version: string }[] };
  doc.versions[0]!.max_version = '1.30';
  return doc;
}
