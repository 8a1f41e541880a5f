// Generated inputs for the differential tests against Nova (fast-check, fixed seeds): valid values and near
// misses. Pools rather than free strings, so that hundreds of inputs cover every rule. Test support only.
import fc from 'fast-check';

/** An object with at most `max` of these fields (a filter on an all-optional record would reject most draws). */
function someOf(fields: Record<string, fc.Arbitrary<unknown>>, max: number): fc.Arbitrary<Record<string, unknown>> {
  return fc.uniqueArray(fc.constantFrom(...Object.keys(fields)), { maxLength: max })
    .chain((keys) => fc.record(Object.fromEntries(keys.map((k) => [k, fields[k]!]))));
}

const HEX_IDS = ['8086', '15b3', '10DE', '154c', '808', '80860', '0x86', 'zzzz', '', ' 8086', '*', 8086];

/** One `[pci] alias` object: each key optional; keys Zed does not know, and wrong values. */
const aliasName = fc.constantFrom<unknown>('vf', 'vf', 'pf', 'gpu', ' vf', '', 'x'.repeat(257), 7);
const aliasFields = someOf({
  vendor_id: fc.constantFrom(...HEX_IDS),
  product_id: fc.constantFrom(...HEX_IDS),
  device_type: fc.constantFrom('type-PCI', 'type-PF', 'type-VF', 'type-VF', 'vdpa', 'type-vf', ''),
  numa_policy: fc.constantFrom('required', 'legacy', 'preferred', 'socket', 'REQUIRED', '', 'strict'),
  resource_class: fc.constantFrom('CUSTOM_PCI_NIC_VF', 'nic-vf', 5),
  traits: fc.constantFrom('HW_NIC_SRIOV', 'purple,pf-white'),
  live_migratable: fc.constantFrom('yes', 'no', 'maybe'),
  capability_type: fc.constantFrom('pci', 'gpu'),
  dev_type: fc.constant('type-VF'),
}, 3);
/** Most entries start from valid ids, so that entries sharing a name get to the checks between entries. */
const validIds = fc.constantFrom({ vendor_id: '8086', product_id: '154c' }, { vendor_id: '15b3', product_id: '1018' });
const aliasObject = fc.tuple(fc.option(aliasName, { freq: 10 }), fc.option(validIds, { freq: 4 }), aliasFields)
  .map(([name, ids, o]) => ({ ...(name === null ? {} : { name }), ...ids, ...o }));

/**
 * The `[pci] alias` values of one nova.conf: 1–3 entries with names from a small pool, or 2–3 entries sharing one
 * name (as Nova strips it) to reach the checks between entries.
 */
const aliasEntry = fc.oneof(
  { weight: 12, arbitrary: aliasObject.map((o) => JSON.stringify(o)) },
  { weight: 1, arbitrary: fc.constantFrom('[]', '"vf"', '{"name": ', 'null') },
);
const sameName = fc.record({
  name: fc.constantFrom('vf', ' vf', 'vf '),
  device_type: fc.constantFrom('type-PF', 'type-VF'),
  numa_policy: fc.constantFrom('legacy', 'required'),
}, { requiredKeys: ['name'] }).chain((o) => validIds.map((ids) => JSON.stringify({ ...ids, ...o })));
export const aliasConfig = fc.oneof(
  { weight: 3, arbitrary: fc.array(aliasEntry, { minLength: 1, maxLength: 3 }) },
  { weight: 1, arbitrary: fc.array(sameName, { minLength: 2, maxLength: 3 }) },
);

const addressString = fc.constantFrom(
  '0000:0a:00.1', '*:0a:00.*', ':0a:00.', '0a:00', '00', '.1', '*', '', '0000:0a:00.8', '0000:100:00.0', '1:2:3:4.0',
  'a.b.c', '0000:0a:20.0', '0000:0a:1f.7', 'zz:00.0', '0000:0a:00.1.2', ' 0a:00.1',
);
const addressObject = fc.constantFrom<Record<string, unknown>>(
  { domain: '.*', bus: '02', slot: '0[1-2]', function: '[2-7]' }, { bus: '(' }, { bus: 2 }, { domain: '0000', bus: '0a', slot: '00', function: '1' },
  { slot: '01' }, { foo: '1' }, {},
);

