// Where a flavor (+ PCI devices) fits and how many instances, per host and in total, for exactly the request
// query.ts translates (domain.md §4.6, §4.7): the hosts that fit are the hosts Placement returns.
import { KeyedWeakMemo } from '../../lib/memo.ts';
import { makeFinding } from '../findings/catalog.ts';
import { hostIndex, type HostIndex, type IndexedHost, type IndexedProvider, type RootColumn } from './host-index.ts';
import { allocationOn } from './allocation.ts';
import { inventoryCapacity } from '../pci/devices.ts';
import { NEUTRON_SRIOV_VNIC_TYPES, hostFactEvidence } from '../vocabulary/nova.ts';
import type {
  Capacity, CapacityUnknown, Evidence, Finding, Host, HostFit, InstanceAllocation, Inventory, PlacementQuery, PlacementRequestGroup, VnicType,
} from '../../model/index.ts';

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
  /** The instance's ports: Neutron SR-IOV ones take devices Placement never shows (§4.4, §4.5), so capacity is unknown. */
  ports?: { vnicType: VnicType; count: number };
}

/** Instances whose N devices must come from N different providers: largest k with Σ min(free_i, k) ≥ k·N. */
export function isolatedFit(free: number[], perInstance: number): number {
  for (let k = Math.floor(free.reduce((a, b) => a + b, 0) / perInstance); k > 0; k--) {
    if (free.reduce((sum, f) => sum + Math.min(f, k), 0) >= k * perInstance) return k;
  }
  return 0;
}

/**
 * How many times a provider can serve the ask (Placement's fit rule per class, §4.7); 0 when it cannot. `free` is
 * the provider's free units, or what they would be without `reserved` (askFinding names reserved as the blocker then).
 */
function groupUnits(provider: IndexedProvider, ask: Ask, free: (rc: string, inventory: Inventory) => number = (rc) => provider.free[rc] ?? 0): number {
  for (const t of ask.group.required) if (!provider.traits.has(t)) return 0;
  for (const t of ask.group.forbidden) if (provider.traits.has(t)) return 0;
  let units = Infinity;
  for (const [rc, amount] of ask.resources) {
    const inventory = provider.inventories[rc];
    if (!inventory || amount < inventory.minUnit || amount > inventory.maxUnit || amount % inventory.stepSize !== 0) return 0;
    units = Math.min(units, Math.floor(free(rc, inventory) / amount));
  }
  return units === Infinity ? 1 : units;
}

/** Free units if `reserved` were 0: int(total × allocation_ratio) − used (§4.7). */
function freeWithoutReserved(inventory: Inventory, used: number): number {
  return Math.max(0, inventoryCapacity({ ...inventory, reserved: 0 }) - used);
}

/** Numbered groups asking the same thing compete for the same providers, so they are counted together. */
function sameAsk(group: PlacementRequestGroup): string {
  return JSON.stringify([group.resources, group.required, group.forbidden, group.checkedBy]);
}

/** The request, taken apart once so that checking a host is a loop over numbers and set lookups. */
interface Plan {
  resources: { rc: string; amount: number; column: RootColumn | undefined }[];
  required: string[];
  forbidden: string[];
  deviceTraits: CapacityRequest['deviceTraits'];
  asks: Ask[];
  /** The asks on nested providers only (PCI devices): what `pciOnly` counts. */
  pciAsks: Ask[];
  /**
   * Classes of devices the PciPassthroughFilter checks (pci_in_placement off) that no provider of any host has:
   * Placement does not show them, so they are left out of the count and the answer is unknown (§4.5).
   */
  unseen: string[];
  /** The trait blockers of each distinct root trait set (IndexedHost.traitSet), filled as hosts are checked. */
  traitBlockers: TraitBlocker[][];
}

