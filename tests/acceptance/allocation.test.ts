// The allocation nova-advisor predicts for one instance, against what Nova and Placement recorded for the lab's
// server lab-pci-vm (flavor lab.sriov: two VFs). Run with
//   OS_CLIENT_CONFIG_FILE=/var/lib/openstack-lab/clouds.yaml OS_CLOUD=lab-admin npx vitest run tests/acceptance/allocation.test.ts
// The expected values come from Placement's record (GET /allocations/{server uuid}) and Nova's server; the advisor
// predicts from a snapshot of the lab with that consumer's usage taken off, as the scheduler saw the lab before it.
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSync } from '../../src/sync/sync.ts';
import { createClient } from '../../src/openstack/client.ts';
import { loadCloudConfigs, type CloudConfig } from '../../src/openstack/config.ts';
import { instanceAllocation, type PciDemand } from '../../src/rules/placement/capacity.ts';
import { parseAliasSpec } from '../../src/rules/pci/devices.ts';
import { DEFAULT_HOST_FACTS } from '../../src/rules/facts/host-facts.ts';
import { defaultRuleContext, placementQuery, preview } from '../../src/rules/index.ts';
import type { CloudSnapshot, InstanceAllocation } from '../../src/model/index.ts';
import { openPostgresStore, type TestStore } from '../helpers/db.ts';
import { LabApi, type LabToken } from './support/lab-api.ts';

const cloudName = process.env.OS_CLOUD?.split(',')[0]?.trim();
const log = pino({ level: process.env.LOG_LEVEL ?? 'silent' });

/** Placement's record of one consumer: provider uuid → resource class → units. */
type Recorded = Record<string, Record<string, number>>;

/** The lab's [pci] alias table as Placement sees it (openstack-lab README): resource class and alias traits. */
const LAB_ALIASES: Record<string, PciDemand> = {
  'sriov-nic': { resourceClass: 'CUSTOM_PCI_NIC_VF', count: 0, requiredTraits: ['HW_NIC_SRIOV'] },
  'nic-pf': { resourceClass: 'CUSTOM_PCI_NIC_PF', count: 0, requiredTraits: [] },
};

/** An allocation as one comparable string: provider uuid → sorted class:units. */
const keyOf = (allocations: Recorded) => JSON.stringify(Object.entries(allocations).map(([rp, resources]) =>
  [rp, Object.entries(resources).sort(([a], [b]) => a.localeCompare(b))]).sort(([a], [b]) => String(a).localeCompare(String(b))));

function credentials(cloud: CloudConfig): [string, string, string] {
  if (cloud.auth.type !== 'password') throw new Error(`${cloud.name}: a password cloud is needed`);
  return [cloud.auth.user.name!, cloud.auth.password, cloud.auth.project!.name!];
}

/** The snapshot as it was before the consumer: its units taken off the providers it holds them on. */
function withoutConsumer(snapshot: CloudSnapshot, recorded: Recorded): { snapshot: CloudSnapshot; unmatched: string[] } {
  const unmatched = new Set(Object.keys(recorded));
  const minus = (uuid: string, usages: Record<string, number>) => {
    if (!recorded[uuid]) return usages;
    unmatched.delete(uuid);
    return Object.fromEntries(Object.entries(usages).map(([rc, used]) => [rc, used - (recorded[uuid]![rc] ?? 0)]));
  };
  const hosts = snapshot.hosts.map((h) => ({
    ...h,
    usages: minus(h.uuid, h.usages),
    pciProviders: h.pciProviders.map((p) => ({ ...p, used: minus(p.uuid, { [p.resourceClass]: p.used })[p.resourceClass]! })),
  }));
  return { snapshot: { ...snapshot, hosts }, unmatched: [...unmatched] };
}

