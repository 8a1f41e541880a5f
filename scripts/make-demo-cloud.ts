// Writes src/sync/demo-cloud.json, the bundled demo cloud: `npx tsx scripts/make-demo-cloud.ts`.
// Twelve kvm hosts in two racks, Intel X710 and Mellanox ConnectX-5 PFs/VF pools in Placement, flavors and
// images chosen so that every rule has something to say. Each entry's comment says what it is there to show.
import { writeFileSync } from 'node:fs';
import { RawCloud } from '../src/openstack/schemas.ts';
import type { ComputeHostSpec, FlavorSpec, ImageSpec, PciProviderSpec } from './raw-cloud.ts';
import {
  CPU_TRAITS,
  INTEL_X710_PF,
  INTEL_X710_VF,
  LIBVIRT_KVM_HOST_TRAITS,
  MELLANOX_CX5_PF,
  MELLANOX_CX5_VF,
  RawCloudBuilder,
  cloudUuid,
  inventory,
} from './raw-cloud.ts';

const OUT = new URL('../src/sync/demo-cloud.json', import.meta.url);
const CLOUD = 'demo';

const RACK_1 = cloudUuid(CLOUD, 'aggregate', 'rack1');
const RACK_2 = cloudUuid(CLOUD, 'aggregate', 'rack2');
const NFV = cloudUuid(CLOUD, 'aggregate', 'nfv');

/** VFs carry the device_spec trait HW_NIC_SRIOV; whole PFs only COMPUTE_MANAGED_PCI_DEVICE. */
const x710Vfs = (pfAddress: string, total: number, used: number, extra: Partial<PciProviderSpec> = {}): PciProviderSpec =>
  ({ pfAddress, device: INTEL_X710_VF, total, used, traits: ['HW_NIC_SRIOV'], ...extra });
const cx5Vfs = (pfAddress: string, total: number, used: number, extra: Partial<PciProviderSpec> = {}): PciProviderSpec =>
  ({ pfAddress, device: MELLANOX_CX5_VF, total, used, traits: ['HW_NIC_SRIOV'], ...extra });
const wholePf = (pfAddress: string, device: PciProviderSpec['device'], used: number): PciProviderSpec =>
  ({ pfAddress, device, total: 1, used });

const rack1Traits = [...LIBVIRT_KVM_HOST_TRAITS, ...CPU_TRAITS.skylake, 'CUSTOM_RACK_1'];
const rack2Traits = [...LIBVIRT_KVM_HOST_TRAITS, ...CPU_TRAITS.icelake, 'CUSTOM_RACK_2'];
const medium = { vcpus: 48, memoryMb: 262144, diskGb: 894 };
/** NFV hosts split their cores: cpu_shared_set as VCPU, cpu_dedicated_set as PCPU for pinned flavors. */
const nfvLarge = { vcpus: 32, pcpus: 32, memoryMb: 393216, diskGb: 1788 };
const nfvXlarge = { vcpus: 48, pcpus: 48, memoryMb: 524288, diskGb: 3576 };

