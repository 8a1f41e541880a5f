// NIC model: checks on hw_vif_model and the recommended value (domain.md §1.2, §1.6, §2.1, §2.4).
import { makeFinding } from '../findings/catalog.ts';
import { guestLabel } from '../guest/identify.ts';
import { deviceSupportFindings, scopedSupport, traitEvidence } from './host-traits.ts';
import {
  NO_DEVICE_ADVICE_VIRT_TYPES, PASSTHROUGH_VNIC_TYPES, VIF_MODELS, VIF_MODELS_BY_VIRT_TYPE, flavorEvidence, hostFactEvidence, imageEvidence,
  normaliseVifModel, vifModelTrait, VIF_MODEL_TRAITS,
} from '../vocabulary/nova.ts';
import type { AdviceScope, RuleScope } from '../scope.ts';
import { parseVersion, reaches } from '../vocabulary/version.ts';
import type { Evidence, Finding, HostFacts, Recommendation, VnicBackend } from '../../model/index.ts';
import type { GuestAnalysis } from '../guest/identify.ts';

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

/** NIC models QEMU emulates in full; a guest with virtio-net gains nothing from them (domain.md §2.1, §8). */
const EMULATED_VIF_MODELS: ReadonlySet<string> = new Set(['e1000', 'e1000e', 'rtl8139', 'ne2k_pci', 'pcnet', 'igb']);

/** The backend of normal ports when the request names none: OVS-DPDK where the hosts are declared so, else OVS (§2.2). */
export function defaultVnicBackend(facts: Pick<HostFacts, 'ovsDpdk'>): VnicBackend {
  return facts.ovsDpdk ? 'ovs-dpdk' : 'ovs';
}

/**
 * Whether the instance's ports are vhost-user: virtio-forwarder ports always (§1.6), normal ports when their backend
 * is OVS-DPDK (vif_type vhostuser, §2.2) — the request's vnic_backend, else the declared host fact.
 */
export function vhostUserPorts(scope: AdviceScope): boolean {
  if (scope.vnicType === 'virtio-forwarder') return true;
  return scope.vnicType === 'normal' && (scope.vnicBackend ?? defaultVnicBackend(scope.facts)) === 'ovs-dpdk';
}

/** Why the ports are vhost-user, for messages and reasons, with its evidence. */
export function vhostUserBasis(scope: AdviceScope): { why: string; evidence: Evidence[] } {
  if (scope.vnicType === 'virtio-forwarder') {
    return { why: 'vnic_type=virtio-forwarder ports are vhost-user', evidence: [{ source: 'request', ref: 'vnicType', value: scope.vnicType }] };
  }
  return scope.vnicBackend
    ? { why: `vnic_backend=${scope.vnicBackend} ports are vhost-user`, evidence: [{ source: 'request', ref: 'vnicBackend', value: scope.vnicBackend }] }
    : { why: 'the hosts are declared OVS-DPDK, so normal ports are vhost-user', evidence: [hostFactEvidence('ovsDpdk', true)] };
}

/**
 * The guest is known to have no virtio-net (virtio-blk, virtio-scsi): a known guest without it, or any guest whose
 * image or request declares no virtio drivers. An unknown guest that declares nothing is not known to lack it.
 */
export function guestLacksVirtio(guest: GuestAnalysis, device: keyof GuestAnalysis['identity']['virtio']): boolean {
  return !guest.identity.virtio[device]
    && (guest.family !== null || guest.identity.evidence.some((e) => e.ref === 'virtioDrivers' || e.ref === 'os_virtio_drivers'));
}

/** A size, `large` or `any` in hw:mem_page_size gives huge pages; `small` (or nothing) does not (§1.3). */
export function givesHugePages(value: string | undefined): boolean {
  return value !== undefined && value.trim().toLowerCase() !== 'small';
}

/**
 * vhost-user ports that need the flavor to give shared guest memory: huge pages, unless the hosts' declared
 * `[libvirt] file_backed_memory` already does (NOVA `driver.py` "The vhost-user network backend requires file backed
 * guest memory", §2.2).
 */
export function vhostUserNeedsHugePages(scope: AdviceScope): boolean {
  return vhostUserPorts(scope) && !(scope.facts.fileBackedMemoryMb ?? 0);
}