/** A root trait that keeps hosts out: a required or device-model trait missing, or a forbidden one present. */
interface TraitBlocker {
  id: 'host-trait-missing' | 'host-trait-forbidden';
  field: string;
  /** A device-model trait (CapacityRequest.deviceTraits) rather than one of the query's. */
  device: boolean;
  trait: string;
  /** After the host name. */
  message: string;
}

/** Numbered groups asking the same thing, counted together. */
interface Ask {
  group: PlacementRequestGroup;
  /** The reason it gives when it keeps a host out: its resource classes. */
  field: string;
  resources: [string, number][];
  classes: string[];
  count: number;
  isolate: boolean;
  /** group_policy none: units per host (Σ over its eligible providers), by position in byName. */
  totals: Float64Array | null;
}

const NO_PROVIDERS: readonly IndexedProvider[] = [];

/** Providers of this host that hold every class of the ask. */
function eligibleProviders(ih: IndexedHost, classes: readonly string[]): readonly IndexedProvider[] {
  const holding = classes.length === 0 ? ih.providers : (ih.providersByClass.get(classes[0]!) ?? NO_PROVIDERS);
  return classes.length > 1 ? holding.filter((p) => classes.every((rc) => p.inventories[rc])) : holding;
}

/**
 * Asks' per-host totals kept per host list, least recently used out: flavors share a handful of PCI asks, and each
 * costs 8 bytes a host.
 */
const ASK_TOTALS_CACHE_SIZE = 512;
const askTotalsCache = new KeyedWeakMemo<HostIndex, string, Float64Array>({ max: ASK_TOTALS_CACHE_SIZE });

/** How many times each host's providers can serve the ask, summed (group_policy none), computed once per ask. */
function askTotals(index: HostIndex, key: string, ask: Ask): Float64Array {
  return askTotalsCache.get(index, key, () => {
    const totals = new Float64Array(index.byName.length);
    index.byName.forEach((ih, at) => {
      let total = 0;
      for (const p of eligibleProviders(ih, ask.classes)) total += groupUnits(p, ask);
      totals[at] = total;
    });
    return totals;
  });
}

function planOf(index: HostIndex, request: CapacityRequest): Plan {
  const { query } = request;
  const unsuffixed = query.groups.find((g) => g.suffix === '');
  const grouped = new Map<string, PlacementRequestGroup[]>();
  const unseen = new Set<string>();
  for (const group of query.groups.filter((g) => g.suffix !== '')) {
    const missing = Object.keys(group.resources).filter((rc) => !index.freeColumns.has(rc));
    if (group.checkedBy === 'pci-passthrough-filter' && missing.length > 0) missing.forEach((rc) => unseen.add(rc));
    else grouped.set(sameAsk(group), [...(grouped.get(sameAsk(group)) ?? []), group]);
  }
  const asks = [...grouped].map(([key, groups]) => {
    const ask: Ask = {
      group: groups[0]!,
      field: Object.keys(groups[0]!.resources).join(','),
      resources: Object.entries(groups[0]!.resources),
      count: groups.length,
      classes: Object.keys(groups[0]!.resources),
      isolate: query.groupPolicy === 'isolate' && groups[0]!.checkedBy === 'placement',
      totals: null,
    };
    if (!ask.isolate) ask.totals = askTotals(index, key, ask);
    return ask;
  });
  return {
    resources: Object.entries(unsuffixed?.resources ?? {}).sort(([a], [b]) => a.localeCompare(b))
      .map(([rc, amount]) => ({ rc, amount, column: index.rootColumns.get(rc) })),
    // Unsuffixed traits and root_required both land on the root here: the unsuffixed resources all live there.
    required: [...new Set([...(unsuffixed?.required ?? []), ...query.rootRequired])].sort(),
    // Includes compute_status_filter's COMPUTE_STATUS_DISABLED (§2.5).
    forbidden: [...new Set([...(unsuffixed?.forbidden ?? []), ...query.rootForbidden])].sort(),
    deviceTraits: request.deviceTraits,
    asks,
    pciAsks: asks.filter((a) => a.classes.length > 0 && a.classes.every((rc) => !index.rootColumns.has(rc))),
    unseen: [...unseen].sort(),
    traitBlockers: [],
  };
}

