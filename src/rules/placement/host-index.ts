// What every answer needs from the hosts and does not depend on the request, computed once per host list.
// A snapshot is immutable and a sync makes a new one, so the index is keyed on the snapshot's `hosts` array
// (WeakMap: it goes when the snapshot goes). Same hosts ⇒ same index, so the rules stay deterministic.
import { WeakMemo } from '../../lib/memo.ts';
import { inventoryCapacity, providerFree } from '../pci/devices.ts';
import { schedulingTraits } from './compute-service.ts';
import type { Host, Inventory, PciProvider, PciProviderFree } from '../../model/index.ts';

/** A provider a request group can land on: the root or a nested PCI provider (§4.5). */
export interface IndexedProvider {
  name: string;
  /** The provider's uuid (a root's is the compute node's, §4.5): what an allocation names. */
  uuid: string;
  traits: ReadonlySet<string>;
  inventories: Readonly<Record<string, Inventory>>;
  /** max(0, capacity − used) per resource class (§4.7). */
  free: Readonly<Record<string, number>>;
  /** Placement's usages, per resource class. */
  used: Readonly<Record<string, number>>;
}

export interface IndexedHost {
  host: Host;
  traits: ReadonlySet<string>;
  /** Hosts with the same root traits share this number, so a trait verdict is worked out once per distinct set. */
  traitSet: number;
  root: IndexedProvider;
  /**
   * Root and PCI providers. The PCI ones are made anew by each call, not kept: a cloud's 150,000 of them, with a list
   * per host and class, were a quarter of a worker's 1.8 M heap objects, and every full collection marked them all
   * (issue 16). A reader that keys on a provider's identity (allocation.ts) reads the list once.
   */
  providers(): readonly IndexedProvider[];
  /** The providers holding this resource class, root first: made anew by each call, as `providers()`. */
  providersOf(rc: string): readonly IndexedProvider[];
  /** Free units per resource class over the whole tree. */
  free: Readonly<Record<string, number>>;
  /** The host's PCI figures as answers list them (worked out when an answer first lists the host). */
  readonly pci: ListedPci;
  /**
   * Its PCI providers of the classes a request asks (`classes.list`), as answers list them: one list per set of
   * classes (`classes.key`), so the answers of every request asking them share it and its JSON; none when none is asked.
   */
  pciProvidersOf(classes: AskedClasses): readonly PciProviderFree[] | undefined;
}

/** Resource classes a request asks of providers, sorted, and their names joined by commas as a key. */
export interface AskedClasses {
  list: readonly string[];
  key: string;
}

export interface ListedPci {
  /** Each PCI provider's capacity, used and free units. */
  pciProviders: readonly PciProviderFree[];
  /** Free units per PCI class. */
  freePci: Readonly<Record<string, number>>;
}

/**
 * One root resource class over all hosts, by position in `byName`: what the capacity loop reads for every host
 * of every request, as numbers in a row rather than a property lookup per host. NaN where a root has none.
 */
export interface RootColumn {
  free: Float64Array;
  minUnit: Float64Array;
  maxUnit: Float64Array;
  stepSize: Float64Array;
  /**
   * The unit limits every root holding the class allows: the largest min_unit, the smallest max_unit, and whether
   * every step_size is 1. An amount within them passes every such root's unit check (nearly every request: the
   * limits are 1, the total and 1 almost everywhere), so a scan reads the free units alone.
   */
  units: { minUnit: number; maxUnit: number; stepOne: boolean };
  /**
   * The positions of the hosts holding the class, by max_unit ascending: those an amount above `units.maxUnit` exceeds
   * are the first few (the smallest hosts), so a scan keeps them out without a pass over every host.
   */
  byMaxUnit: Int32Array;
  /** The free units of the hosts holding the class, ascending: how many have fewer than an amount is a binary search. */
  freeAscending: Float64Array;
}

/**
 * One resource class over every provider holding it (root and PCI), host after host by position in `byName`, each
 * host's root first, then its PCI providers in the snapshot's order (`providersOf`): what counting a one-class ask (a
 * PCI device) reads, as numbers in a row rather than a look-up per host and provider. Placement caps min_unit, max_unit
 * and step_size at 2^31 − 1 (PLACEMENT `placement/db/constants.py` MAX_INT), so they fit 32-bit integers.
 */
