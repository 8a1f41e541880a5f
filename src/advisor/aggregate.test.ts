// What a caller without host-level access reads (docs/security.md): aggregates, and no host or provider name
// anywhere in the answer, as Nova's os-hypervisors and Placement refuse such a caller (403).
import { describe, expect, it } from 'vitest';
import { advise, defaultRuleContext, validate } from '../rules/index.ts';
import { NO_APIS, flavor, host, image, pciProvider, request } from '../rules/test-fixtures.ts';
import type { CloudSnapshot } from '../model/index.ts';
import { adviceAggregate, validationAggregate } from './aggregate.ts';

const snapshot: CloudSnapshot = {
  id: 's1', cloud: 'c', region: null, source: 'demo', takenAt: '2026-12-01T00:00:00Z', apis: NO_APIS, images: [],
  flavors: [flavor('vf', 4, 4096, 10, { 'pci_passthrough:alias': 'nic-vf:1' })],
  hosts: [
    host('rack-a-017', { pci: [pciProvider('rack-a-017', '0000:3b:00.0', 'CUSTOM_NIC_VF', 4, 1, ['HW_NIC_SRIOV'])] }),
    host('rack-b-002', { vcpus: 1, pci: [pciProvider('rack-b-002', '0000:3b:00.0', 'CUSTOM_NIC_VF', 4, 4, ['HW_NIC_SRIOV'])] }),
  ],
};

describe('advice without host detail', () => {
  const full = advise(snapshot, request(image({ os_distro: 'ubuntu', os_version: '22.04' }), snapshot.flavors[0]!), defaultRuleContext());
  const aggregate = adviceAggregate(snapshot, full);

  it('keeps how many instances fit and on how many hosts', () => {
    expect(full.capacity!.hosts.length).toBeGreaterThan(0);
    expect(aggregate.capacity).toMatchObject({
      hostsChecked: full.capacity!.hostsChecked,
      hostsThatFit: full.capacity!.hostsThatFit,
      totalInstances: full.capacity!.totalInstances,
      blocked: full.capacity!.blocked,
      hosts: [],
      blockedExamples: [],
    });
  });

  it('names no host and no provider anywhere, and keeps the rest of the advice', () => {
    expect(JSON.stringify(full)).toMatch(/rack-a-017/);
    expect(JSON.stringify(aggregate)).not.toMatch(/rack-[ab]-0/);
    expect(aggregate.imageProperties).toEqual(full.imageProperties);
    expect(aggregate.findings.map((f) => f.id)).toEqual(full.findings.map((f) => f.id));
  });
});

describe('validations without host detail', () => {
  // rack-b-002 lacks COMPUTE_NET_VIF_MODEL_E1000 below, so the answer names it in its examples and finding.
  const withoutE1000: CloudSnapshot = { ...snapshot, hosts: [snapshot.hosts[0]!, { ...snapshot.hosts[1]!, traits: snapshot.hosts[1]!.traits.filter((t) => t !== 'COMPUTE_NET_VIF_MODEL_E1000') }] };
  const full = validate(withoutE1000, { properties: { hw_vif_model: 'e1000' }, flavor: null }, defaultRuleContext());
  const aggregate = validationAggregate(withoutE1000, full);

  it('§2.6 keeps how many hosts support each property, names none', () => {
    expect(JSON.stringify(full)).toMatch(/rack-b-002/);
    expect(JSON.stringify(aggregate)).not.toMatch(/rack-[ab]-0/);
    const hosts = (v: typeof full) => v.properties.find((p) => p.key === 'hw_vif_model')!.hosts!;
    expect(hosts(aggregate)).toEqual({ ...hosts(full), examples: { supporting: [], lacking: [], unknown: [] } });
    expect(aggregate.verdict).toBe(full.verdict);
  });
});