/** Depends on the root traits only, so it is worked out once per distinct trait set of the cloud. */
function traitBlockersOf(ih: IndexedHost, plan: Plan): TraitBlocker[] {
  const known = plan.traitBlockers[ih.traitSet];
  if (known) return known;
  const blockers: TraitBlocker[] = [];
  for (const trait of plan.required) {
    if (!ih.traits.has(trait)) blockers.push({ id: 'host-trait-missing', field: `trait:${trait}`, device: false, trait, message: `lacks required trait ${trait}.` });
  }
  for (const trait of plan.forbidden) {
    if (ih.traits.has(trait)) blockers.push({ id: 'host-trait-forbidden', field: `trait:${trait}`, device: false, trait, message: `has forbidden trait ${trait}.` });
  }
  for (const { trait, familyPrefix, property } of plan.deviceTraits) {
    if (ih.traits.has(trait) || !ih.reportsFamily(familyPrefix)) continue;
    blockers.push({ id: 'host-trait-missing', field: property, device: true, trait, message: `does not report ${trait}, needed by ${property}.` });
  }
  plan.traitBlockers[ih.traitSet] = blockers;
  return blockers;
}

/**
 * Where blocked hosts' reasons go: per reason (resource class, `trait:X`, property) the number of hosts it keeps
 * out, each host counted once per reason, and for the hosts an answer shows, the full findings with evidence.
 * One instance serves a whole request, host after host, without allocating per host.
 */
class Blockers {
  readonly counts = new Map<string, number>();
  /** The host each reason was last counted for: a host counts once per reason. */
  private readonly countedFor = new Map<string, number>();
  private host = -1;
  private findings: Finding[] | null = null;

  /** Starts the next host; with `detail` its findings are built (`block` hands out the list to add to). */
  startHost(detail: boolean): void {
    this.host++;
    this.findings = detail ? [] : null;
  }

  /** Notes that `field` keeps this host out; returns where its finding goes, or null when none is wanted. */
  block(field: string): Finding[] | null {
    if (this.countedFor.get(field) !== this.host) {
      this.countedFor.set(field, this.host);
      this.counts.set(field, (this.counts.get(field) ?? 0) + 1);
    }
    return this.findings;
  }

  get hostFindings(): Finding[] | null {
    return this.findings;
  }
}

function resourceFinding(ih: IndexedHost, rc: string, amount: number, fit: number): Finding {
  const name = ih.host.name;
  const inventory = ih.root.inventories[rc];
  if (!inventory) {
    return makeFinding('host-resource-missing', rc, `${name} has no ${rc} inventory; one instance needs ${amount}.`,
      [{ source: 'placement', ref: `${name} ${rc}`, value: null }]);
  }
  const free = ih.root.free[rc] ?? 0;
  const evidence: Evidence[] = [{ source: 'placement', ref: `${name} ${rc}`,
    value: `total ${inventory.total}, reserved ${inventory.reserved}, ratio ${inventory.allocationRatio} ⇒ capacity ${inventoryCapacity(inventory)}, used ${ih.host.usages[rc] ?? 0}, free ${free}` }];
  if (fit < 0) {
    return makeFinding('host-resource-unit-mismatch', rc,
      `${name}: ${rc} ${amount} is outside min_unit ${inventory.minUnit} / max_unit ${inventory.maxUnit} or not a multiple of step_size ${inventory.stepSize}.`,
      evidence);
  }
  return inventory.reserved > 0 && freeWithoutReserved(inventory, ih.host.usages[rc] ?? 0) >= amount
    ? makeFinding('host-resource-reserved', rc, `${name}: ${rc} needs ${amount}, ${free} free: reserved ${inventory.reserved} (of total ${inventory.total}) holds back the units it needs.`, evidence)
    : makeFinding('host-resource-insufficient', rc, `${name}: ${rc} needs ${amount}, ${free} free.`, evidence);
}

