// Each workload profile on the demo cloud, same image and flavor: each gives its own answer where that is
// right (src/rules/profiles/profiles.ts; domain.md §1.6, §2.1–§2.3, §4, §8).
import { describe, expect, it } from 'vitest';
import { loadDemoCloud } from '../../sync/demo.ts';
import { normaliseCloud } from '../../sync/normalise.ts';
import { WORKLOAD_PROFILES, advise, defaultRuleContext } from '../index.ts';
import type { Advice, HostFacts, WorkloadProfile } from '../../model/index.ts';

const { snapshot: demo } = normaliseCloud(loadDemoCloud(), 'profiles-test', 'demo');
const byName = <T extends { name: string | null }>(items: T[], name: string): T => items.find((i) => i.name === name)!;
const UBUNTU = byName(demo.images, 'ubuntu-22.04');
const WINDOWS = byName(demo.images, 'windows-2022');
const M1_LARGE = byName(demo.flavors, 'm1.large');

function answer(workload: WorkloadProfile, facts: Partial<HostFacts> = {}, image = UBUNTU): { settings: Record<string, string>; advice: Advice } {
  const ctx = defaultRuleContext();
  const advice = advise(demo, { image, flavor: M1_LARGE, workload, vnicType: 'normal' }, { ...ctx, hostFacts: { ...ctx.hostFacts, ...facts } });
  const settings = Object.fromEntries([...advice.imageProperties, ...advice.flavorExtraSpecs].map((r) => [r.key, r.value]));
  return { settings, advice };
}

describe('workload profiles on the demo cloud: ubuntu-22.04 + m1.large (4 vCPUs)', () => {
  it('§8 general: explicit virtio NIC and virtio-blk, nothing else', () => {
    expect(answer('general').settings).toEqual({ hw_vif_model: 'virtio', hw_disk_bus: 'virtio' });
  });

  it('§2.2 network-throughput: virtio + multiqueue on kvm with vhost-net, 4 queues', () => {
    const { settings, advice } = answer('network-throughput');
    expect(settings).toEqual({ hw_vif_model: 'virtio', hw_disk_bus: 'virtio', hw_vif_multiqueue_enabled: 'true' });
    const mq = advice.imageProperties.find((r) => r.key === 'hw_vif_multiqueue_enabled')!;
    expect(mq.reason).toMatch(/vhost-net.*4 queues/);
    expect(mq.evidence).toContainEqual({ source: 'declared-host-fact', ref: 'vhostNet', value: true });
  });

  it('§2.2 network-throughput without vhost-net: no multiqueue (Nova would force driver vhost and the guest fails)', () => {
    expect(answer('network-throughput', { vhostNet: false }).settings).not.toHaveProperty('hw_vif_multiqueue_enabled');
  });

  it('§1.6/§4 nfv-dataplane: two SR-IOV VFs through a type-VF alias, huge pages, pinned CPUs, multiqueue', () => {
    const { settings, advice } = answer('nfv-dataplane');
    expect(settings).toMatchObject({ 'hw:cpu_policy': 'dedicated', 'hw:mem_page_size': 'large', hw_vif_multiqueue_enabled: 'true' });
    expect(settings['pci_passthrough:alias']).toMatch(/^[a-z0-9-]+:2$/);
    expect(advice.pciAliases.map((a) => a.alias.device_type)).toEqual(['type-VF']);
  });

  it('§2.2 nfv-dataplane on OVS-DPDK hosts: vhost-user (virtio + huge pages), no VFs', () => {
    const { settings } = answer('nfv-dataplane', { ovsDpdk: true });
    expect(settings).toMatchObject({ hw_vif_model: 'virtio', 'hw:mem_page_size': 'large', 'hw:cpu_policy': 'dedicated' });
    expect(settings).not.toHaveProperty('pci_passthrough:alias');
  });

  it('§2.3/§8 storage-heavy: disks on one virtio-scsi controller', () => {
    expect(answer('storage-heavy').settings).toEqual({ hw_vif_model: 'virtio', hw_disk_bus: 'scsi', hw_scsi_model: 'virtio-scsi' });
  });

  // One demo host lacks COMPUTE_NET_VIF_MODEL_E1000 (sync/demo.test.ts); Ubuntu 22.04 drives e1000 and e1000e (§3.3).
  it('§3.3/§3.4/§8 legacy-guest: the emulated NIC more hosts report, and IDE on the default pc machine type', () => {
    expect(answer('legacy-guest').settings).toEqual({ hw_vif_model: 'e1000e', hw_disk_bus: 'ide' });
    expect(answer('legacy-guest', { defaultMachineType: 'q35' }).settings).toEqual({ hw_vif_model: 'e1000e', hw_disk_bus: 'sata' });
  });

  it('§2.2 legacy-guest on OVS-DPDK hosts gets virtio: its ports are vhost-user, which only virtio can drive', () => {
    const { settings, advice } = answer('legacy-guest', { ovsDpdk: true });
    expect(settings['hw_vif_model']).toBe('virtio');
    expect(advice.findings.map((f) => f.id)).not.toContain('vhost-user-needs-virtio');
  });

  it('§4.2/§4.3 pci-passthrough: one whole device (PF or PCI) through an alias, no huge pages', () => {
    const { settings, advice } = answer('pci-passthrough');
    expect(settings['pci_passthrough:alias']).toMatch(/:1$/);
    expect(settings).not.toHaveProperty('hw:mem_page_size');
    expect(advice.pciAliases.map((a) => a.alias.device_type)).toEqual([expect.stringMatching(/^type-(PF|PCI)$/)]);
  });

  it('every profile gives a different answer for the same image and flavor', () => {
    const answers = WORKLOAD_PROFILES.map((p) => JSON.stringify(answer(p.name).settings));
    expect(new Set(answers).size).toBe(WORKLOAD_PROFILES.length);
  });

  it('§3.1 a Windows guest without virtio-win: throughput and storage profiles cannot use virtio, so they answer like general', () => {
    const general = answer('general', {}, WINDOWS).settings;
    expect(general).toEqual({ hw_vif_model: 'e1000e', hw_disk_bus: 'sata' });
    expect(answer('network-throughput', {}, WINDOWS).settings).toEqual(general);
    expect(answer('storage-heavy', {}, WINDOWS).settings).toEqual(general);
    expect(answer('network-throughput', {}, WINDOWS).advice.findings.map((f) => f.id)).toContain('virtio-win-drivers-undeclared');
  });
});
