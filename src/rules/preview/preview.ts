// What Nova and libvirt will actually produce for an image + flavor + vNIC type, and where Nova would fail
// or silently ignore a setting (domain.md §1.1–§2.7, §4.6). Pure: the snapshot and declared host facts only.
import { osloBoolStrict } from '../../lib/oslo-bool.ts';
import { candidateHosts, computeCapacity, type PciDemand } from '../placement/capacity.ts';
import { expectedQueues } from '../multiqueue/multiqueue.ts';
import {
  ARCHITECTURES, DISK_BUSES, defaultBusesFor, DISK_BUSES_BY_VIRT_TYPE, PASSTHROUGH_VNIC_TYPES, SCSI_MODELS, VIF_MODELS, VIF_MODELS_BY_VIRT_TYPE, flavorEvidence,
  hostFactEvidence, imageBool, imageEvidence, normaliseArchitecture, normaliseDiskBus, normaliseScsiModel, normaliseVifModel,
} from '../vocabulary/nova.ts';
import { placementQuery, prefilterTraits } from '../placement/query.ts';
import { candidatesWithFallback, capacityWithFallback, pcpuFallbackQuery } from '../placement/pcpu-fallback.ts';
import { planPci } from '../pci/plan.ts';
import { factAssumptions } from '../facts/assumptions.ts';
import { resolveProfile } from '../profiles/profiles.ts';
import { SCSI_CDROM_ARCHES, buildScope, effectiveMachineType, guestArchitecture, isQ35, type RuleContext, type RuleScope } from '../scope.ts';
import type {
  CloudSnapshot, Evidence, Finding, Flavor, Image, NovaPreview, PreviewFailure, PreviewIgnored, PreviewValue, ReleaseAssumption, VnicType,
} from '../../model/index.ts';

export interface PreviewInput {
  image: Image;
  flavor: Flavor;
  vnicType: VnicType;
  /** `[pci] alias` name → resource class, for aliases the heuristics cannot map (§4.2). */
  aliasResourceClasses?: Record<string, string>;
  /** Disk devices on the disk bus at boot (local disks + volumes); default root + ephemeral + swap. */
  disks?: number;
}

/** Architectures whose CD-ROM defaults to scsi; machine types Nova picks per architecture (§2.3). */
/** IDE takes at most 4 devices (§2.3). */
const IDE_MAX_DEVICES = 4;

function value<T>(v: T, reason: string, source: string, evidence: Evidence[] = []): PreviewValue<T> {
  return { value: v, reason, source, evidence };
}

/** Collects failures and ignored settings while the preview walks Nova's steps. */
class Outcome {
  readonly failures: PreviewFailure[] = [];
  readonly ignored: PreviewIgnored[] = [];

  fail(stage: PreviewFailure['stage'], error: string, field: string | null, message: string, source: string, evidence: Evidence[]): void {
    this.failures.push({ stage, error, httpStatus: stage === 'api' ? 400 : null, field, message, source, evidence });
  }

  ignore(field: string, v: string, reason: string, source: string): void {
    this.ignored.push({ field, value: v, reason, source });
  }
}

/** An image enum property Nova cannot parse fails server create at the API (§1.1, §2.7); null when unset or invalid. */
function enumProperty(scope: RuleScope, out: Outcome, key: string, normalise: (raw: string) => string | null, allowed: readonly string[]): string | null {
  const raw = scope.properties[key];
  if (raw === undefined) return null;
  const normalised = normalise(raw);
  if (normalised === null) {
    out.fail('api', 'Invalid image metadata', key, `${key}=${raw} is not one of ${allowed.join(', ')}: ImageMeta.from_dict raises, the API answers 400.`,
      'domain.md §1.1, §2.7', [imageEvidence(key, raw)]);
  }
  return normalised;
}

/** Flavor / image boolean pairs that must agree, else FlavorImageConflict at the API (§1.3, §2.7). */
function boolPair(scope: RuleScope, out: Outcome, spec: string, property: string): boolean {
  const flavorValue = osloBoolStrict(scope.flavor?.extraSpecs[spec]);
  const imageValue = imageBool(scope.properties, property);
  if (flavorValue !== null && imageValue !== null && flavorValue !== imageValue) {
    out.fail('api', 'FlavorImageConflict', property, `Flavor ${spec}=${scope.flavor?.extraSpecs[spec]} and image ${property}=${scope.properties[property]} disagree.`,
      'domain.md §1.3, §2.7', [flavorEvidence(spec, scope.flavor?.extraSpecs[spec] ?? null), imageEvidence(property, scope.properties[property] ?? null)]);
  }
  return flavorValue ?? imageValue ?? false;
}

