// <features> and <clock> as Nova 26 writes them. domain.md §2.1 (end) says os_type is read only by driver.py's
// clock / features code; what that code writes is Nova's own (`driver.py` _set_features, _set_clock,
// _set_kvm_timers), cited in each case.
import { describe, expect, it } from 'vitest';
import { advise, defaultRuleContext, preview, type RuleContext } from '../index.ts';
import { flavor, image, labSnapshot, request } from '../test-fixtures.ts';
import type { HostFacts, NovaPreview } from '../../model/index.ts';

const lab = labSnapshot();
const ctx = (facts: Partial<HostFacts> = {}): RuleContext => {
  const base = defaultRuleContext();
  return { ...base, hostFacts: { ...base.hostFacts, ...facts } };
};
const run = (props: Record<string, string>, facts: Partial<HostFacts> = {}, specs: Record<string, string> = {}): NovaPreview =>
  preview(lab, { image: image(props), flavor: flavor('f', 2, 1024, 10, specs), vnicType: 'normal' }, ctx(facts));
const names = (elements: { name: string; detail: string | null }[]): string[] => elements.map((e) => (e.detail ? `${e.name} ${e.detail}` : e.name));

const HYPERV = ['relaxed', 'vapic', 'spinlocks retries=8191', 'vpindex', 'runtime', 'synic', 'reset', 'frequencies', 'reenlightenment', 'tlbflush', 'ipi', 'evmcs'];

describe('guest features and clock', () => {
  it.each<{ name: string; props: Record<string, string>; facts?: Partial<HostFacts>; specs?: Record<string, string>; features: string[]; hyperv: string[]; clock: string; timers: string[] }>([
    { name: '§2.1 (os_type only) Linux on kvm: acpi, apic, vmcoreinfo; utc; pit, rtc, hpet off (driver.py _set_features, _set_kvm_timers)', props: {},
      features: ['acpi', 'apic', 'vmcoreinfo'], hyperv: [], clock: 'utc', timers: ['pit tickpolicy=delay', 'rtc tickpolicy=catchup', 'hpet present=no'] },
    { name: '§2.1 (os_type only) os_type=windows on kvm: Hyper-V enlightenments, localtime, hypervclock', props: { os_type: 'windows' },
      features: ['acpi', 'apic', 'hyperv', 'vmcoreinfo'], hyperv: HYPERV, clock: 'localtime', timers: ['pit tickpolicy=delay', 'rtc tickpolicy=catchup', 'hpet present=no', 'hypervclock present=yes'] },
    { name: '§2.1 (os_type only) os_distro=windows without os_type: nothing Windows-specific', props: { os_distro: 'windows', os_version: '2022' },
      features: ['acpi', 'apic', 'vmcoreinfo'], hyperv: [], clock: 'utc', timers: ['pit tickpolicy=delay', 'rtc tickpolicy=catchup', 'hpet present=no'] },
    { name: '§2.1 (os_type only) os_type=Windows passes the API but the driver compares verbatim: no Hyper-V', props: { os_type: 'Windows' },
      features: ['acpi', 'apic', 'vmcoreinfo'], hyperv: [], clock: 'utc', timers: ['pit tickpolicy=delay', 'rtc tickpolicy=catchup', 'hpet present=no'] },
    { name: '§2.1 (os_type only) virt_type=qemu: Hyper-V and localtime, but no timers (kvm only)', props: { os_type: 'windows' }, facts: { virtType: 'qemu' },
      features: ['acpi', 'apic', 'hyperv', 'vmcoreinfo'], hyperv: HYPERV, clock: 'localtime', timers: [] },
    { name: '§1.1 hw_time_hpet=true turns the HPET on (x86)', props: { hw_time_hpet: 'true' },
      features: ['acpi', 'apic', 'vmcoreinfo'], hyperv: [], clock: 'utc', timers: ['pit tickpolicy=delay', 'rtc tickpolicy=catchup', 'hpet present=yes'] },
    { name: '§1.4 ppc64le guest: no vmcoreinfo, no HPET timer', props: { hw_architecture: 'ppc64le' },
      features: ['acpi', 'apic'], hyperv: [], clock: 'utc', timers: ['pit tickpolicy=delay', 'rtc tickpolicy=catchup'] },
    { name: '§1.5 hide_hypervisor_id: kvm hidden and the Hyper-V vendor id spoofed', props: { os_type: 'windows' }, specs: { 'hw:hide_hypervisor_id': 'true' },
      features: ['acpi', 'apic', 'hyperv', 'vmcoreinfo', 'kvm hidden state=on'], hyperv: [...HYPERV.slice(0, 3), 'vendor_id value=1234567890ab', ...HYPERV.slice(3)], clock: 'localtime',
      timers: ['pit tickpolicy=delay', 'rtc tickpolicy=catchup', 'hpet present=no', 'hypervclock present=yes'] },
    { name: '§1.5 hw:pmu=false: <pmu state=off>', props: {}, specs: { 'hw:pmu': 'false' },
      features: ['acpi', 'apic', 'vmcoreinfo', 'pmu state=off'], hyperv: [], clock: 'utc', timers: ['pit tickpolicy=delay', 'rtc tickpolicy=catchup', 'hpet present=no'] },
    { name: '§1.2 lxc: no features, no timers', props: { os_type: 'windows' }, facts: { virtType: 'lxc' }, features: [], hyperv: [], clock: 'localtime', timers: [] },
  ])('$name', ({ props, facts, specs, features, hyperv, clock, timers }) => {
    const g = run(props, facts, specs).guestFeatures;
    expect({ features: names(g.features), hyperv: names(g.hyperv), clock: g.clockOffset.value, timers: names(g.timers) }).toEqual({ features, hyperv, clock, timers });
  });

  it.each<{ name: string; props: Record<string, string>; specs?: Record<string, string>; facts?: Partial<HostFacts>; failures: string[]; ignored: string[] }>([
    { name: '§1.1 os_type outside linux/windows fails at the API (ImageMeta OSType)', props: { os_type: 'freebsd' }, failures: ['api:InvalidRequest:os_type'], ignored: [] },
    { name: '§1.1 os_type=Windows is listed as ignored', props: { os_type: 'Windows' }, failures: [], ignored: ['os_type'] },
    { name: '§2.7 hw:pmu and hw_pmu disagree ⇒ FlavorImageConflict (compute/api.py get_pmu_constraint)', props: { hw_pmu: 'true' }, specs: { 'hw:pmu': 'false' }, failures: ['api:FlavorImageConflict:hw_pmu'], ignored: [] },
    { name: '§1.4 hw_time_hpet on a non-x86 guest is ignored', props: { hw_time_hpet: 'yes', hw_architecture: 'aarch64' }, failures: [], ignored: ['hw_time_hpet'] },
  ])('$name', ({ props, specs, facts, failures, ignored }) => {
    const p = run(props, facts, specs);
    expect(p.failures.map((f) => `${f.stage}:${f.error}:${f.field}`)).toEqual(failures);
    expect(p.ignored.map((i) => i.field).filter((f) => ['os_type', 'hw_time_hpet', 'hw_pmu'].includes(f))).toEqual(ignored);
  });

  it.each([
    { current: 'Windows', advised: 'windows' },
    { current: 'windows', advised: null },
  ])('§2.1 (os_type only) a Windows guest with os_type=$current is advised os_type=windows: $advised', ({ current, advised }) => {
    const advice = advise(lab, request(image({ os_distro: 'windows', os_version: '2022', os_type: current }), null), ctx());
    expect(advice.imageProperties.find((r) => r.key === 'os_type')?.value ?? null).toBe(advised);
  });
});
