// Where a flavor (+ PCI devices) fits and how many instances, per host and in total, for exactly the request
// placement-query.ts translates (domain.md §4.6, §4.7): the hosts that fit are the hosts Placement returns.
import { makeFinding } from './findings.ts';
import { inventoryCapacity, providerFree } from './pci.ts';
import { placementQuery } from './placement-query.ts';
import type { Capacity, Evidence, Finding, Flavor, Host, HostFit, Inventory, PciProviderFree, PlacementQuery, PlacementRequestGroup } from './types.ts';

export interface PciDemand {
  resourceClass: string;
  /** Devices per instance; each is its own request group of amount 1 (§4.6). */
  count: number;
  /** Alias traits every chosen provider must have. */
  requiredTraits: string[];
}

export interface CapacityRequest {
  query: PlacementQuery;
  /**
   * Device-model traits (NIC model, disk bus) beyond Placement: without the image prefilter Nova still schedules
   * there and the build fails on the compute (§2.7), so they block hosts that report that trait family (§2.6).
   */
  deviceTraits: { trait: string; familyPrefix: string; property: string }[];
}

/** The unsuffixed resources Nova asks for a flavor alone (image-free, local root disk): for reports and benches. */
export function flavorResources(flavor: Flavor): Record<string, number> {
  const query = placementQuery(flavor, { properties: {} }, { facts: { imageMetadataPrefilter: false, pciInPlacement: false }, pci: [] });
  return query.groups.find((g) => g.suffix === '')?.resources ?? {};
}

/** Instances whose N devices must come from N different providers: largest k with Σ min(free_i, k) ≥ k·N. */
export function isolatedFit(free: number[], perInstance: number): number {
  for (let k = Math.floor(free.reduce((a, b) => a + b, 0) / perInstance); k > 0; k--) {
    if (free.reduce((sum, f) => sum + Math.min(f, k), 0) >= k * perInstance) return k;
  }
  return 0;
}

/** A provider a numbered group can land on: the root or a nested PCI provider (§4.5). */
interface Provider {
  name: string;
  traits: string[];
  inventories: Record<string, Inventory>;
  usages: Record<string, number>;
}

function providersOf(host: Host): Provider[] {
  return [
    { name: host.name, traits: host.traits, inventories: host.inventories, usages: host.usages },
    ...host.pciProviders.map((p) => ({ name: p.name, traits: p.traits, inventories: { [p.resourceClass]: p.inventory }, usages: { [p.resourceClass]: p.used } })),
  ];
}

/** How many times a provider can serve the group (Placement's fit rule per class, §4.7); 0 when it cannot. */
function groupUnits(provider: Provider, group: PlacementRequestGroup): number {
  if (!group.required.every((t) => provider.traits.includes(t)) || group.forbidden.some((t) => provider.traits.includes(t))) return 0;
  let units = Infinity;
  for (const [rc, amount] of Object.entries(group.resources)) {
    const inventory = provider.inventories[rc];
    if (!inventory || amount < inventory.minUnit || amount > inventory.maxUnit || amount % inventory.stepSize !== 0) return 0;
    units = Math.min(units, Math.floor(Math.max(0, inventoryCapacity(inventory) - (provider.usages[rc] ?? 0)) / amount));
  }
  return units === Infinity ? 1 : units;
}

/** Numbered groups asking the same thing compete for the same providers, so they are counted together. */
function sameAsk(group: PlacementRequestGroup): string {
  return JSON.stringify([group.resources, group.required, group.forbidden, group.checkedBy]);
}

