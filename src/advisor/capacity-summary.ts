// What the metrics and the web page show about a snapshot's capacity, computed once per snapshot (and rule context)
// when it becomes current, never per scrape or request: per flavor the instances that fit (rules `flavorCapacity`,
// for an image without properties), per host and per Placement aggregate, and the hosts blocked per reason; per
// resource class, root and nested PCI / VF providers alike, the units there are, used and free.
import { flavorCapacity, inventoryCapacity, providerFree, type RuleContext } from '../rules/index.ts';
import { KeyedWeakMemo, WeakMemo } from '../lib/memo.ts';
import type { CloudSnapshot, Flavor } from '../model/index.ts';

export interface Units {
  capacity: number;
  used: number;
  free: number;
}

export interface SummaryHost {
  /** Position in CapacitySummary.hosts, where FlavorFit.perHost has its instances. */
  at: number;
  name: string;
  uuid: string;
  /** Placement aggregate uuids (Placement knows aggregates by uuid only; no availability zone names). */
  aggregates: string[];
  /** Whether it has nested PCI providers (devices, VFs). */
  pci: boolean;
  /** Per resource class over the host's whole provider tree. */
  units: Record<string, Units>;
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

function summaryHosts(snapshot: CloudSnapshot): SummaryHost[] {
  return snapshot.hosts.map((host) => {
    const units: Record<string, Units> = {};
    for (const [rc, inventory] of Object.entries(host.inventories)) {
      const capacity = inventoryCapacity(inventory);
      const used = host.usages[rc] ?? 0;
      // Placement's free: capacity less usage, never below 0 (§4.7), as the capacity rules count it.
      addUnits(units, rc, capacity, used, Math.max(0, capacity - used));
    }
    for (const p of host.pciProviders) addUnits(units, p.resourceClass, inventoryCapacity(p.inventory), p.used, providerFree(p));
    return { at: 0, name: host.name, uuid: host.uuid, aggregates: host.aggregates, pci: host.pciProviders.length > 0, units };
  }).sort((a, b) => a.name.localeCompare(b.name)).map((host, at) => ({ ...host, at }));
}

/** Hosts named with a flavor: the few that take the most, enough to see where it fits. */
export const TOP_HOSTS = 5;

/**
 * Per flavor only sums are kept (a few numbers per aggregate): instances per host for every flavor would be 4 bytes
 * a host and flavor, 120 MB at 15,000 hosts and 2,000 flavors. hostInstances works them out again when asked.
 */
function flavorFit(summary: Omit<CapacitySummary, 'flavors' | 'seconds'>, hostAggregates: readonly number[][], flavor: Flavor): FlavorFit {
  // Every host that fits is listed, so per aggregate sums are complete.
  const capacity = flavorCapacity(summary.snapshot, flavor, summary.ruleContext, summary.hosts.length);
  const aggregateInstances = new Float64Array(summary.aggregates.length);
  const aggregateHosts = new Int32Array(summary.aggregates.length);
  const position = positions.get(summary.hosts);
  for (const fit of capacity.hosts) {
    for (const a of hostAggregates[position.get(fit.host)!]!) {
      aggregateInstances[a]! += fit.instances;
      aggregateHosts[a]! += 1;
    }
  }
  // Capacity lists hosts most instances first, then by name.
  const topHosts = capacity.hosts.slice(0, TOP_HOSTS).map((h) => ({ host: h.host, instances: h.instances }));
  return { id: flavor.id, flavor, instances: capacity.totalInstances, hostsThatFit: capacity.hostsThatFit, aggregateInstances, aggregateHosts, topHosts, blocked: capacity.blocked };
}

const positions = new WeakMemo((hosts: readonly SummaryHost[]) => new Map(hosts.map((h) => [h.name, h.at])));

/** Instances per host worked out again for one flavor, kept for the few flavors last asked. */
const instancesMemo = new KeyedWeakMemo<CapacitySummary, string, Int32Array>({ max: 64 });

/** Instances of the flavor each host takes, by position in `summary.hosts` (0: it does not fit). */
export function hostInstances(summary: CapacitySummary, fit: FlavorFit): Int32Array {
  return instancesMemo.get(summary, fit.id, () => {
    const instances = new Int32Array(summary.hosts.length);
    const position = positions.get(summary.hosts);
    for (const h of flavorCapacity(summary.snapshot, fit.flavor, summary.ruleContext, summary.hosts.length).hosts) instances[position.get(h.host)!] = h.instances;
    return instances;
  });
}

/** The summary a step at a time (one flavor per step), so the registry can let requests run in between. */
function* summarySteps(snapshot: CloudSnapshot, ctx: RuleContext): Generator<void, CapacitySummary> {
  const started = performance.now();
  const hosts = summaryHosts(snapshot);
  const units: Record<string, Units> = {};
  for (const host of hosts) for (const [rc, u] of Object.entries(host.units)) addUnits(units, rc, u.capacity, u.used, u.free);
  const pciClasses = [...new Set(snapshot.hosts.flatMap((h) => h.pciProviders.map((p) => p.resourceClass)))].sort();
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
