// Where a flavor (+ PCI devices) fits and how many instances, per host and in total, for exactly the request
// query.ts translates (domain.md §4.6, §4.7): the hosts that fit are the hosts Placement returns.
import { digest } from '../../lib/canonical-json.ts';
import { KeyedWeakMemo, SecondUseMemo, WeakMemo } from '../../lib/memo.ts';
import { makeFinding } from '../findings/catalog.ts';
import { hostIndex, type AskedClasses, type ClassColumn, type HostIndex, type IndexedHost, type IndexedProvider, type RootColumn } from './host-index.ts';
import { allocationOn } from './allocation.ts';
import { inventoryCapacity } from '../pci/devices.ts';
import { NEUTRON_SRIOV_VNIC_TYPES, hostFactEvidence } from '../vocabulary/nova.ts';
import type {
  Capacity, CapacityUnknown, Evidence, Finding, Host, HostFit, InstanceAllocation, Inventory, PciProviderFree, PlacementQuery, PlacementRequestGroup, VnicType,
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

/**
 * Instances whose N devices must come from N different providers: largest k with Σ min(free_i, k) ≥ k·N. Found by
 * bisection: g(k) = Σ min(free_i, k) − k·N is 0 at k = 0 and grows by (providers with free_i > k) − N from k to
 * k + 1, which never increases, so g is concave and g(k) ≥ 0 holds for every k from 0 up to the answer and none
 * beyond: a few sums over the providers rather than one per possible k (hundreds of VFs a host). The first
 * `providers` entries of `free` are counted.
 */
export function isolatedFit(free: ArrayLike<number>, perInstance: number, providers = free.length): number {
  const holds = (k: number): boolean => {
    let sum = 0;
    for (let i = 0; i < providers; i++) sum += Math.min(free[i]!, k);
    return sum >= k * perInstance;
  };
  let total = 0;
  for (let i = 0; i < providers; i++) total += free[i]!;
  // Invariant: holds(low), and every k above high fails.
  let low = 0;
  let high = Math.floor(total / perInstance);
  while (low < high) {
    const k = Math.ceil((low + high) / 2);
    if (holds(k)) low = k;
    else high = k - 1;
  }
  return low;
}

/**
 * How many times a provider can serve the ask (Placement's fit rule per class, §4.7); 0 when it cannot. `free` is
 * the provider's free units, or what they would be without `reserved` (askFinding names reserved as the blocker then).
 * A record rather than a function of the class, and loops by position: this runs for every provider of every host
 * when an ask is first counted, and a closure made per call and for…of iterators were over half of that (CPU profile).
 */
function groupUnits(provider: IndexedProvider, ask: Pick<Ask, 'group' | 'resources'>, free: Readonly<Record<string, number>>): number {
  const { group: { required, forbidden }, resources } = ask;
  for (let i = 0; i < required.length; i++) if (!provider.traits.has(required[i]!)) return 0;
  for (let i = 0; i < forbidden.length; i++) if (provider.traits.has(forbidden[i]!)) return 0;
  let units = Infinity;
  for (let i = 0; i < resources.length; i++) {
    const [rc, amount] = resources[i]!;
    const inventory = provider.inventories[rc];
    if (!inventory) return 0;
    const times = timesServed(amount, inventory.minUnit, inventory.maxUnit, inventory.stepSize, free[rc] ?? 0);
    if (times === 0) return 0;
    units = Math.min(units, times);
  }
  return units === Infinity ? 1 : units;
}

/**
 * Placement's fit rule for one class (§4.7): how many times `free` units serve `amount` within the inventory's
 * min_unit, max_unit and step_size; 0 when they never do. groupUnits reads it from records, columnFits from columns.
 */
function timesServed(amount: number, minUnit: number, maxUnit: number, stepSize: number, free: number): number {
  return amount < minUnit || amount > maxUnit || amount % stepSize !== 0 ? 0 : Math.floor(free / amount);
}

/** A provider's free units per class of the ask if `reserved` were 0 (freeWithoutReserved), for groupUnits. */
function freeWithoutReservedOf(provider: IndexedProvider, classes: readonly string[]): Record<string, number> {
  const free: Record<string, number> = {};
  for (const rc of classes) {
    const inventory = provider.inventories[rc];
    if (inventory) free[rc] = freeWithoutReserved(inventory, provider.used[rc] ?? 0);
  }
  return free;
}

/** Free units if `reserved` were 0: int(total × allocation_ratio) − used (§4.7). */
function freeWithoutReserved(inventory: Inventory, used: number): number {
  return Math.max(0, inventoryCapacity({ ...inventory, reserved: 0 }) - used);
}

/** Numbered groups asking the same thing compete for the same providers, so they are counted together. */
function sameAsk(group: PlacementRequestGroup): string {
  return JSON.stringify([group.resources, group.required, group.forbidden, group.checkedBy]);
}

/** The request, taken apart once so that checking a host is a loop over numbers. */
interface Plan {
  resources: { rc: string; amount: number; column: RootColumn | undefined; field: number }[];
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
  /** The classes the asks name: the PCI providers a listed host shows (askedClasses). */
  asked: AskedClasses;
  /** Every reason a host can be kept out for (resource class, `trait:X`, property), numbered: counts are by number. */
  fields: string[];
  fieldIds: Map<string, number>;
  /** How many hosts that fit the scan ranks at first: the answer's list (CapacityRequest.capacityHosts), at least the default. */
  listed: number;
}

/** A root trait that keeps hosts out: a required or device-model trait missing, or a forbidden one present. */
interface TraitBlocker {
  id: 'host-trait-missing' | 'host-trait-forbidden';
  field: string;
  /** A device-model trait (CapacityRequest.deviceTraits) rather than one of the query's. */
  device: boolean;
  trait: string;
}

/** Numbered groups asking the same thing, counted together. */
interface Ask {
  group: PlacementRequestGroup;
  /** The reason it gives when it keeps a host out: its resource classes. */
  field: string;
  fieldId: number;
  resources: [string, number][];
  classes: string[];
  count: number;
  isolate: boolean;
  /** Instances per host the ask alone allows, by position in byName. */
  fits: Float64Array;
}

/** Providers of this host that hold every class of the ask (made anew: IndexedHost.providersOf). */
function eligibleProviders(ih: IndexedHost, classes: readonly string[]): readonly IndexedProvider[] {
  const holding = classes.length === 0 ? ih.providers() : ih.providersOf(classes[0]!);
  return classes.length > 1 ? holding.filter((p) => classes.every((rc) => p.inventories[rc])) : holding;
}

/**
 * Asks' per-host instances kept per host list, least recently used out: flavors share a handful of PCI asks (the
 * synthetic cloud's 2,000 flavors make 76, with pci_in_placement on and off), and each costs 8 bytes a host. 128,
 * not more: lru-cache fills its lists when made, so each host list's cache cost its first PCI answer 63 µs at 512.
 */
const ASK_FITS_CACHE_SIZE = 128;
const askFitsCache = new KeyedWeakMemo<HostIndex, string, Float64Array>({ max: ASK_FITS_CACHE_SIZE });

/**
 * How many instances each host's providers give the ask, computed once per ask and host list (the scans then read
 * one number per host). group_policy none: Σ units ÷ count; isolate: distinct providers (isolatedFit), so the count
 * is part of the key.
 */
function askFits(index: HostIndex, key: string, ask: Omit<Ask, 'fits'>): Float64Array {
  return askFitsCache.get(index, JSON.stringify([key, ask.count, ask.isolate]), () => {
    const column = ask.classes.length === 1 ? index.classColumns.get(ask.classes[0]!) : undefined;
    if (column) return columnFits(column, ask, index.byName.length, traitsAllowed(index.providerTraitSets, ask.group));
    const fits = new Float64Array(index.byName.length);
    // Units per eligible provider of one host, reused from host to host.
    let units = new Float64Array(16);
    const { byName } = index;
    for (let at = 0; at < byName.length; at++) {
      const eligible = eligibleProviders(byName[at]!, ask.classes);
      if (eligible.length > units.length) units = new Float64Array(eligible.length * 2);
      for (let i = 0; i < eligible.length; i++) units[i] = groupUnits(eligible[i]!, ask, eligible[i]!.free);
      // The first eligible.length units are this host's: counted in place, no view per host.
      fits[at] = askFit(ask, units, eligible.length);
    }
    return fits;
  });
}

/** Per provider trait set (`HostIndex.providerTraitSets`), 1 when it has every trait the group requires and none it forbids. */
function traitsAllowed(sets: readonly ReadonlySet<string>[], { required, forbidden }: PlacementRequestGroup): Uint8Array {
  const allowed = new Uint8Array(sets.length);
  sets.forEach((set, id) => {
    allowed[id] = required.every((t) => set.has(t)) && !forbidden.some((t) => set.has(t)) ? 1 : 0;
  });
  return allowed;
}

/**
 * askFits for an ask of one class (every PCI device), read from the class's column: the same rule as groupUnits (the
 * traits, then timesServed) on numbers in a row, a verdict per trait set rather than a look-up per provider (every
 * provider there holds the class). A host without such a provider fits 0 either way.
 */
function columnFits({ from, free, minUnit, maxUnit, stepSize, traitSet }: ClassColumn, ask: Omit<Ask, 'fits'>, hostCount: number, allowed: Uint8Array): Float64Array {
  const fits = new Float64Array(hostCount);
  const amount = ask.resources[0]![1];
  let units = new Float64Array(16);
  for (let at = 0; at < hostCount; at++) {
    const first = from[at]!;
    const providers = from[at + 1]! - first;
    if (providers === 0) continue;
    if (providers > units.length) units = new Float64Array(providers * 2);
    for (let i = 0; i < providers; i++) {
      const p = first + i;
      units[i] = allowed[traitSet[p]!] === 1 ? timesServed(amount, minUnit[p]!, maxUnit[p]!, stepSize[p]!, free[p]!) : 0;
    }
    fits[at] = askFit(ask, units, providers);
  }
  return fits;
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
  const fieldIds = new Map<string, number>();
  const fieldId = (field: string): number => {
    let id = fieldIds.get(field);
    if (id === undefined) {
      id = fieldIds.size;
      fieldIds.set(field, id);
    }
    return id;
  };
  const required = [...new Set([...(unsuffixed?.required ?? []), ...query.rootRequired])].sort();
  // Includes compute_status_filter's COMPUTE_STATUS_DISABLED (§2.5).
  const forbidden = [...new Set([...(unsuffixed?.forbidden ?? []), ...query.rootForbidden])].sort();
  for (const trait of [...required, ...forbidden]) fieldId(`trait:${trait}`);
  for (const { property } of request.deviceTraits) fieldId(property);
  const asks = [...grouped].map(([key, groups]): Ask => {
    const ask = {
      group: groups[0]!,
      field: Object.keys(groups[0]!.resources).join(','),
      fieldId: fieldId(Object.keys(groups[0]!.resources).join(',')),
      resources: Object.entries(groups[0]!.resources),
      count: groups.length,
      classes: Object.keys(groups[0]!.resources),
      isolate: query.groupPolicy === 'isolate' && groups[0]!.checkedBy === 'placement',
    };
    // Its own field first (lib/objects.ts).
    return { fits: askFits(index, key, ask), ...ask };
  });
  const resources = Object.entries(unsuffixed?.resources ?? {}).sort(([a], [b]) => a.localeCompare(b))
    .map(([rc, amount]) => ({ rc, amount, column: index.rootColumns.get(rc), field: fieldId(rc) }));
  return {
    resources,
    // Unsuffixed traits and root_required both land on the root here: the unsuffixed resources all live there.
    required,
    forbidden,
    deviceTraits: request.deviceTraits,
    asks,
    pciAsks: asks.filter((a) => a.classes.length > 0 && a.classes.every((rc) => !index.rootColumns.has(rc))),
    unseen: [...unseen].sort(),
    asked: askedClasses(asks),
    fields: [...fieldIds.keys()],
    fieldIds,
    listed: Math.max(DEFAULT_CAPACITY_HOSTS, request.capacityHosts ?? 0),
  };
}

/**
 * The trait blockers of a root trait set, in the order findings list them (§2.6 for device-model traits: only
 * hosts that report the trait family are held to it). The family is read from the set's traits, which are the
 * host's plus COMPUTE_STATUS_DISABLED for a down service: no device family starts like that trait.
 */
function traitBlockersOf(traits: ReadonlySet<string>, plan: Plan): TraitBlocker[] {
  const blockers: TraitBlocker[] = [];
  for (const trait of plan.required) {
    if (!traits.has(trait)) blockers.push({ id: 'host-trait-missing', field: `trait:${trait}`, device: false, trait });
  }
  for (const trait of plan.forbidden) {
    if (traits.has(trait)) blockers.push({ id: 'host-trait-forbidden', field: `trait:${trait}`, device: false, trait });
  }
  for (const { trait, familyPrefix, property } of plan.deviceTraits) {
    if (traits.has(trait) || !reportsFamily(traits, familyPrefix)) continue;
    blockers.push({ id: 'host-trait-missing', field: property, device: true, trait });
  }
  return blockers;
}

function reportsFamily(traits: ReadonlySet<string>, prefix: string): boolean {
  for (const t of traits) if (t.startsWith(prefix)) return true;
  return false;
}

const NO_FIELDS: readonly number[] = [];

/**
 * Per trait set, the distinct numbers of the fields its blockers name (the same empty list for the many sets
 * without any), worked out for every set before the scan: a few thousand set lookups, no strings.
 */
function traitFieldsBySet(index: HostIndex, plan: Plan, deviceOnly: boolean): readonly (readonly number[])[] {
  if (index.traitSets.length < KEPT_TRAIT_FIELDS_FROM) return traitFieldsOf(index, plan, deviceOnly);
  // The fields of traits are numbered first (planOf): their numbers follow from these lists alone.
  const key = JSON.stringify([deviceOnly, plan.required, plan.forbidden, plan.deviceTraits]);
  return traitFieldsMemo.get(index, key, () => traitFieldsOf(index, plan, deviceOnly));
}

/** Below this many trait sets, working the fields out costs less than the key they would be kept under. */
const KEPT_TRAIT_FIELDS_FROM = 64;

/** traitFieldsBySet per host list and traits asked: requests share a few (most forbid only COMPUTE_STATUS_DISABLED). */
const traitFieldsMemo = new KeyedWeakMemo<HostIndex, string, readonly (readonly number[])[]>({ max: 64 });

function traitFieldsOf(index: HostIndex, plan: Plan, deviceOnly: boolean): (readonly number[])[] {
  const { traitBits, traitWords, traitIds } = index;
  const id = (field: string) => plan.fieldIds.get(field)!;
  // A trait no root reports is missing from every set and present in none.
  const bit = (trait: string) => traitIds.get(trait) ?? -1;
  const has = (set: number, trait: number) => trait >= 0 && (traitBits[set * traitWords + (trait >>> 5)]! & (1 << (trait & 31))) !== 0;
  const required = deviceOnly ? [] : plan.required.map((trait) => ({ trait: bit(trait), field: id(`trait:${trait}`) }));
  const forbidden = deviceOnly ? [] : plan.forbidden.map((trait) => ({ trait: bit(trait), field: id(`trait:${trait}`) }));
  const device = plan.deviceTraits.map(({ trait, familyPrefix, property }) => ({ trait: bit(trait), family: familyOf(index, familyPrefix), field: id(property) }));
  return index.traitSets.map((_, set) => {
    // A trait is either missing or present, so required and forbidden never name a field twice; two device-model
    // traits may share a property.
    let fields: number[] | null = null;
    for (const { trait, field } of required) if (!has(set, trait)) (fields ??= []).push(field);
    for (const { trait, field } of forbidden) if (has(set, trait)) (fields ??= []).push(field);
    for (const { trait, family, field } of device) {
      if (has(set, trait) || family[set] === 0 || fields?.includes(field)) continue;
      (fields ??= []).push(field);
    }
    return fields ?? NO_FIELDS;
  });
}

/** Per trait set, 1 when it has a trait of the family (§2.6): kept per host list and family (a handful). */
const families = new KeyedWeakMemo<HostIndex, string, Uint8Array>();

function familyOf(index: HostIndex, prefix: string): Uint8Array {
  return families.get(index, prefix, () => Uint8Array.from(index.traitSets, (traits) => (reportsFamily(traits, prefix) ? 1 : 0)));
}

function traitMessage({ id, field, device, trait }: TraitBlocker): string {
  if (device) return `does not report ${trait}, needed by ${field}.`;
  return id === 'host-trait-missing' ? `lacks required trait ${trait}.` : `has forbidden trait ${trait}.`;
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
    value: `total ${inventory.total}, reserved ${inventory.reserved}, ratio ${inventory.allocationRatio} => capacity ${inventoryCapacity(inventory)}, used ${ih.host.usages[rc] ?? 0}, free ${free}` }];
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
function askFit(ask: Pick<Ask, 'isolate' | 'count'>, units: ArrayLike<number>, providers = units.length): number {
  if (ask.isolate) return isolatedFit(units, ask.count, providers);
  let sum = 0;
  for (let i = 0; i < providers; i++) sum += units[i]!;
  return Math.floor(sum / ask.count);
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
  if (reserving.length > 0 && askFit(ask, eligible.map((p) => groupUnits(p, ask, freeWithoutReservedOf(p, classes)))) > 0) {
    const held = reserving.flatMap((p) => classes.filter((rc) => p.inventories[rc]?.reserved).map((rc) => `${p.name} ${rc} ${p.inventories[rc]!.reserved}`));
    return makeFinding('host-resource-reserved', ask.field, `${ih.host.name}: ${what} ${rule}; reserved units hold back the rest (${held.join(', ')}).`, evidence);
  }
  return makeFinding(onPci ? 'host-pci-insufficient' : 'host-resource-insufficient', ask.field, `${ih.host.name}: ${what} ${rule}.`, evidence);
}

