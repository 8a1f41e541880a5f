// POST /v1/previews and the preview inside POST /v1/recommendations, end to end: buildApp() on the real
// start-up wiring (demo cloud, real PostgreSQL), requests through supertest.
import type { FastifyInstance } from 'fastify';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDemoApp, type DemoApp } from '../helpers/demo-app.ts';

describe('previews API on PostgreSQL with the demo cloud', () => {
  let demo: DemoApp;
  let app: FastifyInstance;
  const post = (url: string, body: unknown) => request(app.server).post(url).send(body as object);

  beforeAll(async () => {
    demo = await openDemoApp();
    app = demo.app;
  });

  afterAll(() => demo?.close());

  it('§2.1 §2.2 §4.6 previews a named image + flavor: NIC, storage, query, hosts', async () => {
    const res = await post('/v1/previews', { image: { name: 'ubuntu-24.04' }, flavor: { name: 'c2.large.mq' } });
    expect(res.status).toBe(200);
    expect(res.body.nic.model).toMatchObject({ value: 'virtio', source: expect.stringContaining('§2.1') });
    expect(res.body.nic.driverName.value).toBe('vhost');
    expect(res.body.nic.queues.value).toBe(4);
    expect(res.body.storage.diskBus.value).toBe('scsi');
    expect(res.body.storage.scsiModel.value).toBe('virtio-scsi');
    expect(res.body.storage.cdromBus.value).toBe('sata');
    expect(res.body.machineType.value).toBe('q35');
    expect(res.body.placement.query).toMatch(/^limit=1000&resources=DISK_GB%3A\d+%2CMEMORY_MB%3A\d+%2CVCPU%3A4&root_required=%21COMPUTE_STATUS_DISABLED$/);
    expect(res.body.candidateHosts.length).toBeGreaterThan(0);
    expect(res.body.failures).toEqual([]);
    expect(res.body.ignored.map((i: { field: string }) => i.field)).toEqual(['os_version']);
    expect(res.body.snapshot).toMatchObject({ cloud: 'demo' });
  });

  it('§1.3 §2.7 a proposed conflicting image fails at the API stage with FlavorImageConflict', async () => {
    const res = await post('/v1/previews', {
      image: { properties: { os_distro: 'ubuntu', os_version: '22.04', hw_vif_multiqueue_enabled: 'false' } },
      flavor: { vcpus: 2, ram: 2048, disk: 10, extra_specs: { 'hw:vif_multiqueue_enabled': 'true' } },
      vnic_type: 'normal',
    });
    expect(res.status).toBe(200);
    expect(res.body.failures).toEqual([expect.objectContaining({ stage: 'api', error: 'FlavorImageConflict', httpStatus: 400 })]);
  });

  it('§4.3 §2.7 pci_alias gives the PCI requests Nova records; an alias it lacks fails at the API (400, raised where)', async () => {
    const flavor = { vcpus: 2, ram: 2048, disk: 10, extra_specs: { 'pci_passthrough:alias': 'x710-vf:2' } };
    const alias = '{"name": "x710-vf", "vendor_id": "8086", "product_id": "154c", "device_type": "type-VF"}';
    const ok = await post('/v1/previews', { image: { name: 'ubuntu-24.04' }, flavor, vnic_type: 'direct-physical', pci_alias: [alias] });
    expect(ok.status).toBe(200);
    expect(ok.body.pciRequests.map((r: { requestedBy: string; aliasName: string | null; count: number; spec: unknown[]; numaPolicy: string | null }) => [r.requestedBy, r.aliasName, r.count, r.spec, r.numaPolicy])).toEqual([
      ['flavor-alias', 'x710-vf', 2, [{ vendor_id: '8086', product_id: '154c', dev_type: 'type-VF' }], 'legacy'],
      ['neutron-port', null, 1, [{ physical_network: null, remote_managed: 'False', dev_type: 'type-PF' }], null],
    ]);
    const missing = await post('/v1/previews', { image: { name: 'ubuntu-24.04' }, flavor, pci_alias: [alias.replace('x710-vf', 'other')] });
    expect(missing.body.failures).toContainEqual(expect.objectContaining({ stage: 'api', error: 'PciRequestAliasNotDefined', httpStatus: 400, raisedAt: 'nova.pci.request._translate_alias_to_requests' }));
    const bad = await post('/v1/previews', { image: { name: 'ubuntu-24.04' }, flavor, pci_alias: [7] });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body.errors)).toContain('pci_alias');
  });

  it('§1.6 §2.1 a direct port gets no model; hw_vif_model is reported as ignored', async () => {
    const res = await post('/v1/previews', { image: { name: 'rhel-9.2' }, flavor: { name: 'm1.medium' }, vnic_type: 'direct' });
    expect(res.status).toBe(200);
    expect(res.body.nic.model.value).toBeNull();
    expect(res.body.ignored.map((i: { field: string }) => i.field)).toContain('hw_vif_model');
  });

  it('§1.6 §2.2 vnic_backend picks the device of normal ports; an unknown backend is a 400 naming the field', async () => {
    const body = { image: { name: 'ubuntu-24.04' }, flavor: { name: 'm1.medium' } };
    const dpdk = await post('/v1/previews', { ...body, vnic_backend: 'ovs-dpdk' });
    expect(dpdk.status).toBe(200);
    expect(dpdk.body.nic.interface).toMatchObject({ backend: 'ovs-dpdk', backendFrom: 'request', vifType: 'vhostuser', type: 'vhostuser' });
    expect(dpdk.body.nic.caveats.map((n: { subject: string }) => n.subject)).toContain('shared guest memory');
    expect((await post('/v1/previews', body)).body.nic.interface).toMatchObject({ backend: 'ovs', backendFrom: 'host-facts', type: 'ethernet' });
    const bad = await post('/v1/previews', { ...body, vnic_backend: 'openvswitch' });
    expect(bad.status).toBe(400);
    expect((bad.body.errors as { field: string }[]).map((e) => e.field)).toEqual(['vnic_backend']);
  });

  it('§1.2 §2.3 per disk: a boot volume on virtio-scsi is unit 0, the config drive a SATA CD-ROM; Windows guest features; a bad config_drive is a 400 naming the field', async () => {
    const body = { image: { name: 'ubuntu-24.04' }, flavor: { name: 'c2.large.mq' } };
    const res = await post('/v1/previews', { ...body, config_drive: true, boot_from_volume: true, disks: 2 });
    expect(res.status).toBe(200);
    expect(res.body.storage.disks.map((d: { name: string; bus: string; dev: string; device: string; scsiAddress: { unit: number } | null }) => [d.name, d.bus, d.dev, d.device, d.scsiAddress?.unit ?? null]))
      .toEqual([['/dev/sda', 'scsi', 'sda', 'disk', 0], ['/dev/sdb', 'scsi', 'sdb', 'disk', 1], ['disk.config', 'sata', 'sdc', 'cdrom', null]]);
    const windows = await post('/v1/previews', { image: { properties: { os_type: 'windows', os_distro: 'win2k22' } }, flavor: { name: 'm1.medium' } });
    expect(windows.body.guestFeatures.clockOffset.value).toBe('localtime');
    expect(windows.body.guestFeatures.hyperv.map((h: { name: string }) => h.name)).toContain('evmcs');
    expect(windows.body.libosinfo).toMatchObject({ osDistro: 'win2k22', nic: { possible: ['e1000', 'e1000e'], observed: 'e1000' }, advice: ['hw_vif_model'] });
    const bad = await post('/v1/previews', { ...body, config_drive: 'yes' });
    expect(bad.status).toBe(400);
    expect((bad.body.errors as { field: string }[]).map((e) => e.field)).toEqual(['config_drive']);
  });

  it('refuses a preview without a flavor (400 naming the field) and an unknown flavor (404)', async () => {
    const missing = await post('/v1/previews', { image: { name: 'ubuntu-24.04' } });
    expect(missing.status).toBe(400);
    expect((missing.body.errors as { field: string }[]).map((e) => e.field)).toEqual(['flavor']);
    expect((await post('/v1/previews', { image: { name: 'ubuntu-24.04' }, flavor: { name: 'no.such' } })).status).toBe(404);
  });

  it('§4.6 the recommendation carries the preview of the advised configuration, on the query capacity used', async () => {
    const res = await post('/v1/recommendations', { image: { name: 'ubuntu-22.04' }, flavor: { name: 'nfv.sriov.2vf' } });
    expect(res.status).toBe(200);
    const fit = (res.body.capacity.hosts as { host: string; instances: number }[]).filter((h) => h.instances > 0).map((h) => h.host);
    expect(res.body.preview.candidateHosts).toEqual(fit);
    expect(res.body.preview.placement.groups[0]).toMatchObject({ suffix: '', resources: expect.objectContaining({ PCPU: 4 }) });
    const withoutFlavor = await post('/v1/recommendations', { image: { name: 'ubuntu-22.04' } });
    expect(withoutFlavor.body.preview).toBeUndefined();
  });
});