/** Instances the ask gets from these providers' units: Σ for group_policy none, distinct providers for isolate (§4.6). */
function askFit(ask: Ask, units: readonly number[]): number {
  return ask.isolate ? isolatedFit([...units], ask.count) : Math.floor(units.reduce((a, b) => a + b, 0) / ask.count);
}

function askFinding(ih: IndexedHost, ask: Ask, eligible: readonly IndexedProvider[], units: readonly number[]): Finding {
  const { group, count, classes, isolate } = ask;
  const what = Object.entries(group.resources).map(([rc, n]) => (n === 1 ? rc : `${rc}:${n}`)).join('+')
    + (group.required.length > 0 ? ` with ${group.required.join(',')}` : '');
  const rule = isolate
    ? `needs ${count} different providers with a free device (group_policy=isolate); ${units.filter((u) => u > 0).length} have one`
    : `needs ${count}, ${units.reduce((a, b) => a + b, 0)} free in total (group_policy=none)`;
  const onPci = !classes.some((rc) => ih.root.inventories[rc]);
  const evidence = eligible.map((p, i): Evidence => ({ source: 'placement', ref: p.name,
    value: `${units[i]} free for this group${classes.map((rc) => (p.inventories[rc]?.reserved ? `, ${rc} reserved ${p.inventories[rc].reserved} of ${p.inventories[rc].total}` : '')).join('')}` }));
  // Reserved units (an operator's, or Nova's one_time_use devices once allocated, §4.5) are the blocker when the
  // providers would do without them.
  const reserving = eligible.filter((p) => classes.some((rc) => (p.inventories[rc]?.reserved ?? 0) > 0));
  if (reserving.length > 0 && askFit(ask, eligible.map((p) => groupUnits(p, ask, (rc, inventory) => freeWithoutReserved(inventory, p.used[rc] ?? 0)))) > 0) {
    const held = reserving.flatMap((p) => classes.filter((rc) => p.inventories[rc]?.reserved).map((rc) => `${p.name} ${rc} ${p.inventories[rc]!.reserved}`));
    return makeFinding('host-resource-reserved', ask.field, `${ih.host.name}: ${what} ${rule}; reserved units hold back the rest (${held.join(', ')}).`, evidence);
  }
  return makeFinding(onPci ? 'host-pci-insufficient' : 'host-resource-insufficient', ask.field, `${ih.host.name}: ${what} ${rule}.`, evidence);
}

/**
 * Instances of the request this host takes (0 = it does not fit). Without blockers it stops at the first one
 * (candidateHosts); with them it goes on and notes every blocker, as Placement's answer would leave the host out
 * for each. The loop every request runs over every host: numbers, set lookups, no allocation unless findings
 * are wanted.
 */
