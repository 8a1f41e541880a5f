// Builds a RawCloud in the exact shapes Nova (/flavors/detail at 2.61), Glance (/v2/images) and Placement
// (1.39) return, for the bundled demo cloud (scripts/make-demo-cloud.ts) and the synthetic benchmark clouds
// (bench/synthetic-cloud.ts). Ids are derived from names, so a regenerated file does not churn.
import { createHash } from 'node:crypto';
import type { GlanceImage, NovaFlavor, PlacementInventory, PlacementProvider, RawCloud } from '../src/openstack/schemas.ts';
import { GLANCE_CORE_ATTRIBUTES } from '../src/openstack/schemas.ts';

function hex(algorithm: 'md5' | 'sha256' | 'sha512', text: string): string {
  return createHash(algorithm).update(text).digest('hex');
}

/** A UUID with the version-4 layout, derived from a name. */
function stableUuid(name: string): string {
  const h = hex('sha256', name);
  const variant = ((parseInt(h.charAt(16), 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** The uuid of a named object of one kind (provider, image, flavor, aggregate) in a named cloud. */
export function cloudUuid(cloud: string, kind: 'provider' | 'image' | 'flavor' | 'aggregate', name: string): string {
  return stableUuid(`${cloud}:${kind}:${name}`);
}

/** A Keystone project id (a UUID without dashes), derived from a name. */
function stableProjectId(name: string): string {
  return stableUuid(`project:${name}`).replaceAll('-', '');
}

// ---------------------------------------------------------------- what a libvirt/kvm compute reports

/** `SUPPORTED_VIF_MODELS['kvm']` as traits; IGB only with libvirt >= 9.3 and QEMU >= 8.0 (domain.md §1.2). */
const KVM_VIF_MODEL_TRAITS = [
  'COMPUTE_NET_VIF_MODEL_VIRTIO',
  'COMPUTE_NET_VIF_MODEL_E1000',
  'COMPUTE_NET_VIF_MODEL_E1000E',
  'COMPUTE_NET_VIF_MODEL_NE2K_PCI',
  'COMPUTE_NET_VIF_MODEL_PCNET',
  'COMPUTE_NET_VIF_MODEL_RTL8139',
  'COMPUTE_NET_VIF_MODEL_SPAPR_VLAN',
  'COMPUTE_NET_VIF_MODEL_VMXNET3',
] as const;

/** The non-CPU traits the libvirt driver reports on a kvm compute node's root provider (domain.md §2.6). */
export const LIBVIRT_KVM_HOST_TRAITS: readonly string[] = [
  'COMPUTE_NODE',
  ...KVM_VIF_MODEL_TRAITS,
  'COMPUTE_NET_VIRTIO_PACKED',
  'COMPUTE_NET_ATTACH_INTERFACE',
  'COMPUTE_NET_ATTACH_INTERFACE_WITH_TAG',
  'COMPUTE_STORAGE_BUS_VIRTIO',
  'COMPUTE_STORAGE_BUS_SCSI',
  'COMPUTE_STORAGE_BUS_IDE',
  'COMPUTE_STORAGE_BUS_USB',
  'COMPUTE_STORAGE_BUS_FDC',
  'COMPUTE_STORAGE_BUS_SATA',
  'COMPUTE_GRAPHICS_MODEL_CIRRUS',
  'COMPUTE_GRAPHICS_MODEL_QXL',
  'COMPUTE_GRAPHICS_MODEL_VGA',
  'COMPUTE_GRAPHICS_MODEL_VIRTIO',
  'COMPUTE_GRAPHICS_MODEL_BOCHS',
  'COMPUTE_GRAPHICS_MODEL_NONE',
  'COMPUTE_IMAGE_TYPE_AKI',
  'COMPUTE_IMAGE_TYPE_AMI',
  'COMPUTE_IMAGE_TYPE_ARI',
  'COMPUTE_IMAGE_TYPE_ISO',
  'COMPUTE_IMAGE_TYPE_QCOW2',
  'COMPUTE_IMAGE_TYPE_RAW',
  'COMPUTE_VIOMMU_MODEL_INTEL',
  'COMPUTE_VIOMMU_MODEL_VIRTIO',
  'COMPUTE_VIOMMU_MODEL_AUTO',
  'COMPUTE_SECURITY_TPM_2_0',
  'COMPUTE_SECURITY_UEFI_SECURE_BOOT',
  'COMPUTE_SOCKET_PCI_NUMA_AFFINITY',
  'COMPUTE_ARCH_X86_64',
  'COMPUTE_ACCELERATORS',
  'COMPUTE_DEVICE_TAGGING',
  'COMPUTE_RESCUE_BFV',
  'COMPUTE_TRUSTED_CERTS',
  'COMPUTE_VOLUME_ATTACH_WITH_TAG',
  'COMPUTE_VOLUME_EXTEND',
  'COMPUTE_VOLUME_MULTI_ATTACH',
];

/** CPU feature traits by Intel server generation. */
export const CPU_TRAITS = {
  broadwell: ['HW_CPU_HYPERTHREADING', 'HW_CPU_X86_SSE42', 'HW_CPU_X86_AESNI', 'HW_CPU_X86_AVX', 'HW_CPU_X86_AVX2'],
  skylake: [
    'HW_CPU_HYPERTHREADING', 'HW_CPU_X86_SSE42', 'HW_CPU_X86_AESNI', 'HW_CPU_X86_AVX', 'HW_CPU_X86_AVX2',
    'HW_CPU_X86_AVX512F', 'HW_CPU_X86_AVX512CD', 'HW_CPU_X86_AVX512BW', 'HW_CPU_X86_AVX512DQ', 'HW_CPU_X86_AVX512VL',
  ],
  icelake: [
    'HW_CPU_HYPERTHREADING', 'HW_CPU_X86_SSE42', 'HW_CPU_X86_AESNI', 'HW_CPU_X86_AVX', 'HW_CPU_X86_AVX2',
    'HW_CPU_X86_AVX512F', 'HW_CPU_X86_AVX512CD', 'HW_CPU_X86_AVX512BW', 'HW_CPU_X86_AVX512DQ', 'HW_CPU_X86_AVX512VL',
    'HW_CPU_X86_AVX512VNNI', 'HW_CPU_X86_AVX512VBMI', 'HW_CPU_X86_AVX512VBMI2', 'HW_CPU_X86_AVX512VAES',
    'HW_CPU_X86_AVX512GFNI', 'HW_CPU_X86_AVX512VPCLMULQDQ',
  ],
} as const satisfies Record<string, readonly string[]>;

// ---------------------------------------------------------------- PCI devices (domain.md §4.5)

export interface PciDevice {
  /** 4 hex digits, lower-case as lspci prints them. */
  vendorId: string;
  productId: string;
}

export const INTEL_X710_PF: PciDevice = { vendorId: '8086', productId: '1572' };
export const INTEL_X710_VF: PciDevice = { vendorId: '8086', productId: '154c' };
export const MELLANOX_CX5_PF: PciDevice = { vendorId: '15b3', productId: '1017' };
export const MELLANOX_CX5_VF: PciDevice = { vendorId: '15b3', productId: '1018' };

/** Nova's default resource class for a device without `resource_class` in its device_spec. */
export function pciResourceClass(device: PciDevice): string {
  return `CUSTOM_PCI_${device.vendorId}_${device.productId}`.toUpperCase();
}

/** Nova marks every provider it creates for a PCI device with this trait. */
const MANAGED_PCI_TRAIT = 'COMPUTE_MANAGED_PCI_DEVICE';

/**
 * One nested provider: a PF passed whole (total 1), or the VFs of one PF counted on a provider named after
 * that PF.
 */
export interface PciProviderSpec {
  /** The PF's PCI address, e.g. `0000:3b:00.0`. */
  pfAddress: string;
  device: PciDevice;
  total: number;
  used: number;
  /** Set by an operator; Nova leaves it alone. */
  reserved?: number;
  allocationRatio?: number;
  /** From the device_spec `traits` tag, besides COMPUTE_MANAGED_PCI_DEVICE. */
  traits?: string[];
}

export interface ComputeHostSpec {
  /** hypervisor_hostname, the root provider's name. */
  name: string;
  vcpus: number;
  /** Cores in `[compute] cpu_dedicated_set`, reported as PCPU (ratio fixed at 1.0) for pinned flavors. */
  pcpus?: number;
  memoryMb: number;
  diskGb: number;
  used: { vcpus: number; pcpus?: number; memoryMb: number; diskGb: number };
  /** Nova's initial allocation ratios unless given (VCPU 16.0, MEMORY_MB 1.5, DISK_GB 1.0). */
  allocationRatios?: { vcpu?: number; memoryMb?: number; diskGb?: number };
  traits: readonly string[];
  aggregates: readonly string[];
  pci: readonly PciProviderSpec[];
}

export interface ProviderSpec {
  name: string;
  parentUuid: string | null;
  rootUuid?: string;
  inventories?: Record<string, PlacementInventory>;
  usages?: Record<string, number>;
  traits?: readonly string[];
  aggregates?: readonly string[];
}

/** A Placement inventory record with Placement's defaults for what is not given. */
export function inventory(total: number, overrides: Partial<PlacementInventory> = {}): PlacementInventory {
  return { total, reserved: 0, min_unit: 1, max_unit: total, step_size: 1, allocation_ratio: 1.0, ...overrides };
}

// ---------------------------------------------------------------- Nova flavors and Glance images

export interface FlavorSpec {
  id: string;
  name: string;
  vcpus: number;
  ramMb: number;
  diskGb: number;
  swapMb?: number;
  ephemeralGb?: number;
  isPublic?: boolean;
  description?: string | null;
  extraSpecs?: Record<string, string>;
}

export interface ImageSpec {
  name: string;
  /** Custom properties (hw_*, os_*, …): top-level string members of the image body. */
  properties: Record<string, string>;
  diskFormat: 'qcow2' | 'raw' | 'vmdk' | 'iso';
  sizeBytes: number;
  virtualSizeBytes: number | null;
  minDiskGb: number;
  minRamMb: number;
  createdAt: string;
  status?: 'active' | 'queued' | 'deactivated';
  visibility?: 'public' | 'private' | 'shared' | 'community';
  tags?: string[];
  protected?: boolean;
  /** Name of the owning project; the cloud's image owner when not given. */
  owner?: string;
}

export interface CloudMeta {
  cloud: string;
  region: string | null;
  takenAt: string;
  /** Nova's public endpoint without the version, e.g. `https://compute.example.com:8774`. */
  computeEndpoint: string;
  /** Name of the project that owns the images unless an image names another. */
  imageOwner: string;
}

export class RawCloudBuilder {
  private readonly raw: RawCloud;
  private readonly imageOwner: string;

  constructor(private readonly meta: CloudMeta) {
    this.raw = {
      cloud: meta.cloud,
      region: meta.region,
      taken_at: meta.takenAt,
      flavors: [],
      images: [],
      image_members: {},
      flavor_access: {},
      resource_providers: [],
      inventories: {},
      usages: {},
      traits: {},
      aggregates: {},
    };
    this.imageOwner = stableProjectId(meta.imageOwner);
  }

  /** Adds one resource provider with its four per-provider bodies; returns its uuid. */
  addProvider(spec: ProviderSpec): string {
    const uuid = cloudUuid(this.meta.cloud, 'provider', spec.name);
    const inventories = spec.inventories ?? {};
    // Placement lists every inventoried class in /usages, unused ones as 0.
    const usages = Object.fromEntries(Object.keys(inventories).map((rc) => [rc, spec.usages?.[rc] ?? 0]));
    const aggregates = [...(spec.aggregates ?? [])];
    const generation =
      2 + (aggregates.length > 0 ? 1 : 0) + 2 * Object.values(usages).filter((used) => used > 0).length;
    const href = `/resource_providers/${uuid}`;
    const provider: PlacementProvider = {
      uuid,
      name: spec.name,
      generation,
      links: [
        { rel: 'self', href },
        ...['inventories', 'usages', 'aggregates', 'traits', 'allocations'].map((rel) => ({ rel, href: `${href}/${rel}` })),
      ],
      parent_provider_uuid: spec.parentUuid,
      root_provider_uuid: spec.rootUuid ?? uuid,
    };
    this.raw.resource_providers.push(provider);
    this.raw.inventories[uuid] = { resource_provider_generation: generation, inventories };
    this.raw.usages[uuid] = { resource_provider_generation: generation, usages };
    this.raw.traits[uuid] = { traits: [...(spec.traits ?? [])], resource_provider_generation: generation };
    this.raw.aggregates[uuid] = { aggregates, resource_provider_generation: generation };
    return uuid;
  }

  /** Adds a compute node's root provider and one nested provider per PCI entry; returns the root uuid. */
  addComputeHost(host: ComputeHostSpec): string {
    const ratios = host.allocationRatios ?? {};
    const root = this.addProvider({
      name: host.name,
      parentUuid: null,
      inventories: {
        VCPU: inventory(host.vcpus, { allocation_ratio: ratios.vcpu ?? 16.0 }),
        MEMORY_MB: inventory(host.memoryMb, { reserved: 512, allocation_ratio: ratios.memoryMb ?? 1.5 }),
        DISK_GB: inventory(host.diskGb, { allocation_ratio: ratios.diskGb ?? 1.0 }),
        ...(host.pcpus ? { PCPU: inventory(host.pcpus) } : {}),
      },
      usages: {
        VCPU: host.used.vcpus,
        MEMORY_MB: host.used.memoryMb,
        DISK_GB: host.used.diskGb,
        ...(host.pcpus ? { PCPU: host.used.pcpus ?? 0 } : {}),
      },
      traits: host.traits,
      aggregates: host.aggregates,
    });
    for (const pci of host.pci) {
      const rc = pciResourceClass(pci.device);
      this.addProvider({
        name: `${host.name}_${pci.pfAddress.toUpperCase()}`,
        parentUuid: root,
        rootUuid: root,
        inventories: {
          [rc]: inventory(pci.total, { reserved: pci.reserved ?? 0, allocation_ratio: pci.allocationRatio ?? 1.0 }),
        },
        usages: { [rc]: pci.used },
        traits: [MANAGED_PCI_TRAIT, ...(pci.traits ?? [])],
      });
    }
    return root;
  }

  addFlavor(spec: FlavorSpec): void {
    const flavor: NovaFlavor = {
      id: spec.id,
      name: spec.name,
      ram: spec.ramMb,
      disk: spec.diskGb,
      // Below microversion 2.75 Nova shows "no swap" as "".
      swap: spec.swapMb ?? '',
      'OS-FLV-EXT-DATA:ephemeral': spec.ephemeralGb ?? 0,
      'OS-FLV-DISABLED:disabled': false,
      vcpus: spec.vcpus,
      'os-flavor-access:is_public': spec.isPublic ?? true,
      rxtx_factor: 1.0,
      links: [
        { rel: 'self', href: `${this.meta.computeEndpoint}/v2.1/flavors/${spec.id}` },
        { rel: 'bookmark', href: `${this.meta.computeEndpoint}/flavors/${spec.id}` },
      ],
      description: spec.description ?? null,
      extra_specs: { ...(spec.extraSpecs ?? {}) },
    };
    this.raw.flavors.push(flavor);
    // What GET /flavors/{id}/os-flavor-access answers for a private flavor no project was given access to.
    if (flavor['os-flavor-access:is_public'] === false) this.raw.flavor_access[spec.id] = { flavor_access: [] };
  }

  addImage(spec: ImageSpec): void {
    const clash = Object.keys(spec.properties).find((key) => GLANCE_CORE_ATTRIBUTES.has(key));
    if (clash !== undefined) throw new Error(`image ${spec.name}: ${clash} is a Glance attribute, not a property`);
    const id = cloudUuid(this.meta.cloud, 'image', spec.name);
    const status = spec.status ?? 'active';
    const hasData = status !== 'queued';
    const image: GlanceImage = {
      ...spec.properties,
      name: spec.name,
      disk_format: spec.diskFormat,
      container_format: 'bare',
      visibility: spec.visibility ?? 'public',
      size: hasData ? Math.round(spec.sizeBytes) : null,
      virtual_size: hasData && spec.virtualSizeBytes !== null ? Math.round(spec.virtualSizeBytes) : null,
      status,
      checksum: hasData ? hex('md5', spec.name) : null,
      protected: spec.protected ?? false,
      min_ram: spec.minRamMb,
      min_disk: spec.minDiskGb,
      owner: spec.owner === undefined ? this.imageOwner : stableProjectId(spec.owner),
      os_hidden: false,
      os_hash_algo: hasData ? 'sha512' : null,
      os_hash_value: hasData ? hex('sha512', spec.name) : null,
      id,
      created_at: spec.createdAt,
      updated_at: spec.createdAt,
      tags: [...(spec.tags ?? [])],
      self: `/v2/images/${id}`,
      file: `/v2/images/${id}/file`,
      schema: '/v2/schemas/image',
    };
    this.raw.images.push(image);
    // What GET /v2/images/{id}/members answers for a shared image no project was added to.
    if (image.visibility === 'shared') this.raw.image_members[id] = { members: [], schema: '/v2/schemas/members' };
  }

  build(): RawCloud {
    return this.raw;
  }
}
