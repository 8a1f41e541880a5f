// Capacity per flavor, per resource class and per host, as a caller may read it (GET /v1/capacity/*, the web page):
// from the snapshot's capacity summary (capacity-summary.ts), flavors as Nova lists them to the caller's project
// (visibility.ts), aggregates and hosts only with host-level access (policy.ts), paged by marker.
import type { RuleContext } from '../rules/index.ts';
import type { SnapshotRef } from '../model/index.ts';
import type { FlavorCapacityQuery, HostCapacityQuery } from '../schemas/capacity.ts';
import { hostDetailNeeded } from './advice.ts';
import { snapshotRef } from './answers.ts';
import { runWithTurns } from '../lib/turns.ts';
import { capacitySummarySteps, hostInstances, type CapacitySummary, type Units } from './capacity-summary.ts';
import { AdvisorError } from './errors.ts';
import { contains, paginate, type Page } from './paging.ts';
import type { Caller } from './policy.ts';
import type { SnapshotRegistry } from './registry.ts';
import { flavorListed, flavorVisible } from './visibility.ts';

export interface CapacityDeps {
  registry: SnapshotRegistry;
  ruleContext: RuleContext;
}

/**
 * The summary of the cloud's current snapshot; while it is being computed (a minute at 15,000 hosts and 2,000
 * flavors), the request waits for it without holding the event loop, taking its steps with whoever else does.
 */
function summaryOf(deps: CapacityDeps, cloud: string | undefined): Promise<CapacitySummary> {
  const snapshot = deps.registry.answering(cloud);
  return runWithTurns(capacitySummarySteps(snapshot, deps.ruleContext));
}

export async function flavorCapacityPage(deps: CapacityDeps, caller: Caller, query: FlavorCapacityQuery) {
  const summary = await summaryOf(deps, query.cloud);
  const page = paginate(summary.flavors, {
    key: 'id',
    listed: (fit) => flavorListed(fit.flavor, caller),
    matches: (fit) => contains(fit.flavor.name, query.name),
    limit: query.limit,
    marker: query.marker,
  });
  const items = page.items.map((fit) => ({
    id: fit.flavor.id,
    name: fit.flavor.name,
    isPublic: fit.flavor.isPublic,
    vcpus: fit.flavor.vcpus,
    ramMb: fit.flavor.ramMb,
    pciAlias: fit.flavor.extraSpecs['pci_passthrough:alias'] ?? null,
    instances: fit.instances,
    hostsThatFit: fit.hostsThatFit,
    blocked: fit.blocked,
    aggregates: caller.hostDetail
      ? summary.aggregates
        .map((aggregate, a) => ({ aggregate, instances: fit.aggregateInstances[a]!, hosts: fit.aggregateHosts[a]! }))
        .filter((a) => a.hosts > 0)
        .sort((a, b) => b.instances - a.instances || a.aggregate.localeCompare(b.aggregate))
      : [],
    topHosts: caller.hostDetail ? fit.topHosts : [],
  }));
  return { items, nextMarker: page.nextMarker, snapshot: snapshotRef(summary.snapshot) };
}

export async function resourceCapacity(deps: CapacityDeps, cloud: string | undefined) {
  const summary = await summaryOf(deps, cloud);
  return {
    hostsChecked: summary.hosts.length,
    resources: Object.entries(summary.units)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([resourceClass, units]) => ({ resourceClass, pci: summary.pciClasses.includes(resourceClass), ...units })),
    pciClasses: summary.pciClasses,
    snapshot: snapshotRef(summary.snapshot),
  };
}

export async function hostCapacityPage(deps: CapacityDeps, caller: Caller, query: HostCapacityQuery): Promise<Page<{ name: string; uuid: string; aggregates: string[]; units: Record<string, Units>; instances: number | null }> & { snapshot: SnapshotRef }> {
  if (!caller.hostDetail) throw hostDetailNeeded('capacity per host');
  const summary = await summaryOf(deps, query.cloud);
  let perHost: Int32Array | null = null;
  if (query.flavor_id !== undefined) {
    const fit = summary.flavors.find((f) => f.flavor.id === query.flavor_id);
    // One the caller may not see is answered like one that does not exist (404), as Nova answers it.
    if (!fit || !flavorVisible(fit.flavor, caller)) throw new AdvisorError('not_found', `no flavor with id "${query.flavor_id}" in the snapshot`);
    perHost = hostInstances(summary, fit);
  }
  const page = paginate(summary.hosts, {
    key: 'name',
    listed: () => true,
    matches: (h) =>
      contains(h.name, query.name) &&
      (query.resource_class === undefined || h.holds(query.resource_class)) &&
      (query.aggregate === undefined || h.aggregates.includes(query.aggregate)) &&
      (query.pci === undefined || h.pci === (query.pci === 'true')) &&
      (perHost === null || perHost[h.at]! > 0),
    limit: query.limit,
    marker: query.marker,
  });
  return {
    nextMarker: page.nextMarker,
    items: page.items.map((h) => ({ name: h.name, uuid: h.uuid, aggregates: h.aggregates, units: h.units, instances: perHost ? perHost[h.at]! : null })),
    snapshot: snapshotRef(summary.snapshot),
  };
}