function hostInstances(ih: IndexedHost, at: number, plan: Plan, sink: Blockers | null): number {
  let instances = Infinity;
  const traitBlockers = traitBlockersOf(ih, plan);
  if (traitBlockers.length > 0) {
    if (!sink) return 0;
    for (const { id, field, trait, message } of traitBlockers) {
      sink.block(field)?.push(makeFinding(id, field, `${ih.host.name} ${message}`, [{ source: 'host-trait', ref: trait, value: ih.traits.has(trait) }]));
    }
    instances = 0;
  }
  for (const { rc, amount, column } of plan.resources) {
    // No inventory (NaN, or no host has the class) or outside min_unit / max_unit / step_size: -1.
    const fit = !column || !(amount >= column.minUnit[at]!) || amount > column.maxUnit[at]! || amount % column.stepSize[at]! !== 0
      ? -1
      : Math.floor(column.free[at]! / amount);
    if (fit <= 0) {
      if (!sink) return 0;
      sink.block(rc)?.push(resourceFinding(ih, rc, amount, fit));
      instances = 0;
    } else {
      instances = Math.min(instances, fit);
    }
  }

  // Numbered groups (one per PCI device, §4.6): each on one provider of this tree. none ⇒ groups may share a
  // provider (Σ units); isolate ⇒ pairwise different providers. PciPassthroughFilter-only devices have no policy.
  for (const ask of plan.asks) {
    const { count, totals } = ask;
    const detail = sink?.hostFindings;
    let fit: number;
    let eligible = NO_PROVIDERS;
    let units: number[] = [];
    if (totals && !detail) {
      fit = Math.floor(totals[at]! / count);
    } else {
      // Units per provider: isolate needs them, and a finding shows them.
      eligible = eligibleProviders(ih, ask.classes);
      units = eligible.map((p) => groupUnits(p, ask));
      fit = askFit(ask, units);
    }
    if (fit === 0) {
      if (!sink) return 0;
      sink.block(ask.field)?.push(askFinding(ih, ask, eligible, units));
    }
    instances = Math.min(instances, fit);
  }
  return instances === Infinity ? 0 : instances;
}

function hostFit(ih: IndexedHost, instances: number, blockers: Finding[]): HostFit {
  return { host: ih.host.name, uuid: ih.host.uuid, instances, freePci: { ...ih.freePci }, pciProviders: [...ih.pciProviders], blockers };
}

/** Every host checked against one request: what both capacity answers and candidate lists are read from. */
interface HostScan {
  index: HostIndex;
  /** Instances per host, by position in `index.byName` (0 = it does not fit). */
  instances: Int32Array;
  /** Positions of the hosts that fit, most instances first, then by name. */
  ranked: Int32Array;
  totalInstances: number;
  free: Record<string, number>;
  blocked: Record<string, number>;
  blockedExamples: HostFit[];
  pciOnly: Capacity['pciOnly'];
  /** Plan.unseen: classes of devices Placement does not show. */
  unseen: readonly string[];
}

/** Hosts that do not fit, shown with their blockers: enough to see why, few enough to keep the answer small. */
export const BLOCKED_EXAMPLES = 3;
export const DEFAULT_CAPACITY_HOSTS = 20;

function scanHosts(index: HostIndex, request: CapacityRequest): HostScan {
  const plan = planOf(index, request);
  const instances = new Int32Array(index.byName.length);
  const blockedExamples: HostFit[] = [];
  const blockers = new Blockers();
  index.byName.forEach((ih, at) => {
    blockers.startHost(blockedExamples.length < BLOCKED_EXAMPLES);
    instances[at] = hostInstances(ih, at, plan, blockers);
    if (instances[at] === 0 && blockers.hostFindings) blockedExamples.push(hostFit(ih, 0, blockers.hostFindings));
  });
  return finishScan(index, plan, instances, blockers.counts, blockedExamples, pciOnlyOf(index, plan));
}

/**
 * What the PCI asks alone allow over every host, whatever else blocks (a non-PCI blocker such as missing PCPU must not
 * hide it): one pass over numbers per ask with group_policy none, the providers' units per host with isolate.
 */
function pciOnlyOf(index: HostIndex, plan: Plan): Capacity['pciOnly'] {
  if (plan.pciAsks.length === 0) return null;
  let hostsThatFit = 0;
  let totalInstances = 0;
  index.byName.forEach((ih, at) => {
    let instances = Infinity;
    for (const ask of plan.pciAsks) {
      instances = Math.min(instances, ask.totals
        ? Math.floor(ask.totals[at]! / ask.count)
        : askFit(ask, eligibleProviders(ih, ask.classes).map((p) => groupUnits(p, ask))));
      if (instances === 0) return;
    }
    hostsThatFit++;
    totalInstances += instances;
  });
  return { hostsThatFit, totalInstances };
}

