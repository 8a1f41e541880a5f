// The `<features>` and `<clock>` Nova writes for the guest: ACPI/APIC, Hyper-V enlightenments and the
// localtime clock for Windows, the KVM timers. domain.md says only that os_type is read here (§2.1 end); the rest is
// Nova 26's code as installed: `nova/virt/libvirt/driver.py` `_set_features`, `_set_clock`, `_set_kvm_timers`,
// `config.py` `LibvirtConfigGuestFeatureHyperV`, `compute/api.py` (the instance's os_type is the image's, verbatim).
import { osloBool, osloBoolStrict } from '../../lib/oslo-bool.ts';
import { imageBool, imageEvidence, normaliseArchitecture } from '../vocabulary/nova.ts';
import { guestArchitecture, type RuleScope } from '../scope.ts';
import type { PreviewGuestElement, PreviewGuestFeatures } from '../../model/index.ts';
import { boolPair, enumProperty, value, type Outcome } from './outcome.ts';

const FEATURES = 'NOVA 26 nova/virt/libvirt/driver.py _set_features';
const CLOCK = 'NOVA 26 nova/virt/libvirt/driver.py _set_clock, _set_kvm_timers';

/**
 * Zed writes every one for Windows on qemu/kvm, with no libvirt / QEMU version gate (its minimum libvirt 6.0 /
 * QEMU 4.2 has them all); the spinlock retries are 8191, "recommended by KVM maintainers who certify Windows".
 */
const HYPERV_ENLIGHTENMENTS: readonly [string, string | null][] = [
  ['relaxed', null], ['vapic', null], ['spinlocks', 'retries=8191'], ['vpindex', null], ['runtime', null], ['synic', null],
  ['reset', null], ['frequencies', null], ['reenlightenment', null], ['tlbflush', null], ['ipi', null], ['evmcs', null],
];
/** `config.py` `LibvirtConfigGuestFeatureHyperV.SPOOFED_VENDOR_ID`. */
const SPOOFED_VENDOR_ID = '1234567890ab';
/** vmcoreinfo "is x86, ARM-only for now"; HPET is an x86 timer (`_set_kvm_timers`). */
const VMCOREINFO_ARCHES = ['i686', 'x86_64', 'aarch64'];
const X86 = ['i686', 'x86_64'];
const OS_TYPES = ['linux', 'windows'];

const element = (name: string, detail: string | null, reason: string, source: string): PreviewGuestElement => ({ name, detail, reason, source });

