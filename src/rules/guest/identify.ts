// Who the guest is and which drivers it has, from image properties (domain.md §1.4, §3).
import { KeyedWeakMemo, WeakMemo } from '../../lib/memo.ts';
import { osloBoolStrict } from '../../lib/oslo-bool.ts';
import { makeFinding } from '../findings/catalog.ts';
import { imageEvidence, normaliseArchitecture } from '../vocabulary/nova.ts';
import type { Evidence, Finding, GuestFamilyKnowledge, GuestIdentity, GuestKnowledge } from '../../model/index.ts';
import { compareVersions, parseVersion } from '../vocabulary/version.ts';

/** The image property by which an image declares that its guest has (or lacks) virtio drivers. */
const VIRTIO_DRIVERS_PROPERTY = 'os_virtio_drivers';

export interface GuestAnalysis {
  identity: GuestIdentity;
  family: GuestFamilyKnowledge | null;
  /** The guest can run on q35 (and so has an AHCI/SATA driver for it): osinfo-db lists the chipset (§3.2). */
  q35Capable: boolean;
  /** Emulated NIC for this guest when virtio-net is not available (§8). */
  emulatedNic: string;
  /** os_distro is a libosinfo short-id or URI, so Nova's libosinfo path is active (§2.4). */
  osDistroIsShortId: boolean;
  findings: Finding[];
}

interface Match {
  family: GuestFamilyKnowledge;
  version: string | null;
  shortId: string | null;
}

/** Windows releases → NT version, which is what the knowledge thresholds compare (§3.1 derivation chains). */
const WINDOWS_NT_VERSIONS: Record<string, string> = {
  xp: '5.1', '2003': '5.2', '2003r2': '5.2', vista: '6.0', '2008': '6.0', '7': '6.1', '2008r2': '6.1',
  '8': '6.2', '2012': '6.2', '8.1': '6.3', '2012r2': '6.3', '10': '10.0', '11': '10.0',
  '2016': '10.0', '2019': '10.0', '2022': '10.0', '2025': '10.0',
};
const NT_VERSIONS = new Set(['5.1', '5.2', '6.0', '6.1', '6.2', '6.3', '10.0']);
const WINDOWS_SHORT_ID = /^win(xp|vista|7|8|8\.1|10|11|2k3|2k3r2|2k8|2k8r2|2k12|2k12r2|2k16|2k19|2k22|2k25)$/;

/** "2022", "Server 2008 R2", "2k22", "6.1" (virt-v2v writes NT versions) → NT version. */
export function windowsNtVersion(raw: string): string | null {
  const label = raw.toLowerCase().replace(/windows|server|\s+/g, '').replace(/^2k/, '20');
  return WINDOWS_NT_VERSIONS[label] ?? (NT_VERSIONS.has(label) ? label : null);
}

/** Comparable numbers for a family's version: NT version for Windows; openSUSE Leap 42.x sorts before Leap 15. */
export function comparableVersion(family: Pick<GuestFamilyKnowledge, 'distro' | 'family'>, version: string | null): number[] | null {
  if (version === null) return null;
  const numbers = parseVersion(family.family === 'windows' ? (windowsNtVersion(version) ?? '') : version);
  if (numbers && family.distro === 'opensuse' && numbers[0] === 42) return [14, ...numbers.slice(1)];
  return numbers;
}

/** A family's thresholds as comparable numbers, per family (each is compared on every analysis of its guests). */
const thresholds = new KeyedWeakMemo<GuestFamilyKnowledge, string, { numbers: number[] | null }>();

function supports(family: GuestFamilyKnowledge, version: number[] | null, threshold: string | null): boolean {
  // Unknown version of a known distro: assume a release recent enough (guest-version-unknown says so).
  if (version === null) return threshold !== null;
  if (threshold === null) return false;
  const { numbers } = thresholds.get(family, threshold, () => ({ numbers: comparableVersion(family, threshold) }));
  return numbers !== null && compareVersions(version, numbers) >= 0;
}

function familyByDistro(knowledge: GuestKnowledge, distro: string): GuestFamilyKnowledge | undefined {
  return knowledge.families.find((f) => f.distro === distro || f.names.includes(distro));
}

/** Every family's short-id prefixes, longest first (the most specific wins). */
const shortIdPrefixes = new WeakMemo<GuestKnowledge, { family: GuestFamilyKnowledge; prefix: string }[]>((knowledge) => knowledge.families
  .flatMap((family) => family.shortIdPrefixes.map((prefix) => ({ family, prefix })))
  .sort((a, b) => b.prefix.length - a.prefix.length));

