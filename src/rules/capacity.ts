// Where a flavor (+ PCI devices) fits and how many instances, per host and in total, for exactly the request
// placement-query.ts translates (domain.md §4.6, §4.7): the hosts that fit are the hosts Placement returns.
import { makeFinding } from './findings.ts';
import { hostIndex, type IndexedHost, type IndexedProvider } from './host-index.ts';
import { inventoryCapacity } from './pci.ts';
import { placementQuery } from './placement-query.ts';
import type { Capacity, Evidence, Finding, Flavor, Host, HostFit, PlacementQuery, PlacementRequestGroup } from './types.ts';

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
  /** How many of the hosts that fit the answer lists (DEFAULT_CAPACITY_HOSTS when absent). */
  capacityHosts?: number;
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

/** How many times a provider can serve the ask (Placement's fit rule per class, §4.7); 0 when it cannot. */
function groupUnits(provider: IndexedProvider, ask: Ask): number {
  for (const t of ask.group.required) if (!provider.traits.has(t)) return 0;
  for (const t of ask.group.forbidden) if (provider.traits.has(t)) return 0;
  let units = Infinity;
  for (const [rc, amount] of ask.resources) {
    const inventory = provider.inventories[rc];
    if (!inventory || amount < inventory.minUnit || amount > inventory.maxUnit || amount % inventory.stepSize !== 0) return 0;
    units = Math.min(units, Math.floor((provider.free[rc] ?? 0) / amount));
  }
  return units === Infinity ? 1 : units;
}

/** Numbered groups asking the same thing compete for the same providers, so they are counted together. */
function sameAsk(group: PlacementRequestGroup): string {
  return JSON.stringify([group.resources, group.required, group.forbidden, group.checkedBy]);
}

/** The request, taken apart once so that checking a host is a loop over numbers and set lookups. */
interface Plan {
  resources: [string, number][];
  required: string[];
  forbidden: string[];
  deviceTraits: CapacityRequest['deviceTraits'];
  asks: Ask[];
}

/** Numbered groups asking the same thing, counted together. */
interface Ask {
  group: PlacementRequestGroup;
  resources: [string, number][];
  classes: string[];
  count: number;
  isolate: boolean;
}

function planOf(request: CapacityRequest): Plan {
  const { query } = request;
  const unsuffixed = query.groups.find((g) => g.suffix === '');
  const grouped = new Map<string, PlacementRequestGroup[]>();
  for (const group of query.groups.filter((g) => g.suffix !== '')) grouped.set(sameAsk(group), [...(grouped.get(sameAsk(group)) ?? []), group]);
  return {
    resources: Object.entries(unsuffixed?.resources ?? {}).sort(([a], [b]) => a.localeCompare(b)),
    // Unsuffixed traits and root_required both land on the root here: the unsuffixed resources all live there.
    required: [...new Set([...(unsuffixed?.required ?? []), ...query.rootRequired])].sort(),
    // Includes compute_status_filter's COMPUTE_STATUS_DISABLED (§2.5).
    forbidden: [...new Set([...(unsuffixed?.forbidden ?? []), ...query.rootForbidden])].sort(),
    deviceTraits: request.deviceTraits,
    asks: [...grouped.values()].map((groups) => ({
      group: groups[0]!,
      resources: Object.entries(groups[0]!.resources),
      count: groups.length,
      classes: Object.keys(groups[0]!.resources),
      isolate: query.groupPolicy === 'isolate' && groups[0]!.checkedBy === 'placement',
    })),
  };
}

/**
 * Where a blocked host's reasons go: `reasons` gets the blocker's field (resource class, `trait:X`, property) once and
 * `findings`, when given, the full findings with their evidence (built only for the hosts an answer shows).
 */
interface BlockerSink {
  reasons: string[];
  findings: Finding[] | null;
}

function record(sink: BlockerSink, field: string, finding: () => Finding): void {
  if (!sink.reasons.includes(field)) sink.reasons.push(field);
  sink.findings?.push(finding());
}

