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

  it('walks a tree absent from the candidates (a host with no free memory) and still agrees', async () => {
    const exact = await readHosts(fakeClient(fake, captureLog().log), pLimit(16), 'per-provider');
    fake.reset();
    const recorded = fake.recorded(null, 'placement', 'GET', '/allocation_candidates?resources=MEMORY_MB:1');
    const body = structuredClone(recorded.body) as { provider_summaries: Record<string, { root_provider_uuid: string }> };
    for (const [uuid, summary] of Object.entries(body.provider_summaries)) {
      if (summary.root_provider_uuid === LAB_COMPUTE_2) delete body.provider_summaries[uuid];
    }
    fake.script((r) => (r.path.startsWith('/allocation_candidates') ? { ...recorded, body } : undefined));
    const bulk = await readHosts(fakeClient(fake, captureLog().log), pLimit(16), 'bulk');
    expect(bulk.read).toEqual({ path: 'bulk', walked: 4 });
    expect(fake.count((r) => r.path.endsWith('/usages'))).toBe(4);
    expect(placementCalls()).toBe(1 + 1 + 2 + 4 + 3 * 3);
    expect(bulk.hosts).toEqual(exact.hosts);
  });
});
