// Disk bus and SCSI controller: checks and the recommended values (domain.md §1.2, §2.3, §3.4, §8).
import { makeFinding } from '../findings/catalog.ts';
import { guestLabel } from '../guest/identify.ts';
import { deviceSupportFindings, scopedSupport, traitEvidence } from './host-traits.ts';
import {
  DISK_BUSES, DISK_BUSES_BY_VIRT_TYPE, NO_DEVICE_ADVICE_VIRT_TYPES, defaultBusesFor, SCSI_MODELS, hostFactEvidence, imageEvidence, normaliseDiskBus,
  normaliseScsiModel, storageBusTrait, STORAGE_BUS_TRAITS,
} from '../vocabulary/nova.ts';
import { effectiveMachineType, isQ35, type AdviceScope, type RuleScope } from '../scope.ts';
import type { Evidence, Finding, Recommendation } from '../../model/index.ts';

/** IDE takes at most 4 devices (TooManyDiskDevices, §2.3). */
const IDE_MAX_DEVICES = 4;
/**
 * Our judgement, not a Nova limit: virtio-blk spends one PCI slot per disk, so beyond this many disks
 * one virtio-scsi controller is the better fit (§8 "when many disks … are needed").
 */
const MANY_DISKS = 8;

function machineTypeEvidence(scope: RuleScope): Evidence {
  const machine = effectiveMachineType(scope);
  return machine.declared
    ? hostFactEvidence('defaultMachineType', machine.value)
    : imageEvidence('hw_machine_type', machine.value);
}

function checkBusProperty(scope: RuleScope, field: 'hw_disk_bus' | 'hw_cdrom_bus' | 'hw_floppy_bus'): Finding[] {
  const raw = scope.properties[field];
  if (raw === undefined) return [];
  const bus = normaliseDiskBus(raw);
  const evidence = [imageEvidence(field, raw)];
  if (bus === null) {
    return [makeFinding('image-property-invalid-value', field,
      `${field}=${raw} is not a Nova disk bus (${DISK_BUSES.join(', ')}): server create fails with HTTP 400.`, evidence)];
  }
  if (!DISK_BUSES_BY_VIRT_TYPE[scope.facts.virtType].includes(bus)) {
    return [makeFinding('disk-bus-removed', field,
      `${field}=${bus} is not usable with virt_type=${scope.facts.virtType} (xen/uml removed in Wallaby, lxc only for LXC).`,
      [...evidence, hostFactEvidence('virtType', scope.facts.virtType)])];
  }
  const findings: Finding[] = [];
  if (bus === 'ide' && field !== 'hw_floppy_bus' && isQ35(effectiveMachineType(scope).value)) {
    findings.push(makeFinding('ide-on-q35', field,
      `${field}=ide with machine type ${effectiveMachineType(scope).value}: q35 has no IDE controller; use sata.`,
      [...evidence, machineTypeEvidence(scope)]));
  }
  if (field === 'hw_disk_bus') {
    findings.push(...deviceSupportFindings(scope, field, bus, storageBusTrait(bus), STORAGE_BUS_TRAITS,
      { all: 'disk-bus-unsupported-on-all-hosts', some: 'disk-bus-unsupported-on-some-hosts' }));
  }
  return findings;
}

/** Buses QEMU emulates in full; a guest with virtio-blk gains nothing from them (domain.md §2.3, §8). */
const EMULATED_DISK_BUSES: ReadonlySet<string> = new Set(['ide', 'sata', 'usb']);