/**
 * Instances the root class allows on the host at `at`: −1 when it has no inventory (NaN) or the amount is outside
 * min_unit / max_unit / step_size. step_size is 1 almost everywhere: the floating-point remainder, the costliest
 * step of the scan's loop, is skipped then.
 */
function rootFit({ free, minUnit, maxUnit, stepSize }: RootColumn, at: number, amount: number): number {
  const step = stepSize[at]!;
  return !(amount >= minUnit[at]!) || amount > maxUnit[at]! || (step !== 1 && amount % step !== 0) ? -1 : Math.floor(free[at]! / amount);
}

/**
 * Every reason a host that does not fit is kept out, with evidence, as Placement's answer would leave it out for
 * each: built for the few hosts an answer shows only (the scan counts reasons by number).
 */
function hostFindings(index: HostIndex, at: number, plan: Plan): Finding[] {
  const ih = index.byName[at]!;
  const findings: Finding[] = [];
  for (const blocker of traitBlockersOf(ih.traits, plan)) {
    findings.push(makeFinding(blocker.id, blocker.field, `${ih.host.name} ${traitMessage(blocker)}`,
      [{ source: 'host-trait', ref: blocker.trait, value: ih.traits.has(blocker.trait) }]));
  }
  for (const { rc, amount, column } of plan.resources) {
    const fit = column ? rootFit(column, at, amount) : -1;
    if (fit <= 0) findings.push(resourceFinding(ih, rc, amount, fit));
  }
  // Numbered groups (one per PCI device, §4.6): each on one provider of this tree. none ⇒ groups may share a
  // provider (Σ units); isolate ⇒ pairwise different providers. PciPassthroughFilter-only devices have no policy.
  for (const ask of plan.asks) {
    const eligible = eligibleProviders(ih, ask.classes);
    const units = eligible.map((p) => groupUnits(p, ask, p.free));
    if (askFit(ask, units) === 0) findings.push(askFinding(ih, ask, eligible, units));
  }
  return findings;
}