export function previewGuestFeatures(scope: RuleScope, out: Outcome): PreviewGuestFeatures {
  const { facts, flavor, properties } = scope;
  const qemuKvm = facts.virtType === 'qemu' || facts.virtType === 'kvm';
  // ImageMeta accepts os_type in any case (OSType.coerce lower-cases it), but the instance keeps the image's string
  // and the driver compares it with 'windows' exactly.
  const rawOsType = properties['os_type'] ?? null;
  enumProperty(scope, out, 'os_type', (raw) => (OS_TYPES.includes(raw.toLowerCase()) ? raw.toLowerCase() : null), OS_TYPES);
  const windows = rawOsType === 'windows';
  if (rawOsType !== null && rawOsType !== 'windows' && rawOsType.toLowerCase() === 'windows') {
    out.ignore('os_type', rawOsType, "the API accepts it, but the driver compares the instance's os_type with 'windows' verbatim: no Hyper-V enlightenments, no hypervclock, clock utc. Write os_type=windows.", FEATURES);
  }
  const osType = value(rawOsType, rawOsType === null
    ? 'os_type unset: Nova treats the guest as non-Windows (os_distro is never read for features or clock)'
    : `os_type=${rawOsType}${windows ? ': Windows guest features and clock' : ''}`, FEATURES, [imageEvidence('os_type', rawOsType)]);

  const hideSpecs = ['hide_hypervisor_id', 'hw:hide_hypervisor_id'].filter((k) => osloBool(flavor?.extraSpecs[k]));
  const hideImage = imageBool(properties, 'img_hide_hypervisor_id') === true;
  const hide = hideSpecs.length > 0 || hideImage;
  const hideWhy = [...hideSpecs.map((k) => `flavor ${k}=${flavor?.extraSpecs[k]}`), ...(hideImage ? [`img_hide_hypervisor_id=${properties['img_hide_hypervisor_id']}`] : [])].join(', ');

  // The API checks hw:pmu against hw_pmu on every server create, whatever the virt_type (compute/api.py get_pmu_constraint).
  const pmu = boolPair(scope, out, 'hw:pmu', 'hw_pmu');
  const features: PreviewGuestElement[] = [];
  const hyperv: PreviewGuestElement[] = [];
  if (qemuKvm) {
    features.push(element('acpi', null, `virt_type=${facts.virtType}`, FEATURES));
    features.push(element('apic', null, `virt_type=${facts.virtType} (unless [workarounds] libvirt_disable_apic, default False)`, FEATURES));
    if (windows) {
      features.push(element('hyperv', null, 'os_type=windows on qemu/kvm: Hyper-V enlightenments', FEATURES));
      for (const [name, detail] of HYPERV_ENLIGHTENMENTS) {
        hyperv.push(element(name, detail, 'os_type=windows', `${FEATURES}; config.py LibvirtConfigGuestFeatureHyperV`));
        // Spoofing the vendor id lets the NVIDIA driver work in a Windows guest (comment in _set_features); the XML has it after spinlocks.
        if (name === 'spinlocks' && hide) hyperv.push(element('vendor_id', `value=${SPOOFED_VENDOR_ID}`, `${hideWhy}: the Hyper-V vendor id is spoofed`, FEATURES));
      }
    }
    const emulationArch = properties['hw_emulation_architecture'] !== undefined ? normaliseArchitecture(properties['hw_emulation_architecture']) : guestArchitecture(scope).value;
    if (VMCOREINFO_ARCHES.includes(emulationArch)) features.push(element('vmcoreinfo', null, `guest arch ${emulationArch}`, FEATURES));
    if (hide) features.push(element('kvm', 'hidden state=on', `${hideWhy}: the KVM signature is hidden`, FEATURES));
    if (flavor?.extraSpecs['hw:pmu'] !== undefined || properties['hw_pmu'] !== undefined) {
      features.push(element('pmu', `state=${pmu ? 'on' : 'off'}`, flavor?.extraSpecs['hw:pmu'] !== undefined ? `flavor hw:pmu=${flavor.extraSpecs['hw:pmu']}` : `hw_pmu=${properties['hw_pmu']}`, `${FEATURES}; nova/virt/hardware.py get_pmu_constraint`));
    }
  }

  // Microsoft: Windows expects the RTC in localtime (comment in _set_clock, KB 2687252).
  const clockOffset = value<'utc' | 'localtime'>(windows ? 'localtime' : 'utc', windows ? 'os_type=windows: Windows expects its RTC in local time' : 'not os_type=windows: utc', CLOCK, [imageEvidence('os_type', rawOsType)]);
  const timers: PreviewGuestElement[] = [];
  if (facts.virtType === 'kvm') {
    timers.push(element('pit', 'tickpolicy=delay', 'virt_type=kvm', CLOCK), element('rtc', 'tickpolicy=catchup', 'virt_type=kvm', CLOCK));
    const hpet = osloBoolStrict(properties['hw_time_hpet']) === true;
    const arch = properties['hw_emulation_architecture'] !== undefined ? normaliseArchitecture(properties['hw_emulation_architecture']) : guestArchitecture(scope).value;
    if (X86.includes(arch)) {
      timers.push(element('hpet', `present=${hpet ? 'yes' : 'no'}`, hpet ? `hw_time_hpet=${properties['hw_time_hpet']}` : 'hw_time_hpet unset or false: HPET off', CLOCK));
    } else if (hpet) {
      out.ignore('hw_time_hpet', properties['hw_time_hpet']!, `HPET is an x86 timer: not written for guest arch ${arch}.`, CLOCK);
    }
    if (windows) timers.push(element('hypervclock', 'present=yes', "os_type=windows: the paravirtual Hyper-V clock, Windows' kvm-clock", CLOCK));
  } else if (properties['hw_time_hpet'] !== undefined) {
    out.ignore('hw_time_hpet', properties['hw_time_hpet'], `virt_type=${facts.virtType}: Nova writes timers on kvm only.`, CLOCK);
  }
  if (!qemuKvm && hide) out.ignore(hideSpecs[0] ?? 'img_hide_hypervisor_id', 'true', `virt_type=${facts.virtType}: features are written on qemu/kvm only.`, FEATURES);
  return { osType, features, hyperv, clockOffset, timers };
}
