// Every answer lists the facts it rests on — observed, declared or assumed by default — and what changes if one is
// wrong (docs/host-facts.md "What answers assume"; domain.md §2.2, §2.3, §4.5, §5.3, §7).
import { describe, expect, it } from 'vitest';
import { advise, checkPciConfig, defaultRuleContext, preview, validate, type RuleContext } from '../index.ts';
import { LAB_FLAVORS, LAB_IMAGES, ZED_APIS, labSnapshot, request } from '../test-fixtures.ts';
import type { CloudSnapshot, FactAssumption, FactOrigin } from '../../model/index.ts';

const ctx = (extra: Partial<RuleContext> = {}, facts: Partial<RuleContext['hostFacts']> = {}): RuleContext => {
  const base = defaultRuleContext();
  return { ...base, ...extra, hostFacts: { ...base.hostFacts, ...facts } };
};
const zedLab = (): CloudSnapshot => ({ ...labSnapshot(), apis: ZED_APIS });
const origins = (list: FactAssumption[]) => Object.fromEntries(list.map((a) => [a.fact, a.origin]));
const byFact = (list: FactAssumption[], fact: string) => list.find((a) => a.fact === fact);

const ALL_DEFAULT: Record<string, FactOrigin> = {
  nova_release: 'observed', virt_type: 'default', vhost_net: 'default', ovs_dpdk: 'default', kernel_major: 'default',
  default_machine_type: 'default', architecture: 'default', use_virtio_for_bridges: 'default', pci_in_placement: 'default',
};

describe('answers list the facts they rest on (§5.3, §2.2, §2.3, §4.5)', () => {
  const input = { image: LAB_IMAGES.ubuntu, flavor: LAB_FLAVORS.tiny, vnicType: 'normal' as const };
  it.each<{ name: string; answer: (c: RuleContext, s: CloudSnapshot) => FactAssumption[] }>([
    { name: 'advice', answer: (c, s) => advise(s, request(LAB_IMAGES.ubuntu, LAB_FLAVORS.tiny), c).assumptions },
    { name: 'advice preview', answer: (c, s) => advise(s, request(LAB_IMAGES.ubuntu, LAB_FLAVORS.tiny), c).preview!.assumptions },
    { name: 'validation', answer: (c, s) => validate(s, { properties: {}, flavor: null }, c).assumptions },
    { name: 'preview', answer: (c, s) => preview(s, input, c).assumptions },
  ])('§5.3 §2.2 $name: release observed, host facts default without a file, declared with one', ({ answer }) => {
    expect(origins(answer(ctx(), zedLab()))).toEqual(ALL_DEFAULT);
    const declared = answer(ctx({ hostFactsDeclared: { virtType: 'HOST_FACTS_FILE defaults' } }, { virtType: 'qemu' }), zedLab());
    expect(byFact(declared, 'virt_type')).toMatchObject({ value: 'qemu', origin: 'declared', source: 'HOST_FACTS_FILE defaults' });
    expect(byFact(declared, 'nova_release')).toMatchObject({ value: 'zed', origin: 'observed', source: 'compute API max microversion 2.93: Zed' });
  });

  it.each<{ fact: string; facts: Partial<RuleContext['hostFacts']>; says: RegExp }>([
    { fact: 'virt_type', facts: {}, says: /virt_type=qemu, there is no vhost: multiqueue and rx_queue_size are silently ignored.*§2\.2/ },
    { fact: 'virt_type', facts: { virtType: 'qemu' }, says: /virt_type=kvm.*§2\.2/ },
    { fact: 'vhost_net', facts: {}, says: /fails to start.*§2\.2/ },
    { fact: 'ovs_dpdk', facts: {}, says: /vhost-user.*passes no traffic.*§2\.2/ },
    { fact: 'kernel_major', facts: {}, says: /3 => 8, 4 => 256.*§2\.2/ },
    { fact: 'default_machine_type', facts: {}, says: /hw_machine_type is not pc.*§2\.3/ },
    { fact: 'pci_in_placement', facts: {}, says: /pci_in_placement is on.*§4\.5/ },
  ])('§2.2 §2.3 §4.5 ifWrong of $fact ($facts)', ({ fact, facts, says }) => {
    expect(byFact(validate(zedLab(), { properties: {}, flavor: null }, ctx({}, facts)).assumptions, fact)?.ifWrong).toMatch(says);
  });

  it('§4.5 a per-aggregate override names its file entry; §7 pci_in_placement declared on Zed is not applied', () => {
    const lab = zedLab();
    const override = { trait: 'CUSTOM_LAB_RACK_B', label: 'overrides[0] (trait CUSTOM_LAB_RACK_B)', facts: { ovsDpdk: true } };
    const flavor = { ...LAB_FLAVORS.tiny, extraSpecs: { 'trait:CUSTOM_LAB_RACK_B': 'required' } };
    const answer = validate(lab, { properties: {}, flavor }, ctx({ hostFactOverrides: [override] }));
    expect(byFact(answer.assumptions, 'ovs_dpdk')).toMatchObject({ value: true, origin: 'declared', source: 'HOST_FACTS_FILE overrides[0] (trait CUSTOM_LAB_RACK_B)' });
    const gated = validate(lab, { properties: {}, flavor: null }, ctx({ hostFactsDeclared: { pciInPlacement: 'HOST_FACTS_FILE defaults' } }, { pciInPlacement: true }));
    expect(byFact(gated.assumptions, 'pci_in_placement')).toMatchObject({ value: false, origin: 'declared', source: expect.stringMatching(/Zed has no \[filter_scheduler\] pci_in_placement/) });
  });

  it('§5.3 hypervisor facts are observed when the sync read them (libvirt: QEMU for kvm and qemu alike)', () => {
    const lab = zedLab();
    lab.hosts = lab.hosts.map((h, i) => ({ ...h, hypervisorType: i === 0 ? 'QEMU' : 'fake', hypervisorVersion: 6002000 + i }));
    const answer = validate(lab, { properties: {}, flavor: null }, ctx());
    expect(byFact(answer.assumptions, 'hypervisor_type')).toMatchObject({ value: 'fake, QEMU', origin: 'observed', source: 'os-hypervisors hypervisor_type: fake on 1 host(s), QEMU on 1 host(s)' });
    expect(byFact(answer.assumptions, 'hypervisor_version')).toMatchObject({ value: 6002000, origin: 'observed' });
    expect(byFact(validate(zedLab(), { properties: {}, flavor: null }, ctx()).assumptions, 'hypervisor_type')).toBeUndefined();
  });

  it.each<{ given: { pciInPlacement?: boolean; reportInPlacement?: boolean }; origins: Record<string, FactOrigin> }>([
    { given: {}, origins: { nova_release: 'observed', pci_in_placement: 'default', report_in_placement: 'default' } },
    { given: { pciInPlacement: false, reportInPlacement: true }, origins: { nova_release: 'observed', pci_in_placement: 'declared', report_in_placement: 'declared' } },
  ])('§4.5 PCI config check $given', ({ given, origins: want }) => {
    const check = checkPciConfig(zedLab(), { deviceSpecs: [], aliases: [], ...given }, ctx());
    expect(origins(check.assumptions)).toEqual(want);
  });
});
