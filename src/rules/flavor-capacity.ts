// Where each flavor fits as it is, and how many instances: the per-flavor capacity the metrics and the web page show
// (os-capacity's "free capacity by flavor", with the nested PCI providers it cannot see). The image is one without
// properties, so no image-specific trait (prefilter, device model) narrows the hosts; the flavor's PCI aliases are
// resolved as a preview resolves them (§4.2) and the query is the one Nova sends for the flavor (§4.6, §4.7).
import { computeCapacity, hostInstancesOf } from './placement/capacity.ts';
import { byPcpu, capacityWithFallback, pcpuFallbackQuery } from './placement/pcpu-fallback.ts';
import { placementQuery } from './placement/query.ts';
import { planPci } from './pci/plan.ts';
import { resolveProfile } from './profiles/profiles.ts';
import { buildScope } from './scope.ts';
import type { AdviceRequest, Capacity, CloudSnapshot, Flavor, GuestKnowledge, Host, HostFacts, Image, ReleaseAssumption } from '../model/index.ts';

/** The image capacity is counted for: no properties, hence no image-specific traits (docs/metrics.md). */
export const PROPERTYLESS_IMAGE: Image = {
  id: '', name: null, status: 'active', visibility: null, diskFormat: null, minDiskGb: 0, minRamMb: 0, owner: null, hidden: false,
  members: [], properties: {},
};

/** The instances of a flavor each host of a host list takes, by position in `hosts` (capacity.ts hostInstancesOf). */
export interface HostInstances {
  hosts: readonly Host[];
  instances: Int32Array;
}

export interface FlavorCapacity {
  capacity: Capacity;
  /** Every host's instances, in one or (with the PCPU fallback) two host lists that together hold every host once. */
  perHost: HostInstances[];
}

/**
 * The capacity of `flavor` on every host, the `capacityHosts` hosts that take the most listed, and the instances
 * each host takes, both read from the same scans (no HostFit per host).
 */
export function flavorCapacityWith(snapshot: CloudSnapshot, flavor: Flavor, knowledge: GuestKnowledge, facts: HostFacts,
  release: ReleaseAssumption, capacityHosts: number): FlavorCapacity {
  const scope = buildScope({}, null, flavor, snapshot.hosts, knowledge, facts, release);
  // The general profile asks no devices of its own: the plan holds exactly the flavor's aliases, as in a preview.
  const request: AdviceRequest = { image: PROPERTYLESS_IMAGE, flavor, workload: 'general', vnicType: 'normal' };
  // Own fields first (lib/objects.ts): this runs for every flavor of a capacity summary.
  const pci = planPci({ workload: 'general', vnicType: 'normal', profile: resolveProfile(request, facts), ...scope }, request);
  const queryContext = { facts, pci: pci.demands, release: release.release };
  const query = placementQuery(flavor, { properties: {} }, queryContext);
  const fallback = pcpuFallbackQuery(snapshot.hosts, flavor, {}, queryContext, query);
  const capacityRequest = { query, deviceTraits: [], capacityHosts };
  if (!fallback) return { capacity: computeCapacity(snapshot.hosts, capacityRequest), perHost: [hostInstancesOf(snapshot.hosts, capacityRequest)] };
  // As capacityWithFallback, on its very lists (byPcpu): the PCPU query on hosts with PCPU inventory, the fallback
  // on the rest, each list whole when the other is empty; each part is scanned on its own, since which devices
  // Placement shows (capacity.ts `unseen`) is a property of the list scanned.
  const { pcpu, legacy } = byPcpu.get(snapshot.hosts);
  const fallbackRequest = { ...capacityRequest, query: fallback };
  const perHost = pcpu.length === 0 ? [hostInstancesOf(snapshot.hosts, fallbackRequest)]
    : legacy.length === 0 ? [hostInstancesOf(snapshot.hosts, capacityRequest)]
      : [hostInstancesOf(pcpu, capacityRequest), hostInstancesOf(legacy, fallbackRequest)];
  return { capacity: capacityWithFallback(snapshot.hosts, capacityRequest, fallback), perHost };
}
