// Per proposed device property, for a validation: which hosts in scope support it (their traits, domain.md §2.5,
// §2.6) and, where it is refused, unsupported or wrong for the guest or ports, the value to set instead.
import { adviseDisk } from './disk.ts';
import { scopedSupport, traitEvidence } from './host-traits.ts';
import { adviseNic, guestLacksVirtio } from './nic.ts';
import { effectiveMachineType, isQ35, type AdviceScope } from '../scope.ts';
import {
  GRAPHICS_MODEL_TRAITS, STORAGE_BUS_TRAITS, VIF_MODEL_TRAITS, normaliseDiskBus, normaliseScsiModel, normaliseVifModel, storageBusTrait, vifModelTrait,
} from '../vocabulary/nova.ts';
import type { Evidence, Finding, PropertyCheck } from '../../model/index.ts';

/** Nova's VideoModel enum (§1.2); libvirt reports the models its domain capabilities list (§2.6). */
const VIDEO_MODELS: readonly string[] = ['cirrus', 'qxl', 'vga', 'vmvga', 'xen', 'virtio', 'gop', 'none', 'bochs'];

interface DeviceProperty {
  key: string;
  familyPrefix: string;
  /** The value as Nova reads it, or null when Nova refuses it. */
  read(raw: string): string | null;
  trait(value: string): string;
}

const storageBus = (key: string): DeviceProperty => ({ key, familyPrefix: STORAGE_BUS_TRAITS, read: normaliseDiskBus, trait: storageBusTrait });

/** The image properties a host's traits say it can or cannot provide (§2.5 prefixes, §2.6). */
const DEVICE_PROPERTIES: readonly DeviceProperty[] = [
  { key: 'hw_vif_model', familyPrefix: VIF_MODEL_TRAITS, read: normaliseVifModel, trait: vifModelTrait },
  storageBus('hw_disk_bus'),
  storageBus('hw_cdrom_bus'),
  storageBus('hw_floppy_bus'),
  {
    key: 'hw_video_model', familyPrefix: GRAPHICS_MODEL_TRAITS,
    read: (raw) => (VIDEO_MODELS.includes(raw.trim().toLowerCase()) ? raw.trim().toLowerCase() : null),
    trait: (value) => `${GRAPHICS_MODEL_TRAITS}${value.toUpperCase()}`,
  },
];

/**
 * Names people write for a device that Nova spells otherwise and refuses (HTTP 400): osinfo-db's device names
 * (virtio-net, virtio1.0-net, virtio-block, virtio1.0-block, virtio-scsi, virtio1.0-scsi; §2.4, §3.1) and the
 * kernel drivers' (virtio_net, virtio_blk). The value is what the name means in Nova's enum (§1.2).
 */
const MEANT: Record<string, Record<string, string>> = {
  hw_vif_model: { 'virtio-net': 'virtio', 'virtio1.0-net': 'virtio', virtio_net: 'virtio' },
  hw_disk_bus: {
    'virtio-block': 'virtio', 'virtio1.0-block': 'virtio', 'virtio-blk': 'virtio', virtio_blk: 'virtio',
    'virtio-scsi': 'scsi', 'virtio1.0-scsi': 'scsi',
  },
};

type Replacement = NonNullable<PropertyCheck['replacement']>;

/** The advised value as a replacement, when it differs from what Nova reads now. */
function advised(value: string | undefined, read: string | null, reason: string | undefined, evidence: Evidence[]): Replacement | null {
  return value === undefined || value === read || reason === undefined ? null : { value, reason, evidence };
}

/**
 * What to set instead of a misspelled value: the value it names, unless the guest is known to lack that driver;
 * then the advice for this guest and these ports.
 */