/** What vhost-user ports need whatever the image says: a guest with virtio-net, shared guest memory (§2.2). */
export function checkVhostUser(scope: AdviceScope): Finding[] {
  if (!vhostUserPorts(scope)) return [];
  const { guest, flavor } = scope;
  const basis = vhostUserBasis(scope);
  const findings: Finding[] = [];
  // libvirt: "vhost-user requires the virtio model"; a guest without virtio-net cannot drive such a port.
  if (guestLacksVirtio(guest, 'net')) {
    findings.push(makeFinding('vhost-user-guest-without-virtio', 'hw_vif_model',
      `${basis.why}, which need a virtio NIC, but ${guestLabel(guest)} has no virtio-net driver: these ports cannot work for it.`,
      [...basis.evidence, ...guest.identity.evidence]));
  }
  const pageSize = flavor?.extraSpecs['hw:mem_page_size'];
  if (flavor && vhostUserNeedsHugePages(scope) && !givesHugePages(pageSize)) {
    findings.push(makeFinding('vhost-user-needs-hugepages', 'hw:mem_page_size',
      `${basis.why} but flavor ${flavor.name} has ${pageSize === undefined ? 'no hw:mem_page_size' : `hw:mem_page_size=${pageSize}`} and no file_backed_memory is declared: without shared guest memory the interface passes no traffic. Set hw:mem_page_size=large.`,
      [...basis.evidence, flavorEvidence('hw:mem_page_size', pageSize ?? null), hostFactEvidence('fileBackedMemoryMb', scope.facts.fileBackedMemoryMb ?? null)]));
  }
  return findings;
}

/** Checks the image's hw_vif_model as it is, for these ports (validate path). */
export function checkNic(scope: AdviceScope): Finding[] {
  const raw = scope.properties['hw_vif_model'];
  const findings: Finding[] = [];
  const { guest, facts } = scope;
  const vhostUser = vhostUserPorts(scope);
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
      'hw_vif_model=igb needs Nova 2025.1+, libvirt >= 9.3.0 and QEMU >= 8.0.0 on the compute.',
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
  if (vhostUser && model !== 'virtio') {
    const basis = vhostUserBasis(scope);
    findings.push(makeFinding('vhost-user-needs-virtio', 'hw_vif_model',
      `${basis.why} but hw_vif_model=${model}: vhost-user requires virtio.`,
      [imageEvidence('hw_vif_model', raw), ...basis.evidence]));
  }
  findings.push(...deviceSupportFindings(scope, 'hw_vif_model', model, vifModelTrait(model), VIF_MODEL_TRAITS,
    { all: 'vif-model-unsupported-on-all-hosts', some: 'vif-model-unsupported-on-some-hosts' }));
  return findings;
}

/**
 * The emulated NICs the guest has drivers for: its knowledge's newest (`emulatedNic`), those it lists for every
 * version, and e1000e where the guest runs on q35 — osinfo-db lists e1000e for exactly the releases it lists the q35
 * chipset for (§3.3), Windows from NT 6.1 (§3.1). Only models the declared virt_type accepts (§1.2).
 */
function emulatedNicCandidates(scope: RuleScope): string[] {
  const { guest, facts } = scope;
  const always = guest.family?.emulatedNics.filter((n) => n.from === '0').map((n) => n.model) ?? [];
  const candidates = [...new Set([guest.emulatedNic, ...always, ...(guest.q35Capable ? ['e1000e'] : [])])];
  const accepted = candidates.filter((m) => VIF_MODELS_BY_VIRT_TYPE[facts.virtType].includes(m));
  return accepted.length > 0 ? accepted : [guest.emulatedNic];
}

/**
 * Of the emulated NICs the guest can drive, the one the most hosts in scope report (§2.6): an instance only lands
 * where its model's trait is (capacity, and the image prefilter when on). Ties keep the guest's own choice.
 */
function chooseEmulatedNic(scope: RuleScope): { model: string; alternatives: string[]; why: string; evidence: Evidence[] } {
  const ranked = emulatedNicCandidates(scope)
    .map((model, order) => ({ model, order, support: scopedSupport(scope, vifModelTrait(model), VIF_MODEL_TRAITS) }))
    .sort((a, b) => b.support.supporting - a.support.supporting || a.order - b.order);
  const best = ranked[0]!;
  const evidence = ranked.map((r) => traitEvidence(vifModelTrait(r.model), r.support));
  const alternatives = ranked.slice(1).map((r) => r.model);
  if (ranked.length === 1) return { model: best.model, alternatives, why: `${best.model} is the emulated NIC it has a driver for`, evidence };
  const counts = ranked.map((r) => `${r.model} on ${r.support.supporting}`).join(', ');
  return {
    model: best.model,
    alternatives,
    why: `of the emulated NICs it has drivers for, ${best.model} is reported by the most of the ${best.support.hosts} host(s) in scope (${counts})`,
    evidence,
  };
}

