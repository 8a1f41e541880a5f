// /metrics capacity families and GET /v1/capacity/* on the demo cloud (real start-up wiring, real PostgreSQL): the
// figures against Placement's arithmetic worked out here from the snapshot's inventories (domain.md §4.7), the
// families in the text exposition format, the cardinality guard, and who sees host names (docs/security.md).
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/api/app.ts';
import { KeystoneTokenValidator } from '../../src/api/auth.ts';
import { openAppContext, type AppContext } from '../../src/app-context.ts';
import { loadSettings } from '../../src/config/index.ts';
import type { CloudSnapshot, Flavor, Host, Inventory } from '../../src/model/index.ts';
import { createTestDatabase } from '../helpers/db.ts';
import { openDemoApp, type DemoApp } from '../helpers/demo-app.ts';
import { startFakeKeystone, type FakeKeystone } from '../helpers/fake-keystone.ts';

/** Placement's capacity of an inventory: int((total - reserved) * allocation_ratio) (§4.7). */
const capacityOf = (i: Inventory) => Math.floor((i.total - i.reserved) * i.allocationRatio);

/**
 * Instances of a flavor without extra specs a host takes (§4.7, NOVA scheduler/utils.py resources_from_flavor):
 * VCPU, MEMORY_MB and DISK_GB (root + ephemeral + swap rounded up to GiB) each within min_unit / max_unit /
 * step_size, free = capacity - used; a disabled or forced-down compute service takes none (§2.5).
 */
function plainInstances(host: Host, flavor: Flavor): number {
  if (host.computeService?.disabled || host.computeService?.forcedDown) return 0;
  const asks: Record<string, number> = { VCPU: flavor.vcpus, MEMORY_MB: flavor.ramMb, DISK_GB: flavor.diskGb + flavor.ephemeralGb + Math.ceil(flavor.swapMb / 1024) };
  let fit = Infinity;
  for (const [rc, amount] of Object.entries(asks)) {
    if (amount === 0) continue;
    const inventory = host.inventories[rc];
    if (!inventory || amount < inventory.minUnit || amount > inventory.maxUnit || amount % inventory.stepSize !== 0) return 0;
    fit = Math.min(fit, Math.floor((capacityOf(inventory) - (host.usages[rc] ?? 0)) / amount));
  }
  return Math.max(0, fit);
}

/** The hosts that take at least one instance of a flavor without extra specs, with how many. */
function plainFits(hosts: readonly Host[], flavor: Flavor): Record<string, number> {
  const fits: Record<string, number> = {};
  for (const host of hosts) {
    const n = plainInstances(host, flavor);
    if (n > 0) fits[host.name] = n;
  }
  return fits;
}

/** The samples of one family: labels → value. */
function samples(text: string, family: string): { labels: Record<string, string>; value: number }[] {
  return text.split('\n').filter((line) => line.startsWith(`${family}{`)).map((line) => {
    const [, body, value] = /^[^{]+\{(.*)\} (\S+)$/.exec(line)!;
    const labels = Object.fromEntries([...body!.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1]!, m[2]!]));
    return { labels, value: Number(value) };
  });
}

async function scrape(app: FastifyInstance, token?: string): Promise<string> {
  const res = await app.inject({ url: '/metrics', headers: token ? { 'x-auth-token': token } : {} });
  expect(res.statusCode).toBe(200);
  return res.body;
}

/** Waits until the capacity summary computed in the background is served. */
async function scrapeWithCapacity(app: FastifyInstance, token?: string): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const text = await scrape(app, token);
    if (text.includes('openstack_free_capacity_by_flavor_total{')) return text;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the capacity families never appeared');
}