function previewNic(scope: RuleScope, vnicType: VnicType, out: Outcome): NovaPreview['nic'] {
  const { facts, flavor, properties } = scope;
  const vcpus = flavor?.vcpus ?? 0;
  const multiqueue = boolPair(scope, out, 'hw:vif_multiqueue_enabled', 'hw_vif_multiqueue_enabled');
  const packedOn = boolPair(scope, out, 'hw:virtio_packed_ring', 'hw_virtio_packed_ring');
  const imageModel = enumProperty(scope, out, 'hw_vif_model', normaliseVifModel, VIF_MODELS);
  const mqField = properties['hw_vif_multiqueue_enabled'] !== undefined ? 'hw_vif_multiqueue_enabled' : 'hw:vif_multiqueue_enabled';
  const rx = facts.rxQueueSize ?? null;
  const tx = facts.txQueueSize ?? null;
  const packed = value(packedOn, packedOn
    ? "<driver packed='on'>; the guest and backend decide whether packed rings are negotiated"
    : 'packed ring not requested (default false)', 'domain.md §1.3, §2.2');
  const none = <T>(reason: string, source = 'domain.md §2.1'): PreviewValue<T | null> => value<T | null>(null, reason, source);

  // 1. Passthrough ports get no model, driver or queues (§1.6, §2.1 step 1).
  if (PASSTHROUGH_VNIC_TYPES.includes(vnicType)) {
    const why = `vnic_type=${vnicType} is passed through without <model>`;
    if (properties['hw_vif_model'] !== undefined) out.ignore('hw_vif_model', properties['hw_vif_model'], `${why}.`, 'domain.md §1.6, §2.1');
    if (multiqueue) out.ignore(mqField, 'true', `${why}: no queues.`, 'domain.md §1.6, §2.1');
    return { model: none(`${why}.`), driverName: none(`${why}.`), queues: none(`${why}.`), rxQueueSize: none(`${why}.`), txQueueSize: none(`${why}.`), packed };
  }

  // 2.–3. hw_vif_model, else libosinfo, else virtio (use_virtio_for_bridges, default True).
  if (imageModel === null && (facts.useVirtioForBridges === false || facts.virtType === 'lxc')) {
    // 3. virtio only with the option on and virt_type kvm / qemu / parallels: else no <model>, the hypervisor's default.
    const why = facts.virtType === 'lxc'
      ? 'hw_vif_model unset and virt_type=lxc (declared): no <model> element'
      : 'hw_vif_model unset and [libvirt] use_virtio_for_bridges=False (declared): no <model> element, the hypervisor default NIC';
    if (multiqueue) out.ignore(mqField, 'true', `${why}: multiqueue only applies to virtio NICs.`, 'domain.md §2.1, §2.2');
    const model = value<string | null>(null, `${why}${scope.guest.osDistroIsShortId ? ` (unless libosinfo on the compute names one for os_distro=${properties['os_distro']})` : ''}.`,
      'domain.md §2.1', [imageEvidence('hw_vif_model', null), facts.virtType === 'lxc' ? hostFactEvidence('virtType', 'lxc') : hostFactEvidence('useVirtioForBridges', false)]);
    return { model, driverName: none(`${why}.`), queues: none(`${why}.`), rxQueueSize: none(`${why}.`), txQueueSize: none(`${why}.`), packed };
  }
  const model = value(imageModel ?? 'virtio', imageModel !== null
    ? `hw_vif_model=${properties['hw_vif_model']}`
    : scope.guest.osDistroIsShortId
      ? `hw_vif_model unset: with libosinfo on the compute Nova takes osinfo-db's first NIC for os_distro=${properties['os_distro']} (hash order, e.g. e1000e for ubuntu22.04), without it virtio`
      : 'hw_vif_model unset and os_distro is not a libosinfo short-id: virtio ([libvirt] use_virtio_for_bridges)',
  imageModel !== null ? 'domain.md §2.1' : 'domain.md §2.1, §2.4', [imageEvidence('hw_vif_model', properties['hw_vif_model'] ?? null)]);
  // 4. Checked against the virt_type while building the XML (§1.2).
  if (!VIF_MODELS_BY_VIRT_TYPE[facts.virtType].includes(model.value)) {
    out.fail('compute', 'UnsupportedHardware', 'hw_vif_model', `hw_vif_model=${model.value} is not accepted with virt_type=${facts.virtType}: the build fails on the compute (reschedule).`,
      'domain.md §1.2, §2.7', [imageEvidence('hw_vif_model', model.value), hostFactEvidence('virtType', facts.virtType)]);
  }
  const vhostUser = facts.ovsDpdk;
  const queueCount = expectedQueues(vcpus, facts);
  const queueEvidence = [flavorEvidence('vcpus', vcpus), hostFactEvidence('kernelMajor', facts.kernelMajor), hostFactEvidence('maxQueues', facts.maxQueues)];
  const mqApplies = multiqueue && vcpus >= 2;
  if (multiqueue && vcpus < 2) out.ignore(mqField, 'true', `flavor has ${vcpus} vCPU: Nova enables multiqueue only from 2 vCPUs.`, 'domain.md §1.3, §2.2');

  // 5. Non-virtio models stop here.
  if (model.value !== 'virtio') {
    if (mqApplies) out.ignore(mqField, 'true', `multiqueue only applies to virtio NICs (model ${model.value}).`, 'domain.md §2.1, §2.2');
    const why = `${model.value} is emulated: no <driver> name, queues or queue sizes`;
    return { model, driverName: none(why), queues: none(why), rxQueueSize: none(why), txQueueSize: none(why), packed };
  }

  // vhost-user (OVS-DPDK): libvirt ignores the driver name; queues and both queue sizes apply (§2.2).
  if (vhostUser) {
    return {
      model,
      driverName: none("type='vhostuser' interface: the driver name is ignored (always vhost-user)", 'domain.md §2.2'),
      queues: value(mqApplies ? queueCount : null, mqApplies ? `multiqueue on: min(vCPUs, cap) = ${queueCount}` : 'multiqueue off: one queue pair', 'domain.md §2.2', queueEvidence),
      rxQueueSize: value(rx, rx === null ? '[libvirt] rx_queue_size unset' : `[libvirt] rx_queue_size=${rx}`, 'domain.md §2.2', [hostFactEvidence('rxQueueSize', rx)]),
      txQueueSize: value(tx, tx === null ? '[libvirt] tx_queue_size unset' : `[libvirt] tx_queue_size=${tx} (vhost-user only)`, 'domain.md §2.2', [hostFactEvidence('txQueueSize', tx)]),
      packed,
    };
  }
  if (tx !== null) out.ignore('[libvirt] tx_queue_size', String(tx), 'tx_queue_size applies to vhost-user ports only.', 'domain.md §2.2');

  // 6. virt_type=qemu forces the user-space backend: no vhost, no multiqueue, no rx_queue_size.
  if (facts.virtType === 'qemu') {
    if (mqApplies) out.ignore(mqField, 'true', 'virt_type=qemu: Nova forces driver name=qemu, multiqueue is not applied.', 'domain.md §2.1, §2.2, §7 surprise 7');
    if (rx !== null) out.ignore('[libvirt] rx_queue_size', String(rx), 'virt_type=qemu: rx_queue_size is not applied.', 'domain.md §2.2');
    return {
      model,
      driverName: value('qemu', 'virt_type=qemu: Nova forces the user-space backend (libvirt would otherwise enable vhost for non-KVM guests)', 'domain.md §2.1', [hostFactEvidence('virtType', 'qemu')]),
      queues: none('virt_type=qemu: no multiqueue', 'domain.md §2.2'),
      rxQueueSize: none('virt_type=qemu: not applied', 'domain.md §2.2'),
      txQueueSize: none('vhost-user only', 'domain.md §2.2'),
      packed,
    };
  }

  // kvm: multiqueue or rx_queue_size ⇒ name='vhost' (vhost-net becomes mandatory); else absent (silent fallback).
  const driver = mqApplies || rx !== null ? 'vhost' : null;
  const driverEvidence = [hostFactEvidence('virtType', 'kvm'), hostFactEvidence('vhostNet', facts.vhostNet), hostFactEvidence('rxQueueSize', rx)];
  if (driver === 'vhost' && !facts.vhostNet) {
    out.fail('compute', 'libvirtError', mqApplies ? mqField : '[libvirt] rx_queue_size',
      "driver name='vhost' needs the vhost_net module, which the hosts are declared not to have: libvirt rejects the domain and the guest does not start.",
      'domain.md §2.2', driverEvidence);
  }
  return {
    model,
    driverName: value(driver, driver === 'vhost'
      ? `${mqApplies ? 'multiqueue' : 'rx_queue_size'} makes Nova set name='vhost': vhost-net must be loaded`
      : `no multiqueue and no rx_queue_size: no name, libvirt uses vhost-net if loaded${facts.vhostNet ? '' : ' — declared absent, so the slower user-space backend, silently'}`,
    'domain.md §2.1, §2.2', driverEvidence),
    queues: value(mqApplies ? queueCount : null, mqApplies ? `multiqueue on: min(vCPUs, cap) = ${queueCount}` : 'multiqueue off: one queue pair', 'domain.md §2.2', queueEvidence),
    rxQueueSize: value(rx, rx === null ? '[libvirt] rx_queue_size unset' : `[libvirt] rx_queue_size=${rx}`, 'domain.md §2.2', [hostFactEvidence('rxQueueSize', rx)]),
    txQueueSize: none('vhost-user only', 'domain.md §2.2'),
    packed,
  };
}

