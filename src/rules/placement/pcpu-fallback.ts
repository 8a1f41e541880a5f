// The scheduler's second query for pinned instances (domain.md §1.5, §7): with the PCPU→VCPU fallback
// (`[workarounds] disable_fallback_pcpu_query`, default False; NOVA `nova/scheduler/manager.py`
// `SchedulerManager._select_destinations`, `nova/conf/workarounds.py`), Nova also asks Placement with VCPU instead
// of PCPU and merges both candidate lists. Hosts that report PCPU are then still held to their PCPUs (the
// NUMATopologyFilter and the compute refuse a VCPU allocation they cannot pin), so a host is judged by the PCPU
// query when it has PCPU inventory and by the VCPU query otherwise.
import { WeakMemo } from '../../lib/memo.ts';
import { hasPcpuFallback, releaseName } from '../release/release.ts';
import { BLOCKED_EXAMPLES, DEFAULT_CAPACITY_HOSTS, candidateHosts, computeCapacity, totalInstances, type CapacityRequest } from './capacity.ts';
import { placementQuery, type PlacementQueryContext } from './query.ts';
import type { Capacity, Flavor, Host, NovaRelease, PlacementQuery } from '../../model/index.ts';
import { extend } from '../../lib/objects.ts';

/**
 * Per host list: those reporting PCPU and the rest (a snapshot never changes). Shared with flavor-capacity.ts, which
 * scans the two lists as capacityWithFallback does: the same arrays, so the same host indexes.
 */
export const byPcpu = new WeakMemo<readonly Host[], { pcpu: Host[]; legacy: Host[] }>((hosts) => ({
  pcpu: hosts.filter((h) => h.inventories['PCPU'] !== undefined),
  legacy: hosts.filter((h) => h.inventories['PCPU'] === undefined),
}));

/**
 * The fallback query Nova sends after `query`, when the release has the fallback, `query` asks PCPU and some host
 * reports none (only those hosts can differ); null otherwise. A note on `query` says so.
 */
export function pcpuFallbackQuery(hosts: readonly Host[], flavor: Flavor, properties: Record<string, string>, ctx: PlacementQueryContext & { release: NovaRelease }, query: PlacementQuery): PlacementQuery | null {
  if (ctx.facts.disableFallbackPcpuQuery || !hasPcpuFallback(ctx.release) || !query.groups.some((g) => g.resources['PCPU'] !== undefined)) return null;
  if (byPcpu.get(hosts).legacy.length === 0) return null;
  const fallback = placementQuery(flavor, { properties }, { ...ctx, pinningTranslate: false });
  query.notes.push({ subject: 'PCPU fallback',
    reason: `Nova ${releaseName(ctx.release)} also sends ${fallback.query} (VCPU instead of PCPU; [workarounds] disable_fallback_pcpu_query is False by default) and merges the candidates: hosts without PCPU inventory are judged by it.`,
    source: 'NOVA nova/scheduler/manager.py SchedulerManager._select_destinations; domain.md §7' });
  return fallback;
}

/** How many of the hosts without PCPU inventory the fallback query returns. */
export function fallbackHostsThatFit(hosts: readonly Host[], request: CapacityRequest, fallback: PlacementQuery): number {
  return candidateHosts(byPcpu.get(hosts).legacy, { ...request, query: fallback }, 0).count;
}

function sumInto(into: Record<string, number>, from: Record<string, number>): Record<string, number> {
  for (const [key, n] of Object.entries(from)) into[key] = (into[key] ?? 0) + n;
  return into;
}

/** Capacity with the fallback: the PCPU query on hosts with PCPU inventory, the VCPU query on the others. */
export function capacityWithFallback(hosts: readonly Host[], request: CapacityRequest, fallback: PlacementQuery): Capacity {
  const { pcpu, legacy } = byPcpu.get(hosts);
  if (legacy.length === 0) return computeCapacity(hosts, request);
  if (pcpu.length === 0) return computeCapacity(hosts, { ...request, query: fallback });
  // At least one host each, so that the better of the two first hosts (whose allocation each half has) is known.
  const listed = request.capacityHosts ?? DEFAULT_CAPACITY_HOSTS;
  const a = computeCapacity(pcpu, extend(request, { capacityHosts: Math.max(1, listed) }));
  const b = computeCapacity(legacy, extend(request, { query: fallback, capacityHosts: Math.max(1, listed) }));
  const blocked = sumInto(sumInto({}, a.blocked), b.blocked);
  const fit = [...a.hosts, ...b.hosts].sort((x, y) => y.instances - x.instances || x.host.localeCompare(y.host));
  const unknown = [...a.unknown, ...b.unknown.filter((u) => !a.unknown.some((v) => v.field === u.field))];
  const hostsThatFit = a.hostsThatFit + b.hostsThatFit;
  return {
    hostsChecked: a.hostsChecked + b.hostsChecked,
    hostsThatFit,
    totalInstances: a.totalInstances + b.totalInstances,
    free: sumInto(sumInto({}, a.free), b.free),
    hosts: fit.slice(0, listed),
    blocked: Object.fromEntries(Object.entries(blocked).sort(([x, m], [y, n]) => n - m || x.localeCompare(y))),
    blockedExamples: [...a.blockedExamples, ...b.blockedExamples].sort((x, y) => x.host.localeCompare(y.host)).slice(0, BLOCKED_EXAMPLES),
    fits: hostsThatFit === 0 ? 'no' : unknown.length > 0 ? 'unknown' : 'yes',
    unknown,
    pciOnly: a.pciOnly || b.pciOnly
      ? { hostsThatFit: (a.pciOnly?.hostsThatFit ?? 0) + (b.pciOnly?.hostsThatFit ?? 0), totalInstances: (a.pciOnly?.totalInstances ?? 0) + (b.pciOnly?.totalInstances ?? 0) }
      : null,
    allocation: [a.allocation, b.allocation].find((x) => x !== null && x.host === fit[0]?.host) ?? null,
  };
}

/**
 * capacityWithFallback's totalInstances (computeCapacity's without a fallback) and nothing else: for answers that
 * compare counts, such as the instances each NIC model would fit, without the hosts, examples and allocation.
 */
export function totalInstancesWithFallback(hosts: readonly Host[], request: CapacityRequest, fallback: PlacementQuery | null): number {
  if (!fallback) return totalInstances(hosts, request);
  const { pcpu, legacy } = byPcpu.get(hosts);
  if (legacy.length === 0) return totalInstances(hosts, request);
  if (pcpu.length === 0) return totalInstances(hosts, { ...request, query: fallback });
  return totalInstances(pcpu, request) + totalInstances(legacy, { ...request, query: fallback });
}

/** Candidate hosts with the fallback, as candidateHosts counts and names them. */
export function candidatesWithFallback(hosts: readonly Host[], request: CapacityRequest, fallback: PlacementQuery, limit: number): { count: number; names: string[] } {
  const { pcpu, legacy } = byPcpu.get(hosts);
  const a = candidateHosts(pcpu, request, limit);
  const b = candidateHosts(legacy, { ...request, query: fallback }, limit);
  return { count: a.count + b.count, names: [...a.names, ...b.names].sort().slice(0, limit) };
}
