// The PCI requests Nova records for a server, and the errors on the way (domain.md §4.3, §1.6, §1.5, §2.7).
// Expected values are what NOVA `nova/pci/request.py` `get_pci_requests_from_flavor` and
// `nova/network/neutron.py` `create_resource_requests` build (tests/acceptance/oracle.test.ts compares with them).
import { describe, expect, it } from 'vitest';
import { pciRequestsOf, type PciRequestsInput } from './requests.ts';
import { flavor } from '../test-fixtures.ts';
import type { NovaRelease, VnicType } from '../../model/index.ts';

const VF = '{"name": "sriov-nic", "vendor_id": "8086", "product_id": "154c", "device_type": "type-VF"}';
const PF = '{"name": "nic-pf", "vendor_id": "8086", "product_id": "1572", "device_type": "type-PF", "numa_policy": "required"}';

function run(specs: Record<string, string>, opts: { props?: Record<string, string>; aliases?: string[]; vnic?: VnicType; pciInPlacement?: boolean; release?: NovaRelease } = {}) {
  const input: PciRequestsInput = {
    flavor: flavor('f', 2, 2048, 10, specs), properties: opts.props ?? {}, vnicType: opts.vnic ?? 'normal',
    aliasConfig: opts.aliases, advised: [], pciInPlacement: opts.pciInPlacement ?? false, release: opts.release ?? 'zed',
  };
  return pciRequestsOf(input);
}
const brief = (r: ReturnType<typeof run>) => r.requests.map((q) => [q.requestedBy, q.aliasName, q.count, q.spec, q.numaPolicy]);

describe('§4.3 flavor pci_passthrough:alias → one InstancePCIRequest per alias', () => {
  it.each<{ name: string; specs: Record<string, string>; props?: Record<string, string>; aliases?: string[]; want: unknown[] }>([
    { name: '§4.3 the lab flavor: sriov-nic:2, spec from the alias with dev_type, numa_policy legacy by default',
      specs: { 'pci_passthrough:alias': 'sriov-nic:2' }, aliases: [VF, PF],
      want: [['flavor-alias', 'sriov-nic', 2, [{ vendor_id: '8086', product_id: '154c', dev_type: 'type-VF' }], 'legacy']] },
    { name: '§4.3 two aliases, names stripped, alias numa_policy kept',
      specs: { 'pci_passthrough:alias': 'sriov-nic:1, nic-pf:1' }, aliases: [VF, PF],
      want: [['flavor-alias', 'sriov-nic', 1, [{ vendor_id: '8086', product_id: '154c', dev_type: 'type-VF' }], 'legacy'],
        ['flavor-alias', 'nic-pf', 1, [{ vendor_id: '8086', product_id: '1572', dev_type: 'type-PF' }], 'required']] },
    { name: '§4.3 the flavor hw:pci_numa_affinity_policy overrides the alias',
      specs: { 'pci_passthrough:alias': 'nic-pf:1', 'hw:pci_numa_affinity_policy': 'preferred' }, aliases: [PF],
      want: [['flavor-alias', 'nic-pf', 1, [{ vendor_id: '8086', product_id: '1572', dev_type: 'type-PF' }], 'preferred']] },
    { name: '§4.3 the image hw_pci_numa_affinity_policy overrides the alias',
      specs: { 'pci_passthrough:alias': 'sriov-nic:1' }, props: { hw_pci_numa_affinity_policy: 'socket' }, aliases: [VF],
      want: [['flavor-alias', 'sriov-nic', 1, [{ vendor_id: '8086', product_id: '154c', dev_type: 'type-VF' }], 'socket']] },
    { name: '§4.2 entries sharing a name are ORed specs of one request',
      specs: { 'pci_passthrough:alias': 'vf:1' }, aliases: ['{"name": "vf", "vendor_id": "8086", "product_id": "154c", "device_type": "type-VF"}', '{"name": " vf", "vendor_id": "15b3", "product_id": "1018", "device_type": "type-VF"}'],
      want: [['flavor-alias', 'vf', 1, [{ vendor_id: '8086', product_id: '154c', dev_type: 'type-VF' }, { vendor_id: '15b3', product_id: '1018', dev_type: 'type-VF' }], 'legacy']] },
    { name: '§4.2 an alias without device_type has no dev_type in its spec',
      specs: { 'pci_passthrough:alias': 'gpu:1' }, aliases: ['{"name": "gpu", "vendor_id": "10de", "product_id": "1eb8"}'],
      want: [['flavor-alias', 'gpu', 1, [{ vendor_id: '10de', product_id: '1eb8' }], 'legacy']] },
    { name: '§4.3 no alias extra spec: no request', specs: {}, aliases: [VF], want: [] },
  ])('$name', ({ specs, props, aliases, want }) => {
    const result = run(specs, { props, aliases });
    expect(result.failures).toEqual([]);
    expect(brief(result)).toEqual(want);
    for (const r of result.requests) expect([r.requesterId, r.requestId, r.specFrom]).toEqual([null, 'generated', 'alias-config']);
  });
});