export interface ClassColumn {
  /** The providers of the host at `at` are entries from[at] to from[at + 1] − 1. */
  from: Int32Array;
  /** max(0, capacity − used) per provider (§4.7). */
  free: Float64Array;
  minUnit: Int32Array;
  maxUnit: Int32Array;
  stepSize: Int32Array;
  /** Each provider's traits, as a number into `HostIndex.providerTraitSets`: an ask with traits reads a verdict per set. */
  traitSet: Int32Array;
}

export interface HostIndex {
  /** In the snapshot's order. */
  hosts: readonly IndexedHost[];
  /** Sorted by name, the order answers list hosts in. */
  byName: readonly IndexedHost[];
  /** Per resource class some root provider has. */
  rootColumns: ReadonlyMap<string, RootColumn>;
  /** Per resource class, each host's free units over its whole tree (`IndexedHost.free`), by position in `byName`. */
  freeColumns: ReadonlyMap<string, Float64Array>;
  /** Per resource class some provider has, every provider holding it. */
  classColumns: ReadonlyMap<string, ClassColumn>;
  /** Every trait some root provider reports. */
  traits: ReadonlySet<string>;
  /** Each host's trait set (IndexedHost.traitSet), by position in `byName`: what the capacity scan reads per host. */
  traitSetOf: Int32Array;
  /** The root traits of each trait set, by its number. */
  traitSets: readonly ReadonlySet<string>[];
  /** The traits of the providers in `classColumns`, by number: the root trait sets (`traitSets`), then the PCI ones. */
  providerTraitSets: readonly ReadonlySet<string>[];
  /**
   * The hosts of each trait set, by position in `byName` in ascending order: those of set s are setHosts[setFrom[s]] to
   * setHosts[setFrom[s + 1] − 1]. A scan keeps out the hosts of the sets a trait blocks through them, not a pass over
   * every host (a device-model trait blocks a few of thousands).
   */
  setFrom: Int32Array;
  setHosts: Int32Array;
  /**
   * The same as bits: trait number (`traitIds`) t of set s is bit t % 32 of word s·traitWords + ⌊t / 32⌋, so a
   * request's verdict on every set is a few thousand bit tests rather than string lookups.
   */
  traitBits: Uint32Array;
  traitWords: number;
  /** Every root trait's number in `traitBits`. */
  traitIds: ReadonlyMap<string, number>;
}

/**
 * One Set per distinct list of traits, shared by every provider with that list: a cloud's 150,000 PCI providers
 * have a few dozen, and a Set each was most of the index's heap (issue 16). Providers are made on each read
 * (IndexedHost.providers), so the list last asked is remembered by identity: the store gives rows with the same
 * traits one list (src/store/tables.ts), and a host's providers mostly have the same.
 */
class TraitSets {
  private readonly bySignature = new Map<string, number>();
  /** Each distinct list's Set, by number in order of first appearance. */
  readonly sets: ReadonlySet<string>[] = [];
  private lastList: readonly string[] | null = null;
  private lastId = -1;

  /** The number of this list's Set in `sets`. */
  idOf(traits: readonly string[]): number {
    if (traits === this.lastList) return this.lastId;
    const signature = traits.join(' ');
    let id = this.bySignature.get(signature);
    if (id === undefined) {
      id = this.sets.length;
      this.sets.push(new Set(traits));
      this.bySignature.set(signature, id);
    }
    this.lastList = traits;
    this.lastId = id;
    return id;
  }

  of(traits: readonly string[]): ReadonlySet<string> {
    return this.sets[this.idOf(traits)]!;
  }
}

/**
 * One `{ [resource class]: value }` record per class and value, shared by every provider with both: a PCI provider
 * holds one class, and a cloud's 150,000 of them have a few dozen inventories (one object each when the store shared
 * them, src/store/tables.ts) and a few hundred free and used counts, where a record each was a third of the index's
 * heap (issue 16). Records are read, never written (capacity.ts, allocation.ts copy what they change).
 */
class ClassRecords<V> {
  private readonly byClass = new Map<string, Map<V, Readonly<Record<string, V>>>>();

  of(rc: string, value: V): Readonly<Record<string, V>> {
    let byValue = this.byClass.get(rc);
    if (!byValue) {
      byValue = new Map();
      this.byClass.set(rc, byValue);
    }
    let record = byValue.get(value);
    if (!record) {
      record = { [rc]: value };
      byValue.set(value, record);
    }
    return record;
  }
}