function respelled(scope: AdviceScope, key: string, raw: string, advice: Replacement | null): Replacement | null {
  const meant = MEANT[key]?.[raw.trim().toLowerCase()];
  if (meant === undefined || guestLacksVirtio(scope.guest, key === 'hw_vif_model' ? 'net' : meant === 'scsi' ? 'scsi' : 'blk')) return advice;
  const scsi = meant === 'scsi' ? ' with hw_scsi_model=virtio-scsi (the controller model it names)' : '';
  return {
    value: meant,
    reason: `Set ${key}=${meant}${scsi}: ${raw} is the device's osinfo-db / driver name, which Nova refuses (HTTP 400); Nova's enum spells it ${meant}.`,
    evidence: [{ source: 'image-property', ref: key, value: raw }],
  };
}

/** Nova's own CD-ROM / floppy bus for this machine type (x86: sata on q35, else ide; floppy fdc; §2.3). */
function defaultBus(scope: AdviceScope, key: string): Replacement {
  const machine = effectiveMachineType(scope).value;
  const value = key === 'hw_floppy_bus' ? 'fdc' : isQ35(machine) ? 'sata' : 'ide';
  return { value, reason: `Set ${key}=${value}, Nova's own choice for machine type ${machine} (or leave it unset).`, evidence: [{ source: 'nova-default', ref: key, value }] };
}

/**
 * Each proposed device property with the hosts in scope that support it, and a replacement where a warning or an
 * error concerns it; an unset hw_vif_model / hw_disk_bus / hw_scsi_model is listed when a finding asks for a value.
 */
export function propertyChecks(scope: AdviceScope, findings: readonly Finding[]): PropertyCheck[] {
  const nic = adviseNic(scope).recommendation;
  const disk = adviseDisk(scope).recommendations;
  const advisedFor = (key: string): Replacement | null => {
    const r = key === 'hw_vif_model' ? nic : disk.find((d) => d.key === key);
    return r ? { value: r.value, reason: r.reason, evidence: r.evidence } : null;
  };
  const flagged = new Set(findings.filter((f) => f.severity !== 'info' && f.field !== null).map((f) => f.field!));
  const checks: PropertyCheck[] = [];
  const replacementOf = (key: string, raw: string | undefined, read: string | null): Replacement | null => {
    if (!flagged.has(key)) return null;
    const advice = advisedFor(key);
    if (raw !== undefined && read === null) return respelled(scope, key, raw, advice) ?? (key === 'hw_cdrom_bus' || key === 'hw_floppy_bus' ? defaultBus(scope, key) : null);
    if (key === 'hw_cdrom_bus' || key === 'hw_floppy_bus') return defaultBus(scope, key);
    return advised(advice?.value, read, advice?.reason, advice?.evidence ?? []);
  };
  for (const property of DEVICE_PROPERTIES) {
    const raw = scope.properties[property.key];
    const read = raw === undefined ? null : property.read(raw);
    const trait = read === null ? null : property.trait(read);
    const replacement = replacementOf(property.key, raw, read);
    if (replacement) {
      const replacementTrait = property.trait(replacement.value);
      replacement.evidence = [...replacement.evidence.filter((e) => e.ref !== replacementTrait),
        traitEvidence(replacementTrait, scopedSupport(scope, replacementTrait, property.familyPrefix))];
    }
    if (raw === undefined && replacement === null) continue;
    checks.push({ key: property.key, value: raw ?? null, trait, hosts: trait === null ? null : scopedSupport(scope, trait, property.familyPrefix), replacement });
  }
  // The SCSI controller has no trait: listed only when it needs a value (a disk bus spelled virtio-scsi, or advice).
  const rawScsi = scope.properties['hw_scsi_model'];
  const busNamesScsi = checks.find((c) => c.key === 'hw_disk_bus')?.replacement?.value === 'scsi';
  const scsi = busNamesScsi && rawScsi === undefined
    ? { value: 'virtio-scsi', reason: 'Set hw_scsi_model=virtio-scsi: hw_disk_bus=scsi alone adds no controller model (§2.3).', evidence: [] }
    : replacementOf('hw_scsi_model', rawScsi, rawScsi === undefined ? null : normaliseScsiModel(rawScsi));
  if (rawScsi !== undefined || scsi !== null) checks.push({ key: 'hw_scsi_model', value: rawScsi ?? null, trait: null, hosts: null, replacement: scsi });
  return checks;
}