function previewStorage(scope: RuleScope, out: Outcome, machineType: string, disks: number | undefined): NovaPreview['storage'] {
  const { facts, flavor, properties } = scope;
  const allowed = DISK_BUSES_BY_VIRT_TYPE[facts.virtType];
  const bus = (key: 'hw_disk_bus' | 'hw_cdrom_bus' | 'hw_floppy_bus', fallback: string, why: string): PreviewValue<string> => {
    const set = enumProperty(scope, out, key, normaliseDiskBus, DISK_BUSES);
    if (set !== null && !allowed.includes(set)) {
      out.fail('compute', 'UnsupportedHardware', key, `${key}=${set} is not accepted with virt_type=${facts.virtType}.`,
        'domain.md §1.2, §2.3', [imageEvidence(key, set), hostFactEvidence('virtType', facts.virtType)]);
    }
    if (set === 'ide' && isQ35(machineType)) {
      out.fail('compute', 'libvirtError', key, `${key}=ide on machine type ${machineType}: q35 has no IDE controller, the guest does not start (inference).`,
        'domain.md §2.3, §7 surprise 9', [imageEvidence(key, set), imageEvidence('hw_machine_type', machineType)]);
    }
    return set !== null
      ? value(set, `${key}=${properties[key]}`, 'domain.md §2.3', [imageEvidence(key, properties[key]!)])
      : value(fallback, why, 'domain.md §2.3', [imageEvidence(key, null)]);
  };
  const defaults = defaultBusesFor(facts.virtType);
  const diskBus = bus('hw_disk_bus', defaults.disk, defaults.disk === 'virtio'
    ? 'hw_disk_bus unset: virtio on kvm/qemu (libosinfo only ever suggests virtio)'
    : `hw_disk_bus unset: ${defaults.disk} on virt_type=${facts.virtType} (declared)`);
  const arch = guestArchitecture(scope);
  const cdromDefault = defaults.cdrom ?? (SCSI_CDROM_ARCHES.includes(arch.value) ? 'scsi' : isQ35(machineType) ? 'sata' : 'ide');
  const cdromBus = bus('hw_cdrom_bus', cdromDefault, defaults.cdrom !== null ? `hw_cdrom_bus unset: ${cdromDefault} on virt_type=${facts.virtType} (declared)` : cdromDefault === 'scsi'
    ? `hw_cdrom_bus unset, guest arch ${arch.value}${arch.fromImage ? '' : ' (the computes\' declared architecture)'}: scsi`
    : `hw_cdrom_bus unset: ${cdromDefault} on machine type ${machineType}`);
  const floppyBus = bus('hw_floppy_bus', 'fdc', 'hw_floppy_bus unset: fdc');
  // Devices on the IDE bus: the disks (default root + ephemeral + swap) and an IDE CD-ROM (§2.3).
  const onIde = (diskBus.value === 'ide' ? disks ?? 1 + (flavor && flavor.ephemeralGb > 0 ? 1 : 0) + (flavor && flavor.swapMb > 0 ? 1 : 0) : 0)
    + (cdromBus.value === 'ide' && diskBus.value === 'ide' ? 1 : 0);
  if (onIde > IDE_MAX_DEVICES) {
    out.fail('compute', 'TooManyDiskDevices', 'hw_disk_bus', `${onIde} devices on IDE (disks and the CD-ROM); IDE takes at most ${IDE_MAX_DEVICES}.`,
      'domain.md §2.3', [imageEvidence('hw_disk_bus', 'ide'), { source: 'request', ref: 'disks', value: disks ?? null }]);
  }
  const scsi = enumProperty(scope, out, 'hw_scsi_model', normaliseScsiModel, SCSI_MODELS);
  const scsiModel = scsi !== null
    ? value<string | null>(scsi, `hw_scsi_model=${properties['hw_scsi_model']}: a SCSI controller (index 0) of that model${diskBus.value === 'scsi' ? '' : `; the disks stay on ${diskBus.value}`}`, 'domain.md §1.2, §2.3', [imageEvidence('hw_scsi_model', properties['hw_scsi_model']!)])
    : value<string | null>(null, diskBus.value === 'scsi'
      ? 'hw_scsi_model unset: Nova writes no controller model, libvirt/QEMU choose their default (inference)'
      : 'no SCSI controller', 'domain.md §2.3', [imageEvidence('hw_scsi_model', null)]);
  return { diskBus, cdromBus, floppyBus, scsiModel };
}