/** One `[pci] device_spec` object: matchers in every form, tags Zed knows, tags it does not (`managed`, …). */
const specObject = someOf({
  vendor_id: fc.constantFrom(...HEX_IDS, '8', '10000', '0x10'),
  product_id: fc.constantFrom(...HEX_IDS, '1', 'ffff', '10000'),
  address: fc.oneof(addressString, addressObject, fc.constant(5)),
  // Names no host has: for a netdev that exists Nova reads its address from sysfs (a virtio NIC's is no PCI
  // address, and Nova refuses it), which would make the verdict depend on the machine.
  devname: fc.constantFrom('ens1f0', 'nosuchnic9'),
  physical_network: fc.constantFrom('physnet1', null),
  trusted: fc.constantFrom('true', 'false', 'maybe'),
  remote_managed: fc.constantFrom('true', 'false', 'maybe'),
  resource_class: fc.constantFrom('CUSTOM_X', 'nic-vf', 5),
  traits: fc.constantFrom('HW_NIC_SRIOV,purple', ''),
  managed: fc.constantFrom('yes', 'no', 'maybe'),
  live_migratable: fc.constantFrom('yes', 'no', 'maybe'),
  one_time_use: fc.constantFrom('true', 'false', 'maybe'),
}, 4);

/** One `[pci] device_spec` value: an object, a list of objects, or not that. */
export const deviceSpecValue = fc.oneof(
  { weight: 8, arbitrary: specObject.map((o) => JSON.stringify(o)) },
  { weight: 3, arbitrary: fc.array(specObject, { minLength: 1, maxLength: 2 }).map((l) => JSON.stringify(l)) },
  { weight: 1, arbitrary: fc.constantFrom('"x"', '5', '[5]', '{"vendor_id": ', '[]') },
);

/**
 * Extra specs Nova validates, and near misses it does not know (`hw:foo`, `hw:cpu_max_sockets`: the real one is
 * `hw:max_cpu_sockets`, `resources:vcpu`), with values right and wrong for them.
 */
const EXTRA_SPEC_KEYS = [
  'hw:cpu_policy', 'hw:cpu_thread_policy', 'hw:mem_page_size', 'hw:vif_multiqueue_enabled', 'hw:virtio_packed_ring',
  'hw:numa_nodes', 'hw:pci_numa_affinity_policy', 'hw:emulator_threads_policy', 'hw:watchdog_action', 'hw:boot_menu',
  'hw:mem_encryption', 'hw:cpu_max_sockets', 'hw:locked_memory', 'hw:vif_model', 'hw:disk_bus', 'hw:scsi_model',
  'hw:foo', 'group_policy', 'pci_passthrough:alias', 'resources:VCPU', 'resources1:CUSTOM_PCI_NIC_VF', 'resources:vcpu',
  'trait:HW_CPU_X86_AVX2', 'trait1:CUSTOM_X', 'hw_rng:allowed', 'quota:cpu_shares', 'hw_video:ram_max_mb',
  'aggregate_instance_extra_specs:ssd', 'capabilities:cpu_info', 'os:secure_boot', 'accel:device_profile', 'foo', 'foo:bar',
];
const EXTRA_SPEC_VALUES = [
  'true', 'false', 'yes', 'no', 'maybe', '1', '0', '-1', '2', 'any', 'large', 'small', '2048', '2MB', 'dedicated', 'shared',
  'mixed', 'prefer', 'require', 'isolate', 'none', 'e1000', 'virtio', 'scsi', 'virtio-scsi', 'vf:1', 'vf:1,pf:2', 'vf', 'vf:x',
  '', 'required', 'legacy', 'preferred', 'socket', 'disabled', 'reset', 'forbidden', 'foo',
];
export const extraSpecPair = fc.tuple(fc.constantFrom(...EXTRA_SPEC_KEYS), fc.constantFrom(...EXTRA_SPEC_VALUES));