const HOSTS: ComputeHostSpec[] = [
  // X710 port 0 as a VF pool (some used), port 1 passed whole and in use.
  { name: 'rack1-cmp01', ...nfvLarge, used: { vcpus: 96, pcpus: 8, memoryMb: 196608, diskGb: 640 },
    traits: rack1Traits, aggregates: [RACK_1, NFV],
    pci: [x710Vfs('0000:3b:00.0', 16, 6), wholePf('0000:3b:00.1', INTEL_X710_PF, 1)] },
  // One VF pool full; the other with 2 VFs reserved by the operator: capacity (16 - 2) x 1.0 = 14.
  { name: 'rack1-cmp02', ...nfvLarge, used: { vcpus: 120, pcpus: 30, memoryMb: 262144, diskGb: 900 },
    traits: rack1Traits, aggregates: [RACK_1, NFV],
    pci: [x710Vfs('0000:3b:00.0', 16, 16), x710Vfs('0000:3b:00.1', 16, 3, { reserved: 2 })] },
  // Both X710 ports passed whole, both free: where pf.passthrough fits.
  { name: 'rack1-cmp03', ...nfvLarge, used: { vcpus: 32, pcpus: 0, memoryMb: 65536, diskGb: 200 },
    traits: rack1Traits, aggregates: [RACK_1, NFV],
    pci: [wholePf('0000:3b:00.0', INTEL_X710_PF, 0), wholePf('0000:3b:00.1', INTEL_X710_PF, 0)] },
  // Memory nearly exhausted: (262144 - 512) x 1.5 = 392448 MB, 380000 used.
  { name: 'rack1-cmp04', ...medium, used: { vcpus: 200, memoryMb: 380000, diskGb: 700 },
    traits: rack1Traits, aggregates: [RACK_1], pci: [] },
  { name: 'rack1-cmp05', ...medium, used: { vcpus: 16, memoryMb: 32768, diskGb: 120 },
    traits: rack1Traits, aggregates: [RACK_1], pci: [] },
  // Just added: nothing running.
  { name: 'rack1-cmp06', ...medium, used: { vcpus: 0, memoryMb: 0, diskGb: 0 },
    traits: rack1Traits, aggregates: [RACK_1], pci: [] },
  // ConnectX-5, two VF pools.
  { name: 'rack2-cmp01', ...nfvXlarge, used: { vcpus: 64, pcpus: 12, memoryMb: 131072, diskGb: 800 },
    traits: rack2Traits, aggregates: [RACK_2, NFV],
    pci: [cx5Vfs('0000:5e:00.0', 8, 2), cx5Vfs('0000:5e:00.1', 8, 0)] },
  { name: 'rack2-cmp02', ...nfvXlarge, used: { vcpus: 180, pcpus: 46, memoryMb: 450000, diskGb: 2000 },
    traits: rack2Traits, aggregates: [RACK_2, NFV],
    pci: [cx5Vfs('0000:5e:00.0', 8, 8), cx5Vfs('0000:5e:00.1', 8, 5)] },
  // Both NIC models; the CX-5 pool has an operator-set ratio: int((8 - 1) x 1.5) = 10 VFs, 4 used.
  { name: 'rack2-cmp03', ...nfvXlarge, used: { vcpus: 48, pcpus: 4, memoryMb: 98304, diskGb: 400 },
    traits: rack2Traits, aggregates: [RACK_2, NFV],
    pci: [cx5Vfs('0000:5e:00.0', 8, 4, { reserved: 1, allocationRatio: 1.5 }), x710Vfs('0000:af:00.0', 8, 0)] },
  // X710 port 1 for Nova's alias; port 0 belongs to Neutron SR-IOV (physnet1) and so shows in Placement only
  // as the SR-IOV agent's bandwidth providers (added below), never as VFs.
  { name: 'rack2-cmp04', ...nfvLarge, used: { vcpus: 40, pcpus: 0, memoryMb: 81920, diskGb: 300 },
    traits: rack2Traits, aggregates: [RACK_2, NFV],
    pci: [x710Vfs('0000:af:00.1', 8, 2)] },
  // Newest host: libvirt >= 9.3 and QEMU >= 8.0 (reports IGB), deployed with the 2023.1+ initial ratios;
  // one CX-5 port passed whole, the other a VF pool.
  { name: 'rack2-cmp05', vcpus: 64, pcpus: 64, memoryMb: 1048576, diskGb: 7152,
    used: { vcpus: 24, pcpus: 8, memoryMb: 65536, diskGb: 240 }, allocationRatios: { vcpu: 4.0, memoryMb: 1.0 },
    traits: [...rack2Traits, 'COMPUTE_NET_VIF_MODEL_IGB'], aggregates: [RACK_2, NFV],
    pci: [wholePf('0000:5e:00.0', MELLANOX_CX5_PF, 0), cx5Vfs('0000:5e:00.1', 16, 1)] },
  // Older Broadwell box whose hypervisor does not offer e1000: hw_vif_model=e1000 cannot land here.
  { name: 'rack2-cmp06', vcpus: 32, memoryMb: 131072, diskGb: 447,
    used: { vcpus: 8, memoryMb: 16384, diskGb: 80 },
    traits: [
      ...LIBVIRT_KVM_HOST_TRAITS.filter((trait) => trait !== 'COMPUTE_NET_VIF_MODEL_E1000'),
      ...CPU_TRAITS.broadwell,
      'CUSTOM_RACK_2',
    ],
    aggregates: [RACK_2], pci: [] },
];