/** What the PCI providers of one build share: trait sets and class records. */
interface PciSharing {
  traits: TraitSets;
  inventories: ClassRecords<Inventory>;
  counts: ClassRecords<number>;
}

function newPciSharing(): PciSharing {
  return { traits: new TraitSets(), inventories: new ClassRecords(), counts: new ClassRecords() };
}

function freeUnits(inventories: Readonly<Record<string, Inventory>>, usages: Readonly<Record<string, number>>): Record<string, number> {
  const free: Record<string, number> = {};
  for (const [rc, inventory] of Object.entries(inventories)) free[rc] = Math.max(0, inventoryCapacity(inventory) - (usages[rc] ?? 0));
  return free;
}

function pciProvider(p: PciProvider, shared: PciSharing): IndexedProvider {
  const rc = p.resourceClass;
  return {
    name: p.name, uuid: p.uuid, traits: shared.traits.of(p.traits), inventories: shared.inventories.of(rc, p.inventory),
    free: shared.counts.of(rc, providerFree(p)), used: shared.counts.of(rc, p.used),
  };
}

function indexHost(host: Host, traitSet: number, traits: ReadonlySet<string>, shared: PciSharing): IndexedHost {
  const root: IndexedProvider = {
    name: host.name, uuid: host.uuid, traits, inventories: host.inventories, free: freeUnits(host.inventories, host.usages), used: host.usages,
  };
  // Built key by key as the root's was, not spread from it: a spread copy took a hidden class of its own (15,000 more).
  const free: Record<string, number> = {};
  for (const [rc, units] of Object.entries(root.free)) free[rc] = units;
  for (const p of host.pciProviders) free[p.resourceClass] = (free[p.resourceClass] ?? 0) + providerFree(p);
  return new IndexedHostEntry(host, traitSet, root, free, shared);
}

/**
 * A host's PCI providers as answers list them, built the first time an answer lists the host rather than for the
 * 150,000 providers of a large cloud when the index is built (most hosts are never listed but by the metrics).
 */
class IndexedHostEntry implements IndexedHost {
  readonly traits: ReadonlySet<string>;
  private listed: ListedPci | null = null;
  private asked: Map<string, readonly PciProviderFree[]> | null = null;

  constructor(readonly host: Host, readonly traitSet: number, readonly root: IndexedProvider, readonly free: Readonly<Record<string, number>>,
    private readonly shared: PciSharing) {
    this.traits = root.traits;
  }

  providers(): readonly IndexedProvider[] {
    return [this.root, ...this.host.pciProviders.map((p) => pciProvider(p, this.shared))];
  }

  providersOf(rc: string): readonly IndexedProvider[] {
    const holding: IndexedProvider[] = this.root.inventories[rc] ? [this.root] : [];
    for (const p of this.host.pciProviders) if (p.resourceClass === rc) holding.push(pciProvider(p, this.shared));
    return holding;
  }

  pciProvidersOf({ list, key }: AskedClasses): readonly PciProviderFree[] | undefined {
    if (list.length === 0) return undefined;
    this.asked ??= new Map();
    let providers = this.asked.get(key);
    if (!providers) {
      providers = this.pci.pciProviders.filter((p) => list.includes(p.resourceClass));
      this.asked.set(key, providers);
    }
    return providers;
  }

  /** Both figures in one read: an answer listing every host reads them per host (a getter each: 23 → 18 µs for 276 hosts). */
  get pci(): ListedPci {
    if (this.listed) return this.listed;
    const pciProviders = this.host.pciProviders.map((p): PciProviderFree => ({
      provider: p.name, resourceClass: p.resourceClass, capacity: inventoryCapacity(p.inventory), used: p.used, free: providerFree(p),
    }));
    const freePci: Record<string, number> = {};
    for (const p of pciProviders) freePci[p.resourceClass] = (freePci[p.resourceClass] ?? 0) + p.free;
    this.listed = { pciProviders, freePci };
    return this.listed;
  }
}