/** A flavor + image for the Placement request: resources / traits extra specs, pinning, and what adds traits. */
export const flavorAndImage = fc.record({
  flavor: fc.record({
    vcpus: fc.integer({ min: 1, max: 4 }),
    memory_mb: fc.constantFrom(512, 2048),
    root_gb: fc.constantFrom(0, 20),
    ephemeral_gb: fc.constantFrom(0, 5),
    swap: fc.constantFrom(0, 512, 1025),
    extra_specs: someOf({
      'resources:VCPU': fc.constantFrom('4', '0'),
      'resources:DISK_GB': fc.constantFrom('0', '10'),
      'resources:MEMORY_MB': fc.constant('1024'),
      'resources1:CUSTOM_X': fc.constantFrom('1', 'x', '-1'),
      'resources_gpu:VGPU': fc.constant('1'),
      'resources:custom_lower': fc.constant('1'),
      'trait:HW_CPU_X86_AVX2': fc.constantFrom('required', 'forbidden', 'yes'),
      'trait1:CUSTOM_Y': fc.constant('required'),
      'hw:cpu_policy': fc.constantFrom('dedicated', 'mixed', 'shared'),
      'hw:cpu_dedicated_mask': fc.constant('^0'),
      'hw:cpu_thread_policy': fc.constantFrom('isolate', 'prefer'),
      'hw:emulator_threads_policy': fc.constant('isolate'),
      'hw:mem_encryption': fc.constantFrom('true', 'false'),
      'hw:tpm_version': fc.constant('2.0'),
      'hw:tpm_model': fc.constant('tpm-crb'),
      'os:secure_boot': fc.constantFrom('required', 'disabled'),
      'hw:pci_numa_affinity_policy': fc.constantFrom('socket', 'required'),
      group_policy: fc.constantFrom('isolate', 'none', 'foo'),
    }, 4),
  }),
  image: someOf({
    'trait:HW_CPU_X86_SSE42': fc.constantFrom('required', 'forbidden'),
    hw_cpu_policy: fc.constantFrom('dedicated', 'shared'),
    hw_pci_numa_affinity_policy: fc.constant('socket'),
    hw_firmware_type: fc.constant('uefi'),
    hw_machine_type: fc.constant('q35'),
    os_secure_boot: fc.constant('required'),
    hw_mem_encryption: fc.constant('true'),
  }, 3),
});

/**
 * One port for vif_oracle.py: a vnic_type and backend, the virt_type, NIC image properties (valid, VMware spellings, models
 * some virt_types refuse), flavor vCPUs and multiqueue, and the [libvirt] options that change the <driver> element.
 * Models Zed does not know (igb, 2025.1) are left out: the API refuses them before any port exists.
 */
export const vifPort = fc.record({
  vnic_type: fc.constantFrom('normal', 'normal', 'normal', 'direct', 'macvtap', 'direct-physical', 'vdpa', 'remote-managed', 'virtio-forwarder', 'accelerator-direct'),
  backend: fc.constantFrom('linuxbridge', 'ovs', 'ovs-hybrid', 'ovs-dpdk'),
  virt_type: fc.constantFrom('kvm', 'kvm', 'qemu', 'parallels', 'lxc'),
  image: someOf({
    hw_vif_model: fc.constantFrom('virtio', 'virtio', 'e1000', 'e1000e', 'rtl8139', 'lan9118', 'VirtualE1000', 'netfront', 'spapr-vlan'),
    hw_vif_multiqueue_enabled: fc.constantFrom('true', 'true', 'false', 'yes'),
  }, 2),
  flavor: fc.record({ vcpus: fc.constantFrom(1, 2, 4, 16, 300), extra_specs: someOf({ 'hw:vif_multiqueue_enabled': fc.constantFrom('true', 'false') }, 1) }),
  conf: someOf({
    rx_queue_size: fc.constantFrom(256, 512, 1024),
    tx_queue_size: fc.constantFrom(256, 1024),
    max_queues: fc.constantFrom(1, 2, 8),
    use_virtio_for_bridges: fc.constant(false),
  }, 3),
});

/**
 * A server create's PCI inputs (pci_request_oracle.py): one nova.conf's `[pci] alias` values (valid entries and near
 * misses, as aliasConfig), a flavor asking aliases of the same name pool with counts, and the flavor / image PCI NUMA
 * affinity policies, valid, unknown or disagreeing.
 */