/** libosinfo short-id (`ubuntu22.04`, `win2k22`, `sle15sp6`) or OS URI (`http://ubuntu.com/ubuntu/22.04`). */
function matchShortId(value: string, knowledge: GuestKnowledge): Match | null {
  const known = knowledge.shortIds[value];
  if (known) {
    const family = familyByDistro(knowledge, known.distro);
    return family ? { family, version: known.version, shortId: value } : null;
  }
  const uri = /^https?:\/\/[^/]+\/([^/]+)\/([^/]+)/.exec(value);
  if (uri) {
    const family = familyByDistro(knowledge, uri[1]!);
    return family ? { family, version: uri[2]!, shortId: value } : null;
  }
  const windows = WINDOWS_SHORT_ID.exec(value);
  if (windows) {
    const family = familyByDistro(knowledge, 'win');
    return family ? { family, version: windows[1]!, shortId: value } : null;
  }
  for (const { family, prefix } of shortIdPrefixes.get(knowledge)) {
    if (family.family === 'windows' || !value.startsWith(prefix)) continue;
    const version = value.slice(prefix.length);
    if (/^\d+(\.\d+)*(sp\d+)?$/.test(version)) return { family, version, shortId: value };
  }
  return null;
}

function matchName(value: string, knowledge: GuestKnowledge, version: string | null): Match | null {
  const family = knowledge.families.find((f) => f.names.includes(value));
  return family ? { family, version, shortId: null } : null;
}

/** Last hint: a distro word in the image name, with the version token after it ("lab-ubuntu-22.04"). */
function matchImageName(name: string, knowledge: GuestKnowledge): Match | null {
  const tokens = name.toLowerCase().split(/[^a-z0-9.]+/).filter((t) => t.length > 0);
  for (const [index, token] of tokens.entries()) {
    const byShortId = matchShortId(token, knowledge);
    if (byShortId) return { ...byShortId, shortId: null };
    if (token.length < 3) continue; // `ol` and the like are too ambiguous inside names
    const next = tokens.slice(index + 1).find((t) => parseVersion(t) !== null || windowsNtVersion(t) !== null);
    const byName = matchName(token, knowledge, next ?? null);
    if (byName) return byName;
  }
  return null;
}

/** The image properties the guest analysis reads (besides the image name and the request's virtio_drivers). */
const GUEST_PROPERTIES = ['os_distro', 'os_version', 'os_type', 'hw_architecture', 'architecture', VIRTIO_DRIVERS_PROPERTY] as const;

/** Whether two property sets of one image give the same analysis: they agree on every property it reads. */
export function sameGuestProperties(a: Record<string, string>, b: Record<string, string>): boolean {
  return GUEST_PROPERTIES.every((key) => a[key] === b[key]);
}

