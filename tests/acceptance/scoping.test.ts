// Issue 10 on the real lab: nobody sees through nova-advisor what their project cannot see in OpenStack. A project
// and a member user are made for the test, with a private image, an image shared with the demo project (accepted),
// a community image, and a private flavor the new project may use. After a sync, each user's view through the API
// (AUTH_MODE=keystone, real tokens) is compared with what Glance, Nova and Placement answer the same token.
//   OS_CLIENT_CONFIG_FILE=/var/lib/openstack-lab/clouds.yaml OS_CLOUD=lab-admin npx vitest run tests/acceptance
import { randomBytes, randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SnapshotRegistry } from '../../src/advisor/registry.ts';
import { buildApp } from '../../src/api/app.ts';
import { KeystoneTokenValidator } from '../../src/api/auth.ts';
import { loadSettings } from '../../src/config/index.ts';
import { createClient } from '../../src/openstack/client.ts';
import { loadCloudConfigs, type CloudConfig } from '../../src/openstack/config.ts';
import { defaultRuleContext } from '../../src/rules/index.ts';
import { runSync } from '../../src/sync/sync.ts';
import { openPostgresStore, type TestStore } from '../helpers/db.ts';
import { LabApi, type LabToken } from './support/lab-api.ts';

const cloudName = process.env.OS_CLOUD?.split(',')[0]?.trim();
const log = pino({ level: process.env.LOG_LEVEL ?? 'silent' });
/** How long the service trusts a validated token here: a revoked one must be refused after it. */
const TOKEN_TTL_MS = 2_000;

function credentials(cloud: CloudConfig): [string, string, string] {
  if (cloud.auth.type !== 'password') throw new Error(`${cloud.name}: a password cloud is needed`);
  return [cloud.auth.user.name!, cloud.auth.password, cloud.auth.project!.name!];
}