/**
 * A host as answers list it. Its PCI figures are the index's own (IndexedHost, built once per host and snapshot),
 * shared rather than copied per answer: answers are only read once built (encoded, printed), as the scan's
 * blockedExamples, shared by every answer of one scan, already are.
 */
function hostFit(ih: IndexedHost, asked: AskedClasses, instances: number, blockers: Finding[]): HostFit {
  return { host: ih.host.name, uuid: ih.host.uuid, instances, freePci: ih.pci.freePci, pciProviders: ih.pciProvidersOf(asked) as PciProviderFree[] | undefined, blockers };
}

/**
 * The blockers of every host that fits: none. One frozen list shared by all of them, as their PCI figures are (a new
 * empty list per host listed was one of the two objects each host listed made); frozen, so that a write to it
 * throws rather than shows up in every answer.
 */
const NO_BLOCKERS = Object.freeze([]) as readonly Finding[] as Finding[];

/** Every host checked against one request: what both capacity answers and candidate lists are read from. */
interface HostScan {
  index: HostIndex;
  /** Instances per host, by position in `index.byName` (0 = it does not fit). */
  instances: Int32Array;
  /** How many hosts fit. */
  hostsThatFit: number;
  /** Positions of the first hosts that fit, most instances first, then by name (`topHosts`); grows when more are asked. */
  top: Int32Array;
  totalInstances: number;
  free: Record<string, number>;
  blocked: Record<string, number>;
  blockedExamples: HostFit[];
  pciOnly: Capacity['pciOnly'];
  /** Plan.unseen: classes of devices Placement does not show. */
  unseen: readonly string[];
  /** Plan.asked: the PCI providers a listed host shows. */
  asked: AskedClasses;
  /** Positions of the first BLOCKED_EXAMPLES hosts that do not fit, ascending: what a scan derived from this one starts from. */
  firstBlocked: readonly number[];
  /** Positions of the first hosts that fit (up to FIRST_FITTING), ascending, when the scan noted them: the candidates' names. */
  firstFitting: readonly number[] | null;
}