export function analyseGuest(
  properties: Record<string, string>,
  imageName: string | null,
  knowledge: GuestKnowledge,
  virtioDriversOverride?: boolean,
): GuestAnalysis {
  const osDistro = properties['os_distro']?.trim().toLowerCase() || null;
  const osVersion = properties['os_version']?.trim() || null;
  const osType = properties['os_type']?.trim().toLowerCase() || null;
  const findings: Finding[] = [];
  const evidence: Evidence[] = [];
  if (osDistro) evidence.push(imageEvidence('os_distro', properties['os_distro']!));
  if (osVersion) evidence.push(imageEvidence('os_version', osVersion));
  if (osType) evidence.push(imageEvidence('os_type', osType));
  const rawArch = properties['hw_architecture'] ?? properties['architecture'];
  if (rawArch) evidence.push(imageEvidence('hw_architecture', normaliseArchitecture(rawArch)));

  let identifiedBy: GuestIdentity['identifiedBy'] = 'os_distro';
  let match = osDistro ? (matchShortId(osDistro, knowledge) ?? matchName(osDistro, knowledge, osVersion)) : null;
  if (osDistro && match && match.shortId === null) {
    findings.push(makeFinding('os-distro-not-short-id', 'os_distro',
      `os_distro=${osDistro} is Glance vocabulary, not a libosinfo short-id: Nova's libosinfo lookup does nothing for it.`,
      [imageEvidence('os_distro', osDistro)]));
  }
  if (!match && imageName) {
    match = matchImageName(imageName, knowledge);
    if (match) {
      identifiedBy = 'image-name';
      evidence.push({ source: 'request', ref: 'image name (hint)', value: imageName });
      findings.push(makeFinding('guest-identified-from-image-name', 'os_distro',
        `No usable os_distro; guessed ${[match.family.distro, match.version].filter(Boolean).join(' ')} from the image name "${imageName}".`,
        [{ source: 'request', ref: 'image name', value: imageName }]));
    }
  }
  if (!match && osType === 'windows') {
    const windows = familyByDistro(knowledge, 'win');
    if (windows) {
      match = { family: windows, version: osVersion, shortId: null };
      identifiedBy = 'os_type';
    }
  }

  const declared = virtioDriversOverride ?? osloBoolStrict(properties[VIRTIO_DRIVERS_PROPERTY]);
  if (virtioDriversOverride !== undefined) {
    evidence.push({ source: 'request', ref: 'virtioDrivers', value: virtioDriversOverride });
  } else if (declared !== null) {
    evidence.push(imageEvidence(VIRTIO_DRIVERS_PROPERTY, properties[VIRTIO_DRIVERS_PROPERTY]!));
  }

  if (!match) {
    findings.push(makeFinding('unknown-guest-os', 'os_distro',
      `The guest OS is unknown (os_distro=${osDistro ?? 'unset'}, os_type=${osType ?? 'unset'}); advice assumes no virtio drivers${declared === true ? ' except those the image declares' : ''}.`,
      evidence.slice()));
    const virtio = declared === true;
    return {
      identity: {
        family: osType === 'linux' || osType === 'windows' ? osType : 'unknown',
        distro: null, version: osVersion, osinfoId: null, identifiedBy: 'unknown', knowledge: 'none',
        virtio: { net: virtio, blk: virtio, scsi: virtio }, evidence,
      },
      family: null, q35Capable: false, emulatedNic: 'e1000', osDistroIsShortId: false, findings,
    };
  }

  const { family, version, shortId } = match;
  const numbers = comparableVersion(family, version);
  if (numbers === null && family.distro !== 'archlinux') {
    findings.push(makeFinding('guest-version-unknown', 'os_version',
      `${family.distro} without a usable version: ${family.family === 'windows' ? 'e1000 and pc are assumed' : 'virtio support of current releases is assumed'}.`,
      evidence.slice()));
  }
  evidence.push({
    source: knowledge.source, ref: `${family.ref}: ${family.distro}`,
    value: `virtio-net >= ${family.firstVersion.virtioNet ?? 'never'}, virtio-blk >= ${family.firstVersion.virtioBlk ?? 'never'}, virtio-scsi >= ${family.firstVersion.virtioScsi ?? 'never'}, q35 >= ${family.firstVersion.q35 ?? 'never'}`,
  });

  let virtio: GuestIdentity['virtio'];
  if (declared !== null) {
    virtio = { net: declared, blk: declared, scsi: declared };
  } else if (family.virtioNeedsDrivers) {
    virtio = { net: false, blk: false, scsi: false };
    findings.push(makeFinding('virtio-win-drivers-undeclared', VIRTIO_DRIVERS_PROPERTY,
      `Windows ships no virtio drivers and the image does not declare virtio-win (${VIRTIO_DRIVERS_PROPERTY}=true): emulated devices are advised.`,
      evidence.slice()));
  } else {
    virtio = {
      net: supports(family, numbers, family.firstVersion.virtioNet),
      blk: supports(family, numbers, family.firstVersion.virtioBlk),
      scsi: supports(family, numbers, family.firstVersion.virtioScsi),
    };
  }
  const reachedNics = family.emulatedNics.filter((nic) => numbers !== null && supports(family, numbers, nic.from));
  return {
    identity: {
      family: family.family, distro: family.distro, version, osinfoId: shortId, identifiedBy,
      knowledge: knowledge.source, virtio, evidence,
    },
    family,
    q35Capable: numbers === null && family.family === 'windows' ? false : supports(family, numbers, family.firstVersion.q35),
    emulatedNic: (reachedNics.at(-1) ?? family.emulatedNics[0])?.model ?? 'e1000',
    osDistroIsShortId: shortId !== null && identifiedBy === 'os_distro',
    findings,
  };
}

/** "ubuntu 22.04", "win 2022", or "the unknown guest", for messages. */
export function guestLabel(guest: GuestAnalysis): string {
  const { distro, version } = guest.identity;
  if (!distro) return 'the unknown guest';
  return [guest.family?.family === 'windows' ? 'Windows' : distro, version].filter(Boolean).join(' ');
}