/** The Neutron SR-IOV agent's providers on rack2-cmp04: bandwidth only, no PCI (normalise skips them). */
function addSriovAgentProviders(builder: RawCloudBuilder, hostUuid: string): void {
  const agent = builder.addProvider({ name: 'rack2-cmp04:NIC Switch agent', parentUuid: hostUuid, rootUuid: hostUuid });
  builder.addProvider({
    name: 'rack2-cmp04:NIC Switch agent:ens6f0',
    parentUuid: agent,
    rootUuid: hostUuid,
    inventories: {
      NET_BW_EGR_KILOBIT_PER_SEC: inventory(10_000_000),
      NET_BW_IGR_KILOBIT_PER_SEC: inventory(10_000_000),
    },
    usages: { NET_BW_EGR_KILOBIT_PER_SEC: 1_000_000, NET_BW_IGR_KILOBIT_PER_SEC: 1_000_000 },
    traits: ['CUSTOM_PHYSNET_PHYSNET1', 'CUSTOM_VNIC_TYPE_DIRECT', 'CUSTOM_VNIC_TYPE_DIRECT_PHYSICAL', 'CUSTOM_VNIC_TYPE_MACVTAP'],
  });
}

const uuidFlavor = (spec: Omit<FlavorSpec, 'id'>): FlavorSpec => ({ id: cloudUuid(CLOUD, 'flavor', spec.name), ...spec });

const FLAVORS: FlavorSpec[] = [
  // The classic m1 set, with the small integer ids clouds were bootstrapped with; no extra specs.
  { id: '1', name: 'm1.tiny', vcpus: 1, ramMb: 512, diskGb: 1 },
  { id: '2', name: 'm1.small', vcpus: 1, ramMb: 2048, diskGb: 20 },
  { id: '3', name: 'm1.medium', vcpus: 2, ramMb: 4096, diskGb: 40 },
  { id: '4', name: 'm1.large', vcpus: 4, ramMb: 8192, diskGb: 80 },
  { id: '5', name: 'm1.xlarge', vcpus: 8, ramMb: 16384, diskGb: 160 },
  // Multiqueue on one vCPU: Nova ignores it.
  uuidFlavor({ name: 't1.micro.mq', vcpus: 1, ramMb: 1024, diskGb: 10,
    extraSpecs: { 'hw:vif_multiqueue_enabled': 'true' } }),
  // Multiqueue that takes effect: 4 queues on a kvm host with vhost-net.
  uuidFlavor({ name: 'c2.large.mq', vcpus: 4, ramMb: 8192, diskGb: 40,
    extraSpecs: { 'hw:vif_multiqueue_enabled': 'true' } }),
  // Packed virtqueues (required trait COMPUTE_NET_VIRTIO_PACKED) with multiqueue.
  uuidFlavor({ name: 'c2.xlarge.packed', vcpus: 8, ramMb: 16384, diskGb: 80,
    extraSpecs: { 'hw:vif_multiqueue_enabled': 'true', 'hw:virtio_packed_ring': 'true' } }),
  // Swap (an integer below microversion 2.75, unlike "" for none) and ephemeral disk.
  uuidFlavor({ name: 'r2.large.scratch', vcpus: 4, ramMb: 32768, diskGb: 40, swapMb: 4096, ephemeralGb: 100,
    description: 'Memory optimised, local scratch disk' }),
  // vhost-user (OVS-DPDK) guest: pinned, 1 GiB pages, multiqueue.
  uuidFlavor({ name: 'dpdk.medium', vcpus: 4, ramMb: 8192, diskGb: 40, extraSpecs: {
    'hw:cpu_policy': 'dedicated', 'hw:mem_page_size': '1GB', 'hw:numa_nodes': '1', 'hw:vif_multiqueue_enabled': 'true' } }),
  // Two X710 VFs, group_policy none (Nova's default): both may come from one PF.
  uuidFlavor({ name: 'nfv.sriov.2vf', vcpus: 4, ramMb: 8192, diskGb: 40, extraSpecs: {
    'pci_passthrough:alias': 'x710-vf:2', 'hw:cpu_policy': 'dedicated', 'hw:mem_page_size': 'large' } }),
  // Four X710 VFs on four different providers (group_policy=isolate); private flavor.
  uuidFlavor({ name: 'nfv.sriov.4vf.isolate', vcpus: 8, ramMb: 16384, diskGb: 40, isPublic: false, extraSpecs: {
    'pci_passthrough:alias': 'x710-vf:4', 'group_policy': 'isolate', 'hw:cpu_policy': 'dedicated',
    'hw:mem_page_size': '1GB', 'hw:pci_numa_affinity_policy': 'preferred' } }),
  // One ConnectX-5 VF, and only in rack 2.
  uuidFlavor({ name: 'nfv.cx5', vcpus: 4, ramMb: 8192, diskGb: 40, extraSpecs: {
    'pci_passthrough:alias': 'mlx5-vf:1', 'hw:mem_page_size': 'large', 'trait:CUSTOM_RACK_2': 'required' } }),
  // Two aliases in one spec: only rack2-cmp03 has both NIC models.
  uuidFlavor({ name: 'nfv.mixed', vcpus: 8, ramMb: 16384, diskGb: 40, extraSpecs: {
    'pci_passthrough:alias': 'x710-vf:1, mlx5-vf:1', 'hw:cpu_policy': 'dedicated', 'hw:mem_page_size': 'large' } }),
  // A whole X710 port (type-PF).
  uuidFlavor({ name: 'pf.passthrough', vcpus: 8, ramMb: 16384, diskGb: 80,
    extraSpecs: { 'pci_passthrough:alias': 'x710-pf:1' } }),
  // A whole ConnectX-5 port: only rack2-cmp05 has one.
  uuidFlavor({ name: 'pf.cx5', vcpus: 16, ramMb: 65536, diskGb: 80, extraSpecs: {
    'pci_passthrough:alias': 'mlx5-pf:1', 'hw:cpu_policy': 'dedicated', 'hw:mem_page_size': '1GB' } }),
];

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