/** Checks hw_disk_bus, hw_cdrom_bus, hw_floppy_bus and hw_scsi_model as they are (validate path). */
export function checkDisk(scope: AdviceScope): Finding[] {
  const { guest, properties } = scope;
  const findings = [
    ...checkBusProperty(scope, 'hw_disk_bus'),
    ...checkBusProperty(scope, 'hw_cdrom_bus'),
    ...checkBusProperty(scope, 'hw_floppy_bus'),
  ];
  const bus = properties['hw_disk_bus'] === undefined ? null : normaliseDiskBus(properties['hw_disk_bus']);
  const rawScsi = properties['hw_scsi_model'];
  const scsiModel = rawScsi === undefined ? null : normaliseScsiModel(rawScsi);
  if (rawScsi !== undefined && scsiModel === null) {
    findings.push(makeFinding('image-property-invalid-value', 'hw_scsi_model',
      `hw_scsi_model=${rawScsi} is not a Nova SCSI model (${SCSI_MODELS.join(', ')}): server create fails with HTTP 400.`,
      [imageEvidence('hw_scsi_model', rawScsi)]));
  }
  if (bus === 'ide' && scope.profile.disks > IDE_MAX_DEVICES) {
    findings.push(makeFinding('ide-too-many-disks', 'hw_disk_bus',
      `hw_disk_bus=ide with ${scope.profile.disks} disks: IDE takes at most ${IDE_MAX_DEVICES} devices (TooManyDiskDevices).`,
      [imageEvidence('hw_disk_bus', 'ide'), { source: 'request', ref: 'disks', value: scope.profile.disks }]));
  }
  if (bus === 'scsi' && rawScsi === undefined) {
    findings.push(makeFinding('scsi-bus-without-model', 'hw_scsi_model',
      'hw_disk_bus=scsi without hw_scsi_model: Nova adds no controller model and libvirt/QEMU choose their default.',
      [imageEvidence('hw_disk_bus', 'scsi'), imageEvidence('hw_scsi_model', null)]));
  }
  if (scsiModel !== null && bus !== 'scsi') {
    findings.push(makeFinding('scsi-model-without-scsi-bus', 'hw_scsi_model',
      `hw_scsi_model=${scsiModel} only adds a controller; the disks stay on ${bus ?? 'the default bus (virtio)'}.`,
      [imageEvidence('hw_scsi_model', rawScsi ?? null), imageEvidence('hw_disk_bus', bus)]));
  }
  if (!guest.family) return findings;
  const label = guestLabel(guest);
  if (bus === null && properties['hw_disk_bus'] === undefined && !guest.identity.virtio.blk) {
    findings.push(makeFinding('implicit-disk-bus-unsupported-by-guest', 'hw_disk_bus',
      `hw_disk_bus is unset, so Nova boots the disk on virtio (with or without libosinfo), but ${label} has no virtio-blk driver: it cannot boot.`,
      guest.identity.evidence));
  }
  if (bus !== null && EMULATED_DISK_BUSES.has(bus) && guest.identity.virtio.blk) {
    findings.push(makeFinding('disk-bus-emulated-for-virtio-guest', 'hw_disk_bus',
      `hw_disk_bus=${bus} is an emulated bus, but ${label} has a virtio-blk driver: virtio (or virtio-scsi) is faster.`,
      [imageEvidence('hw_disk_bus', bus), ...guest.identity.evidence]));
  }
  if (bus === 'virtio' && !guest.identity.virtio.blk) {
    findings.push(makeFinding('guest-lacks-virtio-driver', 'hw_disk_bus',
      `hw_disk_bus=virtio but ${label} has no virtio-blk driver: it cannot boot (Windows: 0x7B).`, guest.identity.evidence));
  }
  if (bus === 'scsi' && scsiModel === 'virtio-scsi' && !guest.identity.virtio.scsi) {
    findings.push(makeFinding('guest-lacks-virtio-driver', 'hw_scsi_model',
      `hw_scsi_model=virtio-scsi but ${label} has no virtio-scsi driver: it cannot boot from that disk.`, guest.identity.evidence));
  }
  return findings;
}

export interface DiskAdvice {
  recommendations: Recommendation[];
  /** The disk bus after the advice, for capacity trait checks. */
  bus: string;
  findings: Finding[];
}

function recommendation(scope: RuleScope, key: string, value: string, reason: string, evidence: Evidence[]): Recommendation {
  return { key, value, current: scope.properties[key] ?? null, reason, evidence: [...evidence] };
}

/** Hosts in scope that report SATA and IDE (§2.6). */
function sataAndIde(scope: RuleScope): { sata: number; ide: number } {
  return {
    sata: scopedSupport(scope, storageBusTrait('sata'), STORAGE_BUS_TRAITS).supporting,
    ide: scopedSupport(scope, storageBusTrait('ide'), STORAGE_BUS_TRAITS).supporting,
  };
}

/**
 * For a driverless guest on pc that could run on q35: whether SATA (q35) lands on more hosts than IDE, as with the
 * emulated NIC (nic.ts `chooseEmulatedNic`).
 */
function sataReachesMore(scope: RuleScope): boolean {
  const { sata, ide } = sataAndIde(scope);
  return sata > ide;
}

function busCounts(scope: RuleScope): string {
  const { sata, ide } = sataAndIde(scope);
  return `sata on ${sata}, ide on ${ide}`;
}