function rootColumnsOf(hosts: readonly IndexedHost[]): Map<string, RootColumn> {
  const columns = new Map<string, RootColumn>();
  const column = (): RootColumn => ({
    free: new Float64Array(hosts.length).fill(NaN),
    minUnit: new Float64Array(hosts.length).fill(NaN),
    maxUnit: new Float64Array(hosts.length).fill(NaN),
    stepSize: new Float64Array(hosts.length).fill(NaN),
    units: { minUnit: -Infinity, maxUnit: Infinity, stepOne: true },
    byMaxUnit: new Int32Array(0),
    freeAscending: new Float64Array(0),
  });
  hosts.forEach(({ root }, at) => {
    for (const [rc, inventory] of Object.entries(root.inventories)) {
      let col = columns.get(rc);
      if (!col) {
        col = column();
        columns.set(rc, col);
      }
      col.free[at] = root.free[rc] ?? 0;
      col.minUnit[at] = inventory.minUnit;
      col.maxUnit[at] = inventory.maxUnit;
      col.stepSize[at] = inventory.stepSize;
      const { units } = col;
      units.minUnit = Math.max(units.minUnit, inventory.minUnit);
      units.maxUnit = Math.min(units.maxUnit, inventory.maxUnit);
      units.stepOne &&= inventory.stepSize === 1;
    }
  });
  for (const col of columns.values()) {
    const holding: number[] = [];
    col.maxUnit.forEach((max, at) => {
      if (!Number.isNaN(max)) holding.push(at);
    });
    col.byMaxUnit = Int32Array.from(holding.sort((a, b) => col.maxUnit[a]! - col.maxUnit[b]! || a - b));
    col.freeAscending = Float64Array.from(holding, (at) => col.free[at]!).sort();
  }
  return columns;
}

function freeColumnsOf(hosts: readonly IndexedHost[]): Map<string, Float64Array> {
  const columns = new Map<string, Float64Array>();
  hosts.forEach(({ free }, at) => {
    for (const [rc, units] of Object.entries(free)) {
      let column = columns.get(rc);
      if (!column) {
        column = new Float64Array(hosts.length);
        columns.set(rc, column);
      }
      column[at] = units;
    }
  });
  return columns;
}

/** Calls `visit` for each provider of the host holding a class, root first (null), then its PCI providers. */
function eachHolding({ root, host }: IndexedHost, visit: (rc: string, pci: PciProvider | null) => void): void {
  for (const rc of Object.keys(root.inventories)) visit(rc, null);
  for (const p of host.pciProviders) visit(p.resourceClass, p);
}

/**
 * The class columns. A provider's trait-set number is its root's trait set, or a PCI provider's after the `rootSets`
 * root ones (`providerTraitSets`).
 */
function classColumnsOf(hosts: readonly IndexedHost[], pciTraits: TraitSets, rootSets: number): Map<string, ClassColumn> {
  // Counts per host first, turned into starts; then each provider written at its class's next place.
  const from = new Map<string, Int32Array>();
  hosts.forEach((ih, at) => eachHolding(ih, (rc) => {
    let starts = from.get(rc);
    if (!starts) {
      starts = new Int32Array(hosts.length + 1);
      from.set(rc, starts);
    }
    starts[at + 1]!++;
  }));
  const columns = new Map<string, ClassColumn>();
  for (const [rc, starts] of from) {
    for (let at = 1; at < starts.length; at++) starts[at]! += starts[at - 1]!;
    const n = starts[hosts.length]!;
    columns.set(rc, {
      from: starts, free: new Float64Array(n), minUnit: new Int32Array(n), maxUnit: new Int32Array(n), stepSize: new Int32Array(n), traitSet: new Int32Array(n),
    });
  }
  const written = new Map<string, number>();
  for (const ih of hosts) {
    eachHolding(ih, (rc, pci) => {
      const column = columns.get(rc)!;
      const i = written.get(rc) ?? 0;
      written.set(rc, i + 1);
      const inventory = pci ? pci.inventory : ih.root.inventories[rc]!;
      column.free[i] = pci ? providerFree(pci) : ih.root.free[rc]!;
      column.minUnit[i] = inventory.minUnit;
      column.maxUnit[i] = inventory.maxUnit;
      column.stepSize[i] = inventory.stepSize;
      column.traitSet[i] = pci ? rootSets + pciTraits.idOf(pci.traits) : ih.traitSet;
    });
  }
  return columns;
}