function previewMachineType(scope: RuleScope): PreviewValue<string> {
  const machine = effectiveMachineType(scope);
  const arch = guestArchitecture(scope);
  const archEvidence = arch.fromImage ? imageEvidence('hw_architecture', arch.value) : hostFactEvidence('architecture', arch.value);
  if (!machine.declared) return value(machine.value, `hw_machine_type=${machine.value}`, 'domain.md §2.3', [imageEvidence('hw_machine_type', machine.value)]);
  if (machine.builtin) return value(machine.value, `hw_machine_type unset, guest arch ${arch.value}: Nova's built-in default`, 'domain.md §2.3', [archEvidence]);
  return scope.facts.machineTypes?.[arch.value]
    ? value(machine.value, `hw_machine_type unset: [libvirt] hw_machine_type ${arch.value}=${machine.value} (declared)`, 'domain.md §2.3', [archEvidence, hostFactEvidence('machineTypes', `${arch.value}=${machine.value}`)])
    : value(machine.value, `hw_machine_type unset: [libvirt] hw_machine_type (declared; Nova's own x86 default is pc)`, 'domain.md §2.3', [hostFactEvidence('defaultMachineType', machine.value)]);
}

function previewImageChecks(scope: RuleScope, out: Outcome): void {
  const { properties, flavor } = scope;
  const archKey = properties['hw_architecture'] !== undefined ? 'hw_architecture' : 'architecture';
  enumProperty(scope, out, archKey, (raw) => (ARCHITECTURES.includes(normaliseArchitecture(raw)) ? normaliseArchitecture(raw) : null), ARCHITECTURES);
  const imagePageSize = properties['hw_mem_page_size'];
  const flavorPageSize = flavor?.extraSpecs['hw:mem_page_size']?.trim().toLowerCase();
  if (imagePageSize !== undefined && flavorPageSize !== 'any' && flavorPageSize !== 'large') {
    out.fail('api', 'MemoryPageSizeForbidden', 'hw_mem_page_size', `Image hw_mem_page_size=${imagePageSize} needs flavor hw:mem_page_size any or large (it has ${flavorPageSize ?? 'none'}).`,
      'domain.md §1.3', [imageEvidence('hw_mem_page_size', imagePageSize), flavorEvidence('hw:mem_page_size', flavorPageSize ?? null)]);
  }
  if (properties['hw_rng_model'] !== undefined) out.ignore('hw_rng_model', properties['hw_rng_model'], 'Nova adds a virtio RNG to every guest since Ussuri.', 'domain.md §1.2, §7');
  if (properties['os_version'] !== undefined) out.ignore('os_version', properties['os_version'], 'not an ImageMetaProps field: Nova never reads it.', 'domain.md §1.1');
  for (const [key, v] of Object.entries(properties)) {
    if (key.startsWith('trait:') && v !== 'required') out.ignore(key, v, 'only the value required counts for image traits.', 'domain.md §1.1');
  }
  for (const key of ['hw:vif_model', 'hw:disk_bus', 'hw:scsi_model']) {
    const v = flavor?.extraSpecs[key];
    if (v !== undefined) out.ignore(key, v, `no such flavor extra spec (rejected since microversion 2.86); use the image property hw_${key.slice(3)}.`, 'domain.md §1.5, §7 surprise 3');
  }
}

