// What a PCI configuration check answers (src/rules/pci/config): each proposed `[pci] device_spec` with the
// Placement model Nova gives its devices, each `[pci] alias` with what it matches, the flavors asking them.
import type { Finding, Verdict } from './answers.ts';
import type { FactAssumption, ReleaseAssumption } from './release.ts';

export type PciDeviceKind = 'type-PCI' | 'type-PF' | 'type-VF' | 'unknown';

/** A device type and where it comes from: the built-in device table, Placement, or nothing. */
export interface PciDeviceKindOf {
  deviceType: PciDeviceKind;
  deviceTypeFrom: 'known-device' | 'placement' | 'unknown';
}

export interface PciExistingProvider {
  provider: string;
  resourceClass: string;
  traits: string[];
  free: number;
  /** The provider already has the resource class and traits the proposed spec gives it. */
  unchanged: boolean;
}

export interface PciSpecModel {
  /** Position in `deviceSpecs`, and in the JSON list of that entry (0 for an object). */
  entry: number;
  item: number;
  spec: Record<string, unknown>;
  /** What the spec selects, e.g. `8086:154c at 0000:3b:00.0`. */
  selects: string;
  deviceType: PciDeviceKind;
  /** Where the device type comes from: the built-in device table, Placement, or nothing. */
  deviceTypeFrom: PciDeviceKindOf['deviceTypeFrom'];
  inPlacement: boolean;
  /** The resource class the providers get; null when not in Placement or when it is per device (no ids). */
  resourceClass: string | null;
  /** Traits Nova puts on the providers (OWNER_NOVA on master comes on top, §4.5). */
  traits: string[];
  providers: string;
  /** Providers Placement shows now that this spec (as the first matching one) would cover. */
  existingProviders: PciExistingProvider[];
}

export interface PciAliasModel {
  name: string;
  entries: Record<string, unknown>[];
  deviceType: string | null;
  /** Resource class Placement is asked for, with pci_in_placement (§4.6); null without. */
  resourceClass: string | null;
  traits: string[];
  /** device_spec positions (`entry.item`) whose devices the alias can take. */
  matchesSpecs: string[];
  /** Providers Placement shows now that serve the alias, and their free devices. */
  providers: number;
  free: number;
  flavors: string[];
}

export interface PciFlavorAliasUse {
  flavor: string;
  alias: string;
  count: number;
  defined: boolean;
}

export interface PciConfigCheck {
  verdict: Verdict;
  reportInPlacement: boolean;
  pciInPlacement: boolean;
  specs: PciSpecModel[];
  aliases: PciAliasModel[];
  flavors: PciFlavorAliasUse[];
  findings: Finding[];
  /** The Nova release the check assumes and how it is known. */
  release: ReleaseAssumption;
  /** Every fact the check rests on (the release first), observed, declared or assumed by default. */
  assumptions: FactAssumption[];
}
