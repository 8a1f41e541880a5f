// NIC model: checks on hw_vif_model and the recommended value (domain.md §1.2, §1.6, §2.1, §2.4).
import { makeFinding } from '../findings/catalog.ts';
import { guestLabel } from '../guest/identify.ts';
import { deviceSupportFindings, traitEvidence, traitSupport } from './host-traits.ts';
import {
  NO_DEVICE_ADVICE_VIRT_TYPES, PASSTHROUGH_VNIC_TYPES, VIF_MODELS, VIF_MODELS_BY_VIRT_TYPE, hostFactEvidence, imageEvidence,
  normaliseVifModel, vifModelTrait,
} from '../vocabulary/nova.ts';
import type { AdviceScope, RuleScope } from '../scope.ts';
import { parseVersion, reaches } from '../vocabulary/version.ts';
import type { Evidence, Finding, Recommendation } from '../../model/index.ts';

const VIF_TRAIT_PREFIX = 'COMPUTE_NET_VIF_MODEL_';

/** Why Nova's implicit choice is not good enough, for reasons and findings (§2.1 step 2–3, §2.4). */
function implicitNicChoice(scope: RuleScope): string {
  const db = scope.facts.osinfoDbVersion ? ` (osinfo-db ${scope.facts.osinfoDbVersion}, declared)` : '';
  return scope.guest.osDistroIsShortId
    ? scope.facts.libosinfo === true
      ? `with os_distro=${scope.properties['os_distro']} and libosinfo on the computes (declared)${db}, Nova takes an arbitrary osinfo-db NIC (often e1000e or e1000)`
      : `with os_distro=${scope.properties['os_distro']} and libosinfo on the compute, Nova takes an arbitrary osinfo-db NIC (often e1000e or e1000), else virtio`
    : 'Nova uses virtio ([libvirt] use_virtio_for_bridges)';
}

/** libvirt / QEMU minima for igb (NOVA `driver.py` MIN_IGB_LIBVIRT_VERSION, MIN_IGB_QEMU_VERSION; §1.2). */
const IGB_MINIMA = { libvirt: '9.3.0', qemu: '8.0.0' } as const;

/** os-hypervisors hypervisor_version is QEMU's as major·10⁶ + minor·10³ + micro (§5.3). */
function qemuOf(version: number): string {
  return `${Math.floor(version / 1_000_000)}.${Math.floor(version / 1_000) % 1_000}.${version % 1_000}`;
}

/** The libvirt / QEMU versions below igb's minima: declared, else QEMU as the hosts report it (lowest). */
function igbTooOld(scope: RuleScope): { what: string; evidence: Evidence }[] {
  const observed = scope.hosts.flatMap((h) => (h.hypervisorVersion === null ? [] : [h.hypervisorVersion]));
  const qemu = scope.facts.qemuVersion ?? (observed.length > 0 ? qemuOf(Math.min(...observed)) : undefined);
  const checks = [
    { name: 'libvirt', version: scope.facts.libvirtVersion, evidence: hostFactEvidence('libvirtVersion', scope.facts.libvirtVersion ?? null) },
    { name: 'QEMU', version: qemu, evidence: scope.facts.qemuVersion
      ? hostFactEvidence('qemuVersion', scope.facts.qemuVersion)
      : { source: 'nova-api' as const, ref: 'hypervisor_version (lowest)', value: qemu ?? null } },
  ] as const;
  return checks.flatMap(({ name, version, evidence }) => {
    const parsed = version === undefined ? null : parseVersion(version);
    const minimum = name === 'libvirt' ? IGB_MINIMA.libvirt : IGB_MINIMA.qemu;
    return parsed !== null && !reaches(parsed, minimum) ? [{ what: `${name} ${version} < ${minimum}`, evidence }] : [];
  });
}

/** Checks the image's hw_vif_model as it is (validate path). */
/** NIC models QEMU emulates in full; a guest with virtio-net gains nothing from them (domain.md §2.1, §8). */
const EMULATED_VIF_MODELS: ReadonlySet<string> = new Set(['e1000', 'e1000e', 'rtl8139', 'ne2k_pci', 'pcnet', 'igb']);

