// What the metrics and the web page show about a snapshot's capacity, computed once per snapshot (and rule context)
// when it becomes current, never per scrape or request: per flavor the instances that fit (rules `flavorCapacity`,
// for an image without properties), per host and per Placement aggregate, and the hosts blocked per reason; per
// resource class, root and nested PCI / VF providers alike, the units there are, used and free.
import { flavorCapacity, inventoryCapacity, providerFree, type RuleContext } from '../rules/index.ts';
import { KeyedWeakMemo, WeakMemo } from '../lib/memo.ts';
import type { CloudSnapshot, Flavor, Host } from '../model/index.ts';

export interface Units {
  capacity: number;
  used: number;
  free: number;
}

/**
 * A host as the summary lists it. Its units are worked out from the snapshot's host each time they are read (a page of
 * hosts, the metrics' text once per summary), not kept: kept, a record and an object per class for each host, they
 * were most of what a summary holds (at 15,000 hosts and 2,000 flavors, 17.1 MB of heap after a full collection,
 * 7.4 MB without them; issue 16). Answers in the seconds after a snapshot becomes current, while the summary is
 * computed, measured no quicker for it (16 starts, bench/RESULTS.md notes on sections 49–50).
 */
export class SummaryHost {
  readonly name: string;
  readonly uuid: string;
  /** Placement aggregate uuids (Placement knows aggregates by uuid only; no availability zone names). */
  readonly aggregates: string[];
  /** Whether it has nested PCI providers (devices, VFs). */
  readonly pci: boolean;
  /** How many classes `units` lists, counted without working them out: the metrics' guard counts per-host series first. */
  readonly classCount: number;

  constructor(
    /** Position in CapacitySummary.hosts, where FlavorFit.perHost has its instances. */
    readonly at: number,
    private readonly host: Host,
  ) {
    this.name = host.name;
    this.uuid = host.uuid;
    this.aggregates = host.aggregates;
    this.pci = host.pciProviders.length > 0;
    this.classCount = classCountOf(host);
  }

  /** Per resource class over the host's whole provider tree. */
  get units(): Record<string, Units> {
    const units: Record<string, Units> = {};
    forEachUnits(this.host, (rc, capacity, used, free) => addUnits(units, rc, capacity, used, free));
    return units;
  }

  /** Whether some provider of its tree has inventory of the class. */
  holds(rc: string): boolean {
    return this.host.inventories[rc] !== undefined || this.host.pciProviders.some((p) => p.resourceClass === rc);
  }
}

export interface FlavorFit {
  /** The flavor's id: the key pages of flavors are marked by. */
  id: string;
  flavor: Flavor;
  instances: number;
  hostsThatFit: number;
  /** Per aggregate, by position in CapacitySummary.aggregates: instances, and hosts that take at least one. */
  aggregateInstances: Float64Array;
  aggregateHosts: Int32Array;
  /** The hosts that take the most (TOP_HOSTS), most first, then by name. */
  topHosts: { host: string; instances: number }[];
  /** Hosts kept out, per reason (resource class, `trait:X`), each host counted once per reason. */
  blocked: Record<string, number>;
}

export interface CapacitySummary {
  snapshot: CloudSnapshot;
  ruleContext: RuleContext;
  /** Placement aggregate uuids of the hosts, sorted. */
  aggregates: string[];
  /** By name. */
  hosts: SummaryHost[];
  /** Cloud-wide per resource class. */
  units: Record<string, Units>;
  /** Resource classes of nested PCI providers (devices and VFs), sorted. */
  pciClasses: string[];
  /** By flavor name. */
  flavors: FlavorFit[];
  /** How long the summary took to compute, in seconds. */
  seconds: number;
}

function addUnits(into: Record<string, Units>, rc: string, capacity: number, used: number, free: number): void {
  const units = (into[rc] ??= { capacity: 0, used: 0, free: 0 });
  units.capacity += capacity;
  units.used += used;
  units.free += free;
}

/** The order hosts are listed in (by name); a collator compares as localeCompare does, several times faster. */
const byName = new Intl.Collator().compare;

