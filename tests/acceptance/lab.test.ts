// Acceptance against a real OpenStack (../shared/openstack-lab): run with
//   OS_CLIENT_CONFIG_FILE=/var/lib/openstack-lab/clouds.yaml OS_CLOUD=lab-admin npx vitest run tests/acceptance
// Skipped (and says so) when OS_CLOUD is not set.
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSync, type SyncOutcome } from '../../src/sync/sync.ts';
import { createClient, type OpenStackClient } from '../../src/openstack/client.ts';
import { loadCloudConfigs } from '../../src/openstack/config.ts';
import type { CloudSnapshot, Flavor } from '../../src/model/index.ts';
import { openPostgresStore, type TestStore } from '../helpers/db.ts';
import type { PciDemand } from '../../src/rules/placement/capacity.ts';
import { pcpuFallbackQuery } from '../../src/rules/placement/pcpu-fallback.ts';
import { advise, defaultRuleContext, placementQuery, type RuleContext } from '../../src/rules/index.ts';
import { parseAliasSpec } from '../../src/rules/pci/devices.ts';
import { novaUnavailable, runOracle } from '../oracle/oracle.ts';

const cloudName = process.env.OS_CLOUD?.split(',')[0]?.trim();
if (!cloudName) {
  console.log('tests/acceptance skipped: set OS_CLOUD (and OS_CLIENT_CONFIG_FILE=/var/lib/openstack-lab/clouds.yaml) to run them against the lab');
}
const log = pino({ level: process.env.LOG_LEVEL ?? 'silent' });