/** Hosts that do not fit, shown with their blockers: enough to see why, few enough to keep the answer small. */
export const BLOCKED_EXAMPLES = 3;
export const DEFAULT_CAPACITY_HOSTS = 20;

/**
 * Every host checked against one request, a column at a time: the trait verdict of each host's set (worked out once
 * per distinct set), then per reason (a root resource class, an ask's classes) one tight loop over numbers that
 * lowers each host's instances and counts the hosts it keeps out. No allocation per host.
 */
function scanHosts(index: HostIndex, request: CapacityRequest): HostScan {
  const plan = planOf(index, request);
  const hostCount = index.byName.length;
  const reasons = reasonsOf(plan);
  // Instances so far per host: what the first ask alone allows, copied (lowering Infinity to an ask's instances, which
  // are never negative, gives them as they are), or Infinity until some resource or ask bounds it.
  const first = reasons.find(({ sources }) => sources.length === 1 && 'fits' in sources[0]!);
  const firstFits = first && 'fits' in first.sources[0]! ? first.sources[0].fits : undefined;
  const fit = scratch(0, hostCount);
  if (firstFits) fit.set(firstFits);
  else fit.fill(Infinity);
  const counts = new Int32Array(plan.fields.length);
  keepOutBySet(index, traitFieldsBySet(index, plan, false), fit, counts);
  // Root classes whose amount passes every root's min_unit and step_size are read in the final pass (tallyHosts), the
  // hosts whose max_unit is below it kept out first; the others are worked out here.
  const roots: { free: Float64Array; amount: number }[] = [];
  for (const reason of reasons) {
    const { field, sources } = reason;
    if (reason === first) {
      // Instances are never negative: the hosts it keeps out are those it gives none.
      counts[field]! += firstFits!.length - pciOnlyOfAsk.get(firstFits!).hostsThatFit;
      continue;
    }
    const only = sources.length === 1 ? sources[0]! : undefined;
    if (only && !('fits' in only) && only.column && sameUnitRule(only.column, only.amount) && roots.length < FINAL_PASS_ROOTS) {
      const { column, amount } = only;
      if (amount > column.units.maxUnit) counts[field]! += keepOutAboveMaxUnit(fit, column, amount);
      counts[field]! += hostsBelow(column, amount, hostCount);
      roots.push({ free: column.free, amount });
    }
    else counts[field]! += only ? lowerBySource(fit, only) : lowerBy(fit, minUnitsOf(sources, hostCount));
  }
  const { classes, columns } = freeColumnsAsked(index, plan);
  // The hosts listed are selected in the same pass when few (topHosts' selection), ranked after it otherwise.
  const selected = plan.listed > FULL_SORT_FROM ? 0 : Math.min(plan.listed, hostCount);
  const tally: Tally = {
    // sums: three slots at least, as the final pass adds into them for stand-ins too.
    rootFree: roots.map((r) => r.free), rootAmounts: roots.map((r) => r.amount),
    instances: new Int32Array(hostCount), totalInstances: 0, hostsThatFit: 0, sums: new Float64Array(Math.max(3, classes.length)), firstBlocked: [],
    firstFitting: [], keys: scratch(KEYS_SLOT, selected), kept: 0,
  };
  tallyHosts(fit, columns, tally);
  const { instances, totalInstances, hostsThatFit, firstBlocked } = tally;
  return scanOf(index, plan, instances, countsOf(plan, counts), pciOnlyOf(index, plan), {
    totalInstances, hostsThatFit, firstBlocked,
    top: selected > 0 ? positionsOf(tally.keys, tally.kept, hostCount) : topHosts(instances, plan.listed),
    firstFitting: tally.firstFitting, free: freeOf(classes, tally.sums),
    blockedExamples: blockedExamplesOf(index, plan, firstBlocked),
  });
}

/**
 * Root classes the final pass reads, each from a local variable: VCPU or PCPU, MEMORY_MB and DISK_GB. The same loop
 * over a list of columns cost several times as much (a column looked up per host and class).
 */
const FINAL_PASS_ROOTS = 3;

/**
 * Every root holding the class passes the min_unit and step_size checks for `amount` (RootColumn.units): rootFit is
 * then free ÷ amount, or −1 on a host whose max_unit is below it (keepOutAboveMaxUnit).
 */
function sameUnitRule({ units }: RootColumn, amount: number): boolean {
  return amount > 0 && amount >= units.minUnit && units.stepOne;
}

/**
 * Keeps out the hosts whose max_unit is below `amount` and returns how many of them have free units enough (hostsBelow
 * counts the others). It reads the first hosts by max_unit only. A flavor
 * larger than the smallest hosts' memory used to send its class through a pass of rootFit over every host; without
 * it, nothing-reused recommendations at 15,000 hosts cost 0.929–1.008 (median 0.974) of what they did, where two runs
 * of no change read medians of 1.031 and 1.004 (bench/ab-core.ts, bench/RESULTS.md section 33, issue 16).
 */
function keepOutAboveMaxUnit(fit: Float64Array, { byMaxUnit, maxUnit, free }: RootColumn, amount: number): number {
  let blocked = 0;
  for (let i = 0; i < byMaxUnit.length; i++) {
    const at = byMaxUnit[i]!;
    if (maxUnit[at]! >= amount) break;
    if (free[at]! >= amount) {
      fit[at] = 0;
      blocked++;
    }
  }
  return blocked;
}

/**
 * The hosts with fewer free units of the class than `amount` (> 0), those without it included: those the class keeps
 * out by its free units, as rootFit's floor(free ÷ amount) ≤ 0 does (it is ≥ 1 exactly when free ≥ amount). Counted
 * by a binary search of the free units in ascending order, so the final pass need not compute the units of hosts
 * kept out before it (every host, when the flavor asks a class no host holds).
 */