function hostsBySet(traitSetOf: Int32Array, sets: number): Pick<HostIndex, 'setFrom' | 'setHosts'> {
  const setFrom = new Int32Array(sets + 1);
  // Counts first; turned into starts, then each host placed in position order.
  for (let at = 0; at < traitSetOf.length; at++) setFrom[traitSetOf[at]! + 1]!++;
  for (let set = 1; set <= sets; set++) setFrom[set]! += setFrom[set - 1]!;
  const next = setFrom.slice(0, sets);
  const setHosts = new Int32Array(traitSetOf.length);
  for (let at = 0; at < traitSetOf.length; at++) setHosts[next[traitSetOf[at]!]!++] = at;
  return { setFrom, setHosts };
}

function traitBitsOf(traits: ReadonlySet<string>, traitSets: readonly ReadonlySet<string>[]): Pick<HostIndex, 'traitBits' | 'traitWords' | 'traitIds'> {
  const traitIds = new Map([...traits].map((trait, id) => [trait, id]));
  const traitWords = Math.ceil(traitIds.size / 32);
  const traitBits = new Uint32Array(traitSets.length * traitWords);
  traitSets.forEach((set, at) => {
    for (const trait of set) {
      const id = traitIds.get(trait)!;
      traitBits[at * traitWords + (id >>> 5)]! |= 1 << (id & 31);
    }
  });
  return { traitBits, traitWords, traitIds };
}

const indexes = new WeakMap<readonly Host[], HostIndex>();
/** Builds under way, so that whoever needs the index first finishes the one build rather than starting another. */
const building = new WeakMemo<readonly Host[], Iterator<void, HostIndex>>(buildIndex);

/** Hosts indexed between two steps of a build: a few milliseconds of work. */
const HOSTS_PER_STEP = 1_000;

function* buildIndex(hosts: readonly Host[]): Generator<void, HostIndex> {
  try {
    // Root trait sets by sorted signature, numbered in order of first appearance.
    const rootSets = new Map<string, { id: number; traits: ReadonlySet<string> }>();
    const pciSharing = newPciSharing();
    const indexed: IndexedHost[] = [];
    for (const host of hosts) {
      // A disabled / forced-down service counts as COMPUTE_STATUS_DISABLED (compute-service.ts).
      const traits = schedulingTraits(host);
      const signature = [...new Set(traits)].sort().join(' ');
      let rootSet = rootSets.get(signature);
      if (rootSet === undefined) {
        rootSet = { id: rootSets.size, traits: new Set(traits) };
        rootSets.set(signature, rootSet);
      }
      indexed.push(indexHost(host, rootSet.id, rootSet.traits, pciSharing));
      if (indexed.length % HOSTS_PER_STEP === 0) yield;
    }
    const byName = [...indexed].sort((a, b) => a.host.name.localeCompare(b.host.name));
    yield;
    const rootColumns = rootColumnsOf(byName);
    yield;
    const classColumns = classColumnsOf(byName, pciSharing.traits, rootSets.size);
    yield;
    const traits = new Set(hosts.flatMap(schedulingTraits));
    const traitSets = [...rootSets.values()].map((set) => set.traits);
    const providerTraitSets = [...traitSets, ...pciSharing.traits.sets];
    const traitSetOf = Int32Array.from(byName, (ih) => ih.traitSet);
    const index: HostIndex = {
      hosts: indexed, byName, rootColumns, freeColumns: freeColumnsOf(byName), classColumns, traits,
      traitSetOf, traitSets, providerTraitSets, ...hostsBySet(traitSetOf, traitSets.length), ...traitBitsOf(traits, traitSets),
    };
    indexes.set(hosts, index);
    return index;
  } finally {
    // Done or failed, the next one who needs the index reads it or starts afresh, never a spent build.
    building.delete(hosts);
  }
}

/**
 * The index of these hosts, built in steps: each `next()` does a few milliseconds of work, so a caller can let
 * other work run in between (the registry does, when a sync makes a snapshot current). Done at once when built.
 */
export function hostIndexSteps(hosts: readonly Host[]): Iterator<void, HostIndex> {
  const known = indexes.get(hosts);
  if (known) return { next: () => ({ done: true, value: known }) };
  return building.get(hosts);
}

export function hostIndex(hosts: readonly Host[]): HostIndex {
  const known = indexes.get(hosts);
  if (known) return known;
  const steps = hostIndexSteps(hosts);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}
