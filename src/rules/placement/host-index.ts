// What every answer needs from the hosts and does not depend on the request, computed once per host list.
// A snapshot is immutable and a sync makes a new one, so the index is keyed on the snapshot's `hosts` array
// (WeakMap: it goes when the snapshot goes). Same hosts ⇒ same index, so the rules stay deterministic.
import { WeakMemo } from '../../lib/memo.ts';
import { inventoryCapacity, providerFree } from '../pci/devices.ts';
import { schedulingTraits } from './compute-service.ts';
import type { Host, Inventory, PciProviderFree } from '../../model/index.ts';

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
  /** Root and PCI providers. */
  providers: readonly IndexedProvider[];
  /** The providers holding each resource class. */
  providersByClass: ReadonlyMap<string, readonly IndexedProvider[]>;
  /** Free units per resource class over the whole tree. */
  free: Readonly<Record<string, number>>;
  freePci: Readonly<Record<string, number>>;
  pciProviders: readonly PciProviderFree[];
  /** Whether the host reports any trait with this prefix (a trait family, §2.6); filled on first ask. */
  reportsFamily(prefix: string): boolean;
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
  /** Every trait some root provider reports. */
  traits: ReadonlySet<string>;
}

function indexProvider(name: string, uuid: string, traits: string[], inventories: Record<string, Inventory>, usages: Record<string, number>): IndexedProvider {
  const free: Record<string, number> = {};
  for (const [rc, inventory] of Object.entries(inventories)) free[rc] = Math.max(0, inventoryCapacity(inventory) - (usages[rc] ?? 0));
  return { name, uuid, traits: new Set(traits), inventories, free, used: usages };
}

function indexHost(host: Host, traitSet: number): IndexedHost {
  // A disabled / forced-down service counts as COMPUTE_STATUS_DISABLED (compute-service.ts).
  const root = indexProvider(host.name, host.uuid, schedulingTraits(host), host.inventories, host.usages);
  const pci = host.pciProviders.map((p) => indexProvider(p.name, p.uuid, p.traits, { [p.resourceClass]: p.inventory }, { [p.resourceClass]: p.used }));
  const providers = [root, ...pci];
  const providersByClass = new Map<string, IndexedProvider[]>();
  const free: Record<string, number> = {};
  for (const provider of providers) {
    for (const [rc, units] of Object.entries(provider.free)) {
      providersByClass.set(rc, [...(providersByClass.get(rc) ?? []), provider]);
      free[rc] = (free[rc] ?? 0) + units;
    }
  }
  const pciProviders: PciProviderFree[] = host.pciProviders.map((p) => ({
    provider: p.name, resourceClass: p.resourceClass, capacity: inventoryCapacity(p.inventory), used: p.used, free: providerFree(p),
  }));
  const freePci: Record<string, number> = {};
  for (const p of pciProviders) freePci[p.resourceClass] = (freePci[p.resourceClass] ?? 0) + p.free;
  const families = new Map<string, boolean>();
  return {
    host, traits: root.traits, traitSet, root, providers, providersByClass, free, freePci, pciProviders,
    reportsFamily(prefix) {
      let reports = families.get(prefix);
      if (reports === undefined) {
        reports = host.traits.some((t) => t.startsWith(prefix));
        families.set(prefix, reports);
      }
      return reports;
    },
  };
}

function rootColumnsOf(hosts: readonly IndexedHost[]): Map<string, RootColumn> {
  const columns = new Map<string, RootColumn>();
  const column = (): RootColumn => ({
    free: new Float64Array(hosts.length).fill(NaN),
    minUnit: new Float64Array(hosts.length).fill(NaN),
    maxUnit: new Float64Array(hosts.length).fill(NaN),
    stepSize: new Float64Array(hosts.length).fill(NaN),
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
    }
  });
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

const indexes = new WeakMap<readonly Host[], HostIndex>();
/** Builds under way, so that whoever needs the index first finishes the one build rather than starting another. */
const building = new WeakMemo<readonly Host[], Iterator<void, HostIndex>>(buildIndex);

/** Hosts indexed between two steps of a build: a few milliseconds of work. */
const HOSTS_PER_STEP = 1_000;

function* buildIndex(hosts: readonly Host[]): Generator<void, HostIndex> {
  try {
    const traitSets = new Map<string, number>();
    const indexed: IndexedHost[] = [];
    for (const host of hosts) {
      const signature = [...new Set(schedulingTraits(host))].sort().join(' ');
      let traitSet = traitSets.get(signature);
      if (traitSet === undefined) {
        traitSet = traitSets.size;
        traitSets.set(signature, traitSet);
      }
      indexed.push(indexHost(host, traitSet));
      if (indexed.length % HOSTS_PER_STEP === 0) yield;
    }
    const byName = [...indexed].sort((a, b) => a.host.name.localeCompare(b.host.name));
    yield;
    const rootColumns = rootColumnsOf(byName);
    yield;
    const index: HostIndex = { hosts: indexed, byName, rootColumns, freeColumns: freeColumnsOf(byName), traits: new Set(hosts.flatMap(schedulingTraits)) };
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