function traitBlocked(sink: BlockerSink, ih: IndexedHost, id: 'host-trait-missing' | 'host-trait-forbidden', field: string, message: string, trait: string): void {
  record(sink, field, () => makeFinding(id, field, message, [{ source: 'host-trait', ref: trait, value: ih.traits.has(trait) }]));
}

const NO_PROVIDERS: readonly IndexedProvider[] = [];

/**
 * Instances of the request this host takes (0 = it does not fit). Without a sink it stops at the first blocker
 * (the loop every request runs over every host: numbers and set lookups only); with one it goes on and records
 * every blocker, as Placement's answer would leave the host out for each.
 */
function hostInstances(ih: IndexedHost, plan: Plan, sink: BlockerSink | null): number {
  const name = ih.host.name;
  let instances = Infinity;
  for (const [rc, amount] of plan.resources) {
    const inventory = ih.root.inventories[rc];
    if (!inventory) {
      if (!sink) return 0;
      record(sink, rc, () => makeFinding('host-resource-missing', rc, `${name} has no ${rc} inventory; one instance needs ${amount}.`,
        [{ source: 'placement', ref: `${name} ${rc}`, value: null }]));
      instances = 0;
      continue;
    }
    const free = ih.root.free[rc] ?? 0;
    const fit = amount < inventory.minUnit || amount > inventory.maxUnit || amount % inventory.stepSize !== 0 ? -1 : Math.floor(free / amount);
    if (fit <= 0) {
      if (!sink) return 0;
      record(sink, rc, () => {
        const evidence: Evidence[] = [{ source: 'placement', ref: `${name} ${rc}`,
          value: `total ${inventory.total}, reserved ${inventory.reserved}, ratio ${inventory.allocationRatio} ⇒ capacity ${inventoryCapacity(inventory)}, used ${ih.host.usages[rc] ?? 0}, free ${free}` }];
        return fit < 0
          ? makeFinding('host-resource-unit-mismatch', rc,
            `${name}: ${rc} ${amount} is outside min_unit ${inventory.minUnit} / max_unit ${inventory.maxUnit} or not a multiple of step_size ${inventory.stepSize}.`,
            evidence)
          : makeFinding('host-resource-insufficient', rc, `${name}: ${rc} needs ${amount}, ${free} free.`, evidence);
      });
    }
    instances = Math.min(instances, Math.max(0, fit));
  }

  for (const trait of plan.required) {
    if (ih.traits.has(trait)) continue;
    if (!sink) return 0;
    traitBlocked(sink, ih, 'host-trait-missing', `trait:${trait}`, `${name} lacks required trait ${trait}.`, trait);
    instances = 0;
  }
  for (const trait of plan.forbidden) {
    if (!ih.traits.has(trait)) continue;
    if (!sink) return 0;
    traitBlocked(sink, ih, 'host-trait-forbidden', `trait:${trait}`, `${name} has forbidden trait ${trait}.`, trait);
    instances = 0;
  }
  for (const { trait, familyPrefix, property } of plan.deviceTraits) {
    if (ih.traits.has(trait) || !ih.reportsFamily(familyPrefix)) continue;
    if (!sink) return 0;
    traitBlocked(sink, ih, 'host-trait-missing', property, `${name} does not report ${trait}, needed by ${property}.`, trait);
    instances = 0;
  }

  // Numbered groups (one per PCI device, §4.6): each on one provider of this tree. none ⇒ groups may share a
  // provider (Σ units); isolate ⇒ pairwise different providers. PciPassthroughFilter-only devices have no policy.
  for (const ask of plan.asks) {
    const { group, count, classes, isolate } = ask;
    const holding = classes.length === 0 ? ih.providers : (ih.providersByClass.get(classes[0]!) ?? NO_PROVIDERS);
    const eligible = classes.length > 1 ? holding.filter((p) => classes.every((rc) => p.inventories[rc])) : holding;
    let fit: number;
    if (isolate || sink) {
      const units = eligible.map((p) => groupUnits(p, ask));
      const total = units.reduce((a, b) => a + b, 0);
      fit = isolate ? isolatedFit(units, count) : Math.floor(total / count);
      if (fit === 0 && sink) {
        record(sink, classes.join(','), () => {
          const what = Object.entries(group.resources).map(([rc, n]) => (n === 1 ? rc : `${rc}:${n}`)).join('+')
            + (group.required.length > 0 ? ` with ${group.required.join(',')}` : '');
          const rule = isolate
            ? `needs ${count} different providers with a free device (group_policy=isolate); ${units.filter((u) => u > 0).length} have one`
            : `needs ${count}, ${total} free in total (group_policy=none)`;
          const onPci = !classes.some((rc) => ih.root.inventories[rc]);
          return makeFinding(onPci ? 'host-pci-insufficient' : 'host-resource-insufficient', classes.join(','), `${name}: ${what} ${rule}.`,
            eligible.map((p, i): Evidence => ({ source: 'placement', ref: p.name, value: `${units[i]} free for this group` })));
        });
      }
    } else {
      // The common case (group_policy none, no detail wanted): a sum, no arrays.
      let total = 0;
      for (const p of eligible) total += groupUnits(p, ask);
      fit = Math.floor(total / count);
    }
    if (fit === 0 && !sink) return 0;
    instances = Math.min(instances, fit);
  }
  return instances === Infinity ? 0 : instances;
}

