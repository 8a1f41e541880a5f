import { describe, expect, it } from 'vitest';
import type { RawCloud } from '../openstack/schemas.ts';
import { loadDemoCloud } from './demo.ts';
import { CloudNormaliser, normaliseCloud, normaliseFlavor } from './normalise.ts';

/**
 * The demo cloud `copies` times over, every copy under the same names (so sorting meets many ties) with its
 * own uuids, and unnamed images: enough hosts, providers and images to span several slices of the sort.
 */
function crowdedCloud(copies: number): RawCloud {
  const demo = loadDemoCloud();
  const cloud: RawCloud = { ...demo, flavors: [], images: [], resource_providers: [], inventories: {}, usages: {}, traits: {}, aggregates: {} };
  for (let copy = 0; copy < copies; copy++) {
    const uuid = (u: string) => `${u}-${copy}`;
    cloud.flavors.push(...demo.flavors.map((f) => ({ ...f, id: uuid(f.id) })));
    cloud.images.push(...demo.images.map((img, i) => ({ ...img, id: uuid(img.id), name: i % 3 === 0 ? null : img.name })));
    for (const rp of demo.resource_providers) {
      cloud.resource_providers.push({
        ...rp,
        uuid: uuid(rp.uuid),
        root_provider_uuid: uuid(rp.root_provider_uuid),
        parent_provider_uuid: rp.parent_provider_uuid === null ? null : uuid(rp.parent_provider_uuid),
      });
      for (const kind of ['inventories', 'usages', 'traits', 'aggregates'] as const) {
        const body = demo[kind][rp.uuid];
        if (body) Object.assign(cloud[kind], { [uuid(rp.uuid)]: body });
      }
    }
  }
  return cloud;
}

/** What a sync does: providers and images handed over one by one, in any order, then the snapshot. */
async function normaliseAsRead(raw: RawCloud, arrival: RawCloud['resource_providers']) {
  const normaliser = new CloudNormaliser();
  for (const rp of arrival) {
    normaliser.provider(rp, { inventories: raw.inventories[rp.uuid], usages: raw.usages[rp.uuid], traits: raw.traits[rp.uuid], aggregates: raw.aggregates[rp.uuid] });
  }
  const images = raw.images.map(normaliser.image);
  const parts = { cloud: raw.cloud, region: raw.region, takenAt: raw.taken_at, flavors: raw.flavors.map(normaliseFlavor), images, providers: raw.resource_providers };
  return normaliser.snapshot(parts, 'id', 'openstack');
}

describe('normalising a cloud as it is read', () => {
  it.each([
    ['the demo cloud', loadDemoCloud()],
    ['200 copies of it under the same names', crowdedCloud(200)],
  ])('gives what normaliseCloud gives for %s, whatever order the providers arrive in', async (_name, raw) => {
    const whole = normaliseCloud(raw, 'id', 'openstack');
    expect(await normaliseAsRead(raw, raw.resource_providers)).toEqual(whole);
    expect(await normaliseAsRead(raw, [...raw.resource_providers].reverse())).toEqual(whole);
  });

  it('sorts as Array.prototype.sort does: by name, ties in the order Glance and Placement listed them', () => {
    const raw = crowdedCloud(200);
    const { snapshot } = normaliseCloud(raw, 'id', 'openstack');
    expect(snapshot.images.length).toBeGreaterThan(2000);
    expect(snapshot.hosts.length).toBeGreaterThan(2000);
    const imageIds = raw.images
      .map((img) => ({ id: img.id, name: img.name ?? '' }))
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((img) => img.id);
    expect(snapshot.images.map((img) => img.id)).toEqual(imageIds);
    const hostUuids = raw.resource_providers
      .filter((rp) => rp.parent_provider_uuid === null)
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((rp) => rp.uuid);
    expect(snapshot.hosts.map((host) => host.uuid)).toEqual(hostUuids);
  });
});