/**
 * The request with device-model traits is the request without them plus, on hosts whose root traits lack one, one
 * more blocker (§2.6): so it is derived from the scan without them (the preview of the same answer made it), a
 * pass over trait sets instead of a second check of every host's resources and devices.
 */
function withDeviceTraits(index: HostIndex, base: HostScan, request: CapacityRequest): HostScan {
  const plan = planOf(index, request);
  const instances = base.instances.slice();
  const counts = new Map(Object.entries(base.blocked));
  // Per distinct trait set: its device blockers' fields (most sets have none).
  const deviceFields: string[][] = [];
  index.byName.forEach((ih, at) => {
    let fields = deviceFields[ih.traitSet];
    if (!fields) {
      fields = traitBlockersOf(ih, plan).filter((b) => b.device).map((b) => b.field);
      deviceFields[ih.traitSet] = fields;
    }
    for (const field of fields) {
      counts.set(field, (counts.get(field) ?? 0) + 1);
      instances[at] = 0;
    }
  });
  const blockedExamples: HostFit[] = [];
  const blockers = new Blockers();
  for (let at = 0; at < instances.length && blockedExamples.length < BLOCKED_EXAMPLES; at++) {
    if (instances[at]! > 0) continue;
    const ih = index.byName[at]!;
    blockers.startHost(true);
    hostInstances(ih, at, plan, blockers);
    blockedExamples.push(hostFit(ih, 0, blockers.hostFindings!));
  }
  // Device-model traits are root traits: what the PCI devices alone allow does not change.
  return finishScan(index, plan, instances, counts, blockedExamples, base.pciOnly);
}

/** Totals, free units and the ranking of the hosts that fit, from the instances each host takes. */
function finishScan(index: HostIndex, plan: Plan, instances: Int32Array, counts: ReadonlyMap<string, number>, blockedExamples: HostFit[], pciOnly: Capacity['pciOnly']): HostScan {
  const hostCount = instances.length;
  const asked = [...plan.resources.map(({ rc }) => rc), ...plan.asks.flatMap((a) => a.classes)].sort((a, b) => a.localeCompare(b));
  let totalInstances = 0;
  // Most instances first, then name order, as one numeric sort: key = −instances·n + position.
  const keys: number[] = [];
  for (let at = 0; at < hostCount; at++) {
    const fit = instances[at]!;
    if (fit === 0) continue;
    totalInstances += fit;
    keys.push(-fit * hostCount + at);
  }
  const free: Record<string, number> = {};
  for (const rc of asked) {
    const column = index.freeColumns.get(rc);
    let sum = 0;
    if (column) for (let at = 0; at < hostCount; at++) if (instances[at]! > 0) sum += column[at]!;
    free[rc] = sum;
  }
  const sorted = Float64Array.from(keys).sort();
  const ranked = new Int32Array(sorted.length);
  for (let i = 0; i < sorted.length; i++) ranked[i] = ((sorted[i]! % hostCount) + hostCount) % hostCount;
  return {
    index, instances, ranked, totalInstances, free, blockedExamples, pciOnly, unseen: plan.unseen,
    blocked: Object.fromEntries([...counts].sort(([a, x], [b, y]) => y - x || a.localeCompare(b))),
  };
}

/** Scans kept per host list; each holds two numbers per host, so a few hundred stay small at 15,000 hosts. */
const SCAN_CACHE_SIZE = 256;
const scans = new KeyedWeakMemo<HostIndex, string, HostScan>({ max: SCAN_CACHE_SIZE });

/**
 * The scan of these hosts for this request, computed once: a host list never changes (a sync makes a new one)
 * and the answer depends on the query and device traits only, so requests that differ in image but share a
 * flavor and workload, and the preview and capacity of one answer, share it. Least recently used out first.
 */
