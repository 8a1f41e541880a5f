// Where each flavor fits as it is, and how many instances: the per-flavor capacity the metrics and the web page show
// (os-capacity's "free capacity by flavor", with the nested PCI providers it cannot see). The image is one without
// properties, so no image-specific trait (prefilter, device model) narrows the hosts; the flavor's PCI aliases are
// resolved as a preview resolves them (§4.2) and the query is the one Nova sends for the flavor (§4.6, §4.7).
import { computeCapacity } from './placement/capacity.ts';
import { capacityWithFallback, pcpuFallbackQuery } from './placement/pcpu-fallback.ts';
import { placementQuery } from './placement/query.ts';
import { planPci } from './pci/plan.ts';
import { resolveProfile } from './profiles/profiles.ts';
import { buildScope } from './scope.ts';
import type { AdviceRequest, Capacity, CloudSnapshot, Flavor, GuestKnowledge, HostFacts, Image, ReleaseAssumption } from '../model/index.ts';

/** The image capacity is counted for: no properties, hence no image-specific traits (docs/metrics.md). */
export const PROPERTYLESS_IMAGE: Image = {
  id: '', name: null, status: 'active', visibility: null, diskFormat: null, minDiskGb: 0, minRamMb: 0, owner: null, hidden: false,
  members: [], properties: {},
};

/** The capacity of `flavor` on every host, the `capacityHosts` hosts that take the most listed. */
export function flavorCapacityWith(snapshot: CloudSnapshot, flavor: Flavor, knowledge: GuestKnowledge, facts: HostFacts,
  release: ReleaseAssumption, capacityHosts: number): Capacity {
  const scope = buildScope({}, null, flavor, snapshot.hosts, knowledge, facts, release);
  // The general profile asks no devices of its own: the plan holds exactly the flavor's aliases, as in a preview.
  const request: AdviceRequest = { image: PROPERTYLESS_IMAGE, flavor, workload: 'general', vnicType: 'normal' };
  const pci = planPci({ ...scope, workload: 'general', vnicType: 'normal', profile: resolveProfile(request, facts) }, request);
  const queryContext = { facts, pci: pci.demands, release: release.release };
  const query = placementQuery(flavor, { properties: {} }, queryContext);
  const fallback = pcpuFallbackQuery(snapshot.hosts, flavor, {}, queryContext, query);
  const capacityRequest = { query, deviceTraits: [], capacityHosts };
  return fallback ? capacityWithFallback(snapshot.hosts, capacityRequest, fallback) : computeCapacity(snapshot.hosts, capacityRequest);
}