/** Hosts summed up per step: a few milliseconds of work at a time (src/lib/turns.ts). */
const HOSTS_PER_STEP = 1_000;

/** The distinct classes of a host's tree: its root's, and its nested providers' that the root has not (a few each). */
function classCountOf({ inventories, pciProviders }: Host): number {
  let count = 0;
  for (const _rc in inventories) count++;
  for (let i = 0; i < pciProviders.length; i++) {
    const rc = pciProviders[i]!.resourceClass;
    if (inventories[rc] === undefined && pciProviders.findIndex((p) => p.resourceClass === rc) === i) count++;
  }
  return count;
}

/** Each provider's units of a host's tree, root classes first: capacity, usage and Placement's free. */
function forEachUnits(host: Host, add: (rc: string, capacity: number, used: number, free: number) => void): void {
  for (const rc in host.inventories) {
    const capacity = inventoryCapacity(host.inventories[rc]!);
    const used = host.usages[rc] ?? 0;
    // Placement's free: capacity less usage, never below 0 (§4.7), as the capacity rules count it.
    add(rc, capacity, used, Math.max(0, capacity - used));
  }
  for (const p of host.pciProviders) add(p.resourceClass, inventoryCapacity(p.inventory), p.used, providerFree(p));
}

/**
 * The hosts by name with the cloud-wide units and the nested providers' classes: a step per HOSTS_PER_STEP hosts.
 */
function* summaryHostSteps(snapshot: CloudSnapshot): Generator<void, Pick<CapacitySummary, 'hosts' | 'units' | 'pciClasses'>> {
  const sorted = [...snapshot.hosts].sort((a, b) => byName(a.name, b.name));
  const hosts: SummaryHost[] = [];
  const cloudUnits: Record<string, Units> = {};
  const pciClasses = new Set<string>();
  const addToCloud = (rc: string, capacity: number, used: number, free: number): void => addUnits(cloudUnits, rc, capacity, used, free);
  for (const host of sorted) {
    if (hosts.length % HOSTS_PER_STEP === 0) yield;
    forEachUnits(host, addToCloud);
    for (const p of host.pciProviders) pciClasses.add(p.resourceClass);
    hosts.push(new SummaryHost(hosts.length, host));
  }
  return { hosts, units: cloudUnits, pciClasses: [...pciClasses].sort() };
}

/** Hosts named with a flavor: the few that take the most, enough to see where it fits. */
export const TOP_HOSTS = 5;

/**
 * Per flavor only sums are kept (a few numbers per aggregate): instances per host for every flavor would be 4 bytes
 * a host and flavor, 120 MB at 15,000 hosts and 2,000 flavors. hostInstances reads them again from the scan when asked.
 */
function flavorFit(summary: Omit<CapacitySummary, 'flavors' | 'seconds'>, hostAggregates: readonly number[][], flavor: Flavor): FlavorFit {
  const { capacity, perHost } = flavorCapacity(summary.snapshot, flavor, summary.ruleContext, TOP_HOSTS);
  const aggregateInstances = new Float64Array(summary.aggregates.length);
  const aggregateHosts = new Int32Array(summary.aggregates.length);
  // Every host's instances, so per aggregate sums are complete.
  for (const { hosts, instances } of perHost) {
    const at = summaryPositions(summary.hosts, hosts);
    for (let i = 0; i < instances.length; i++) {
      const n = instances[i]!;
      if (n === 0) continue;
      for (const a of hostAggregates[at[i]!]!) {
        aggregateInstances[a]! += n;
        aggregateHosts[a]! += 1;
      }
    }
  }
  // Capacity lists hosts most instances first, then by name.
  const topHosts = capacity.hosts.map((h) => ({ host: h.host, instances: h.instances }));
  return { id: flavor.id, flavor, instances: capacity.totalInstances, hostsThatFit: capacity.hostsThatFit, aggregateInstances, aggregateHosts, topHosts, blocked: capacity.blocked };
}