function hostFit(host: Host, request: CapacityRequest): HostFit {
  const { query } = request;
  const resources = query.groups.find((g) => g.suffix === '')?.resources ?? {};
  const blockers: Finding[] = [];
  const limits: number[] = [];
  for (const [rc, amount] of Object.entries(resources).sort(([a], [b]) => a.localeCompare(b))) {
    const inventory = host.inventories[rc];
    if (!inventory) {
      blockers.push(makeFinding('host-resource-missing', rc, `${host.name} has no ${rc} inventory; one instance needs ${amount}.`,
        [{ source: 'placement', ref: `${host.name} ${rc}`, value: null }]));
      limits.push(0);
      continue;
    }
    const capacity = inventoryCapacity(inventory);
    const used = host.usages[rc] ?? 0;
    const free = Math.max(0, capacity - used);
    const evidence = [{ source: 'placement' as const, ref: `${host.name} ${rc}`,
      value: `total ${inventory.total}, reserved ${inventory.reserved}, ratio ${inventory.allocationRatio} ⇒ capacity ${capacity}, used ${used}, free ${free}` }];
    if (amount < inventory.minUnit || amount > inventory.maxUnit || amount % inventory.stepSize !== 0) {
      blockers.push(makeFinding('host-resource-unit-mismatch', rc,
        `${host.name}: ${rc} ${amount} is outside min_unit ${inventory.minUnit} / max_unit ${inventory.maxUnit} or not a multiple of step_size ${inventory.stepSize}.`,
        evidence));
      limits.push(0);
      continue;
    }
    const fit = Math.floor(free / amount);
    if (fit === 0) {
      blockers.push(makeFinding('host-resource-insufficient', rc, `${host.name}: ${rc} needs ${amount}, ${free} free.`, evidence));
    }
    limits.push(fit);
  }

  const traitBlocked = (id: 'host-trait-missing' | 'host-trait-forbidden', field: string, message: string, trait: string) => {
    blockers.push(makeFinding(id, field, message, [{ source: 'host-trait', ref: trait, value: host.traits.includes(trait) }]));
    limits.push(0);
  };
  // Unsuffixed traits and root_required both land on the root here: the unsuffixed resources all live there.
  const unsuffixed = query.groups.find((g) => g.suffix === '');
  for (const trait of [...new Set([...(unsuffixed?.required ?? []), ...query.rootRequired])].sort()) {
    if (!host.traits.includes(trait)) traitBlocked('host-trait-missing', `trait:${trait}`, `${host.name} lacks required trait ${trait}.`, trait);
  }
  // Includes compute_status_filter's COMPUTE_STATUS_DISABLED (§2.5).
  for (const trait of [...new Set([...(unsuffixed?.forbidden ?? []), ...query.rootForbidden])].sort()) {
    if (host.traits.includes(trait)) traitBlocked('host-trait-forbidden', `trait:${trait}`, `${host.name} has forbidden trait ${trait}.`, trait);
  }
  for (const { trait, familyPrefix, property } of request.deviceTraits) {
    if (!host.traits.includes(trait) && host.traits.some((t) => t.startsWith(familyPrefix))) {
      traitBlocked('host-trait-missing', property, `${host.name} does not report ${trait}, needed by ${property}.`, trait);
    }
  }

  // Numbered groups (one per PCI device, §4.6): each on one provider of this tree. none ⇒ groups may share a
  // provider (Σ units); isolate ⇒ pairwise different providers. PciPassthroughFilter-only devices have no policy.
  const asks = new Map<string, PlacementRequestGroup[]>();
  for (const group of query.groups.filter((g) => g.suffix !== '')) asks.set(sameAsk(group), [...(asks.get(sameAsk(group)) ?? []), group]);
  const providers = providersOf(host);
  for (const groups of asks.values()) {
    const group = groups[0]!;
    const eligible = providers.map((p) => ({ p, units: groupUnits(p, group) })).filter(({ p }) => Object.keys(group.resources).every((rc) => p.inventories[rc]));
    const units = eligible.map((e) => e.units);
    const total = units.reduce((a, b) => a + b, 0);
    const isolate = query.groupPolicy === 'isolate' && group.checkedBy === 'placement';
    const fit = isolate ? isolatedFit(units, groups.length) : Math.floor(total / groups.length);
    if (fit === 0) {
      const what = Object.entries(group.resources).map(([rc, n]) => (n === 1 ? rc : `${rc}:${n}`)).join('+')
        + (group.required.length > 0 ? ` with ${group.required.join(',')}` : '');
      const rule = isolate
        ? `needs ${groups.length} different providers with a free device (group_policy=isolate); ${units.filter((u) => u > 0).length} have one`
        : `needs ${groups.length}, ${total} free in total (group_policy=none)`;
      const onPci = !Object.keys(group.resources).some((rc) => host.inventories[rc]);
      blockers.push(makeFinding(onPci ? 'host-pci-insufficient' : 'host-resource-insufficient', Object.keys(group.resources).join(','),
        `${host.name}: ${what} ${rule}.`,
        eligible.map(({ p, units: u }): Evidence => ({ source: 'placement', ref: p.name, value: `${u} free for this group` }))));
    }
    limits.push(fit);
  }

  const pciProviders: PciProviderFree[] = host.pciProviders.map((p) => ({
    provider: p.name, resourceClass: p.resourceClass, capacity: inventoryCapacity(p.inventory), used: p.used, free: providerFree(p),
  }));
  const freePci: Record<string, number> = {};
  for (const p of pciProviders) freePci[p.resourceClass] = (freePci[p.resourceClass] ?? 0) + p.free;
  const instances = limits.length === 0 ? 0 : Math.min(...limits);
  return { host: host.name, uuid: host.uuid, instances, freePci, pciProviders, blockers: instances === 0 ? blockers : [] };
}

export function computeCapacity(hosts: Host[], request: CapacityRequest): Capacity {
  const fits = hosts.map((host) => hostFit(host, request)).sort((a, b) => a.host.localeCompare(b.host));
  return {
    hosts: fits,
    hostsThatFit: fits.filter((f) => f.instances > 0).length,
    totalInstances: fits.reduce((sum, f) => sum + f.instances, 0),
  };
}
