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
  const cloud: RawCloud = {
    ...demo, flavors: [], images: [], image_members: {}, flavor_access: {}, resource_providers: [], inventories: {}, usages: {}, traits: {}, aggregates: {},
  };
  for (let copy = 0; copy < copies; copy++) {
    const uuid = (u: string) => `${u}-${copy}`;
    cloud.flavors.push(...demo.flavors.map((f) => ({ ...f, id: uuid(f.id) })));
    cloud.images.push(...demo.images.map((img, i) => ({ ...img, id: uuid(img.id), name: i % 3 === 0 ? null : img.name })));
    // Each copy's shared image and private flavor shared with that copy's project and one common to all.
    const projects = [`project-${copy}`, 'project-common'];
    for (const id of Object.keys(demo.image_members)) {
      cloud.image_members[uuid(id)] = { members: projects.map((member_id) => ({ member_id, image_id: uuid(id), status: 'accepted' as const })) };
    }
    for (const id of Object.keys(demo.flavor_access)) {
      cloud.flavor_access[uuid(id)] = { flavor_access: projects.map((tenant_id) => ({ flavor_id: uuid(id), tenant_id })) };
    }
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
  for (const [id, body] of Object.entries(raw.image_members).reverse()) normaliser.imageMembers(id, body);
  for (const [id, body] of Object.entries(raw.flavor_access).reverse()) normaliser.flavorAccess(id, body);
  const apis = { computeMaxMicroversion: null, placementMaxMicroversion: null };
  const parts = { cloud: raw.cloud, region: raw.region, takenAt: raw.taken_at, apis, flavors: raw.flavors.map(normaliseFlavor), images, providers: raw.resource_providers };
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

  it('puts member and access lists on their shared image and private flavor, sorted, and nothing on the others', () => {
    const { snapshot } = normaliseCloud(crowdedCloud(2), 'id', 'openstack');
    const shared = snapshot.images.filter((img) => img.visibility === 'shared');
    expect(shared.map((img) => img.members.map((m) => m.project))).toEqual([
      ['project-0', 'project-common'],
      ['project-1', 'project-common'],
    ]);
    expect(snapshot.images.filter((img) => img.visibility !== 'shared').every((img) => img.members.length === 0)).toBe(true);
    const restricted = snapshot.flavors.filter((f) => !f.isPublic);
    expect(restricted.map((f) => f.accessProjects)).toEqual([
      ['project-0', 'project-common'],
      ['project-1', 'project-common'],
    ]);
    expect(snapshot.flavors.filter((f) => f.isPublic).every((f) => f.accessProjects.length === 0)).toBe(true);
  });
});