const IMAGES: ImageSpec[] = [
  // Generic Glance os_distro and nothing else: the advisor recommends every hw_* property.
  { name: 'ubuntu-22.04', diskFormat: 'qcow2', sizeBytes: 659 * MiB, virtualSizeBytes: 2.2 * GiB,
    minDiskGb: 3, minRamMb: 512, createdAt: '2025-03-04T10:12:41Z',
    properties: { os_distro: 'ubuntu', os_version: '22.04', os_type: 'linux' } },
  // Well configured: virtio-scsi, multiqueue, q35/UEFI, guest agent.
  { name: 'ubuntu-24.04', diskFormat: 'qcow2', sizeBytes: 582 * MiB, virtualSizeBytes: 3.5 * GiB,
    minDiskGb: 4, minRamMb: 1024, createdAt: '2026-05-02T08:30:00Z', tags: ['golden'],
    properties: { os_distro: 'ubuntu', os_version: '24.04', os_type: 'linux', hw_vif_model: 'virtio',
      hw_disk_bus: 'scsi', hw_scsi_model: 'virtio-scsi', hw_vif_multiqueue_enabled: 'true',
      hw_machine_type: 'q35', hw_firmware_type: 'uefi', hw_qemu_guest_agent: 'yes' } },
  { name: 'rhel-9.2', diskFormat: 'qcow2', sizeBytes: 912 * MiB, virtualSizeBytes: 10 * GiB,
    minDiskGb: 10, minRamMb: 1536, createdAt: '2025-06-18T14:05:09Z',
    properties: { os_distro: 'rhel', os_version: '9.2', os_type: 'linux', hw_vif_model: 'virtio',
      hw_disk_bus: 'virtio', hw_machine_type: 'q35', hw_qemu_guest_agent: 'yes' } },
  // A libosinfo short-id and no hw_vif_model: with libosinfo on the computes Nova picks e1000e (§2.4).
  { name: 'debian-12', diskFormat: 'qcow2', sizeBytes: 421 * MiB, virtualSizeBytes: 2 * GiB,
    minDiskGb: 2, minRamMb: 512, createdAt: '2025-09-30T07:44:12Z',
    properties: { os_distro: 'debian12', os_version: '12', os_type: 'linux' } },
  // Windows with virtio-win (viostor, netkvm) installed: virtio NIC and disk are right for it.
  { name: 'windows-2022-virtio', diskFormat: 'qcow2', sizeBytes: 9.8 * GiB, virtualSizeBytes: 40 * GiB,
    minDiskGb: 40, minRamMb: 4096, createdAt: '2026-01-12T16:20:00Z', tags: ['virtio-win'],
    properties: { os_distro: 'windows', os_version: '2022', os_type: 'windows', os_virtio_drivers: 'true',
      hw_machine_type: 'q35', hw_firmware_type: 'uefi' } },
  // The same Windows without virtio drivers and no hw_disk_bus: Nova's default virtio disk will not boot.
  { name: 'windows-2022', diskFormat: 'qcow2', sizeBytes: 9.4 * GiB, virtualSizeBytes: 40 * GiB,
    minDiskGb: 40, minRamMb: 4096, createdAt: '2026-01-10T11:02:31Z',
    properties: { os_distro: 'windows', os_version: '2022', os_type: 'windows',
      hw_machine_type: 'q35', hw_firmware_type: 'uefi' } },
  // What virt-v2v writes for a driverless Windows, plus q35: IDE does not exist on q35. Also legacy names.
  { name: 'windows-2019-v2v', diskFormat: 'raw', sizeBytes: 60 * GiB, virtualSizeBytes: 60 * GiB,
    minDiskGb: 60, minRamMb: 2048, createdAt: '2025-11-21T09:15:44Z',
    properties: { architecture: 'x86_64', hypervisor_type: 'kvm', vm_mode: 'hvm', hw_disk_bus: 'ide',
      hw_machine_type: 'q35', hw_vif_model: 'rtl8139', hw_video_model: 'vga', os_type: 'windows',
      os_distro: 'windows', os_version: '10' } },
  // A 2.6.32 kernel: virtio yes, but multiqueue needs 3.8.
  { name: 'centos-6.10', diskFormat: 'qcow2', sizeBytes: 318 * MiB, virtualSizeBytes: 8 * GiB,
    minDiskGb: 8, minRamMb: 512, createdAt: '2019-02-11T13:37:00Z',
    properties: { os_distro: 'centos', os_version: '6.10', os_type: 'linux', hw_vif_model: 'virtio',
      hw_disk_bus: 'virtio', hw_vif_multiqueue_enabled: 'true' } },
  // No os_distro at all: the guest OS is unknown.
  { name: 'appliance-v3', diskFormat: 'raw', sizeBytes: 2 * GiB, virtualSizeBytes: 2 * GiB,
    minDiskGb: 2, minRamMb: 2048, createdAt: '2024-08-07T12:00:00Z', visibility: 'shared',
    properties: { appliance_vendor: 'Example Networks', appliance_version: '3.4.1' } },
  // e1000, which rack2-cmp06 does not offer.
  { name: 'vrouter-e1000', diskFormat: 'qcow2', sizeBytes: 512 * MiB, virtualSizeBytes: 4 * GiB,
    minDiskGb: 4, minRamMb: 2048, createdAt: '2024-12-01T18:45:00Z',
    properties: { os_distro: 'freebsd', os_version: '13.2', hw_vif_model: 'e1000', hw_disk_bus: 'virtio' } },
  // Not a Nova enum value (the device is called virtio-net, the model virtio): server create fails with 400.
  { name: 'ubuntu-20.04-legacy', diskFormat: 'qcow2', sizeBytes: 604 * MiB, virtualSizeBytes: 2.2 * GiB,
    minDiskGb: 3, minRamMb: 512, createdAt: '2022-04-27T10:00:00Z',
    properties: { os_distro: 'ubuntu', os_version: '20.04', os_type: 'linux', hw_vif_model: 'virtio-net' } },
  // Image page size (honoured only with a flavor hw:mem_page_size of large or any) and an image trait.
  { name: 'rocky-9-dpdk', diskFormat: 'qcow2', sizeBytes: 1.1 * GiB, virtualSizeBytes: 10 * GiB,
    minDiskGb: 10, minRamMb: 4096, createdAt: '2026-03-09T09:09:09Z',
    properties: { os_distro: 'rocky', os_version: '9.3', os_type: 'linux', hw_vif_model: 'virtio',
      hw_disk_bus: 'virtio', hw_mem_page_size: '1GB', hw_vif_multiqueue_enabled: 'true',
      'trait:CUSTOM_RACK_2': 'required' } },
  // hw_rng_model is a no-op since Ussuri (a virtio RNG is always added).
  { name: 'cirros-0.6.2', diskFormat: 'qcow2', sizeBytes: 20 * MiB, virtualSizeBytes: 112 * MiB,
    minDiskGb: 1, minRamMb: 64, createdAt: '2023-07-03T15:30:00Z', properties: { hw_rng_model: 'virtio' } },
];

function buildDemoCloud(): RawCloud {
  const builder = new RawCloudBuilder({
    cloud: CLOUD,
    region: 'RegionOne',
    takenAt: '2026-11-20T09:00:00Z',
    computeEndpoint: 'https://compute.demo.example.com:8774',
    imageOwner: `${CLOUD}:admin`,
  });
  for (const host of HOSTS) {
    const uuid = builder.addComputeHost(host);
    if (host.name === 'rack2-cmp04') addSriovAgentProviders(builder, uuid);
  }
  for (const flavor of FLAVORS) builder.addFlavor(flavor);
  for (const image of IMAGES) builder.addImage(image);
  const cloud = builder.build();
  // Validate, but write the builder's value: parsing would reorder keys away from the APIs' own order.
  RawCloud.parse(cloud);
  return cloud;
}

writeFileSync(OUT, `${JSON.stringify(buildDemoCloud(), null, 2)}\n`);
console.log(`wrote ${OUT.pathname}`);