describe('capacity metrics and views on the demo cloud (AUTH_MODE=none)', () => {
  let demo: DemoApp;
  let snapshot: CloudSnapshot;
  let text: string;

  beforeAll(async () => {
    demo = await openDemoApp();
    snapshot = demo.context.registry.current()!;
    text = await scrapeWithCapacity(demo.app);
  });
  afterAll(async () => demo?.close());

  const plainFlavors = () => snapshot.flavors.filter((f) => Object.keys(f.extraSpecs).length === 0);

  it('§4.7 instances per host and flavor: min over VCPU, MEMORY_MB, DISK_GB of floor(free / amount), hosts taking none left out', () => {
    expect(plainFlavors().length).toBeGreaterThan(2);
    const perHost = samples(text, 'openstack_free_capacity_hypervisor_by_flavor');
    for (const flavor of plainFlavors()) {
      const expected = plainFits(snapshot.hosts, flavor);
      const got = Object.fromEntries(perHost.filter((s) => s.labels['flavor_id'] === flavor.id).map((s) => [s.labels['hypervisor'], s.value]));
      expect(got, flavor.name).toEqual(expected);
      const total = samples(text, 'openstack_free_capacity_by_flavor_total').find((s) => s.labels['flavor_id'] === flavor.id)!;
      expect(total.value).toBe(Object.values(expected).reduce((a, b) => a + b, 0));
      expect(total.labels).toMatchObject({ cloud: snapshot.cloud, region: snapshot.region ?? '', flavor_name: flavor.name, public: flavor.isPublic ? 'True' : 'False' });
    }
  });

  it('§4.7 per aggregate: the instances of the hosts in each Placement aggregate, summed', () => {
    const flavor = plainFlavors()[0]!;
    const expected: Record<string, number> = {};
    for (const host of snapshot.hosts) for (const a of host.aggregates) expected[a] = (expected[a] ?? 0) + plainInstances(host, flavor);
    const got = Object.fromEntries(samples(text, 'nova_advisor_free_capacity_aggregate_by_flavor').filter((s) => s.labels['flavor_id'] === flavor.id).map((s) => [s.labels['aggregate'], s.value]));
    expect(got).toEqual(Object.fromEntries(Object.entries(expected).filter(([, n]) => n > 0)));
  });

  it('§4.5 free and used units per resource class count the nested PCI providers, each VF class included', () => {
    const pci = new Map<string, { capacity: number; used: number; free: number }>();
    for (const p of snapshot.hosts.flatMap((h) => h.pciProviders)) {
      const u = pci.get(p.resourceClass) ?? { capacity: 0, used: 0, free: 0 };
      const capacity = capacityOf(p.inventory);
      pci.set(p.resourceClass, { capacity: u.capacity + capacity, used: u.used + p.used, free: u.free + Math.max(0, capacity - p.used) });
    }
    expect(pci.size).toBeGreaterThan(1);
    for (const [rc, units] of pci) {
      const labels = { cloud: snapshot.cloud, region: snapshot.region ?? '', resource: rc, pci: 'true' };
      expect(samples(text, 'nova_advisor_resource_free_units').find((s) => s.labels['resource'] === rc)).toEqual({ labels, value: units.free });
      expect(samples(text, 'nova_advisor_resource_used_units').find((s) => s.labels['resource'] === rc)?.value).toBe(units.used);
      expect(samples(text, 'nova_advisor_resource_capacity_units').find((s) => s.labels['resource'] === rc)?.value).toBe(units.capacity);
    }
    const vcpuUsed = snapshot.hosts.reduce((n, h) => n + (h.usages['VCPU'] ?? 0), 0);
    expect(samples(text, 'nova_advisor_resource_used_units').find((s) => s.labels['resource'] === 'VCPU')).toMatchObject({ labels: { pci: 'false' }, value: vcpuUsed });
  });

  it('is the text exposition format: each family once with HELP and TYPE, no series twice', () => {
    const helps = text.split('\n').filter((l) => l.startsWith('# HELP ')).map((l) => l.split(' ')[2]);
    expect(new Set(helps).size).toBe(helps.length);
    const series = text.split('\n').filter((l) => l !== '' && !l.startsWith('#')).map((l) => l.slice(0, l.lastIndexOf(' ')));
    expect(new Set(series).size).toBe(series.length);
    for (const family of ['nova_advisor_last_sync_success', 'nova_advisor_snapshot_age_seconds', 'nova_advisor_hosts_blocked', 'nova_advisor_capacity_info']) {
      expect(text, family).toContain(`# TYPE ${family} gauge`);
    }
  });

  it('computes capacity once per snapshot, not per scrape', async () => {
    const seconds = (t: string) => samples(t, 'nova_advisor_capacity_compute_seconds')[0]!.value;
    const again = await scrape(demo.app);
    expect(seconds(again)).toBe(seconds(text));
    expect(again.slice(again.indexOf('# HELP openstack_free_capacity_by_flavor_total'))).toBe(text.slice(text.indexOf('# HELP openstack_free_capacity_by_flavor_total')));
  });

  it('the Grafana dashboard queries only metrics /metrics serves', () => {
    const dashboard = readFileSync(new URL('../../dashboards/grafana/nova-advisor-capacity.json', import.meta.url), 'utf8');
    const queried = new Set(dashboard.match(/\b(?:openstack|nova_advisor)_[a-z_]*[a-z]\b/g));
    expect(queried.size).toBeGreaterThan(10);
    // The sync error family appears only after a failed sync; the others are all on the demo cloud's scrape.
    for (const name of [...queried].filter((n) => n !== 'nova_advisor_last_sync_error' && n !== 'nova_advisor_capacity_series_dropped')) {
      expect(text, name).toContain(`# TYPE ${name} `);
    }
  });

  it('GET /v1/capacity/flavors pages by marker, filters by name and agrees with the metrics', async () => {
    const first = (await demo.app.inject({ url: '/v1/capacity/flavors?limit=5' })).json();
    expect(first.items).toHaveLength(5);
    const second = (await demo.app.inject({ url: `/v1/capacity/flavors?limit=100&marker=${first.nextMarker}` })).json();
    expect(second.nextMarker).toBeNull();
    expect(first.items.length + second.items.length).toBe(snapshot.flavors.length);
    const totals = samples(text, 'openstack_free_capacity_by_flavor_total');
    for (const item of [...first.items, ...second.items]) expect(item.instances).toBe(totals.find((s) => s.labels['flavor_id'] === item.id)!.value);
    // Where it fits: the hosts that take the most (most first, then by name), for a flavor without extra specs.
    const flavor = plainFlavors()[0]!;
    const top = Object.entries(plainFits(snapshot.hosts, flavor)).sort(([a, x], [b, y]) => y - x || a.localeCompare(b)).slice(0, 5);
    expect([...first.items, ...second.items].find((f) => f.id === flavor.id).topHosts).toEqual(top.map(([host, instances]) => ({ host, instances })));
    const named = (await demo.app.inject({ url: '/v1/capacity/flavors?name=M1.' })).json();
    expect(named.items.map((f: { name: string }) => f.name).every((n: string) => n.startsWith('m1.'))).toBe(true);
  });

  it('GET /v1/capacity/hosts lists the hosts a flavor fits with their instances, and PCI hosts by class', async () => {
    const flavor = plainFlavors()[0]!;
    const page = (await demo.app.inject({ url: `/v1/capacity/hosts?flavor_id=${flavor.id}&limit=1000` })).json();
    expect(Object.fromEntries(page.items.map((h: { name: string; instances: number }) => [h.name, h.instances])))
      .toEqual(plainFits(snapshot.hosts, flavor));
    const pciHosts = (await demo.app.inject({ url: '/v1/capacity/hosts?pci=true&limit=1000' })).json();
    expect(pciHosts.items.map((h: { name: string }) => h.name).sort()).toEqual(snapshot.hosts.filter((h) => h.pciProviders.length > 0).map((h) => h.name).sort());
  });

  it('§4.7 per host: each resource class over the host\'s provider tree, nested PCI providers included, in the page and the metrics', async () => {
    // Worked out here from the snapshot: root inventories less usage, plus each nested provider's, summed per class.
    const expected = new Map<string, Record<string, { capacity: number; used: number; free: number }>>();
    for (const host of snapshot.hosts) {
      const units: Record<string, { capacity: number; used: number; free: number }> = {};
      const add = (rc: string, capacity: number, used: number) => {
        const u = (units[rc] ??= { capacity: 0, used: 0, free: 0 });
        u.capacity += capacity;
        u.used += used;
        u.free += Math.max(0, capacity - used);
      };
      for (const [rc, inventory] of Object.entries(host.inventories)) add(rc, capacityOf(inventory), host.usages[rc] ?? 0);
      for (const p of host.pciProviders) add(p.resourceClass, capacityOf(p.inventory), p.used);
      expected.set(host.name, units);
    }
    const page = (await demo.app.inject({ url: '/v1/capacity/hosts?limit=1000' })).json();
    expect(Object.fromEntries(page.items.map((h: { name: string; units: object }) => [h.name, h.units]))).toEqual(Object.fromEntries(expected));
    const free = samples(text, 'nova_advisor_hypervisor_free_units');
    for (const [name, units] of expected) {
      const got = Object.fromEntries(free.filter((s) => s.labels['hypervisor'] === name).map((s) => [s.labels['resource'], s.value]));
      expect(got, name).toEqual(Object.fromEntries(Object.entries(units).map(([rc, u]) => [rc, u.free])));
    }
    // By class: the hosts some provider of whose tree holds it, a class only nested PCI providers hold among them.
    const nestedOnly = snapshot.hosts.flatMap((h) => h.pciProviders).map((p) => p.resourceClass).find((rc) => snapshot.hosts.every((h) => !h.inventories[rc]));
    expect(nestedOnly).toBeDefined();
    for (const rc of ['VCPU', nestedOnly!]) {
      const byClass = (await demo.app.inject({ url: `/v1/capacity/hosts?resource_class=${rc}&limit=1000` })).json();
      const holding = [...expected].filter(([, units]) => units[rc]).map(([name]) => name).sort();
      expect(holding.length, rc).toBeGreaterThan(0);
      expect(byClass.items.map((h: { name: string }) => h.name).sort(), rc).toEqual(holding);
    }
  });

  it('answers 400 naming the field and 404 for an unknown flavor', async () => {
    const bad = await demo.app.inject({ url: '/v1/capacity/hosts?pci=maybe' });
    expect(bad.statusCode).toBe(400);
    expect(JSON.stringify(bad.json().errors)).toContain('pci');
    expect((await demo.app.inject({ url: '/v1/capacity/hosts?flavor_id=no-such-flavor' })).statusCode).toBe(404);
  });

  it('reports the newest sync from the store: outcome, duration, upstream calls, error code, recent failures', async () => {
    const ok = (t: string, family: string) => samples(t, family).map((x) => [x.labels, x.value]);
    const labels = { cloud: snapshot.cloud, region: snapshot.region ?? '' };
    expect(ok(text, 'nova_advisor_last_sync_success')).toEqual([[labels, 1]]);
    expect(ok(text, 'nova_advisor_recent_sync_failures')).toEqual([[labels, 0]]);
    // A sync that failed after 42 calls in 7.5 s, as the store records one ("<code>: <message>"); a new app reads it.
    await demo.context.store.recordFailedSync(snapshot.cloud, snapshot.region, 'upstream_timeout: GET https://nova.internal/v2.1 timed out', { durationMs: 7_500, requestCount: 42 });
    const ctx = demo.context;
    const after = await buildApp({ settings: ctx.settings, store: ctx.store, registry: ctx.registry, ruleContext: ctx.ruleContext });
    try {
      const failed = await scrapeWithCapacity(after);
      expect(ok(failed, 'nova_advisor_last_sync_success')).toEqual([[labels, 0]]);
      expect(ok(failed, 'nova_advisor_last_sync_duration_seconds')).toEqual([[{ ...labels, outcome: 'failed' }, 7.5]]);
      expect(ok(failed, 'nova_advisor_last_sync_upstream_requests')).toEqual([[labels, 42]]);
      expect(ok(failed, 'nova_advisor_last_sync_error')).toEqual([[{ ...labels, code: 'upstream_timeout' }, 1]]);
      expect(ok(failed, 'nova_advisor_recent_sync_failures')).toEqual([[labels, 1]]);
      // The error text names internal endpoints: only its code is exported.
      expect(failed).not.toContain('nova.internal');
    } finally {
      await after.close();
    }
  });

  it('leaves out a per-host family above METRICS_MAX_FAMILY_SERIES and says how many series it dropped', async () => {
    const ctx = demo.context;
    const guarded = await buildApp({ settings: { ...ctx.settings, METRICS_MAX_FAMILY_SERIES: 10 }, store: ctx.store, registry: ctx.registry, ruleContext: ctx.ruleContext });
    try {
      const guardedText = await scrapeWithCapacity(guarded);
      expect(samples(guardedText, 'openstack_free_capacity_hypervisor_by_flavor')).toEqual([]);
      const perHost = samples(text, 'openstack_free_capacity_hypervisor_by_flavor').length;
      expect(samples(guardedText, 'nova_advisor_capacity_series_dropped').find((s) => s.labels['family'] === 'openstack_free_capacity_hypervisor_by_flavor')?.value).toBe(perHost);
      expect(samples(guardedText, 'openstack_free_capacity_by_flavor_total')).toEqual(samples(text, 'openstack_free_capacity_by_flavor_total'));
      // The per-host units families, counted before they are made: as many as the unguarded scrape has series.
      const hostFree = samples(text, 'nova_advisor_hypervisor_free_units').length;
      expect(hostFree).toBeGreaterThan(10);
      expect(samples(guardedText, 'nova_advisor_hypervisor_free_units')).toEqual([]);
      expect(samples(guardedText, 'nova_advisor_capacity_series_dropped').find((s) => s.labels['family'] === 'nova_advisor_hypervisor_free_units')?.value).toBe(hostFree);
    } finally {
      await guarded.close();
    }
  });
});