function hostsBelow({ freeAscending }: RootColumn, amount: number, hostCount: number): number {
  let low = 0;
  let high = freeAscending.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (freeAscending[mid]! < amount) low = mid + 1;
    else high = mid;
  }
  return hostCount - (freeAscending.length - low);
}

/*
 * The loops over every host below are functions of their own that end with the loop: V8 compiles a long loop while
 * it first runs (on-stack replacement), before the code after it has run, and such code then left the compiled
 * function at that point on every call (a deoptimisation per scan, CPU profile and --trace-deopt).
 */

/**
 * Counts the hosts of each trait set with blockers once per field its blockers name; returns those sets, whose hosts
 * (HostIndex.setHosts) the caller keeps out.
 */
function blockedSets({ setFrom }: HostIndex, fieldsBySet: readonly (readonly number[])[], counts: Int32Array): number[] {
  const sets: number[] = [];
  for (let set = 0; set < fieldsBySet.length; set++) {
    const fields = fieldsBySet[set]!;
    if (fields.length === 0) continue;
    for (let i = 0; i < fields.length; i++) counts[fields[i]!]! += setFrom[set + 1]! - setFrom[set]!;
    sets.push(set);
  }
  return sets;
}

/** Keeps out (fit 0) the hosts of the trait sets with blockers, counted by field. */
function keepOutBySet(index: HostIndex, fieldsBySet: readonly (readonly number[])[], fit: Float64Array, counts: Int32Array): void {
  const { setFrom, setHosts } = index;
  for (const set of blockedSets(index, fieldsBySet, counts)) for (let i = setFrom[set]!; i < setFrom[set + 1]!; i++) fit[setHosts[i]!] = 0;
}

/**
 * Working columns of a scan, reused from scan to scan (a scan runs start to end without yielding): at 15,000 hosts
 * a new array per column and scan is megabytes a second of memory outside the heap, and each few megabytes of that
 * start a full collection of a heap of hundreds of megabytes.
 */
const scratchColumns: Float64Array[] = [];

/** scratch's slot for the best hosts' keys (keepBest) of scanHosts' final pass; 0 to 2 are columns of hosts. */
const KEYS_SLOT = 3;

function scratch(slot: number, hostCount: number): Float64Array {
  let column = scratchColumns[slot];
  if (!column || column.length < hostCount) {
    column = new Float64Array(hostCount);
    scratchColumns[slot] = column;
  }
  return column.subarray(0, hostCount);
}

/** A root resource class or an ask: what gives each host a number of instances (≤ 0: it keeps the host out). */
type Source = { column: RootColumn | undefined; amount: number } | { fits: Float64Array };

/**
 * The sources per reason: a host counts once per reason, and asks with the same classes but other traits share
 * one (a class may even be asked by the root and a numbered group), so those are merged first.
 */
function reasonsOf(plan: Plan): { field: number; sources: Source[] }[] {
  const byField = new Map<number, Source[]>();
  const add = (field: number, source: Source) => byField.set(field, [...(byField.get(field) ?? []), source]);
  for (const { field, column, amount } of plan.resources) add(field, { column, amount });
  for (const { fieldId, fits } of plan.asks) add(fieldId, { fits });
  return [...byField].map(([field, sources]) => ({ field, sources }));
}

/** Lowers each host's instances to what `units` allows; returns how many hosts it keeps out (units ≤ 0). */
function lowerBy(fit: Float64Array, units: Float64Array): number {
  let blocked = 0;
  for (let at = 0; at < fit.length; at++) blocked += lower(fit, at, units[at]!);
  return blocked;
}

/** Lowers one host's instances to `units` (`lowered`): 1 when that keeps it out, else 0. */
function lower(fit: Float64Array, at: number, units: number): number {
  fit[at] = lowered(fit[at]!, units);
  return units > 0 ? 0 : 1;
}

/**
 * lowerBy with the units the source allows: an ask's as kept, a root class's worked out host by host in the same
 * pass (rootFit's rule) rather than written to a column first and read back.
 */
function lowerBySource(fit: Float64Array, source: Source): number {
  if ('fits' in source) return lowerBy(fit, source.fits);
  const { column, amount } = source;
  if (!column) {
    fit.fill(0);
    return fit.length;
  }
  let blocked = 0;
  for (let at = 0; at < fit.length; at++) blocked += lower(fit, at, rootFit(column, at, amount));
  return blocked;
}

/** Instances per host the source allows: an ask's are kept per host list, a root class's read from its column. */
function unitsOf(source: Source, hostCount: number): Float64Array {
  if ('fits' in source) return source.fits;
  const units = scratch(1, hostCount);
  const { column, amount } = source;
  if (!column) return units.fill(-1);
  for (let at = 0; at < hostCount; at++) units[at] = rootFit(column, at, amount);
  return units;
}

function minUnitsOf(sources: readonly Source[], hostCount: number): Float64Array {
  const units = scratch(2, hostCount).fill(Infinity);
  for (const source of sources) {
    const more = unitsOf(source, hostCount);
    for (let at = 0; at < hostCount; at++) if (more[at]! < units[at]!) units[at] = more[at]!;
  }
  return units;
}

function countsOf(plan: Plan, counts: Int32Array): Map<string, number> {
  const byField = new Map<string, number>();
  counts.forEach((n, field) => {
    if (n > 0) byField.set(plan.fields[field]!, n);
  });
  return byField;
}

/**
 * What the PCI asks alone allow over every host, whatever else blocks (a non-PCI blocker such as missing PCPU must not
 * hide it): one number per host and ask.
 */
function pciOnlyOf(index: HostIndex, plan: Plan): Capacity['pciOnly'] {
  const { pciAsks } = plan;
  if (pciAsks.length === 0) return null;
  // One ask (nearly always): its figures depend on its per-host instances alone, kept with them.
  if (pciAsks.length === 1) return pciOnlyOfAsk.get(pciAsks[0]!.fits);
  const fits = new Float64Array(index.byName.length).fill(Infinity);
  for (const ask of pciAsks) for (let at = 0; at < fits.length; at++) fits[at] = Math.min(fits[at]!, ask.fits[at]!);
  return pciFigures(fits);
}

/**
 * pciOnlyOf for one ask, per its per-host instances (askFits): answers copy it, never change it. The scan reads the
 * first ask's hosts that fit from it too.
 */
const pciOnlyOfAsk = new WeakMemo(pciFigures);

function pciFigures(fits: Float64Array): NonNullable<Capacity['pciOnly']> {
  let hostsThatFit = 0;
  let totalInstances = 0;
  for (let at = 0; at < fits.length; at++) {
    const instances = fits[at]!;
    if (instances === 0) continue;
    hostsThatFit++;
    totalInstances += instances;
  }
  return { hostsThatFit, totalInstances };
}