export interface NicAdvice {
  recommendation: Recommendation | null;
  /** The NIC model the instance will have after the advice (null when ports are passthrough). */
  model: string | null;
  /** The other emulated NICs the guest could drive, most hosts first (chooseEmulatedNic); empty when there was no choice. */
  alternatives: string[];
  findings: Finding[];
}

/** The instances of the flavor that fit with each candidate NIC, for the advice's reason (lab: e1000e 280, e1000 186). */
export function instancesByModel(flavorName: string, counts: readonly { model: string; instances: number }[]): string {
  return `With flavor ${flavorName}: ${counts.map((c) => `${c.instances} instance(s) fit with ${c.model}`).join(', ')}.`;
}

export function adviseNic(scope: AdviceScope): NicAdvice {
  const current = scope.properties['hw_vif_model'] ?? null;
  if (PASSTHROUGH_VNIC_TYPES.includes(scope.vnicType)) {
    return {
      recommendation: null,
      model: null,
      alternatives: [],
      findings: [makeFinding('vif-model-irrelevant-for-vnic-type', 'hw_vif_model',
        `vnic_type=${scope.vnicType} ports are passed through without a <model>: hw_vif_model has no effect on them.`,
        [{ source: 'request', ref: 'vnicType', value: scope.vnicType }, imageEvidence('hw_vif_model', current)])],
    };
  }
  const { guest, facts } = scope;
  if (NO_DEVICE_ADVICE_VIRT_TYPES.includes(facts.virtType)) {
    const allowed = VIF_MODELS_BY_VIRT_TYPE[facts.virtType];
    return { recommendation: null, model: null, alternatives: [], findings: [makeFinding('virt-type-no-device-advice', 'hw_vif_model',
      `virt_type=${facts.virtType} (declared): no NIC model advice; ${allowed.length ? `libvirt accepts ${allowed.join(', ')}` : 'hw_vif_model must stay unset'}.`,
      [hostFactEvidence('virtType', facts.virtType), imageEvidence('hw_vif_model', current)])] };
  }
  const vhostUser = vhostUserPorts(scope);
  const evidence = [...guest.identity.evidence];
  let model: string;
  let why: string;
  let alternatives: string[] = [];
  if (vhostUser) {
    // Whatever the guest is known to be: no other model works on these ports (checkNic says when the guest cannot).
    const basis = vhostUserBasis(scope);
    model = 'virtio';
    why = `${basis.why}, which require the virtio model (libvirt)`;
    evidence.push(...basis.evidence);
  } else if (scope.profile.emulatedDevices || !guest.identity.virtio.net) {
    const choice = chooseEmulatedNic(scope);
    model = choice.model;
    alternatives = choice.alternatives;
    const driver = scope.profile.emulatedDevices
      ? `the ${scope.workload} profile asks for emulated devices`
      : guest.family
        ? `${guestLabel(guest)} has no virtio-net driver${guest.family.virtioNeedsDrivers ? ' (virtio-win not declared)' : ''}`
        : 'the guest OS is unknown, so no virtio-net driver is assumed';
    why = `${driver}; ${choice.why}`;
    evidence.push(...choice.evidence);
  } else {
    model = 'virtio';
    why = 'the guest has a virtio-net driver, the fastest paravirtual NIC';
  }
  const trait = vifModelTrait(model);
  const support = scopedSupport(scope, trait, VIF_MODEL_TRAITS);
  if (!evidence.some((e) => e.ref === trait)) evidence.push(traitEvidence(trait, support));
  const findings: Finding[] = [];
  if (support.supporting === 0 && support.lacking > 0) {
    findings.push(makeFinding('vif-model-unsupported-on-all-hosts', 'hw_vif_model',
      `The recommended hw_vif_model=${model} is reported by no host in scope (${trait}).`, evidence));
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
    alternatives,
    findings,
  };
}