function hostScan(hosts: readonly Host[], request: CapacityRequest): HostScan {
  const index = hostIndex(hosts);
  return scans.get(index, JSON.stringify([request.query, request.deviceTraits]), () => (request.deviceTraits.length === 0
    ? scanHosts(index, request)
    : withDeviceTraits(index, hostScan(hosts, { ...request, deviceTraits: [] }), request)));
}

/** How many hosts fit the request (those Placement would return) and the first `limit` of them by name. */
export function candidateHosts(hosts: readonly Host[], request: CapacityRequest, limit: number): { count: number; names: string[] } {
  const { index, instances, ranked } = hostScan(hosts, request);
  const names: string[] = [];
  for (let at = 0; at < instances.length && names.length < limit; at++) {
    if (instances[at]! > 0) names.push(index.byName[at]!.host.name);
  }
  return { count: ranked.length, names };
}

/**
 * Devices asked for that Placement does not show (§4.4, §4.5): the count leaves them out, so it can only say "at
 * most", never "no" because of them.
 */
function unknownOf(unseen: readonly string[], request: CapacityRequest): CapacityUnknown[] {
  const unknown = unseen.map((rc): CapacityUnknown => ({ field: rc,
    reason: `No Placement provider of any host has ${rc}. With pci_in_placement off the PciPassthroughFilter decides from Nova's PCI tracker, which no API shows; devices are not in Placement when report_in_placement is off on their computes (the default) or their device_spec has physical_network. Counted without them.`,
    evidence: [{ source: 'placement', ref: rc, value: 'no provider' }, hostFactEvidence('pciInPlacement', false)] }));
  const { ports } = request;
  if (ports && ports.count > 0 && NEUTRON_SRIOV_VNIC_TYPES.includes(ports.vnicType)) {
    unknown.push({ field: 'vnicType',
      reason: `${ports.count} vnic_type=${ports.vnicType} port(s) take devices whose device_spec has physical_network: Nova does not report those to Placement and no API shows how many are free. Counted without them.`,
      evidence: [{ source: 'request', ref: 'vnicType', value: ports.vnicType }, { source: 'request', ref: 'nics', value: ports.count }] });
  }
  return unknown;
}

/**
 * One instance's allocation for the request on `host`, or on the host that takes the most instances (the first of
 * capacity.hosts); null when that host does not fit. Read from the request's scan, so only this host is worked out.
 */
export function instanceAllocation(hosts: readonly Host[], request: CapacityRequest, host?: string): InstanceAllocation | null {
  return allocationIn(hostScan(hosts, request), request.query, host);
}

function allocationIn(scan: HostScan, query: PlacementQuery, host?: string): InstanceAllocation | null {
  const at = host === undefined ? scan.ranked[0] : scan.index.byName.findIndex((ih) => ih.host.name === host);
  if (at === undefined || at < 0 || scan.instances[at] === 0) return null;
  return allocationOn(scan.index.byName[at]!, query, new Set(scan.unseen));
}

export function computeCapacity(hosts: readonly Host[], request: CapacityRequest): Capacity {
  const scan = hostScan(hosts, request);
  const listed = request.capacityHosts ?? DEFAULT_CAPACITY_HOSTS;
  const unknown = unknownOf(scan.unseen, request);
  return {
    hostsChecked: hosts.length,
    hostsThatFit: scan.ranked.length,
    totalInstances: scan.totalInstances,
    free: { ...scan.free },
    hosts: [...scan.ranked.subarray(0, listed)].map((at) => hostFit(scan.index.byName[at]!, scan.instances[at]!, [])),
    blocked: { ...scan.blocked },
    blockedExamples: scan.blockedExamples,
    fits: scan.ranked.length === 0 ? 'no' : unknown.length > 0 ? 'unknown' : 'yes',
    unknown,
    pciOnly: scan.pciOnly && { ...scan.pciOnly },
    allocation: allocationIn(scan, request.query),
  };
}