/**
 * The request with device-model traits is the request without them plus, on hosts whose root traits lack one, one
 * more blocker (§2.6): so it is derived from the scan without them (the preview of the same answer made it), a
 * pass over numbers per host with the verdict worked out once per trait set.
 */
function withDeviceTraits(index: HostIndex, base: HostScan, request: CapacityRequest): HostScan {
  const plan = planOf(index, request);
  const counts = new Int32Array(plan.fields.length);
  const deviceFields = traitFieldsBySet(index, plan, true);
  const { setFrom, setHosts, traitSetOf } = index;
  // The base's counts, copied when a host that fits is first kept out: most device-model traits keep out none.
  let instances = base.instances;
  const { classes, columns } = freeColumnsAsked(index, plan);
  // The base's totals less the hosts these traits keep out (free units are whole numbers: the sums stay exact).
  const sums = classes.map((rc) => base.free[rc]!);
  let { totalInstances, hostsThatFit } = base;
  const firstBlocked = [...base.firstBlocked];
  for (const set of blockedSets(index, deviceFields, counts)) {
    for (let i = setFrom[set]!; i < setFrom[set + 1]!; i++) {
      const at = setHosts[i]!;
      const fit = instances[at]!;
      if (fit === 0) continue;
      if (instances === base.instances) instances = base.instances.slice();
      instances[at] = 0;
      totalInstances -= fit;
      hostsThatFit--;
      for (let c = 0; c < columns.length; c++) sums[c]! -= columns[c]![at]!;
      noteBlocked(firstBlocked, at);
    }
  }
  const merged = new Map(Object.entries(base.blocked));
  for (const [field, n] of countsOf(plan, counts)) merged.set(field, (merged.get(field) ?? 0) + n);
  // The hosts that still fit keep their order: the base's first ones less those kept out, unless too few are left.
  const kept = instances === base.instances ? base.top : base.top.filter((at) => instances[at]! > 0);
  const top = kept.length >= plan.listed || base.top.length === base.hostsThatFit ? kept : topHosts(instances, plan.listed);
  // The same hosts shown, none of them with a device-model blocker: the same findings as the base's.
  const sameExamples = firstBlocked.length === base.firstBlocked.length
    && firstBlocked.every((at, i) => at === base.firstBlocked[i] && deviceFields[traitSetOf[at]!]!.length === 0);
  // Device-model traits are root traits: what the PCI devices alone allow does not change.
  return scanOf(index, plan, instances, merged, base.pciOnly, {
    totalInstances, hostsThatFit, top, firstBlocked, firstFitting: null,
    free: freeOf(classes, sums), blockedExamples: sameExamples ? base.blockedExamples : blockedExamplesOf(index, plan, firstBlocked),
  });
}

/** The classes the plan asks, in the order answers list them, and the free-unit columns of those some host has. */
function freeColumnsAsked(index: HostIndex, plan: Plan): { classes: string[]; columns: Float64Array[] } {
  const classes = [...new Set([...plan.resources.map(({ rc }) => rc), ...plan.asks.flatMap((a) => a.classes)])].sort((a, b) => a.localeCompare(b));
  const columns = classes.map((rc) => index.freeColumns.get(rc) ?? NO_FREE);
  return { classes, columns };
}

/** A class no host has: 0 free everywhere it is read (only hosts that fit are, and none fits without it). */
const NO_FREE = new Float64Array(0);

function freeOf(classes: readonly string[], sums: ArrayLike<number>): Record<string, number> {
  const free: Record<string, number> = {};
  classes.forEach((rc, c) => {
    free[rc] = sums[c]!;
  });
  return free;
}

/** Adds a host that does not fit to the first BLOCKED_EXAMPLES ones, kept in position order. */
function noteBlocked(firstBlocked: number[], at: number): void {
  if (firstBlocked.length === BLOCKED_EXAMPLES && at > firstBlocked[BLOCKED_EXAMPLES - 1]!) return;
  let i = firstBlocked.length;
  firstBlocked.push(at);
  while (i > 0 && firstBlocked[i - 1]! > at) {
    firstBlocked[i] = firstBlocked[i - 1]!;
    i--;
  }
  firstBlocked[i] = at;
  if (firstBlocked.length > BLOCKED_EXAMPLES) firstBlocked.pop();
}

/**
 * The classes the plan's asks name (a PCI device's, §4.6): a listed host shows its PCI providers of these only, the
 * evidence of how many devices it has free for the request. Those of other classes bear on nothing the request asks,
 * and took over half of a recommendation's text (20 hosts of ~10 providers each); /v1/pci/capacity shows them all.
 */
function askedClasses(asks: readonly Ask[]): AskedClasses {
  const list = [...new Set(asks.flatMap((ask) => ask.classes))].sort();
  return { list, key: list.join(',') };
}

function blockedExamplesOf(index: HostIndex, plan: Plan, firstBlocked: readonly number[]): HostFit[] {
  return firstBlocked.map((at) => hostFit(index.byName[at]!, plan.asked, 0, hostFindings(index, at, plan)));
}

/** What a scan found besides its hosts' instances, blockers and PCI-only figures. */
type ScanTotals = Pick<HostScan, 'totalInstances' | 'hostsThatFit' | 'top' | 'firstBlocked' | 'firstFitting' | 'free' | 'blockedExamples'>;

/**
 * A scan, every field written in one literal and one order: every scan then has one shape. Spread into a literal
 * (`{ ...common, totalInstances, … }`), the common part was copied property by property at run time, a third of a
 * 300-host scan's own time (CPU profile, placement-compare's flavors in process).
 */
function scanOf(index: HostIndex, plan: Plan, instances: Int32Array, counts: ReadonlyMap<string, number>, pciOnly: Capacity['pciOnly'], totals: ScanTotals): HostScan {
  return {
    index, instances, pciOnly, unseen: plan.unseen, asked: plan.asked,
    blocked: Object.fromEntries([...counts].sort(([a, x], [b, y]) => y - x || a.localeCompare(b))),
    totalInstances: totals.totalInstances, hostsThatFit: totals.hostsThatFit, top: totals.top, firstBlocked: totals.firstBlocked,
    firstFitting: totals.firstFitting, free: totals.free, blockedExamples: totals.blockedExamples,
  };
}

/** Up to this many hosts that fit are noted in position order by a scan: the preview names 50 candidates. */
const FIRST_FITTING = 64;

/** What scanHosts' final pass over the hosts reads and adds up. */
interface Tally {
  /** Root classes left to the final pass (sameUnitRule): free units per host, amount per instance. */
  rootFree: Float64Array[];
  rootAmounts: number[];
  /** Out: instances per host. */
  instances: Int32Array;
  totalInstances: number;
  hostsThatFit: number;
  /** Free units of the hosts that fit, per class asked. */
  sums: Float64Array;
  firstBlocked: number[];
  firstFitting: number[];
  /** The best hosts' keys so far (keepBest), `kept` of them. */
  keys: Float64Array;
  kept: number;
}