const validAlias = fc.tuple(validIds, fc.record({
  name: fc.constantFrom('vf', 'pf', 'gpu', ' vf'),
  device_type: fc.constantFrom('type-PCI', 'type-PF', 'type-VF'),
  numa_policy: fc.constantFrom('required', 'legacy', 'preferred', 'socket'),
}, { requiredKeys: ['name'] })).map(([ids, o]) => JSON.stringify({ ...ids, ...o }));
/** The value in one case out of three, else null. */
const rarely = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | null> => fc.oneof({ weight: 2, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: arb });
/** Entries that agree when they share a name, so that most configurations get to the requests. */
const agreeingAliases = fc.uniqueArray(fc.constantFrom(
  '{"name": "vf", "vendor_id": "8086", "product_id": "154c", "device_type": "type-VF"}',
  '{"name": " vf", "vendor_id": "15b3", "product_id": "1018", "device_type": "type-VF", "numa_policy": "legacy"}',
  '{"name": "pf", "vendor_id": "8086", "product_id": "1572", "device_type": "type-PF", "numa_policy": "required"}',
  '{"name": "gpu", "vendor_id": "10de", "product_id": "1eb8", "capability_type": "pci", "device_type": "type-PCI", "numa_policy": "preferred"}',
  '{"name": "gpu", "vendor_id": "10DE", "product_id": "1EB8", "numa_policy": "preferred", "device_type": "type-PCI"}',
), { minLength: 1, maxLength: 4 });
export const pciRequestInput = fc.record({
  aliases: fc.oneof({ weight: 4, arbitrary: agreeingAliases }, { weight: 1, arbitrary: fc.array(validAlias, { minLength: 1, maxLength: 3 }) }, { weight: 1, arbitrary: aliasConfig }),
  extra_specs: fc.tuple(
    fc.constantFrom('vf:1', 'vf:2', ' vf :3', 'vf:1,pf:1', 'pf:1, gpu:2', 'gpu:1', 'nope:1'),
    rarely(fc.constantFrom('required', 'preferred', 'legacy', 'socket', 'strict')),
  ).map(([alias, policy]) => ({ 'pci_passthrough:alias': alias, ...(policy === null ? {} : { 'hw:pci_numa_affinity_policy': policy }) })),
  image: rarely(fc.constantFrom('required', 'preferred', 'strict')).map((p) => (p === null ? {} : { hw_pci_numa_affinity_policy: p })),
});

/**
 * One compute's PCI devices and a proposed `[pci] device_spec` (placement_view_oracle.py): 1–3 X710 PFs
 * (8086:1572, `0000:0N:00.0`) with 1–4 VFs each (8086:154c, `0000:0N:00.k`), maybe a GPU (10de:1eb8,
 * `0000:81:00.0`), and 1–2 specs from a pool: by ids, by exact PF / VF address, by glob, with resource_class /
 * traits tags, with physical_network, one selecting the PFs themselves.
 */
export const placementViewInput = fc.record({
  vfs: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 }),
  gpu: fc.boolean(),
  device_spec: fc.uniqueArray(fc.constantFrom(
    '{"vendor_id": "8086", "product_id": "154c"}',
    '{"vendor_id": "8086", "product_id": "154c", "resource_class": "nic-vf", "traits": "purple,HW_NIC_SRIOV"}',
    '{"address": "0000:01:00.0", "resource_class": "CUSTOM_VF_A"}',
    '{"address": "0000:02:00.1", "resource_class": "CUSTOM_PCI_NIC_VF", "traits": "HW_NIC_SRIOV,CUSTOM_LAB_VF"}',
    '{"address": "*:03:00.*", "vendor_id": "8086", "product_id": "154c", "traits": "blue"}',
    '{"vendor_id": "10de", "product_id": "1eb8", "resource_class": "PGPU"}',
    '{"vendor_id": "10de"}',
    '{"vendor_id": "8086", "product_id": "154c", "physical_network": "physnet1"}',
    '{"vendor_id": "8086", "product_id": "1572"}',
  ), { minLength: 1, maxLength: 2 }),
}).map(({ vfs, gpu, device_spec }) => {
  const pfs = vfs.map((_, i) => `0000:0${i + 1}:00.0`);
  const devices = vfs.flatMap((count, i) => [
    { address: pfs[i]!, vendor_id: '8086', product_id: '1572', dev_type: 'type-PF', parent_addr: null },
    ...Array.from({ length: count }, (_, k) => ({ address: `0000:0${i + 1}:00.${k + 1}`, vendor_id: '8086', product_id: '154c', dev_type: 'type-VF', parent_addr: pfs[i]! })),
  ]);
  if (gpu) devices.push({ address: '0000:81:00.0', vendor_id: '10de', product_id: '1eb8', dev_type: 'type-PCI', parent_addr: null });
  return { hostname: 'h1', pfs, devices, device_spec };
});
