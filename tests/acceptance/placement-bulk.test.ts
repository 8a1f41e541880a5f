// The bulk Placement read against the lab's real Placement (src/openstack/placement.ts readProviderTree):
// it must give the same hosts, PCI capacity/used and traits as the per-provider walk. The lab has 8
// providers, so a sync there takes the per-provider path (`auto`); this forces both. Same env as lab.test.ts.
import pLimit from 'p-limit';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { createClient } from '../../src/openstack/client.ts';
import { loadCloudConfigs } from '../../src/openstack/config.ts';
import { readHosts } from '../contract/support/capacity.ts';

const cloudName = process.env.OS_CLOUD?.split(',')[0]?.trim();

describe.skipIf(!cloudName)(`bulk Placement read against OpenStack cloud ${cloudName ?? '(none)'}`, () => {
  it('equals the per-provider read: hosts, PCI capacity/used, traits', async () => {
    const [cloud] = loadCloudConfigs({ ...process.env, OS_CLOUD: cloudName });
    const client = createClient(cloud!, { log: pino({ level: 'silent' }) });
    const exact = await readHosts(client, pLimit(4), 'per-provider');
    const bulk = await readHosts(client, pLimit(4), 'bulk');
    expect(bulk.read.path).toBe('bulk');
    expect(bulk.hosts).toEqual(exact.hosts);
    expect(bulk.hosts.flatMap((h) => h.pciProviders).length).toBeGreaterThan(0);
  });
});