/**
 * The final pass of a scan: lowers each host's instances by the root classes left to it (a host without the class
 * has NaN free units, so it is kept out, as rootFit's −1 does), then adds up totals, free units, the first hosts that
 * do not fit and that fit, and selects the best ones, host by host, reading each host's numbers once.
 */
function tallyHosts(fit: Float64Array, columns: readonly Float64Array[], tally: Tally): void {
  const hostCount = fit.length;
  const { rootFree, rootAmounts, instances, sums, firstBlocked, firstFitting, keys } = tally;
  // Up to FINAL_PASS_ROOTS root classes and three free-unit columns in local variables; missing ones read a column
  // that neither keeps out nor lowers (Infinity free units) or adds nothing (0).
  const never = filledColumn(Infinity, hostCount);
  const none = filledColumn(0, hostCount);
  const free0 = rootFree[0] ?? never;
  const free1 = rootFree[1] ?? never;
  const free2 = rootFree[2] ?? never;
  const amount0 = rootAmounts[0] ?? 1;
  const amount1 = rootAmounts[1] ?? 1;
  const amount2 = rootAmounts[2] ?? 1;
  const sum0 = columns[0] ?? none;
  const sum1 = columns[1] ?? none;
  const sum2 = columns[2] ?? none;
  let totalInstances = 0;
  let hostsThatFit = 0;
  let kept = 0;
  for (let at = 0; at < hostCount; at++) {
    let f = fit[at]!;
    // Kept out already (a trait, an ask, a class no host holds): its root classes were counted by hostsBelow.
    if (f !== 0) {
      f = lowered(f, Math.floor(free0[at]! / amount0));
      f = lowered(f, Math.floor(free1[at]! / amount1));
      f = lowered(f, Math.floor(free2[at]! / amount2));
    }
    // As stored in an Int32Array: a host no resource or ask bounded (Infinity) takes none.
    const n = f | 0;
    if (n === 0) {
      if (firstBlocked.length < BLOCKED_EXAMPLES) firstBlocked.push(at);
      continue;
    }
    instances[at] = n;
    if (hostsThatFit < FIRST_FITTING) firstFitting.push(at);
    totalInstances += n;
    hostsThatFit++;
    sums[0]! += sum0[at]!;
    sums[1]! += sum1[at]!;
    sums[2]! += sum2[at]!;
    for (let c = 3; c < columns.length; c++) sums[c]! += columns[c]![at]!;
    kept = keepBest(keys, kept, -n * hostCount + at);
  }
  tally.totalInstances = totalInstances;
  tally.hostsThatFit = hostsThatFit;
  tally.kept = kept;
}

/** Instances `f` lowered to what `units` allow: none when they keep the host out (≤ 0, or NaN: no inventory). */
function lowered(f: number, units: number): number {
  return !(units > 0) ? 0 : units < f ? units : f;
}

/** Columns of one value, kept per value and grown as needed (the final pass's stand-ins for missing columns). */
const filledColumns = new Map<number, Float64Array>();

function filledColumn(value: number, hostCount: number): Float64Array {
  let column = filledColumns.get(value);
  if (!column || column.length < hostCount) {
    column = new Float64Array(hostCount).fill(value);
    filledColumns.set(value, column);
  }
  return column.subarray(0, hostCount);
}

/**
 * Positions of the first `n` hosts that fit, most instances first, then name order (position in byName): a
 * selection of the best `n` in one pass, since answers list a few hosts of thousands that fit.
 */
function topHosts(instances: Int32Array, n: number): Int32Array {
  const hostCount = instances.length;
  if (n > FULL_SORT_FROM) return allHostsRanked(instances).subarray(0, n);
  const keys = new Float64Array(Math.max(0, Math.min(n, hostCount)));
  return positionsOf(keys, selectBest(instances, keys), hostCount);
}

/** The best hosts' keys (keepBest) into `keys`; returns how many. */
function selectBest(instances: Int32Array, keys: Float64Array): number {
  const hostCount = instances.length;
  let kept = 0;
  for (let at = 0; at < hostCount && keys.length > 0; at++) {
    const fit = instances[at]!;
    if (fit !== 0) kept = keepBest(keys, kept, -fit * hostCount + at);
  }
  return kept;
}

/**
 * Offers a host's key to the best ones kept, `kept` of them sorted in `keys`: key = −instances·hosts + position,
 * smaller is better, and distinct. Inserted in order, the worst one dropped when full; returns how many are kept.
 */
function keepBest(keys: Float64Array, kept: number, key: number): number {
  if (kept === keys.length && (kept === 0 || key >= keys[kept - 1]!)) return kept;
  let i = kept < keys.length ? kept++ : kept - 1;
  while (i > 0 && keys[i - 1]! > key) {
    keys[i] = keys[i - 1]!;
    i--;
  }
  keys[i] = key;
  return kept;
}

/** The positions of the first `kept` keys. */
function positionsOf(keys: Float64Array, kept: number, hostCount: number): Int32Array {
  const top = new Int32Array(kept);
  for (let i = 0; i < kept; i++) top[i] = ((keys[i]! % hostCount) + hostCount) % hostCount;
  return top;
}

/** Past this many hosts listed, insertion into the kept ones costs more than sorting every host that fits. */
const FULL_SORT_FROM = 64;

function allHostsRanked(instances: Int32Array): Int32Array {
  const hostCount = instances.length;
  let fitting = 0;
  let most = 0;
  for (let at = 0; at < hostCount; at++) {
    const fit = instances[at]!;
    if (fit <= 0) continue;
    fitting++;
    if (fit > most) most = fit;
  }
  if (most <= RANK_BY_COUNT_UP_TO * hostCount) return rankedByCount(instances, fitting, most);
  const keys = new Float64Array(fitting);
  let kept = 0;
  for (let at = 0; at < hostCount; at++) if (instances[at]! > 0) keys[kept++] = -instances[at]! * hostCount + at;
  keys.sort();
  const ranked = new Int32Array(fitting);
  for (let i = 0; i < fitting; i++) ranked[i] = ((keys[i]! % hostCount) + hostCount) % hostCount;
  return ranked;
}

/** Up to this many instances per host checked, allHostsRanked counts rather than sorts: the counts' list stays small. */
const RANK_BY_COUNT_UP_TO = 8;

/**
 * allHostsRanked when no host takes more than RANK_BY_COUNT_UP_TO instances per host checked (nearly always): a
 * counting sort, two passes over the hosts and one over the counts, where sorting a typed array of keys cost several
 * times that (V8's TypedArray sort; 15 µs for 276 hosts). Hosts are placed in position order within each count, so
 * ties stay in name order.
 */
function rankedByCount(instances: Int32Array, fitting: number, most: number): Int32Array {
  // firstSlot[most − fit]: where the next host taking `fit` instances goes (most instances first).
  const firstSlot = new Int32Array(most + 1);
  for (let at = 0; at < instances.length; at++) if (instances[at]! > 0) firstSlot[most - instances[at]!]!++;
  let slot = 0;
  for (let i = 0; i <= most; i++) {
    const hosts = firstSlot[i]!;
    firstSlot[i] = slot;
    slot += hosts;
  }
  const ranked = new Int32Array(fitting);
  for (let at = 0; at < instances.length; at++) if (instances[at]! > 0) ranked[firstSlot[most - instances[at]!]!++] = at;
  return ranked;
}