function hostFit(ih: IndexedHost, instances: number, blockers: Finding[]): HostFit {
  return { host: ih.host.name, uuid: ih.host.uuid, instances, freePci: { ...ih.freePci }, pciProviders: [...ih.pciProviders], blockers };
}

/** The hosts that fit the request (those Placement would return), by name. */
export function candidateHosts(hosts: readonly Host[], request: CapacityRequest): string[] {
  const plan = planOf(request);
  return hostIndex(hosts).byName.filter((ih) => hostInstances(ih, plan, null) > 0).map((ih) => ih.host.name);
}

/** Hosts that do not fit, shown with their blockers: enough to see why, few enough to keep the answer small. */
export const BLOCKED_EXAMPLES = 3;
export const DEFAULT_CAPACITY_HOSTS = 20;

export function computeCapacity(hosts: readonly Host[], request: CapacityRequest): Capacity {
  const plan = planOf(request);
  const listed = request.capacityHosts ?? DEFAULT_CAPACITY_HOSTS;
  const fitting: { ih: IndexedHost; instances: number }[] = [];
  const blocked: Record<string, number> = {};
  const blockedExamples: HostFit[] = [];
  for (const ih of hostIndex(hosts).byName) {
    const instances = hostInstances(ih, plan, null);
    if (instances > 0) {
      fitting.push({ ih, instances });
      continue;
    }
    const sink: BlockerSink = { reasons: [], findings: blockedExamples.length < BLOCKED_EXAMPLES ? [] : null };
    hostInstances(ih, plan, sink);
    for (const reason of sink.reasons) blocked[reason] = (blocked[reason] ?? 0) + 1;
    if (sink.findings) blockedExamples.push(hostFit(ih, 0, sink.findings));
  }

  const asked = [...plan.resources.map(([rc]) => rc), ...plan.asks.flatMap((a) => a.classes)].sort((a, b) => a.localeCompare(b));
  const free: Record<string, number> = Object.fromEntries(asked.map((rc) => [rc, 0]));
  let totalInstances = 0;
  for (const { ih, instances } of fitting) {
    totalInstances += instances;
    for (const rc of asked) free[rc] = (free[rc] ?? 0) + (ih.free[rc] ?? 0);
  }
  // Stable sort: hosts with as many instances stay in name order.
  const top = fitting.sort((a, b) => b.instances - a.instances).slice(0, listed);
  return {
    hostsChecked: hosts.length,
    hostsThatFit: fitting.length,
    totalInstances,
    free,
    hosts: top.map(({ ih, instances }) => hostFit(ih, instances, [])),
    blocked: Object.fromEntries(Object.entries(blocked).sort(([a, x], [b, y]) => y - x || a.localeCompare(b))),
    blockedExamples,
  };
}
