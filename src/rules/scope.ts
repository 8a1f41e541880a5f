// The inputs every rule reads, gathered once per call.
import { analyseGuest, type GuestAnalysis } from './guest/identify.ts';
import { legacyReads } from './vocabulary/nova.ts';
import type { Flavor, GuestKnowledge, Host, HostFacts, HostFactsOverride, NovaRelease, ReleaseAssumption, VnicType, WorkloadProfile } from '../model/index.ts';
import type { ProfileDefaults } from './profiles/profiles.ts';

/** What the rules know beyond the snapshot: guest knowledge and the declared host facts. */
export interface RuleContext {
  knowledge: GuestKnowledge;
  /** Declared for every host (cloud-wide). */
  hostFacts: HostFacts;
  /** Declared per cloud / aggregate / trait, on top of `hostFacts` (HOST_FACTS_FILE, docs/host-facts.md). */
  hostFactOverrides?: HostFactsOverride[];
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
}

export interface AdviceScope extends RuleScope {
  workload: WorkloadProfile;
  profile: ProfileDefaults;
  vnicType: VnicType;
}

/** The machine type the guest will get: image `hw_machine_type`, else the declared default (§2.3). */
export function effectiveMachineType(scope: RuleScope): { value: string; declared: boolean } {
  const fromImage = scope.properties['hw_machine_type'];
  return fromImage ? { value: fromImage, declared: false } : { value: scope.facts.defaultMachineType, declared: true };
}

export function isQ35(machineType: string): boolean {
  // Nova itself tests the substring (domain.md §2.3 CD-ROM default).
  return machineType.toLowerCase().includes('q35');
}

/** The scope of one call: legacy names read as Nova reads them (§1.1), the guest identified. */
export function buildScope(
  properties: Record<string, string>,
  imageName: string | null,
  flavor: Flavor | null,
  hosts: Host[],
  knowledge: GuestKnowledge,
  facts: HostFacts,
  release: ReleaseAssumption,
  virtioDrivers?: boolean,
): RuleScope {
  const legacy = legacyReads(properties);
  const read = Object.keys(legacy).length === 0 ? properties : { ...properties, ...legacy };
  return { properties: read, legacy, flavor, hosts, facts, release, guest: analyseGuest(read, imageName, knowledge, virtioDrivers) };
}
