// The inputs every rule reads, gathered once per call.
import { analyseGuest, sameGuestProperties, type GuestAnalysis } from './guest/identify.ts';
import { legacyReads, normaliseArchitecture } from './vocabulary/nova.ts';
import type { Flavor, GuestKnowledge, Host, HostFacts, HostFactsOverride, NovaConfReport, NovaRelease, ReleaseAssumption, ValidationInput, VnicBackend, VnicType, WorkloadProfile } from '../model/index.ts';
import { resolveProfile, type ProfileDefaults } from './profiles/profiles.ts';
import { extend, mergeRecords } from '../lib/objects.ts';

/** What the rules know beyond the snapshot: guest knowledge and the declared host facts. */
export interface RuleContext {
  knowledge: GuestKnowledge;
  /** Declared for every host (cloud-wide). */
  hostFacts: HostFacts;
  /** Declared per cloud / aggregate / trait, on top of `hostFacts` (HOST_FACTS_FILE, docs/host-facts.md). */
  hostFactOverrides?: HostFactsOverride[];
  /**
   * Which of `hostFacts` the operator declared, and where (e.g. `HOST_FACTS_FILE defaults`); the others are the built-in
   * defaults. Answers list each as `declared` or `default` (facts/assumptions.ts).
   */
  hostFactsDeclared?: Partial<Record<keyof HostFacts, string>>;
  /** What the nova.conf files named in HOST_FACTS_FILE gave: answers note it (finding `nova-conf-read`). */
  novaConfReport?: NovaConfReport[];
  /**
   * The Nova release the operator declares for every cloud (HOST_FACTS_FILE `nova_release`, docs/host-facts.md); it
   * wins over what the snapshot shows (release/release.ts `assumeRelease`).
   */
  novaRelease?: NovaRelease;
  /** Declared per cloud (HOST_FACTS_FILE `clouds.<name>.nova_release`); wins over `novaRelease`. */
  novaReleaseByCloud?: Record<string, NovaRelease>;
}

/** The release the operator declares for this cloud, if any. */
export function declaredRelease(ctx: Pick<RuleContext, 'novaRelease' | 'novaReleaseByCloud'>, cloud: string): NovaRelease | undefined {
  return ctx.novaReleaseByCloud?.[cloud] ?? ctx.novaRelease;
}

export interface RuleScope {
  /**
   * Image properties as Nova reads them now (or as proposed, for validation): as they are, plus what legacy names
   * set where the current name is unset (`legacy`).
   */
  properties: Record<string, string>;
  /** Current properties Nova reads from a legacy name (nova.ts legacyReads), already in `properties`. */
  legacy: Record<string, string>;
  flavor: Flavor | null;
  guest: GuestAnalysis;
  facts: HostFacts;
  hosts: Host[];
  /** The Nova release the answer assumes: release-dependent rules follow it (release/release.ts). */
  release: ReleaseAssumption;
  /** Which of `facts` are declared, and where; absent or missing keys ⇒ built-in defaults (facts/assumptions.ts). */
  factSources?: Partial<Record<keyof HostFacts, string>>;
}

export interface AdviceScope extends RuleScope {
  workload: WorkloadProfile;
  profile: ProfileDefaults;
  vnicType: VnicType;
  /** The request's backend of normal ports; unset ⇒ from the declared facts (devices/nic.ts `vhostUserPorts`). */
  vnicBackend?: VnicBackend;
}

/** Nova's built-in machine types for non-x86 guests (NOVA `libvirt/utils.py` `get_default_machine_type`, §2.3). */
export const ARCH_MACHINE_TYPES: Readonly<Record<string, string>> = { armv7l: 'virt', aarch64: 'virt', ppc64le: 'pseries', s390: 's390-ccw-virtio', s390x: 's390-ccw-virtio' };
/** Guest architectures whose CD-ROM defaults to scsi (§2.3). */
export const SCSI_CDROM_ARCHES: readonly string[] = ['ppc', 'ppc64', 'ppcle', 'ppc64le', 's390', 's390x', 'aarch64'];
const X86 = ['x86_64', 'i686'];

/** The guest's architecture: image `hw_architecture` (or legacy `architecture`), else the computes' (declared, §2.3). */
export function guestArchitecture(scope: Pick<RuleScope, 'properties' | 'facts'>): { value: string; fromImage: boolean } {
  const raw = scope.properties['hw_architecture'] ?? scope.properties['architecture'];
  return raw !== undefined ? { value: normaliseArchitecture(raw), fromImage: true } : { value: scope.facts.architecture ?? 'x86_64', fromImage: false };
}

/**
 * The machine type the guest will get (§2.3): image `hw_machine_type`, else `[libvirt] hw_machine_type` for the guest
 * arch (`machineTypes`), else for x86 the declared default (`defaultMachineType`, Nova's `pc`), else Nova's built-in
 * per-arch type, else QEMU's own default. `declared`: not from the image.
 */
export function effectiveMachineType(scope: Pick<RuleScope, 'properties' | 'facts'>): { value: string; declared: boolean; arch: string; builtin: boolean } {
  const fromImage = scope.properties['hw_machine_type'];
  const arch = guestArchitecture(scope).value;
  if (fromImage) return { value: fromImage, declared: false, arch, builtin: false };
  const mapped = scope.facts.machineTypes?.[arch];
  if (mapped) return { value: mapped, declared: true, arch, builtin: false };
  if (X86.includes(arch)) return { value: scope.facts.defaultMachineType, declared: true, arch, builtin: false };
  return { value: ARCH_MACHINE_TYPES[arch] ?? 'QEMU default', declared: true, arch, builtin: true };
}

export function isQ35(machineType: string): boolean {
  // Nova itself tests the substring (domain.md §2.3 CD-ROM default).
  return machineType.toLowerCase().includes('q35');
}

/**
 * The scope of one call: legacy names read as Nova reads them (§1.1), the guest identified. `sameImage`: the scope of
 * this image (name, virtio_drivers) with other properties, e.g. a recommendation's before advice; its guest analysis
 * is kept when the properties it reads are the same.
 */
export function buildScope(
  properties: Record<string, string>,
  imageName: string | null,
  flavor: Flavor | null,
  hosts: Host[],
  knowledge: GuestKnowledge,
  facts: HostFacts,
  release: ReleaseAssumption,
  virtioDrivers?: boolean,
  sameImage?: RuleScope,
): RuleScope {
  const legacy = legacyReads(properties);
  const read = Object.keys(legacy).length === 0 ? properties : mergeRecords(properties, legacy);
  const guest = sameImage && sameGuestProperties(sameImage.properties, read) ? sameImage.guest : analyseGuest(read, imageName, knowledge, virtioDrivers);
  return { properties: read, legacy, flavor, hosts, facts, release, guest };
}

/**
 * The scope of a recommendation or a validation: the workload's profile with the request's own numbers, and its ports
 * (a validation may leave workload and vnic type out: `general`, `normal`, as the request schema defaults them).
 */
export function adviceScope(base: RuleScope, request: Omit<ValidationInput, 'properties' | 'flavor'>): AdviceScope {
  const workload = request.workload ?? 'general';
  // Its own fields first, the scope's after: lib/objects.ts.
  return {
    workload, vnicType: request.vnicType ?? 'normal', vnicBackend: request.vnicBackend,
    profile: resolveProfile(extend(request, { workload }), base.facts), ...base,
  };
}
