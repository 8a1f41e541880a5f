// Observed per-host facts from Nova (domain.md §2.5 compute_status_filter, §5.3 os-services / os-hypervisors):
// hosts whose compute service is disabled or forced down take no instances, by the same rule as the trait.
import { describe, expect, it } from 'vitest';
import { advise, defaultRuleContext, preview, validate } from '../index.ts';
import { LAB_FLAVORS, LAB_IMAGES, ZED_APIS, labSnapshot, request } from '../test-fixtures.ts';
import type { CloudSnapshot, ComputeServiceState, Host } from '../../model/index.ts';

const withStates = (states: (ComputeServiceState | null)[], traits: string[][] = []): CloudSnapshot => {
  const lab = { ...labSnapshot(), apis: ZED_APIS };
  return { ...lab, hosts: lab.hosts.map((h, i): Host => ({ ...h, computeService: states[i] ?? null, traits: [...h.traits, ...(traits[i] ?? [])] })) };
};
const up: ComputeServiceState = { disabled: false, forcedDown: false };

describe('§2.5 §5.3 hosts whose nova-compute service is down do not count in capacity', () => {
  it.each<{ name: string; states: (ComputeServiceState | null)[]; traits?: string[][]; fit: number; finding: string | null }>([
    { name: 'all up', states: [up, up], fit: 2, finding: null },
    { name: 'not read (null)', states: [null, null], fit: 2, finding: null },
    { name: 'one disabled', states: [{ disabled: true, forcedDown: false }, up], fit: 1, finding: '1 of 2 host(s) have their nova-compute service 1 disabled' },
    { name: 'one forced down', states: [up, { disabled: false, forcedDown: true }], fit: 1, finding: '1 of 2 host(s) have their nova-compute service 1 forced down' },
    { name: 'disabled with the trait already set (one rule, one count)', states: [{ disabled: true, forcedDown: false }, up], traits: [['COMPUTE_STATUS_DISABLED']], fit: 1, finding: '1 of 2' },
    { name: 'the trait alone (service not read)', states: [null, null], traits: [['COMPUTE_STATUS_DISABLED']], fit: 1, finding: null },
  ])('§2.5 $name', ({ states, traits, fit, finding }) => {
    const advice = advise(withStates(states, traits), request(LAB_IMAGES.ubuntu, LAB_FLAVORS.tiny), defaultRuleContext());
    expect(advice.capacity?.hostsThatFit).toBe(fit);
    const found = advice.findings.find((f) => f.id === 'compute-service-unavailable');
    if (finding === null) expect(found).toBeUndefined();
    else expect(found?.message).toContain(finding);
    if (fit < 2) expect(advice.capacity?.blocked['trait:COMPUTE_STATUS_DISABLED']).toBe(1);
  });

  it('§2.5 the preview counts the same candidates', () => {
    const input = { image: LAB_IMAGES.ubuntu, flavor: LAB_FLAVORS.tiny, vnicType: 'normal' as const };
    expect(preview(withStates([{ disabled: false, forcedDown: true }, up]), input, defaultRuleContext()).candidateHostCount).toBe(1);
  });
});

describe('§5.3 hypervisor_type: libvirt reports QEMU for kvm and qemu alike', () => {
  const typed = (types: (string | null)[]): CloudSnapshot => {
    const lab = { ...labSnapshot(), apis: ZED_APIS };
    return { ...lab, hosts: lab.hosts.map((h, i) => ({ ...h, hypervisorType: types[i] ?? null })) };
  };
  it.each<{ types: (string | null)[]; finding: string | null; virtSource: RegExp }>([
    { types: [null, null], finding: null, virtSource: /^built-in default[^;]*;[^;]*\)$/ },
    { types: ['QEMU', 'QEMU'], finding: null, virtSource: /libvirt observed on 2 of 2 host\(s\)/ },
    { types: ['fake', 'QEMU'], finding: "1 of 2 host(s) report hypervisor_type fake, not libvirt's QEMU", virtSource: /libvirt observed on 1 of 2 host\(s\)/ },
  ])('§5.3 $types', ({ types, finding, virtSource }) => {
    const answer = validate(typed(types), { properties: {}, flavor: null }, defaultRuleContext());
    const found = answer.findings.find((f) => f.id === 'hypervisor-not-libvirt');
    if (finding === null) expect(found).toBeUndefined();
    else expect(found).toMatchObject({ severity: 'info', message: expect.stringContaining(finding) });
    expect(answer.assumptions.find((a) => a.fact === 'virt_type')?.source).toMatch(virtSource);
  });
});