/**
 * Per host list a scan counts by (the snapshot's, or its PCPU / non-PCPU parts with the fallback), each host's
 * position in the summary's hosts: a handful of lists per snapshot.
 */
const positionsMemo = new KeyedWeakMemo<readonly SummaryHost[], readonly Host[], Int32Array>();

function summaryPositions(summaryHosts: readonly SummaryHost[], hosts: readonly Host[]): Int32Array {
  return positionsMemo.get(summaryHosts, hosts, () => {
    const position = new Map(summaryHosts.map((h) => [h.uuid, h.at]));
    return Int32Array.from(hosts, (h) => position.get(h.uuid)!);
  });
}

/** Instances per host worked out again for one flavor, kept for the few flavors last asked. */
const instancesMemo = new KeyedWeakMemo<CapacitySummary, string, Int32Array>({ max: 64 });

/** Instances of the flavor each host takes, by position in `summary.hosts` (0: it does not fit). */
export function hostInstances(summary: CapacitySummary, fit: FlavorFit): Int32Array {
  return instancesMemo.get(summary, fit.id, () => {
    const instances = new Int32Array(summary.hosts.length);
    for (const part of flavorCapacity(summary.snapshot, fit.flavor, summary.ruleContext, TOP_HOSTS).perHost) {
      const at = summaryPositions(summary.hosts, part.hosts);
      part.instances.forEach((n, i) => {
        instances[at[i]!] = n;
      });
    }
    return instances;
  });
}

/** The summary a step at a time (one flavor per step), so the registry can let requests run in between. */
function* summarySteps(snapshot: CloudSnapshot, ctx: RuleContext): Generator<void, CapacitySummary> {
  const started = performance.now();
  const { hosts, units, pciClasses } = yield* summaryHostSteps(snapshot);
  yield;
  const aggregates = [...new Set(hosts.flatMap((h) => h.aggregates))].sort();
  const aggregateAt = new Map(aggregates.map((a, i) => [a, i]));
  const hostAggregates = hosts.map((h) => h.aggregates.map((a) => aggregateAt.get(a)!));
  const base = { snapshot, ruleContext: ctx, aggregates, hosts, units, pciClasses };
  const flavors: FlavorFit[] = [];
  for (const flavor of [...snapshot.flavors].sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id))) {
    yield;
    flavors.push(flavorFit(base, hostAggregates, flavor));
  }
  return { ...base, flavors, seconds: (performance.now() - started) / 1000 };
}

/** A summary done or under way: whoever needs it first finishes the one computation. */
interface Entry {
  steps: Iterator<void, CapacitySummary>;
  value?: CapacitySummary;
}

const entries = new WeakMemo<RuleContext, WeakMemo<CloudSnapshot, Entry>>((ctx) => new WeakMemo((snapshot) => ({ steps: summarySteps(snapshot, ctx) })));

/**
 * The summary's remaining steps: the registry runs them with turns when a snapshot becomes current; a reader that
 * comes meanwhile takes steps too (runWithTurns), and all of them end with the one summary.
 */
export function capacitySummarySteps(snapshot: CloudSnapshot, ctx: RuleContext): Iterator<void, CapacitySummary> {
  const byContext = entries.get(ctx);
  const entry = byContext.get(snapshot);
  return {
    next: () => {
      if (entry.value) return { done: true, value: entry.value };
      try {
        const step = entry.steps.next();
        // A generator that threw ends without a value: whoever shared it is told, rather than handed nothing.
        if (step.done && step.value === undefined) throw new Error('the capacity summary failed; the next request computes it afresh');
        if (step.done) entry.value = step.value;
        return step;
      } catch (err) {
        // A failed computation is not kept: the next reader starts afresh.
        byContext.delete(snapshot);
        throw err;
      }
    },
  };
}

/** The summary when it is done; undefined while it is computed (a scrape then leaves the cloud's capacity out). */
export function readySummary(snapshot: CloudSnapshot, ctx: RuleContext): CapacitySummary | undefined {
  return entries.get(ctx).get(snapshot).value;
}