/** The first `n` hosts that fit, from the scan's kept ones or, when more are asked, a new selection kept for next time. */
function firstHosts(scan: HostScan, n: number): Int32Array {
  if (scan.top.length >= n || scan.top.length === scan.hostsThatFit) return scan.top.subarray(0, n);
  scan.top = topHosts(scan.instances, n);
  return scan.top;
}

/**
 * Scans kept per host list; each holds two numbers per host, so a few hundred stay small at 15,000 hosts. Kept as
 * SecondUseMemo keeps (from a key's second use, and once full only for keys asked more often than the one pushed
 * out): kept as they came, requests over more flavors and workloads than fit swapped a kept scan for nearly every
 * new one, each scan's per-host array (60 KB outside V8's heap) died in the old generation, and their growth started
 * a full collection of the whole heap every 1–3 s ("external memory pressure", `--trace-incremental-marking`),
 * during which answers waited 50–130 ms (issue 16). The last RECENT_SCANS serve one answer's repeated asks.
 */
const SCAN_CACHE_SIZE = 256;
const RECENT_SCANS = 16;
const scans = new SecondUseMemo<HostIndex, HostScan>({ max: SCAN_CACHE_SIZE, seen: 2 * SCAN_CACHE_SIZE, recent: RECENT_SCANS });

/**
 * The scan of these hosts for this request, computed once: a host list never changes (a sync makes a new one)
 * and the answer depends on the query and device traits only, so requests that differ in image but share a
 * flavor and workload, and the preview and capacity of one answer, share it. Least recently used out first.
 */
function hostScan(hosts: readonly Host[], request: CapacityRequest): HostScan {
  const index = hostIndex(hosts);
  return scans.get(index, scanKey(request), () => (request.deviceTraits.length === 0
    ? scanHosts(index, request)
    : withDeviceTraits(index, hostScan(hosts, { ...request, deviceTraits: [] }), request))).value;
}

/**
 * What a scan depends on: the groups' asks and the root traits, policy and device traits. The query's texts (each
 * group's reason, the notes) and its encoding are left out: most of the query's JSON and none of the scan's input.
 * Kept as a digest (43 characters; lib/canonical-json.ts `digest`, as the answer cache keeps its keys): the memo
 * remembers the last 512 keys asked once, and a request asked once leaves its keys there long enough to be promoted
 * to V8's old generation. As JSON (~600 characters each, two or more per answer) they were 18 % of what an
 * uncached recommendation promoted, 3.3 → 2.7 KB an answer (`--trace-gc-nvp`, 8,000 answers at 15,000 hosts,
 * issue 16).
 */
function scanKey({ query, deviceTraits }: CapacityRequest): string {
  const asked = queryKeys.get(query);
  return deviceTraits.length === 0 ? asked : digest(`${asked}${JSON.stringify(deviceTraits)}`);
}

/**
 * scanKey's part from the query, per query object: one answer asks for its query's scan several times (candidates,
 * allocation, capacity, each device-model variant). A query's groups and traits are not changed once made (only
 * its notes are added to).
 */
const queryKeys = new WeakMemo(({ groups, rootRequired, rootForbidden, groupPolicy }: PlacementQuery): string =>
  digest(JSON.stringify([groups.map((g) => [g.suffix, g.resources, g.required, g.forbidden, g.checkedBy]), rootRequired, rootForbidden, groupPolicy])));

/** Per host list, its hosts in the scan's order (by name): what hostInstancesOf's counts are by position in. */
const hostsByName = new WeakMemo((index: HostIndex): readonly Host[] => index.byName.map((ih) => ih.host));

/**
 * Instances of the request each host takes, by position in `hosts` (by name; 0: it does not fit), read from the
 * request's scan: for callers that need every host (the capacity summary's per-aggregate sums) without a HostFit
 * each. The counts are the scan's own, kept for later answers: read them, never write them.
 */
export function hostInstancesOf(hosts: readonly Host[], request: CapacityRequest): { hosts: readonly Host[]; instances: Int32Array } {
  const { index, instances } = hostScan(hosts, request);
  return { hosts: hostsByName.get(index), instances };
}

/** How many hosts fit the request (those Placement would return) and the first `limit` of them by name. */
export function candidateHosts(hosts: readonly Host[], request: CapacityRequest, limit: number): { count: number; names: string[] } {
  const { index, instances, hostsThatFit, firstFitting } = hostScan(hosts, request);
  const names: string[] = [];
  if (firstFitting && (firstFitting.length >= limit || firstFitting.length === hostsThatFit)) {
    for (let i = 0; i < firstFitting.length && names.length < limit; i++) names.push(index.byName[firstFitting[i]!]!.host.name);
    return { count: hostsThatFit, names };
  }
  for (let at = 0; at < instances.length && names.length < limit; at++) {
    if (instances[at]! > 0) names.push(index.byName[at]!.host.name);
  }
  return { count: hostsThatFit, names };
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
  const at = host === undefined ? scan.top[0] : scan.index.byName.findIndex((ih) => ih.host.name === host);
  if (at === undefined || at < 0 || scan.instances[at] === 0) return null;
  return allocationOn(scan.index.byName[at]!, query, new Set(scan.unseen));
}

/** How many instances of the request fit in all (Capacity.totalInstances), read from its scan alone. */
export function totalInstances(hosts: readonly Host[], request: CapacityRequest): number {
  return hostScan(hosts, request).totalInstances;
}

/** The first `n` hosts that fit, as the answer lists them. */
function listedHosts(scan: HostScan, n: number): HostFit[] {
  const { index: { byName }, instances } = scan;
  const top = firstHosts(scan, n);
  const hosts: HostFit[] = [];
  for (let i = 0; i < top.length; i++) hosts.push(hostFit(byName[top[i]!]!, scan.asked, instances[top[i]!]!, NO_BLOCKERS));
  return hosts;
}

export function computeCapacity(hosts: readonly Host[], request: CapacityRequest): Capacity {
  const scan = hostScan(hosts, request);
  const listed = request.capacityHosts ?? DEFAULT_CAPACITY_HOSTS;
  const unknown = unknownOf(scan.unseen, request);
  return {
    hostsChecked: hosts.length,
    hostsThatFit: scan.hostsThatFit,
    totalInstances: scan.totalInstances,
    free: { ...scan.free },
    hosts: listedHosts(scan, listed),
    blocked: { ...scan.blocked },
    blockedExamples: scan.blockedExamples,
    fits: scan.hostsThatFit === 0 ? 'no' : unknown.length > 0 ? 'unknown' : 'yes',
    unknown,
    pciOnly: scan.pciOnly && { ...scan.pciOnly },
    allocation: allocationIn(scan, request.query),
  };
}