describe.skipIf(!cloudName)(`acceptance against OpenStack cloud ${cloudName ?? '(none)'}`, () => {
  let t: TestStore;
  let client: OpenStackClient;
  let outcome: SyncOutcome;
  let snapshot: CloudSnapshot;
  let wallMs = 0;

  beforeAll(async () => {
    t = await openPostgresStore();
    const [cloud] = loadCloudConfigs({ ...process.env, OS_CLOUD: cloudName });
    client = createClient(cloud!, { log });
    const started = Date.now();
    outcome = await runSync(client, t.store, { log });
    wallMs = Date.now() - started;
    console.log(`lab sync: ${outcome.status} in ${wallMs} ms, ${outcome.requestCount} requests, counts ${JSON.stringify(outcome.counts)}`);
    snapshot = (await t.store.latestSnapshot(cloud!.name))!;
  });
  afterAll(() => t?.dispose());

  it('syncs and stores a complete snapshot', () => {
    expect(outcome.error?.message ?? null).toBeNull();
    expect(outcome.status).toBe('succeeded');
    expect(snapshot.id).toBe(outcome.summary?.id);
  });

  it('records what the APIs say of their versions: compute 2.93 (Zed), Placement 1.39', () => {
    // GET http://127.0.0.1:8774/v2.1/ answers version 2.93 and GET http://127.0.0.1:8778/ max_version 1.39 (domain.md §5.3, §5.5).
    expect(snapshot.apis).toEqual({ computeMaxMicroversion: '2.93', placementMaxMicroversion: '1.39' });
  });

  it('records the 2 compute hosts with their traits', () => {
    expect(snapshot.hosts.map((h) => h.name)).toEqual(['lab-compute-1', 'lab-compute-2']);
    const [c1, c2] = snapshot.hosts as [CloudSnapshot['hosts'][number], CloudSnapshot['hosts'][number]];
    expect(c1.traits).toContain('COMPUTE_NET_VIF_MODEL_E1000');
    expect(c1.traits).not.toContain('CUSTOM_LAB_RACK_B');
    expect(c2.traits).not.toContain('COMPUTE_NET_VIF_MODEL_E1000');
    expect(c2.traits).toContain('CUSTOM_LAB_RACK_B');
    expect(c1.inventories.VCPU).toMatchObject({ total: 32, allocationRatio: 16 });
    expect(c1.inventories.MEMORY_MB).toMatchObject({ total: 65536, reserved: 512, allocationRatio: 1.5 });
  });

  it('records the 6 PCI child providers with resource class, traits and usage (2 VFs used on lab-compute-1)', () => {
    const pci = snapshot.hosts.flatMap((h) => h.pciProviders);
    expect(pci).toHaveLength(6);
    expect(pci.map((p) => `${p.name} ${p.resourceClass}`)).toEqual([
      'lab-compute-1_0000:01:00.0 CUSTOM_PCI_NIC_PF', 'lab-compute-1_0000:02:00.0 CUSTOM_PCI_NIC_VF', 'lab-compute-1_0000:03:00.0 CUSTOM_PCI_NIC_VF',
      'lab-compute-2_0000:01:00.0 CUSTOM_PCI_NIC_PF', 'lab-compute-2_0000:02:00.0 CUSTOM_PCI_NIC_VF', 'lab-compute-2_0000:03:00.0 CUSTOM_PCI_NIC_VF',
    ]);
    const used = (host: string, rc: string) =>
      snapshot.hosts.find((h) => h.name === host)!.pciProviders.filter((p) => p.resourceClass === rc).reduce((n, p) => n + p.used, 0);
    expect(used('lab-compute-1', 'CUSTOM_PCI_NIC_VF')).toBe(2);
    expect(used('lab-compute-2', 'CUSTOM_PCI_NIC_VF')).toBe(0);
    expect(pci.filter((p) => p.resourceClass === 'CUSTOM_PCI_NIC_VF').every((p) => p.traits.includes('HW_NIC_SRIOV'))).toBe(true);
    expect(pci.every((p) => p.traits.includes('COMPUTE_MANAGED_PCI_DEVICE'))).toBe(true);
  });

  it('records flavors with extra specs and images with properties', () => {
    const sriov = snapshot.flavors.find((f) => f.id === 'lab-sriov');
    expect(sriov?.extraSpecs).toMatchObject({ 'pci_passthrough:alias': 'sriov-nic:2', 'hw:vif_multiqueue_enabled': 'true' });
    expect(snapshot.flavors.find((f) => f.id === 'lab-pinned')?.extraSpecs['hw:cpu_policy']).toBe('dedicated');
    const ubuntu = snapshot.images.find((i) => i.name === 'lab-ubuntu-22.04');
    expect(ubuntu?.properties).toMatchObject({ hw_vif_model: 'virtio', hw_disk_bus: 'scsi', hw_scsi_model: 'virtio-scsi', os_distro: 'ubuntu' });
    expect(snapshot.images.find((i) => i.name === 'lab-queued-debian-12')?.status).toBe('queued');
  });

  // The lab's [pci] alias table as Placement sees it (lab README): what the request's alias mapping names.
  const LAB_ALIASES: Record<string, { resourceClass: string; traits: string[] }> = {
    'sriov-nic': { resourceClass: 'CUSTOM_PCI_NIC_VF', traits: ['HW_NIC_SRIOV'] },
    'nic-pf': { resourceClass: 'CUSTOM_PCI_NIC_PF', traits: [] },
  };
  const pciDemands = (flavor: Flavor): PciDemand[] =>
    (parseAliasSpec(flavor.extraSpecs['pci_passthrough:alias'] ?? '') ?? []).map(({ name, count }) => {
      const alias = LAB_ALIASES[name];
      if (!alias) throw new Error(`flavor ${flavor.name}: unknown PCI alias ${name}`);
      return { resourceClass: alias.resourceClass, count, requiredTraits: alias.traits };
    });

  // Issue 3: for each lab flavor, the hosts advise's capacity says fit = the hosts Placement's own
  // GET /allocation_candidates returns for the query Nova would send (pci_in_placement on, so PCI groups go too).
  it.each(['lab.tiny', 'lab.sriov', 'lab.pf', 'lab.pinned'])('§4.6 §4.7 %s with lab-ubuntu-22.04: capacity hosts = Placement hosts', async (flavorName) => {
    const flavor = snapshot.flavors.find((f) => f.name === flavorName)!;
    const image = snapshot.images.find((i) => i.name === 'lab-ubuntu-22.04')!;
    const base = defaultRuleContext();
    const ctx: RuleContext = { ...base, hostFacts: { ...base.hostFacts, pciInPlacement: true } };
    const query = placementQuery(flavor, image, { facts: ctx.hostFacts, pci: pciDemands(flavor) });

    // Placement's hosts for a query, by root provider name.
    const names = new Map(snapshot.hosts.map((h) => [h.uuid, h.name]));
    const hostsFor = async (q: string) => {
      const answer = await client.placement.allocationCandidates(new URLSearchParams(q));
      return { answer, hosts: answer.allocation_requests.flatMap((ar) =>
        Object.keys(ar.allocations).map((rp) => names.get(answer.provider_summaries[rp]?.root_provider_uuid ?? rp) ?? rp)) };
    };
    let started = performance.now();
    const { answer, hosts: asked } = await hostsFor(query.query);
    const placementMs = performance.now() - started;
    // Zed's scheduler sends a second query with VCPU instead of PCPU for a pinned flavor and merges both answers
    // (nova/scheduler/manager.py _select_destinations, [workarounds] disable_fallback_pcpu_query False by default).
    const fallback = pcpuFallbackQuery(snapshot.hosts, flavor, image.properties, { facts: ctx.hostFacts, pci: pciDemands(flavor), release: 'zed' }, query);
    const fallbackHosts = fallback ? (await hostsFor(fallback.query)).hosts : [];
    const placementHosts = [...new Set([...asked, ...fallbackHosts])].sort();

    started = performance.now();
    const advice = advise(snapshot, {
      image, flavor, workload: 'general', vnicType: 'normal',
      aliasResourceClasses: Object.fromEntries(Object.entries(LAB_ALIASES).map(([name, a]) => [name, a.resourceClass])),
    }, ctx);
    const adviseMs = performance.now() - started;
    const ours = advice.capacity!.hosts.filter((h) => h.instances > 0).map((h) => h.host).sort();

    console.log(`agreement ${flavorName}: query ${decodeURIComponent(query.query)}${fallback ? ` then ${decodeURIComponent(fallback.query)}` : ''}\n  placement [${placementHosts.join(', ')}] in ${placementMs.toFixed(1)} ms (${answer.allocation_requests.length} candidates); advise capacity [${ours.join(', ')}] in ${adviseMs.toFixed(1)} ms`);
    expect(ours, flavorName).toEqual(placementHosts);
    if (flavorName === 'lab.pinned') {
      // hw:cpu_policy=dedicated asks PCPU, which no lab host has (§1.5): the first query finds none, the
      // fallback with VCPU finds the hosts with room, and the advice agrees with that.
      expect(query.groups[0]?.resources).toMatchObject({ PCPU: 4 });
      expect(asked).toEqual([]);
      expect(fallback?.groups[0]?.resources).toMatchObject({ VCPU: 4 });
      expect(ours.length).toBeGreaterThan(0);
    }
  });

  // Issue 3: a recommendation for lab.sriov + lab-ubuntu-22.04 names the hosts that still fit and the free VF
  // count Placement itself reports (provider_summaries: capacity and used per provider, §4.7).
  it('§4.7 recommends lab.sriov where it still fits, with the free VF count Placement reports', async () => {
    const flavor = snapshot.flavors.find((f) => f.name === 'lab.sriov')!;
    const image = snapshot.images.find((i) => i.name === 'lab-ubuntu-22.04')!;
    const advice = advise(snapshot, {
      image, flavor, workload: 'general', vnicType: 'normal',
      aliasResourceClasses: { 'sriov-nic': 'CUSTOM_PCI_NIC_VF' },
    }, defaultRuleContext());

    const summaries = (await client.placement.allocationCandidates(new URLSearchParams('resources=VCPU:1'))).provider_summaries;
    const placementFree = new Map<string, number>();
    for (const summary of Object.values(summaries)) {
      const vf = summary.resources['CUSTOM_PCI_NIC_VF'];
      if (!vf) continue;
      const host = snapshot.hosts.find((h) => h.uuid === summary.root_provider_uuid)!.name;
      placementFree.set(host, (placementFree.get(host) ?? 0) + vf.capacity - vf.used);
    }
    expect(Object.fromEntries(placementFree)).toEqual({ 'lab-compute-1': 0, 'lab-compute-2': 2 });
    for (const fit of advice.capacity!.hosts) {
      expect(fit.freePci['CUSTOM_PCI_NIC_VF'], fit.host).toBe(placementFree.get(fit.host));
    }
    expect(advice.capacity!.hosts.filter((h) => h.instances > 0).map((h) => h.host)).toEqual(['lab-compute-2']);
    expect(advice.capacity!.totalInstances).toBe(1);
  });

  // Issue 4: on the lab too, each workload profile gives its own answer for the same image and flavor.
  it('§8 each workload profile answers differently for lab-ubuntu-22.04 + lab.sriov', () => {
    const flavor = snapshot.flavors.find((f) => f.name === 'lab.sriov')!;
    const image = snapshot.images.find((i) => i.name === 'lab-ubuntu-22.04')!;
    const answer = (workload: Parameters<typeof advise>[1]['workload']) => {
      const advice = advise(snapshot, {
        image, flavor, workload, vnicType: 'normal', aliasResourceClasses: { 'sriov-nic': 'CUSTOM_PCI_NIC_VF' },
      }, defaultRuleContext());
      return Object.fromEntries([...advice.imageProperties, ...advice.flavorExtraSpecs].map((r) => [r.key, r.value]));
    };
    const general = answer('general');
    expect(general).toMatchObject({ hw_vif_model: 'virtio', hw_disk_bus: 'virtio' });
    expect(answer('storage-heavy')).toMatchObject({ hw_disk_bus: 'scsi', hw_scsi_model: 'virtio-scsi' });
    expect(answer('network-throughput')).toMatchObject({ hw_vif_model: 'virtio', hw_vif_multiqueue_enabled: 'true' });
    expect(answer('nfv-dataplane')).toMatchObject({ 'hw:cpu_policy': 'dedicated', 'hw:mem_page_size': expect.any(String) });
    expect(answer('legacy-guest').hw_vif_model).not.toBe('virtio');
    expect(answer('pci-passthrough')).toMatchObject({ 'pci_passthrough:alias': 'sriov-nic:2' });
    // lab.sriov already carries its PCI alias, so pci-passthrough has nothing to add over general here;
    // every other profile differs from every other one.
    expect(answer('pci-passthrough')).toEqual(general);
    const profiles = ['general', 'network-throughput', 'nfv-dataplane', 'storage-heavy', 'legacy-guest'] as const;
    const distinct = new Set(profiles.map((p) => JSON.stringify(answer(p))));
    expect(distinct.size).toBe(profiles.length);
  });

  // Issue 13: a guest without virtio gets the emulated NIC the most hosts can provide, counted as Placement counts them:
  // the hosts GET /allocation_candidates returns for lab.tiny with the model's trait required (§2.5, §2.6).
  it('§2.6 §3.3 legacy-guest lab-ubuntu-22.04 gets the emulated NIC more lab hosts report, by Placement\'s own answer', async () => {
    const flavor = snapshot.flavors.find((f) => f.name === 'lab.tiny')!;
    const image = snapshot.images.find((i) => i.name === 'lab-ubuntu-22.04')!;
    const names = new Map(snapshot.hosts.map((h) => [h.uuid, h.name]));
    const placementHosts = async (model: string) => {
      const answer = await client.placement.allocationCandidates(new URLSearchParams(
        `resources=VCPU:${flavor.vcpus},MEMORY_MB:${flavor.ramMb},DISK_GB:${flavor.diskGb}&required=COMPUTE_NET_VIF_MODEL_${model.toUpperCase()}`));
      return new Set(answer.allocation_requests.flatMap((ar) => Object.keys(ar.allocations)
        .map((rp) => names.get(answer.provider_summaries[rp]?.root_provider_uuid ?? rp) ?? rp))).size;
    };
    const e1000e = await placementHosts('e1000e');
    const e1000 = await placementHosts('e1000');
    const advice = advise(snapshot, { image, flavor, workload: 'legacy-guest', vnicType: 'normal' }, defaultRuleContext());
    const nic = advice.imageProperties.find((r) => r.key === 'hw_vif_model')!;
    console.log(`emulated NIC on the lab: Placement e1000e ${e1000e} host(s), e1000 ${e1000}; advised ${nic.value}: ${nic.reason}`);
    // Ties keep the guest's own (e1000 for Linux, §3.4 virt-v2v).
    expect(nic.value).toBe(e1000e > e1000 ? 'e1000e' : 'e1000');
    expect(nic.reason).toContain(`e1000e on ${e1000e}`);
    expect(nic.reason).toContain(`e1000 on ${e1000}`);
  });

  // Issue 12: what nova-advisor advises for the lab is what the lab's own Nova (26, Zed) accepts: every [pci] alias
  // line and every flavor extra spec of every recommendation, checked by Nova's own parsing and validators
  // (tests/oracle: _get_alias_from_config, extra_specs validators.validate) with /usr/bin/python3.
  it.skipIf(novaUnavailable() !== null)('§4.2 §1.5 every alias line and flavor extra spec advised for the lab is accepted by the lab\'s Nova', () => {
    const workloads = ['general', 'network-throughput', 'nfv-dataplane', 'storage-heavy', 'legacy-guest', 'pci-passthrough'] as const;
    const aliasConfs: string[][] = [];
    const extraSpecs: [string, string][] = [];
    for (const flavor of snapshot.flavors) {
      for (const image of snapshot.images) {
        for (const workload of workloads) {
          const advice = advise(snapshot, { image, flavor, workload, vnicType: 'normal', ...(workload === 'pci-passthrough' ? { vfs: 1 } : {}) }, defaultRuleContext());
          expect(advice.release).toMatchObject({ release: 'zed', from: 'observed' });
          if (advice.pciAliases.length > 0) aliasConfs.push(advice.pciAliases.map((a) => a.novaConf));
          for (const spec of advice.flavorExtraSpecs) extraSpecs.push([spec.key, spec.value]);
        }
      }
    }
    expect(aliasConfs.length).toBeGreaterThan(0);
    expect(extraSpecs.length).toBeGreaterThan(0);
    const refusedAliases = runOracle('alias_oracle.py', aliasConfs).flatMap((v, i) => (v.ok ? [] : [`${aliasConfs[i]!.join(' ')}: ${v.error}`]));
    const refusedSpecs = runOracle('extra_spec_oracle.py', extraSpecs).flatMap((v, i) => (v.ok ? [] : [`${extraSpecs[i]!.join('=')}: ${v.error}`]));
    console.log(`lab advice checked by Nova: ${aliasConfs.length} alias configurations, ${extraSpecs.length} extra specs; refused ${refusedAliases.length} and ${refusedSpecs.length}`);
    expect(refusedAliases).toEqual([]);
    expect(refusedSpecs).toEqual([]);
  });

  it('the demo credential gets a clear 403-derived error for Placement', async () => {
    const [demo] = loadCloudConfigs({ ...process.env, OS_CLOUD: 'lab-demo' });
    const demoClient = createClient(demo!, { log });
    const failed = await runSync(demoClient, t.store, { log });
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatchObject({ code: 'upstream_forbidden', details: { service: 'placement', status: 403 } });
    expect(failed.error?.message).toMatch(/roles: .*member.*only admin or service/);
    expect((await t.store.latestSnapshot(cloudName))?.id).toBe(snapshot.id);
  });
});