export function checkNic(scope: RuleScope): Finding[] {
  const raw = scope.properties['hw_vif_model'];
  const findings: Finding[] = [];
  const { guest, facts } = scope;
  if (raw === undefined) {
    // Declared without libosinfo, Nova's choice is virtio, not osinfo-db's arbitrary pick (§2.4, §7 surprise 1).
    if (guest.osDistroIsShortId && facts.libosinfo !== false) {
      findings.push(makeFinding('implicit-nic-model-arbitrary', 'hw_vif_model',
        `hw_vif_model is unset: ${implicitNicChoice(scope)}; the result changes with the osinfo-db version.`,
        [imageEvidence('os_distro', scope.properties['os_distro'] ?? null), imageEvidence('hw_vif_model', null)]));
    }
    if (guest.family && !guest.identity.virtio.net) {
      findings.push(makeFinding('implicit-nic-model-unsupported-by-guest', 'hw_vif_model',
        `hw_vif_model is unset, so Nova uses virtio, but ${guestLabel(guest)} has no virtio-net driver.`,
        guest.identity.evidence));
    }
    return findings;
  }
  const model = normaliseVifModel(raw);
  if (model === null) {
    return [makeFinding('image-property-invalid-value', 'hw_vif_model',
      `hw_vif_model=${raw} is not a Nova NIC model (${VIF_MODELS.join(', ')}): server create fails with HTTP 400.`,
      [imageEvidence('hw_vif_model', raw)])];
  }
  if (!VIF_MODELS_BY_VIRT_TYPE[facts.virtType].includes(model)) {
    findings.push(makeFinding('vif-model-invalid-for-virt-type', 'hw_vif_model',
      `hw_vif_model=${model} is not accepted with virt_type=${facts.virtType}: the build fails on the compute (UnsupportedHardware).`,
      [imageEvidence('hw_vif_model', raw), hostFactEvidence('virtType', facts.virtType)]));
  }
  if (model === 'igb') {
    findings.push(makeFinding('igb-needs-recent-hypervisor', 'hw_vif_model',
      'hw_vif_model=igb needs Nova 2025.1+, libvirt ≥ 9.3.0 and QEMU ≥ 8.0.0 on the compute.',
      [imageEvidence('hw_vif_model', raw)]));
    const old = igbTooOld(scope);
    if (old.length > 0) {
      findings.push(makeFinding('igb-hypervisor-too-old', 'hw_vif_model',
        `hw_vif_model=igb but the computes have ${old.map((o) => o.what).join(' and ')}: they do not report COMPUTE_NET_VIF_MODEL_IGB and libvirt / QEMU cannot build the NIC.`,
        [imageEvidence('hw_vif_model', raw), ...old.map((o) => o.evidence)]));
    }
  }
  if (model === 'virtio' && guest.family && !guest.identity.virtio.net) {
    findings.push(makeFinding('guest-lacks-virtio-driver', 'hw_vif_model',
      `hw_vif_model=virtio but ${guestLabel(guest)} has no virtio-net driver: the guest gets no network.`,
      guest.identity.evidence));
  }
  if (EMULATED_VIF_MODELS.has(model) && guest.family && guest.identity.virtio.net) {
    findings.push(makeFinding('vif-model-emulated-for-virtio-guest', 'hw_vif_model',
      `hw_vif_model=${model} is an emulated NIC, but ${guestLabel(guest)} has a virtio-net driver: virtio is faster and the only model with vhost-net and multiqueue.`,
      [imageEvidence('hw_vif_model', raw), ...guest.identity.evidence]));
  }
  if (facts.ovsDpdk && model !== 'virtio') {
    findings.push(makeFinding('vhost-user-needs-virtio', 'hw_vif_model',
      `Hosts are declared OVS-DPDK (vhost-user ports) but hw_vif_model=${model}: vhost-user requires virtio.`,
      [imageEvidence('hw_vif_model', raw), hostFactEvidence('ovsDpdk', true)]));
  }
  findings.push(...deviceSupportFindings('hw_vif_model', model, vifModelTrait(model), VIF_TRAIT_PREFIX, scope.hosts,
    { all: 'vif-model-unsupported-on-all-hosts', some: 'vif-model-unsupported-on-some-hosts' }));
  return findings;
}