describe.skipIf(!cloudName)('each caller sees through nova-advisor what OpenStack shows them (lab)', () => {
  const tag = `na-scope-${randomBytes(4).toString('hex')}`;
  let cloud: CloudConfig;
  let lab: LabApi;
  let admin: LabToken;
  let demo: LabToken;
  let member: LabToken;
  const made = { project: '', user: '', images: [] as string[], flavor: '' };
  let privateImage: string;
  let sharedImage: string;
  let communityImage: string;
  let privateFlavor: string;
  let t: TestStore;
  let app: FastifyInstance;

  beforeAll(async () => {
    [cloud] = loadCloudConfigs({ ...process.env, OS_CLOUD: cloudName }) as [CloudConfig];
    const [demoCloud] = loadCloudConfigs({ ...process.env, OS_CLOUD: 'lab-demo' }) as [CloudConfig];
    lab = new LabApi(cloud.authUrl);
    admin = await lab.token(...credentials(cloud));
    demo = await lab.token(...credentials(demoCloud));

    // A project of the test's own with a member user.
    const memberRole = (await lab.keystone(admin, 'GET', '/roles?name=member')).body.roles[0].id as string;
    made.project = (await lab.keystone(admin, 'POST', '/projects', { project: { name: tag, domain_id: 'default' } })).body.project.id;
    made.user = (await lab.keystone(admin, 'POST', '/users', { user: { name: tag, password: tag, domain_id: 'default' } })).body.user.id;
    expect((await lab.keystone(admin, 'PUT', `/projects/${made.project}/users/${made.user}/roles/${memberRole}`)).status).toBe(204);
    member = await lab.token(tag, tag, tag);

    // Its images: private (with a property only its project may read), shared with demo (accepted), community.
    const image = async (visibility: string, extra: Record<string, string> = {}) => {
      const res = await lab.call(member, 'image', 'POST', '/v2/images', {
        name: `${tag}-${visibility}`, visibility, container_format: 'bare', disk_format: 'raw', os_distro: 'ubuntu', os_version: '22.04', ...extra,
      });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      made.images.push(res.body.id);
      return res.body.id as string;
    };
    privateImage = await image('private', { secret_note: 'for its own project only' });
    sharedImage = await image('shared');
    communityImage = await image('community');
    expect((await lab.call(member, 'image', 'POST', `/v2/images/${sharedImage}/members`, { member: demo.projectId })).status).toBe(200);
    expect((await lab.call(demo, 'image', 'PUT', `/v2/images/${sharedImage}/members/${demo.projectId}`, { status: 'accepted' })).status).toBe(200);

    // A private flavor the new project has access to.
    const flavor = await lab.call(admin, 'compute', 'POST', '/flavors', {
      flavor: { name: `${tag}-private`, ram: 512, vcpus: 1, disk: 1, 'os-flavor-access:is_public': false },
    });
    expect(flavor.status, JSON.stringify(flavor.body)).toBe(200);
    privateFlavor = made.flavor = flavor.body.flavor.id;
    expect((await lab.call(admin, 'compute', 'POST', `/flavors/${privateFlavor}/action`, { addTenantAccess: { tenant: made.project } })).status).toBe(200);

    // A sync with the admin credential, then the API with Keystone auth against the lab's Keystone.
    t = await openPostgresStore();
    const outcome = await runSync(createClient(cloud, { log }), t.store, { log });
    expect(outcome.error?.message ?? null).toBeNull();
    const registry = new SnapshotRegistry(t.store);
    await registry.refresh([cloud.name]);
    app = await buildApp({
      settings: loadSettings({ AUTH_MODE: 'keystone', DEMO_CLOUD: 'false' }),
      store: t.store,
      registry,
      ruleContext: defaultRuleContext(),
      tokenValidator: new KeystoneTokenValidator(cloud.authUrl, { validTtlMs: TOKEN_TTL_MS }),
      authRealm: cloud.authUrl,
    });
    await app.ready();
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    await t?.dispose();
    if (!admin) return;
    for (const id of made.images) await lab.call(admin, 'image', 'DELETE', `/v2/images/${id}`);
    if (made.flavor) await lab.call(admin, 'compute', 'DELETE', `/flavors/${made.flavor}`);
    if (made.user) await lab.keystone(admin, 'DELETE', `/users/${made.user}`);
    if (made.project) await lab.keystone(admin, 'DELETE', `/projects/${made.project}`);
  });

  const users = () => ({ admin, demo, member });
  const get = (who: LabToken, path: string) => request(app.server).get(path).set('x-auth-token', who.token);
  const post = (who: LabToken, path: string, body: object) => request(app.server).post(path).set('x-auth-token', who.token).send(body);

  /** Every item of one of our listings, page by page. */
  async function ours(who: LabToken, path: string, key: 'id' | 'name'): Promise<string[]> {
    const seen: string[] = [];
    let marker: string | null = null;
    do {
      const res = await get(who, `${path}?limit=2${marker ? `&marker=${encodeURIComponent(marker)}` : ''}`);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      seen.push(...res.body.items.map((i: Record<string, string>) => i[key]));
      marker = res.body.nextMarker;
    } while (marker);
    return seen.sort();
  }

  it.each([
    ['images', 'Glance', 'image', '/v2/images?limit=3', 'images'],
    ['flavors', 'Nova', 'compute', '/flavors/detail?limit=3', 'flavors'],
  ] as const)('lists to each user the %s %s lists to that user', async (kind, service, type, path, key) => {
    const counts: string[] = [];
    for (const [name, who] of Object.entries(users())) {
      const theirs = (await lab.all(who, type, path, key)).map((i) => i.id).sort();
      const seen = await ours(who, `/v1/${kind}`, 'id');
      counts.push(`${name}: nova-advisor ${seen.length}, ${service} ${theirs.length}`);
      expect(seen, name).toEqual(theirs);
      // The capacity page (issue 15's web page reads it) lists the same flavors as Nova, no more.
      if (kind === 'flavors') expect(await ours(who, '/v1/capacity/flavors', 'id'), `${name} capacity`).toEqual(theirs);
    }
    console.log(`${kind} per user: ${counts.join('; ')}`);
  });

  it('shows hosts only to those Nova and Placement show them to', async () => {
    const counts: string[] = [];
    for (const [name, who] of Object.entries(users())) {
      const hypervisors = await lab.call(who, 'compute', 'GET', '/os-hypervisors');
      const providers = await lab.call(who, 'placement', 'GET', '/resource_providers');
      const res = await get(who, '/v1/hosts');
      if (hypervisors.status === 200) {
        const names = hypervisors.body.hypervisors.map((h: { hypervisor_hostname: string }) => h.hypervisor_hostname).sort();
        expect(res.status, name).toBe(200);
        expect(res.body.items.map((h: { name: string }) => h.name).sort(), name).toEqual(names);
        expect(providers.status, name).toBe(200);
        counts.push(`${name}: nova-advisor ${res.body.items.length}, Nova ${names.length}`);
      } else {
        expect([hypervisors.status, providers.status, res.status], name).toEqual([403, 403, 403]);
        counts.push(`${name}: nova-advisor 403, Nova 403, Placement 403`);
      }
    }
    console.log(`hosts per user: ${counts.join('; ')}`);
  });

  it.each([
    ['the private image', () => `/v1/images/${privateImage}`, () => `/v2/images/${privateImage}`, { admin: 200, demo: 404, member: 200 }],
    ['the image shared with demo', () => `/v1/images/${sharedImage}`, () => `/v2/images/${sharedImage}`, { admin: 200, demo: 200, member: 200 }],
    ['the community image', () => `/v1/images/${communityImage}`, () => `/v2/images/${communityImage}`, { admin: 200, demo: 200, member: 200 }],
  ] as const)('shows %s by id exactly to those Glance shows it to', async (_what, path, glancePath, expected) => {
    for (const [name, who] of Object.entries(users())) {
      const glance = await lab.call(who, 'image', 'GET', glancePath());
      const res = await get(who, path());
      expect([res.status, glance.status], name).toEqual([expected[name as keyof typeof expected], expected[name as keyof typeof expected]]);
    }
  });

  it('shows the private flavor by id exactly to those Nova shows it to', async () => {
    const expected = { admin: 200, demo: 404, member: 200 };
    for (const [name, who] of Object.entries(users())) {
      const nova = await lab.call(who, 'compute', 'GET', `/flavors/${privateFlavor}`);
      const res = await get(who, `/v1/flavors/${privateFlavor}`);
      expect([res.status, nova.status], name).toEqual([expected[name as keyof typeof expected], expected[name as keyof typeof expected]]);
    }
  });

  it('resolves an image or flavor another project cannot see as not found, by id and by name', async () => {
    for (const image of [{ id: privateImage }, { name: `${tag}-private` }]) {
      const res = await post(demo, '/v1/recommendations', { image, workload: 'general' });
      expect(res.status, JSON.stringify(image)).toBe(404);
      expect(JSON.stringify(res.body)).not.toContain('for its own project only');
    }
    expect((await post(demo, '/v1/validations', { properties: { os_distro: 'ubuntu' }, flavor: { id: privateFlavor } })).status).toBe(404);
    expect((await post(demo, '/v1/previews', { image: { id: sharedImage }, flavor: { id: privateFlavor } })).status).toBe(404);
    const own = await post(member, '/v1/recommendations', { image: { id: privateImage }, flavor: { id: privateFlavor } });
    expect(own.status).toBe(200);
  });

  it('answers capacity without host detail to callers Placement refuses, with the same totals', async () => {
    const body = { image: { name: 'lab-ubuntu-22.04' }, flavor: { id: 'lab-sriov' } };
    const full = await post(admin, '/v1/recommendations', body);
    const aggregate = await post(demo, '/v1/recommendations', body);
    expect([full.status, aggregate.status]).toEqual([200, 200]);
    expect(full.body.capacity.hosts.length).toBeGreaterThan(0);
    expect(full.body.capacity.blockedExamples.length).toBeGreaterThan(0);
    expect(JSON.stringify(full.body)).toContain('lab-compute-');
    expect(aggregate.body.capacity).toMatchObject({
      hostsChecked: full.body.capacity.hostsChecked,
      hostsThatFit: full.body.capacity.hostsThatFit,
      totalInstances: full.body.capacity.totalInstances,
      hosts: [],
      blockedExamples: [],
    });
    expect(JSON.stringify(aggregate.body)).not.toMatch(/lab-compute-/);
    const pciFull = await get(admin, '/v1/pci/capacity');
    const pciAggregate = await get(demo, '/v1/pci/capacity');
    expect(pciAggregate.body.totals).toEqual(pciFull.body.totals);
    expect(pciAggregate.body.hosts).toEqual([]);
  });

  it('refuses a revoked token once its cached validation has lapsed', async () => {
    const fresh = await lab.token(...credentials(loadCloudConfigs({ ...process.env, OS_CLOUD: 'lab-demo' })[0]!));
    expect((await get(fresh, '/v1/flavors')).status).toBe(200);
    await lab.revoke(admin, fresh.token);
    expect((await lab.call(fresh, 'image', 'GET', '/v2/images')).status).toBe(401);
    await new Promise((resolve) => setTimeout(resolve, TOKEN_TTL_MS + 200));
    expect((await get(fresh, '/v1/flavors')).status).toBe(401);
  });

  describe('auth matrix over every /v1 route of the OpenAPI document', () => {
    type Who = 'none' | 'garbage' | 'revoked' | 'owner' | 'other' | 'admin';
    interface Case {
      send(r: request.Agent | ReturnType<typeof request>): request.Test;
      /** Status for each credential; the unauthenticated ones are always 401. */
      expect: Record<'owner' | 'other' | 'admin', number>;
    }
    const reader = (status = 200, admin = status) => ({ owner: status, other: status, admin });
    const advice = { image: { name: 'lab-ubuntu-22.04' }, flavor: { id: 'lab-sriov' } };
    // One request per route; a route of the document missing here fails the first test, so none is left out.
    const cases: Record<string, (r: ReturnType<typeof request>) => Case> = {
      'post /v1/recommendations': (r) => ({ send: () => r.post('/v1/recommendations').send(advice), expect: reader() }),
      'post /v1/previews': (r) => ({ send: () => r.post('/v1/previews').send(advice), expect: reader() }),
      'post /v1/validations': (r) => ({ send: () => r.post('/v1/validations').send({ properties: { os_distro: 'ubuntu' } }), expect: reader() }),
      'post /v1/pci/config-checks': (r) => ({ send: () => r.post('/v1/pci/config-checks').send({ alias: ['{"name":"a","vendor_id":"8086","product_id":"154c"}'] }), expect: reader(403, 200) }),
      'get /v1/flavors': (r) => ({ send: () => r.get('/v1/flavors'), expect: reader() }),
      'get /v1/flavors/{id}': (r) => ({ send: () => r.get(`/v1/flavors/${privateFlavor}`), expect: { owner: 200, other: 404, admin: 200 } }),
      'get /v1/images': (r) => ({ send: () => r.get('/v1/images'), expect: reader() }),
      'get /v1/images/{id}': (r) => ({ send: () => r.get(`/v1/images/${privateImage}`), expect: { owner: 200, other: 404, admin: 200 } }),
      'get /v1/hosts': (r) => ({ send: () => r.get('/v1/hosts'), expect: reader(403, 200) }),
      'get /v1/hosts/{name}': (r) => ({ send: () => r.get('/v1/hosts/lab-compute-1'), expect: reader(403, 200) }),
      'get /v1/pci/capacity': (r) => ({ send: () => r.get('/v1/pci/capacity'), expect: reader() }),
      'get /v1/snapshots': (r) => ({ send: () => r.get('/v1/snapshots'), expect: reader() }),
      'get /v1/capacity/flavors': (r) => ({ send: () => r.get('/v1/capacity/flavors'), expect: reader() }),
      'get /v1/capacity/resources': (r) => ({ send: () => r.get('/v1/capacity/resources'), expect: reader() }),
      // Per-host units need host-level access, as GET /v1/hosts.
      'get /v1/capacity/hosts': (r) => ({ send: () => r.get('/v1/capacity/hosts'), expect: reader(403, 200) }),
      // No sync service in this app: admin passes the policy and gets 501.
      'post /v1/sync': (r) => ({ send: () => r.post('/v1/sync').send({}), expect: reader(403, 501) }),
      'get /v1/sync/{id}': (r) => ({ send: () => r.get(`/v1/sync/${randomUUID()}`), expect: reader(404) }),
    };

    function routes(): string[] {
      const doc = app.swagger() as { paths: Record<string, Record<string, unknown>> };
      return Object.entries(doc.paths)
        .filter(([path]) => path.startsWith('/v1/'))
        .flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m} ${path}`))
        .sort();
    }

    it('has a case for every route', () => {
      expect(Object.keys(cases).sort()).toEqual(routes());
    });

    it('answers each credential as the policy says, on every route', async () => {
      const revoked = await lab.token(...credentials(loadCloudConfigs({ ...process.env, OS_CLOUD: 'lab-demo' })[0]!));
      await lab.revoke(admin, revoked.token);
      const tokens: Record<Who, string | null> = {
        none: null, garbage: `gAAAA${randomBytes(24).toString('hex')}`, revoked: revoked.token,
        owner: member.token, other: demo.token, admin: admin.token,
      };
      const got: string[] = [];
      const want: string[] = [];
      for (const route of routes()) {
        for (const [who, token] of Object.entries(tokens) as [Who, string | null][]) {
          const r = request(app.server);
          const c = cases[route]!(r);
          const req = c.send(r);
          const res = await (token === null ? req : req.set('x-auth-token', token));
          got.push(`${route} as ${who}: ${res.status}`);
          want.push(`${route} as ${who}: ${who === 'none' || who === 'garbage' || who === 'revoked' ? 401 : c.expect[who]}`);
        }
      }
      expect(got).toEqual(want);
    });
  });
});
