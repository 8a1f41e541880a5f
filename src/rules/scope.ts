// The inputs every rule reads, gathered once per call.
import type { GuestAnalysis } from './guest/identify.ts';
import type { Flavor, Host, HostFacts, VnicType, WorkloadProfile } from '../model/index.ts';
import type { ProfileDefaults } from './profiles/profiles.ts';

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