export interface NicAdvice {
  recommendation: Recommendation | null;
  /** The NIC model the instance will have after the advice (null when ports are passthrough). */
  model: string | null;
  findings: Finding[];
}

export function adviseNic(scope: AdviceScope): NicAdvice {
  const current = scope.properties['hw_vif_model'] ?? null;
  if (PASSTHROUGH_VNIC_TYPES.includes(scope.vnicType)) {
    return {
      recommendation: null,
      model: null,
      findings: [makeFinding('vif-model-irrelevant-for-vnic-type', 'hw_vif_model',
        `vnic_type=${scope.vnicType} ports are passed through without a <model>: hw_vif_model has no effect on them.`,
        [{ source: 'request', ref: 'vnicType', value: scope.vnicType }, imageEvidence('hw_vif_model', current)])],
    };
  }
  const { guest, facts } = scope;
  if (NO_DEVICE_ADVICE_VIRT_TYPES.includes(facts.virtType)) {
    const allowed = VIF_MODELS_BY_VIRT_TYPE[facts.virtType];
    return { recommendation: null, model: null, findings: [makeFinding('virt-type-no-device-advice', 'hw_vif_model',
      `virt_type=${facts.virtType} (declared): no NIC model advice; ${allowed.length ? `libvirt accepts ${allowed.join(', ')}` : 'hw_vif_model must stay unset'}.`,
      [hostFactEvidence('virtType', facts.virtType), imageEvidence('hw_vif_model', current)])] };
  }
  const vhostUser = facts.ovsDpdk;
  const evidence = [...guest.identity.evidence];
  let model: string;
  let why: string;
  if (scope.profile.emulatedDevices) {
    model = guest.emulatedNic;
    why = `the ${scope.workload} profile asks for emulated devices; ${model} is the emulated NIC this guest has a driver for`;
  } else if (guest.identity.virtio.net) {
    model = 'virtio';
    why = vhostUser
      ? 'the guest has virtio-net and vhost-user (OVS-DPDK, declared) requires the virtio model'
      : 'the guest has a virtio-net driver, the fastest paravirtual NIC';
  } else {
    model = guest.emulatedNic;
    why = guest.family
      ? `${guestLabel(guest)} has no virtio-net driver${guest.family.virtioNeedsDrivers ? ' (virtio-win not declared)' : ''}; ${model} is the emulated NIC it supports`
      : `the guest OS is unknown, so the widely supported emulated ${model} is the safe choice`;
  }
  if (vhostUser) evidence.push(hostFactEvidence('ovsDpdk', true));
  const trait = vifModelTrait(model);
  const support = traitSupport(scope.hosts, trait, VIF_TRAIT_PREFIX);
  evidence.push(traitEvidence(trait, support));
  const findings: Finding[] = [];
  // An emulated NIC (driverless guest or the legacy profile) cannot be a vhost-user port (§2.2).
  if (vhostUser && model !== 'virtio') {
    findings.push(makeFinding('vhost-user-needs-virtio', 'hw_vif_model',
      `Hosts are declared OVS-DPDK (vhost-user ports) but this guest gets hw_vif_model=${model}: vhost-user requires virtio, so its normal ports will not work there.`,
      evidence));
  }
  if (support.supporting.length === 0 && support.lacking.length > 0) {
    findings.push(makeFinding('vif-model-unsupported-on-all-hosts', 'hw_vif_model',
      `The recommended hw_vif_model=${model} is reported by no host (${trait}).`, evidence));
  }
  const implicit = current === null ? `; unset, ${implicitNicChoice(scope)}` : '';
  return {
    recommendation: {
      key: 'hw_vif_model',
      value: model,
      current,
      reason: `Set hw_vif_model=${model}: ${why}${implicit}. It applies to every non-passthrough vNIC (${scope.profile.nics} here).`,
      evidence,
    },
    model,
    findings,
  };
}
