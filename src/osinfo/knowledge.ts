// Turns osinfo-db OS entries into the rules' GuestKnowledge (same shape as the built-in table).
// Pure: the file reading is in load.ts.
import { comparableVersion } from '../rules/guest/identify.ts';
import type { GuestFamilyKnowledge, GuestKnowledge, VersionedNic } from '../model/index.ts';
import { compareVersions } from '../rules/vocabulary/version.ts';

/** One `<os>` element of osinfo-db (domain.md §3.1). */
export interface OsinfoOs {
  id: string;
  shortIds: string[];
  distro: string;
  /** `<family>`: linux, winnt, freebsd, … */
  family: string;
  version: string | null;
  /** `derives-from` and `clones` targets: device support is inherited through both, not `upgrades` (§3.1). */
  inheritsFrom: string[];
  /** Device links: id → supported (false cancels an inherited device). */
  devices: Record<string, boolean>;
}

/** osinfo-db device ids (domain.md §3.1 table). */
const DEVICE = {
  virtioNet: ['http://pcisig.com/pci/1af4/1000', 'http://pcisig.com/pci/1af4/1041'],
  virtioBlk: ['http://pcisig.com/pci/1af4/1001', 'http://pcisig.com/pci/1af4/1042'],
  virtioScsi: ['http://pcisig.com/pci/1af4/1004', 'http://pcisig.com/pci/1af4/1048'],
  q35: ['http://qemu.org/chipset/x86/q35'],
} as const;
const EMULATED_NICS: [string, string][] = [
  ['http://pcisig.com/pci/8086/100e', 'e1000'],
  ['http://pcisig.com/pci/8086/10d3', 'e1000e'],
  ['http://pcisig.com/pci/1022/2000', 'pcnet'],
  ['http://pcisig.com/pci/10ec/8139', 'rtl8139'],
];

/** All devices of an OS with inheritance resolved as libosinfo's get_all_devices does (§3.1). */
export function resolveDevices(oses: OsinfoOs[]): Map<string, Set<string>> {
  const byId = new Map(oses.map((os) => [os.id, os]));
  const resolved = new Map<string, Set<string>>();
  const visit = (os: OsinfoOs, path: Set<string>): Set<string> => {
    const done = resolved.get(os.id);
    if (done) return done;
    const devices = new Set<string>();
    for (const parentId of os.inheritsFrom) {
      const parent = byId.get(parentId);
      // A cycle in the data would otherwise recurse for ever; skip the back edge.
      if (parent && !path.has(parent.id)) for (const d of visit(parent, new Set([...path, os.id]))) devices.add(d);
    }
    for (const [device, supported] of Object.entries(os.devices)) {
      if (supported) devices.add(device);
      else devices.delete(device);
    }
    resolved.set(os.id, devices);
    return devices;
  };
  for (const os of oses) visit(os, new Set());
  return resolved;
}

function familyKind(osinfoFamily: string): GuestFamilyKnowledge['family'] {
  if (osinfoFamily === 'linux') return 'linux';
  if (osinfoFamily.startsWith('win')) return 'windows';
  if (osinfoFamily.endsWith('bsd')) return 'bsd';
  return 'other';
}

interface Release {
  version: string;
  numbers: number[];
  devices: Set<string>;
}

/** The lowest release whose devices include any of `ids`. */
function firstVersion(releases: Release[], ids: readonly string[]): string | null {
  return releases.find((r) => ids.some((id) => r.devices.has(id)))?.version ?? null;
}

/**
 * Releases in version order. Placeholder entries (`rhel-9-unknown`, version `9-unknown`) derive from
 * the newest minor release and would sort as x.0, so they only count when a distro has nothing else;
 * a rolling distro without any version (archlinux) counts as version 0.
 */
function releasesOf(family: Pick<GuestFamilyKnowledge, 'distro' | 'family'>, members: OsinfoOs[], devices: Map<string, Set<string>>): Release[] {
  const exact = members.filter((os) => os.version !== null && /^\d+(\.\d+)*$/.test(os.version));
  const versioned = members.filter((os) => os.version !== null);
  const chosen = exact.length > 0 ? exact : versioned.length > 0 ? versioned : members;
  return chosen
    .map((os) => {
      const version = os.version ?? '0';
      return { version, numbers: comparableVersion(family, version), devices: devices.get(os.id) ?? new Set<string>() };
    })
    .filter((r): r is Release => r.numbers !== null)
    .sort((a, b) => compareVersions(a.numbers, b.numbers));
}

/** For a distro the built-in table lacks: the first emulated NIC any release lists, else e1000. */
function emulatedNicOf(releases: Release[]): VersionedNic[] {
  const listed = EMULATED_NICS.find(([id]) => releases.some((r) => r.devices.has(id)));
  return [{ from: '0', model: listed?.[1] ?? 'e1000' }];
}

/**
 * Per distro, the first version with each capability (the computation behind domain.md §3.2). Distros
 * the built-in table knows keep its names, short-id prefixes, emulated NICs and the virtio-win rule;
 * the others become families of their own.
 */
export function knowledgeFromOsinfo(oses: OsinfoOs[], builtin: GuestKnowledge, ref: string): GuestKnowledge {
  const devices = resolveDevices(oses);
  const byFamily = new Map<string, { base: GuestFamilyKnowledge; oses: OsinfoOs[] }>();
  for (const os of oses) {
    const base = builtin.families.find((f) => f.distro === os.distro || f.names.includes(os.distro)) ?? {
      distro: os.distro, family: familyKind(os.family), names: [os.distro], shortIdPrefixes: [os.distro],
      firstVersion: { virtioNet: null, virtioBlk: null, virtioScsi: null, q35: null },
      emulatedNics: [], virtioNeedsDrivers: false, ref,
    };
    const entry = byFamily.get(base.distro) ?? { base, oses: [] };
    entry.oses.push(os);
    byFamily.set(base.distro, entry);
  }

  const shortIds: GuestKnowledge['shortIds'] = {};
  const families: GuestFamilyKnowledge[] = [];
  for (const { base, oses: members } of [...byFamily.values()].sort((a, b) => a.base.distro.localeCompare(b.base.distro))) {
    for (const os of members) for (const shortId of os.shortIds) shortIds[shortId] = { distro: base.distro, version: os.version };
    const releases = releasesOf(base, members, devices);
    families.push({
      ...base,
      firstVersion: {
        virtioNet: firstVersion(releases, DEVICE.virtioNet),
        virtioBlk: firstVersion(releases, DEVICE.virtioBlk),
        virtioScsi: firstVersion(releases, DEVICE.virtioScsi),
        q35: firstVersion(releases, DEVICE.q35),
      },
      // Windows lists no virtio device at all; its virtio comes only from declared virtio-win (§3.1).
      emulatedNics: base.emulatedNics.length > 0 ? base.emulatedNics : emulatedNicOf(releases),
      ref: `${ref}: ${[...new Set(members.map((m) => m.distro))].sort().join(', ')}`,
    });
  }
  return { source: 'osinfo-db', ref, families, shortIds };
}
