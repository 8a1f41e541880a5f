// The request bodies of the recommendation and validation benchmarks (issue 16), built from samples of a synthetic
// snapshot: api-bench sends them to the service over HTTP, ab-core passes them to two builds' advisor in process, so
// both measure the same requests.
import type { CloudSnapshot } from '../src/model/index.ts';
import type { FlavorRef } from '../src/schemas/flavor.ts';
import { WORKLOADS } from '../src/schemas/recommendation.ts';

/** A flavor given in the request itself, every field of the request schema's inline flavor (src/schemas/flavor.ts FlavorRef). */
export type InlineFlavor = Required<Pick<FlavorRef, 'vcpus' | 'ram' | 'disk' | 'ephemeral' | 'swap' | 'extra_specs'>>;

/** What the request bodies are made of, picked from the snapshot before it leaves this process. */
export interface Samples {
  images: { id: string; properties: Record<string, string> }[];
  /** Every flavor, by name (families and sizes interleave when spread), with what an inline copy of it gives. */
  flavors: { id: string; name: string; inline: InlineFlavor }[];
  hosts: string[];
  middleImageId: string;
}

/** Distinct requests of the "repeated" scenarios: few enough that after one pass every answer is cached. */
export const REPEATED = 48;
/** Distinct requests of the "new each time" scenarios: more than the service keeps (500 answers, 256 scans). */
export const DISTINCT = 6_000;

/** Every n-th item, so samples spread over the whole list (families, sizes, guests, racks). */
function spread<T>(items: readonly T[], count: number): T[] {
  const step = Math.max(1, Math.floor(items.length / count));
  return items.filter((_item, i) => i % step === 0).slice(0, count);
}

export function pickSamples(snapshot: CloudSnapshot): Samples {
  return {
    images: spread(snapshot.images.filter((i) => i.status === 'active'), DISTINCT).map((i) => ({ id: i.id, properties: i.properties })),
    flavors: snapshot.flavors.map((f) => ({
      id: f.id, name: f.name,
      inline: { vcpus: f.vcpus, ram: f.ramMb, disk: f.diskGb, ephemeral: f.ephemeralGb, swap: f.swapMb, extra_specs: f.extraSpecs },
    })),
    hosts: spread(snapshot.hosts, 8).map((h) => h.name),
    middleImageId: snapshot.images[Math.floor(snapshot.images.length / 2)]!.id,
  };
}

/** The request bodies of the scenarios, all built from the snapshot's samples. */
export function requestBodies(samples: Samples) {
  const { images, flavors } = samples;
  // Flavors are sorted by name, so stepping through them mixes families (m, c, r, nfv, pf, dpdk) and sizes.
  const flavorStep = Math.floor(flavors.length / REPEATED);
  const recommendation = (i: number, flavor: { id: string } | InlineFlavor) => JSON.stringify({
    image: { id: images[i % images.length]!.id },
    flavor: 'id' in flavor ? { id: flavor.id } : flavor,
    workload: WORKLOADS[i % WORKLOADS.length],
    ...(i % 4 === 3 && { vnic_type: 'direct' }),
  });
  const range = (n: number) => Array.from({ length: n }, (_, i) => i);
  // The image's own properties; the "new" ones carry a checksum property of their own, as every upload does.
  const validation = (i: number, unique: boolean) => JSON.stringify({
    properties: { ...images[i % images.length]!.properties, ...(unique && { 'owner_specified.openstack.sha256': `${i}`.padStart(64, '0') }) },
    ...(i % 2 === 0 && { flavor: { id: flavors[(i * flavorStep) % flavors.length]!.id } }),
  });
  return {
    cachedRecommendations: range(REPEATED).map((i) => recommendation(i, { id: flavors[i * flavorStep]!.id })),
    newImageRecommendations: range(DISTINCT).map((i) => recommendation(i, { id: flavors[(i % REPEATED) * flavorStep]!.id })),
    /**
     * New image, flavor and workload each time. The synthetic cloud's 2,000 flavors come in fewer shapes, so asked
     * by id they shared capacity scans: 0.57–0.65 scans a request were computed (counted in process at 15,000 hosts),
     * the rest were a kept scan of a flavor of the same shape. Each flavor is given inline instead, with a RAM size
     * no other request has, so each request's query is new and its answer scans every host.
     */
    uncachedRecommendations: range(DISTINCT).map((i) => {
      const { inline } = flavors[i % flavors.length]!;
      return recommendation(i, { ...inline, ram: inline.ram + i + 1 });
    }),
    cachedValidations: range(REPEATED).map((i) => validation(i, false)),
    uncachedValidations: range(DISTINCT).map((i) => validation(i, true)),
  };
}