/** Names of candidate hosts listed in a preview; the count is always complete (answers stay small at 15,000 hosts). */
export const PREVIEW_CANDIDATE_NAMES = 50;

/** The preview for a scope whose PCI devices are already resolved to Placement demands. */

export function previewOf(scope: RuleScope & { flavor: Flavor }, vnicType: VnicType, pci: { demands: PciDemand[]; findings: Finding[] }, disks?: number): NovaPreview {
  const { facts, properties } = scope;
  const out = new Outcome();
  previewImageChecks(scope, out);
  const machineType = previewMachineType(scope);
  const nic = previewNic(scope, vnicType, out);
  const storage = previewStorage(scope, out, machineType.value, disks);

  const computed = prefilterTraits(properties);
  const applied = facts.imageMetadataPrefilter && computed.invalid.length === 0;
  if (facts.imageMetadataPrefilter && !applied && computed.traits.length > 0) {
    out.ignore(computed.traits.join(','), 'required', `os-traits has no ${computed.invalid.join(', ')}, so the image prefilter adds none of these traits.`, 'domain.md §2.5, §7 surprise 4');
  }
  const imagePrefilter = {
    enabled: facts.imageMetadataPrefilter, applied, traits: computed.traits, invalidTraits: computed.invalid, source: 'domain.md §2.5',
    reason: !facts.imageMetadataPrefilter
      ? '[scheduler] image_metadata_prefilter is off (Nova default): device properties add no required traits.'
      : applied ? 'image_metadata_prefilter is on: these traits go to root_required.' : 'an invalid computed trait disables the whole prefilter for this image.',
  };

  const unresolved = pci.findings.filter((f) => f.id === 'pci-alias-unresolved');
  for (const finding of unresolved) {
    out.fail('api', 'PciRequestAliasNotDefined', 'pci_passthrough:alias', `${finding.message} Unless [pci] alias on nova-api defines it, server create fails.`, 'domain.md §1.5, §2.7', finding.evidence);
  }
  const queryContext = { facts, pci: pci.demands, release: scope.release.release };
  const placement = placementQuery(scope.flavor, { properties }, queryContext);
  const fallback = pcpuFallbackQuery(scope.hosts, scope.flavor, properties, queryContext, placement);
  const request = { query: placement, deviceTraits: [] };
  const candidates = fallback
    ? candidatesWithFallback(scope.hosts, request, fallback, PREVIEW_CANDIDATE_NAMES)
    : candidateHosts(scope.hosts, request, PREVIEW_CANDIDATE_NAMES);
  if (candidates.count === 0) {
    const capacity = fallback
      ? capacityWithFallback(scope.hosts, { ...request, capacityHosts: 0 }, fallback)
      : computeCapacity(scope.hosts, { ...request, capacityHosts: 0 });
    const why = Object.entries(capacity.blocked).map(([reason, hosts]) => `${reason} on ${hosts} host(s)`).join(', ');
    const examples = capacity.blockedExamples.flatMap((h) => h.blockers.slice(0, 1).map((b) => b.message)).join(' ');
    out.fail('scheduler', 'NoValidHost', null, `No host satisfies the allocation_candidates query (${scope.hosts.length} host(s) checked): ${why ? `blocked by ${why}. ${examples}` : 'no hosts'}`,
      'domain.md §4.7, §2.7', [{ source: 'placement', ref: 'GET /allocation_candidates', value: placement.query }]);
  }
  return {
    vnicType, nic, storage, machineType, imagePrefilter, placement,
    candidateHostCount: candidates.count,
    candidateHosts: candidates.names,
    failures: out.failures, ignored: out.ignored, release: scope.release,
    assumptions: factAssumptions({ release: scope.release, facts: scope.facts, sources: scope.factSources, hosts: scope.hosts }),
  };
}

/** What Nova will do with this image, flavor and vNIC type (flavor PCI aliases resolved as in advise, §4.2). */
export function preview(snapshot: CloudSnapshot, input: PreviewInput, ctx: RuleContext, release: ReleaseAssumption): NovaPreview {
  const scope = { ...buildScope(input.image.properties, input.image.name, input.flavor, snapshot.hosts, ctx.knowledge, ctx.hostFacts, release), factSources: ctx.hostFactsDeclared ?? {} };
  // The general profile asks no devices of its own, so the plan holds exactly the flavor's aliases.
  const request = { image: input.image, flavor: input.flavor, workload: 'general' as const, vnicType: input.vnicType, aliasResourceClasses: input.aliasResourceClasses };
  const pci = planPci({ ...scope, workload: 'general', vnicType: input.vnicType, profile: resolveProfile(request, ctx.hostFacts) }, request);
  return previewOf({ ...scope, flavor: input.flavor }, input.vnicType, pci, input.disks);
}
