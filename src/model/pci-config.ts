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

/** A PCI resource provider Nova would keep or create once the proposed device_spec is rolled out (§4.5). */
export interface PciPlannedProvider {
  /** `<hypervisor_hostname>_<PCI address upper-cased>`; a VF provider is named after its parent PF. */
  name: string;
  /** The compute node provider it is a child of (its name). */
  parent: string;
  resourceClass: string;
  /** Inventory total: the devices under that provider Placement counts now (1 for a PCI / PF device). */
  total: number;
  /** COMPUTE_MANAGED_PCI_DEVICE, the spec's traits, OWNER_NOVA on master (§4.5). */
  traits: string[];
  /** The device_spec (`entry.item`) that, as the first to match, supplies the tags. */
  spec: string;
  /** `unchanged`: Placement shows it so today; `changed`: class or traits change. */
  change: 'unchanged' | 'changed';
}

/** The Placement view the proposal creates, from the PCI providers the snapshot shows (§4.5). */
export interface PciPlacementView {
  /** The providers (at most PCI_VIEW_PROVIDERS, by name); the counts below are complete. */
  providers: PciPlannedProvider[];
  providerCount: number;
  byResourceClass: { resourceClass: string; providers: number; total: number; hosts: number }[];
  /** Providers Placement shows now that no proposed spec covers: Nova removes them (keeps, with a warning, while allocated). */
  removed: { name: string; used: number }[];
  /** What the view rests on and what it cannot show. */
  basis: string;
}

export interface PciConfigCheck {
  verdict: Verdict;
  reportInPlacement: boolean;
  pciInPlacement: boolean;
  specs: PciSpecModel[];
  aliases: PciAliasModel[];
  flavors: PciFlavorAliasUse[];
  /** The providers, resource classes, inventories and traits Placement will show after the rollout. */
  placement: PciPlacementView;
  findings: Finding[];
  /** The Nova release the check assumes and how it is known. */
  release: ReleaseAssumption;
  /** Every fact the check rests on (the release first), observed, declared or assumed by default. */
  assumptions: FactAssumption[];
}
