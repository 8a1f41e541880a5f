// POST /v1/pci/config-checks end to end: buildApp() on the real start-up wiring (migrations, demo cloud)
// against a fresh database on the real PostgreSQL, requests through supertest (domain.md §4).
import type { FastifyInstance } from 'fastify';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDemoApp, type DemoApp } from '../helpers/demo-app.ts';

const X710_VF_SPEC = '{"vendor_id": "8086", "product_id": "154c", "traits": "HW_NIC_SRIOV"}';
const X710_PF_SPEC = '{"vendor_id": "8086", "product_id": "1572", "address": "*:3b:00.1"}';
const X710_VF_ALIAS = '{"name": "x710-vf", "vendor_id": "8086", "product_id": "154c", "device_type": "type-VF"}';

describe('POST /v1/pci/config-checks on PostgreSQL with the demo cloud', () => {
  let demo: DemoApp;
  let app: FastifyInstance;
  const post = (body: unknown) => request(app.server).post('/v1/pci/config-checks').send(body as object);

  beforeAll(async () => {
    demo = await openDemoApp();
    app = demo.app;
  });

  afterAll(() => demo?.close());

  it('§4.5 models the specs in Placement and names the demo providers they match', async () => {
    const res = await post({ device_spec: [X710_VF_SPEC], alias: [X710_VF_ALIAS] });
    expect(res.status).toBe(200);
    const [vf] = res.body.specs;
    expect(vf).toMatchObject({
      deviceType: 'type-VF', inPlacement: true, resourceClass: 'CUSTOM_PCI_8086_154C',
      traits: ['COMPUTE_MANAGED_PCI_DEVICE', 'HW_NIC_SRIOV'],
    });
    expect(vf.existingProviders.map((p: { provider: string }) => p.provider)).toContain('rack1-cmp01_0000:3B:00.0');
    expect(vf.existingProviders.every((p: { unchanged: boolean }) => p.unchanged)).toBe(true);
    expect(res.body.aliases[0]).toMatchObject({ name: 'x710-vf', matchesSpecs: ['0.0'], flavors: ['nfv.mixed', 'nfv.sriov.2vf', 'nfv.sriov.4vf.isolate'] });
    expect(res.body.aliases[0].free).toBeGreaterThan(0);
    expect(res.body.snapshot).toMatchObject({ cloud: 'demo', source: 'demo' });
    // §4.5 the Placement view: <host>_<PF address> providers under their compute node, counted per class.
    expect(res.body.placement.providers).toContainEqual(expect.objectContaining({ name: 'rack1-cmp01_0000:3B:00.0', parent: 'rack1-cmp01', spec: '0.0' }));
    const vfClass = res.body.placement.byResourceClass.find((c: { resourceClass: string }) => c.resourceClass === vf.resourceClass);
    expect(vfClass.providers).toBe(res.body.placement.providers.filter((p: { resourceClass: string }) => p.resourceClass === vf.resourceClass).length);
  });

  it('§4.3 flavors naming aliases the proposal does not define fail (PciRequestAliasNotDefined ⇒ 400 at server create)', async () => {
    const res = await post({ device_spec: [X710_VF_SPEC, X710_PF_SPEC], alias: [X710_VF_ALIAS] });
    expect(res.status).toBe(200);
    expect(res.body.verdict).toBe('fail');
    const undefinedAliases = (res.body.flavors as { alias: string; defined: boolean }[]).filter((f) => !f.defined).map((f) => f.alias);
    expect(new Set(undefinedAliases)).toEqual(new Set(['mlx5-vf', 'mlx5-pf', 'x710-pf']));
    expect(res.body.findings.map((f: { id: string }) => f.id)).toContain('pci-flavor-alias-not-defined');
  });

  it('§4.1/§4.2 a broken entry is a finding naming the entry, not a 4xx', async () => {
    const res = await post({ device_spec: ['{"vendor_id": "8086", "devname": "ens1", "address": "0000:3b:00.0"}'], alias: ['{"vendor_id": "8086"}'] });
    expect(res.status).toBe(200);
    const byId = Object.fromEntries((res.body.findings as { id: string; field: string }[]).map((f) => [f.id, f.field]));
    expect(byId).toMatchObject({ 'pci-device-spec-invalid': 'device_spec[0]', 'pci-spec-devname-in-placement': 'device_spec[0]', 'pci-alias-invalid': 'alias[0]' });
  });

  it.each([
    { name: 'no entries at all', body: {}, field: 'device_spec' },
    { name: 'a number for an entry', body: { device_spec: [1] }, field: 'device_spec.0' },
    { name: 'an unknown field', body: { device_spec: [X710_VF_SPEC], whitelist: [] }, field: 'whitelist' },
    { name: 'pci_in_placement as a string', body: { alias: [X710_VF_ALIAS], pci_in_placement: 'yes' }, field: 'pci_in_placement' },
  ])('400 naming the field for $name', async ({ body, field }) => {
    const res = await post(body);
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect((res.body.errors as { field: string }[]).map((e) => e.field)).toContain(field);
  });

  it('404 for a cloud nobody synced', async () => {
    const res = await post({ alias: [X710_VF_ALIAS], cloud: 'nowhere' });
    expect(res.status).toBe(404);
  });
});
