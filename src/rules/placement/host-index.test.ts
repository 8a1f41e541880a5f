import { describe, expect, it } from 'vitest';
import { hostIndex, hostIndexSteps } from './host-index.ts';
import { host, pciProvider } from '../test-fixtures.ts';

const manyHosts = (n: number) => Array.from({ length: n }, (_, i) => host(`h${String(n - i).padStart(5, '0')}`, { vcpus: 1 + (i % 7) }));

describe('host index', () => {
  it('built in steps is the index built at once, and a request during the build finishes that build', () => {
    const hosts = manyHosts(2_500);
    const steps = hostIndexSteps(hosts);
    expect(steps.next().done).toBe(false);
    const index = hostIndex(hosts);
    expect(steps.next().done).toBe(true);
    expect(hostIndex(hosts)).toBe(index);
    expect(hostIndexSteps(hosts).next()).toEqual({ done: true, value: index });
    expect(index.byName.map((ih) => ih.host.name)).toEqual(hosts.map((h) => h.name).sort());
    expect(index.rootColumns.get('VCPU')?.free[0]).toBe(index.byName[0]!.root.free['VCPU']);
  });

  it('hosts with the same root traits, in any order, share a trait set', () => {
    const a = host('a', { traits: ['X', 'Y'] });
    const b = host('b', { traits: ['Y', 'X'] });
    const c = host('c', { traits: ['X'] });
    const [ia, ib, ic] = hostIndex([a, b, c]).hosts;
    expect(ia!.traitSet).toBe(ib!.traitSet);
    expect(ic!.traitSet).not.toBe(ia!.traitSet);
  });

  // §4.5: a request group lands on the root or on one nested PCI provider; §4.7: free = (total − reserved) × ratio − used.
  it('a host\'s providers of a class, root first then its PCI providers in the snapshot\'s order, are what the class column counts', () => {
    const vf = (address: string, total: number, used: number) => pciProvider('h1', address, 'CUSTOM_VF', total, used, ['HW_NIC_SRIOV']);
    const h1 = host('h1', {
      pci: [vf('0000:81:00.2', 8, 3), pciProvider('h1', '0000:81:00.0', 'CUSTOM_PF', 1, 0, []), vf('0000:81:00.1', 4, 4)],
    });
    const h0 = host('h0', { pci: [pciProvider('h0', '0000:01:00.0', 'CUSTOM_PF', 1, 1, [])] });
    const index = hostIndex([h1, h0]);
    const ih = index.byName[1]!;
    expect(ih.host.name).toBe('h1');
    expect(ih.providersOf('CUSTOM_VF').map((p) => [p.name, p.free['CUSTOM_VF'], [...p.traits].sort()])).toEqual([
      ['h1_0000:81:00.2', 5, ['COMPUTE_MANAGED_PCI_DEVICE', 'HW_NIC_SRIOV']],
      ['h1_0000:81:00.1', 0, ['COMPUTE_MANAGED_PCI_DEVICE', 'HW_NIC_SRIOV']],
    ]);
    expect(ih.providersOf('VCPU').map((p) => p.name)).toEqual(['h1']);
    expect(ih.providersOf('PCPU')).toEqual([]);
    expect(ih.providers().map((p) => p.name)).toEqual(['h1', 'h1_0000:81:00.2', 'h1_0000:81:00.0', 'h1_0000:81:00.1']);
    expect(ih.free).toMatchObject({ CUSTOM_VF: 5, CUSTOM_PF: 1 });
    // h0 (position 0) has one PF, used; h1 (position 1) one PF, free, and two VF providers.
    const pf = index.classColumns.get('CUSTOM_PF')!;
    expect([...pf.from]).toEqual([0, 1, 2]);
    expect([...pf.free]).toEqual([0, 1]);
    const vfs = index.classColumns.get('CUSTOM_VF')!;
    expect([...vfs.from]).toEqual([0, 0, 2]);
    expect([...vfs.free]).toEqual([5, 0]);
    expect(vfs.traitSet.every((set) => index.providerTraitSets[set]!.has('HW_NIC_SRIOV'))).toBe(true);
    expect(index.providerTraitSets[pf.traitSet[1]!]!.has('HW_NIC_SRIOV')).toBe(false);
    expect([...index.classColumns.get('VCPU')!.from]).toEqual([0, 1, 2]);
  });
});