describe.skipIf(!cloudName)('the predicted allocation of one instance equals what Placement recorded for lab-pci-vm (lab)', () => {
  let t: TestStore;
  let lab: LabApi;
  let admin: LabToken;
  let server: { id: string; host: string; flavorName: string; vcpus: number; ram: number; disk: number; imageId: string };
  let recorded: Recorded;
  /** Provider uuid → name and root, as Placement shows them. */
  const providers = new Map<string, { name: string; root: string }>();
  let current: CloudSnapshot;
  let before: CloudSnapshot;
  let predicted: InstanceAllocation | null;

  beforeAll(async () => {
    const [cloud] = loadCloudConfigs({ ...process.env, OS_CLOUD: cloudName });
    lab = new LabApi(cloud!.authUrl);
    admin = await lab.token(...credentials(cloud!));
    // Nova's record of the server (admin: every project; the host and the embedded flavor at 2.61).
    const listed = await lab.call(admin, 'compute', 'GET', '/servers/detail?all_tenants=1&name=%5Elab-pci-vm%24');
    expect(listed.status).toBe(200);
    const [s] = listed.body.servers;
    server = { id: s.id, host: s['OS-EXT-SRV-ATTR:hypervisor_hostname'], flavorName: s.flavor.original_name,
      vcpus: s.flavor.vcpus, ram: s.flavor.ram, disk: s.flavor.disk, imageId: s.image.id };
    // Placement's record of its consumer, and the providers it names.
    const allocations = await lab.call(admin, 'placement', 'GET', `/allocations/${server.id}`);
    expect(allocations.status).toBe(200);
    recorded = Object.fromEntries(Object.entries(allocations.body.allocations as Record<string, { resources: Record<string, number> }>)
      .map(([uuid, a]) => [uuid, a.resources]));
    for (const uuid of Object.keys(recorded)) {
      const rp = await lab.call(admin, 'placement', 'GET', `/resource_providers/${uuid}`);
      providers.set(uuid, { name: rp.body.name, root: rp.body.root_provider_uuid });
    }

    t = await openPostgresStore();
    const client = createClient(cloud!, { log });
    const outcome = await runSync(client, t.store, { log });
    expect(outcome.status).toBe('succeeded');
    current = (await t.store.latestSnapshot(cloud!.name))!;
    const taken = withoutConsumer(current, recorded);
    expect(taken.unmatched).toEqual([]);
    before = taken.snapshot;
    const flavor = before.flavors.find((f) => f.name === server.flavorName)!;
    const image = before.images.find((i) => i.id === server.imageId)!;
    // The query Nova sends for the flavor and image as they are (pci_in_placement off: Zed has no such option).
    const query = preview(before, { image, flavor, vnicType: 'normal' }, defaultRuleContext()).placement;
    predicted = instanceAllocation(before.hosts, { query, deviceTraits: [] }, server.host);
    console.log(`lab-pci-vm on ${server.host}: recorded ${JSON.stringify(recorded)}; predicted ${JSON.stringify(predicted?.allocations)} (unique ${predicted?.unique})`);
  }, 60_000);
  afterAll(() => t?.dispose());

  it('Placement\'s record has the shape of lab.sriov: the flavor\'s root classes on the host, one VF on each of two of its providers', () => {
    const root = Object.keys(recorded).find((uuid) => providers.get(uuid)!.name === server.host)!;
    expect(recorded[root]).toEqual({ VCPU: server.vcpus, MEMORY_MB: server.ram, DISK_GB: server.disk });
    const nested = Object.keys(recorded).filter((uuid) => uuid !== root);
    expect(nested).toHaveLength(2);
    for (const uuid of nested) {
      expect(providers.get(uuid)!.root).toBe(root);
      expect(recorded[uuid]).toEqual({ CUSTOM_PCI_NIC_VF: 1 });
    }
  });

  it('the advisor predicts exactly that allocation on that host: the same providers, classes and units', () => {
    expect(predicted?.host).toBe(server.host);
    expect(Object.fromEntries(predicted!.allocations.map((a) => [a.uuid, a.resources]))).toEqual(recorded);
    expect(predicted!.allocations.map((a) => a.provider).sort()).toEqual([...providers.values()].map((p) => p.name).sort());
  });

  it('and says it is the only allocation the host allowed (two VF providers with one VF each)', () => {
    expect(predicted?.unique).toBe(true);
  });

  // Placement's own enumeration (GET /allocation_candidates with the PCI groups in the query, as pci_in_placement sends
  // them) on the lab as it is: per host, the allocation the advisor shows is one Placement returns, and it says
  // `unique` exactly when Placement returns one distinct allocation for that host.
  it.each<{ flavorName: string; policy?: string; alias?: string }>([
    { flavorName: 'lab.tiny' }, { flavorName: 'lab.sriov' }, { flavorName: 'lab.sriov', policy: 'isolate' }, { flavorName: 'lab.pf' },
    // One VF where two VF providers have one free each: two allocations, so not unique.
    { flavorName: 'lab.sriov', alias: 'sriov-nic:1' },
  ])('§4.6 §4.7 $flavorName group_policy $policy alias $alias: the allocation shown is one of Placement\'s candidates for the host, unique iff it is the only one', async ({ flavorName, policy, alias }) => {
    const stored = current.flavors.find((f) => f.name === flavorName)!;
    const flavor = { ...stored, extraSpecs: { ...stored.extraSpecs, ...(policy && { group_policy: policy }), ...(alias && { 'pci_passthrough:alias': alias }) } };
    const image = current.images.find((i) => i.name === 'lab-ubuntu-22.04')!;
    const pci = (parseAliasSpec(flavor.extraSpecs['pci_passthrough:alias'] ?? '') ?? []).map(({ name, count }) => ({ ...LAB_ALIASES[name]!, count }));
    const query = placementQuery(flavor, image, { facts: { ...DEFAULT_HOST_FACTS, pciInPlacement: true }, pci });
    const answer = await lab.call(admin, 'placement', 'GET', `/allocation_candidates?${query.query}`);
    expect(answer.status).toBe(200);
    const roots = new Map(current.hosts.map((h) => [h.uuid, h.name]));
    const byHost = new Map<string, Set<string>>();
    for (const ar of answer.body.allocation_requests as { allocations: Record<string, { resources: Record<string, number> }> }[]) {
      const host = roots.get(Object.keys(ar.allocations).map((rp) => answer.body.provider_summaries[rp].root_provider_uuid as string)[0]!)!;
      byHost.set(host, (byHost.get(host) ?? new Set()).add(keyOf(Object.fromEntries(Object.entries(ar.allocations).map(([rp, a]) => [rp, a.resources])))));
    }
    for (const h of current.hosts) {
      const ours = instanceAllocation(current.hosts, { query, deviceTraits: [] }, h.name);
      const theirs = byHost.get(h.name);
      expect(ours === null, `${flavorName} on ${h.name}`).toBe(theirs === undefined);
      if (!ours || !theirs) continue;
      expect(theirs.has(keyOf(Object.fromEntries(ours.allocations.map((a) => [a.uuid, a.resources])))), `${flavorName} on ${h.name}`).toBe(true);
      expect(ours.unique, `${flavorName} on ${h.name}: Placement gives ${theirs.size}`).toBe(theirs.size === 1);
    }
  });

  it('with the consumer in place (the snapshot as synced) the host has no VF left for another instance', () => {
    const flavor = current.flavors.find((f) => f.name === server.flavorName)!;
    const image = current.images.find((i) => i.id === server.imageId)!;
    const query = preview(current, { image, flavor, vnicType: 'normal' }, defaultRuleContext()).placement;
    expect(instanceAllocation(current.hosts, { query, deviceTraits: [] }, server.host)).toBeNull();
  });
});