export function adviseDisk(scope: AdviceScope): DiskAdvice {
  const { guest, profile } = scope;
  if (NO_DEVICE_ADVICE_VIRT_TYPES.includes(scope.facts.virtType)) {
    const { virtType } = scope.facts;
    const current = scope.properties['hw_disk_bus'] ?? null;
    return { recommendations: [], bus: current ?? defaultBusesFor(virtType).disk, findings: [makeFinding('virt-type-no-device-advice', 'hw_disk_bus',
      `virt_type=${virtType} (declared): no disk bus advice; libvirt accepts ${DISK_BUSES_BY_VIRT_TYPE[virtType].join(', ')}, default ${defaultBusesFor(virtType).disk}.`,
      [hostFactEvidence('virtType', virtType), imageEvidence('hw_disk_bus', current)])] };
  }
  const disks = profile.disks;
  const evidence = [...guest.identity.evidence, { source: 'request' as const, ref: 'disks', value: disks }];
  const recommendations: Recommendation[] = [];
  const findings: Finding[] = [];
  const unsetNote = scope.properties['hw_disk_bus'] === undefined
    ? ' Unset, Nova would use virtio on kvm/qemu.'
    : '';
  let bus: string;
  if (guest.identity.virtio.blk && !profile.emulatedDevices) {
    const wantsScsi = profile.diskBus === 'virtio-scsi' || disks > MANY_DISKS;
    if (wantsScsi && guest.identity.virtio.scsi) {
      bus = 'scsi';
      const why = profile.diskBus === 'virtio-scsi'
        ? `the ${scope.workload} profile wants one virtio-scsi controller for its disks (many LUNs, discard/UNMAP)`
        : `${disks} disks are more than ${MANY_DISKS}; one virtio-scsi controller carries them all`;
      recommendations.push(recommendation(scope, 'hw_disk_bus', 'scsi', `Set hw_disk_bus=scsi: ${why}.${unsetNote}`, evidence));
      recommendations.push(recommendation(scope, 'hw_scsi_model', 'virtio-scsi',
        'Set hw_scsi_model=virtio-scsi: without it Nova adds no controller model and libvirt/QEMU pick their default; the guest has a virtio-scsi driver.',
        evidence));
    } else {
      bus = 'virtio';
      const why = wantsScsi
        ? `virtio-scsi would suit ${disks} disks, but ${guestLabel(guest)} has no virtio-scsi driver; virtio-blk it has`
        : 'the guest has a virtio-blk driver, the default and fastest bus';
      recommendations.push(recommendation(scope, 'hw_disk_bus', 'virtio', `Set hw_disk_bus=virtio: ${why}.${unsetNote}`, evidence));
    }
  } else {
    const machine = effectiveMachineType(scope);
    const driverless = profile.emulatedDevices
      ? `the ${scope.workload} profile asks for emulated devices`
      : `${guestLabel(guest)} has no virtio-blk driver`;
    if (isQ35(machine.value)) {
      bus = 'sata';
      recommendations.push(recommendation(scope, 'hw_disk_bus', 'sata',
        `Set hw_disk_bus=sata: ${driverless} and machine type ${machine.value} has no IDE, only SATA (AHCI).${unsetNote}`,
        [...evidence, machineTypeEvidence(scope)]));
    } else if (guest.q35Capable && (disks > IDE_MAX_DEVICES || sataReachesMore(scope))) {
      bus = 'sata';
      const whyQ35 = disks > IDE_MAX_DEVICES
        ? `${disks} disks exceed IDE's ${IDE_MAX_DEVICES} devices`
        : `more hosts in scope report SATA than IDE (${busCounts(scope)})`;
      recommendations.push(recommendation(scope, 'hw_machine_type', 'q35',
        `Set hw_machine_type=q35: ${whyQ35} and the guest supports q35, which brings SATA.`,
        [...evidence, machineTypeEvidence(scope)]));
      recommendations.push(recommendation(scope, 'hw_disk_bus', 'sata',
        `Set hw_disk_bus=sata: ${driverless}; SATA on q35 ${disks > IDE_MAX_DEVICES ? `takes more than ${IDE_MAX_DEVICES} disks` : `is reported by more hosts (${busCounts(scope)})`}.${unsetNote}`, evidence));
    } else {
      bus = 'ide';
      recommendations.push(recommendation(scope, 'hw_disk_bus', 'ide',
        `Set hw_disk_bus=ide: ${driverless} and machine type ${machine.value} (pc/i440fx) offers IDE; IDE takes at most ${IDE_MAX_DEVICES} devices.${unsetNote}`,
        [...evidence, machineTypeEvidence(scope)]));
      if (disks > IDE_MAX_DEVICES) {
        findings.push(makeFinding('ide-too-many-disks', 'hw_disk_bus',
          `${disks} disks on IDE: at most ${IDE_MAX_DEVICES} devices (TooManyDiskDevices), and the guest is not known to support q35.`,
          evidence));
      }
    }
  }
  const trait = storageBusTrait(bus);
  const support = scopedSupport(scope, trait, STORAGE_BUS_TRAITS);
  const diskRecommendation = recommendations.find((r) => r.key === 'hw_disk_bus');
  diskRecommendation?.evidence.push(traitEvidence(trait, support));
  if (support.supporting === 0 && support.lacking > 0) {
    findings.push(makeFinding('disk-bus-unsupported-on-all-hosts', 'hw_disk_bus',
      `The recommended hw_disk_bus=${bus} is reported by no host in scope (${trait}).`, [traitEvidence(trait, support)]));
  }
  return { recommendations, bus, findings };
}