describe('§1.6 §4.3 an SR-IOV port adds its own request', () => {
  it.each<{ name: string; vnic: VnicType; spec: Record<string, string | null> | null }>([
    { name: '§1.6 direct: physical_network + remote_managed False', vnic: 'direct', spec: { physical_network: null, remote_managed: 'False' } },
    { name: '§1.6 macvtap: as direct', vnic: 'macvtap', spec: { physical_network: null, remote_managed: 'False' } },
    { name: '§1.6 direct-physical: dev_type type-PF', vnic: 'direct-physical', spec: { physical_network: null, remote_managed: 'False', dev_type: 'type-PF' } },
    { name: '§1.6 vdpa: dev_type vdpa', vnic: 'vdpa', spec: { physical_network: null, remote_managed: 'False', dev_type: 'vdpa' } },
    { name: '§1.6 remote-managed: remote_managed True', vnic: 'remote-managed', spec: { physical_network: null, remote_managed: 'True' } },
    { name: '§1.6 virtio-forwarder: a VF as direct', vnic: 'virtio-forwarder', spec: { physical_network: null, remote_managed: 'False' } },
    { name: '§1.6 normal: none', vnic: 'normal', spec: null },
    { name: '§1.6 accelerator-direct: Cyborg, not Nova PCI', vnic: 'accelerator-direct', spec: null },
  ])('$name', ({ vnic, spec }) => {
    const ports = run({}, { vnic }).requests.filter((r) => r.requestedBy === 'neutron-port');
    expect(ports.map((r) => [r.count, r.spec[0], r.numaPolicy])).toEqual(spec === null ? [] : [[1, spec, null]]);
  });

  it('§4.3 the port comes after the flavor requests and takes the flavor policy', () => {
    const result = run({ 'pci_passthrough:alias': 'sriov-nic:1', 'hw:pci_numa_affinity_policy': 'required' }, { aliases: [VF], vnic: 'direct-physical' });
    expect(result.requests.map((r) => [r.requestedBy, r.numaPolicy, r.numaPolicyFrom])).toEqual([['flavor-alias', 'required', 'flavor'], ['neutron-port', 'required', 'flavor']]);
  });
});

describe('§2.7 errors on the way, with Nova\'s exception', () => {
  it.each<{ name: string; specs: Record<string, string>; props?: Record<string, string>; aliases?: string[]; release?: NovaRelease; error: string }>([
    { name: '§4.3 an alias the [pci] alias does not define ⇒ PciRequestAliasNotDefined', specs: { 'pci_passthrough:alias': 'x:1' }, aliases: [VF], error: 'PciRequestAliasNotDefined' },
    { name: '§4.2 an invalid [pci] alias ⇒ PciInvalidAlias', specs: { 'pci_passthrough:alias': 'sriov-nic:1' }, aliases: [VF, '{"name": "bad", "device_type": "type-X"}'], error: 'PciInvalidAlias' },
    { name: '§4.2 entries of one name with different numa_policy ⇒ PciInvalidAlias', specs: { 'pci_passthrough:alias': 'sriov-nic:1' }, aliases: [VF, VF.replace('}', ', "numa_policy": "required"}')], error: 'PciInvalidAlias' },
    { name: '§4.2 Zed: resource_class is not an alias key ⇒ PciInvalidAlias', specs: { 'pci_passthrough:alias': 'rc:1' }, aliases: ['{"name": "rc", "resource_class": "CUSTOM_X"}'], error: 'PciInvalidAlias' },
    { name: '§4.2 2025.2: resource_class alone without pci_in_placement ⇒ PciInvalidAlias', specs: { 'pci_passthrough:alias': 'rc:1' }, aliases: ['{"name": "rc", "resource_class": "CUSTOM_X"}'], release: '2025.2', error: 'PciInvalidAlias' },
    { name: '§1.5 §2.7 flavor and image PCI NUMA policies differ ⇒ ImagePCINUMAPolicyForbidden', specs: { 'hw:pci_numa_affinity_policy': 'required' }, props: { hw_pci_numa_affinity_policy: 'preferred' }, error: 'ImagePCINUMAPolicyForbidden' },
    { name: '§1.5 an unknown flavor PCI NUMA policy ⇒ InvalidPCINUMAAffinity', specs: { 'hw:pci_numa_affinity_policy': 'strict' }, error: 'InvalidPCINUMAAffinity' },
    { name: '§1.1 an unknown image PCI NUMA policy ⇒ InvalidRequest', specs: {}, props: { hw_pci_numa_affinity_policy: 'strict' }, error: 'InvalidRequest' },
  ])('$name', ({ specs, props, aliases, release, error }) => {
    const result = run(specs, { props, aliases, release });
    expect(result.failures.map((f) => f.error)).toEqual([error]);
  });

  it('§4.2 2023.1–2025.1 accept resource_class alone without pci_in_placement (it then matches by type only)', () => {
    const result = run({ 'pci_passthrough:alias': 'rc:1' }, { aliases: ['{"name": "rc", "resource_class": "CUSTOM_X", "device_type": "type-VF"}'], release: '2024.1' });
    expect(result.failures).toEqual([]);
    expect(brief(result)).toEqual([['flavor-alias', 'rc', 1, [{ resource_class: 'CUSTOM_X', dev_type: 'type-VF' }], 'legacy']]);
  });
});