describe('who sees host names in capacity (AUTH_MODE=keystone)', () => {
  const TOKENS: Record<string, string[]> = { 'reader-token': ['reader'], 'admin-token': ['admin', 'member', 'reader'] };
  let keystone: FakeKeystone;
  let ctx: AppContext;
  let app: FastifyInstance;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    keystone = await startFakeKeystone(TOKENS);
    const keystoneUrl = keystone.url;
    const db = await createTestDatabase();
    drop = db.drop;
    ctx = await openAppContext(loadSettings({ DATABASE_URL: db.url, AUTH_MODE: 'keystone', LOG_LEVEL: 'silent' }), pino({ level: 'silent' }));
    app = await buildApp({ settings: ctx.settings, store: ctx.store, registry: ctx.registry, ruleContext: ctx.ruleContext, tokenValidator: new KeystoneTokenValidator(keystoneUrl), authRealm: keystoneUrl });
    await app.ready();
  });
  afterAll(async () => {
    await app?.close();
    await ctx?.close();
    await drop?.();
    keystone?.close();
  });

  it('a scrape without a token, or with a reader token, gets the aggregate families and no host name', async () => {
    const hostNames = ctx.registry.current()!.hosts.map((h) => h.name);
    for (const token of [undefined, 'reader-token']) {
      const text = await scrapeWithCapacity(app, token);
      expect(text).not.toContain('openstack_free_capacity_hypervisor_by_flavor');
      expect(text).not.toContain('openstack_hypervisor_placement_allocated');
      for (const name of hostNames) expect(text, String(token)).not.toContain(`"${name}"`);
    }
  });

  it('a scrape with a host-detail token gets the per-host families; a bad token is 401', async () => {
    const text = await scrapeWithCapacity(app, 'admin-token');
    expect(samples(text, 'openstack_free_capacity_hypervisor_by_flavor').length).toBeGreaterThan(0);
    expect((await app.inject({ url: '/metrics', headers: { 'x-auth-token': 'made-up' } })).statusCode).toBe(401);
  });

  it('GET /v1/capacity: readers get totals without aggregates or hosts, per-host capacity is 403 for them', async () => {
    const reader = { 'x-auth-token': 'reader-token' };
    const flavors = (await app.inject({ url: '/v1/capacity/flavors', headers: reader })).json();
    expect(flavors.items.length).toBeGreaterThan(0);
    for (const f of flavors.items) expect([f.aggregates, f.topHosts]).toEqual([[], []]);
    // Nova lists a private flavor only to projects on its access list (docs/security.md); p1 is on none here.
    const privateFlavors = ctx.registry.current()!.flavors.filter((f) => !f.isPublic && !f.accessProjects.includes('p1'));
    expect(privateFlavors.length).toBeGreaterThan(0);
    for (const f of privateFlavors) expect(flavors.items.map((i: { id: string }) => i.id)).not.toContain(f.id);
    expect((await app.inject({ url: '/v1/capacity/hosts', headers: reader })).statusCode).toBe(403);
    expect((await app.inject({ url: '/v1/capacity/hosts', headers: { 'x-auth-token': 'admin-token' } })).statusCode).toBe(200);
    expect((await app.inject({ url: '/v1/capacity/resources' })).statusCode).toBe(401);
  });
});
