// A large synthetic cloud for benchmarks (issue 5), in the same API shapes as the bundled demo cloud:
//   npx tsx bench/synthetic-cloud.ts [--hosts 15000] [--flavors 2000] [--images 100000] [--seed 1] [--out FILE]
// Seeded, so a given set of flags always yields the same cloud. Hardware is bought per rack: every host of a
// rack shares a CPU generation and a NIC layout; usage, reserved devices and ratios vary per host.
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { RawCloud } from '../src/openstack/schemas.ts';
import type { ComputeHostSpec, FlavorSpec, ImageSpec, PciDevice, PciProviderSpec } from '../scripts/raw-cloud.ts';
import {
  CPU_TRAITS,
  INTEL_X710_PF,
  INTEL_X710_VF,
  LIBVIRT_KVM_HOST_TRAITS,
  MELLANOX_CX5_PF,
  MELLANOX_CX5_VF,
  RawCloudBuilder,
  cloudUuid,
  pciResourceClass,
} from '../scripts/raw-cloud.ts';

export interface SyntheticCloudOptions {
  hosts: number;
  flavors: number;
  images: number;
  seed: number;
}

export const DEFAULT_OPTIONS: SyntheticCloudOptions = { hosts: 15_000, flavors: 2_000, images: 100_000, seed: 1 };

const HOSTS_PER_RACK = 40;
const RACKS_PER_AZ = 25;
const TAKEN_AT = '2026-11-20T09:00:00Z';

// ---------------------------------------------------------------- seeded randomness (mulberry32)

export class Random {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Uniform integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)];
    if (item === undefined) throw new Error('pick from an empty list');
    return item;
  }

  weighted<T>(entries: readonly (readonly [T, number])[]): T {
    let ticket = this.next() * entries.reduce((sum, [, weight]) => sum + weight, 0);
    for (const [item, weight] of entries) {
      ticket -= weight;
      if (ticket < 0) return item;
    }
    return entries[entries.length - 1]![0];
  }
}

// ---------------------------------------------------------------- hardware

interface NicModel {
  /** Prefix of the `[pci] alias` names the flavors use: `<alias>-vf`, `<alias>-pf`. */
  alias: string;
  pf: PciDevice;
  vf: PciDevice;
  ports: number;
  vfsPerPort: readonly number[];
}

const X710: NicModel = { alias: 'x710', pf: INTEL_X710_PF, vf: INTEL_X710_VF, ports: 4, vfsPerPort: [8, 16, 32] };
const E810: NicModel = {
  alias: 'e810', pf: { vendorId: '8086', productId: '1593' }, vf: { vendorId: '8086', productId: '1889' },
  ports: 2, vfsPerPort: [16, 32, 64],
};
const CX5: NicModel = { alias: 'mlx5', pf: MELLANOX_CX5_PF, vf: MELLANOX_CX5_VF, ports: 2, vfsPerPort: [8, 16] };
const CX6DX: NicModel = {
  alias: 'cx6dx', pf: { vendorId: '15b3', productId: '101d' }, vf: { vendorId: '15b3', productId: '101e' },
  ports: 2, vfsPerPort: [8, 16, 32],
};
/** NVIDIA A100 80GB PCIe, passed whole (type-PCI). */
const A100: PciDevice = { vendorId: '10de', productId: '20b5' };
const GPU_ALIAS = 'a100';
const NIC_MODELS = [X710, E810, CX5, CX6DX] as const;

/**
 * The `[pci] alias` entries this cloud's nova.conf would hold, as alias name → Placement resource class:
 * no API shows aliases (domain.md §4.2), so advice on these flavors is given this mapping.
 */
export const ALIAS_RESOURCE_CLASSES: Readonly<Record<string, string>> = Object.fromEntries([
  ...NIC_MODELS.flatMap((nic) => [[`${nic.alias}-vf`, pciResourceClass(nic.vf)], [`${nic.alias}-pf`, pciResourceClass(nic.pf)]]),
  [GPU_ALIAS, pciResourceClass(A100)],
]);

/** What one rack's hosts carry; about ten PCI providers per host on average. */
const RACK_LAYOUTS: readonly (readonly [{ nics: readonly NicModel[]; gpus: number }, number])[] = [
  [{ nics: [X710, X710, CX5], gpus: 0 }, 4],
  [{ nics: [E810, E810, X710], gpus: 2 }, 3],
  [{ nics: [CX6DX, CX6DX, CX5, X710], gpus: 0 }, 3],
  [{ nics: [X710, E810, CX5], gpus: 2 }, 2],
  [{ nics: [CX6DX, CX6DX], gpus: 4 }, 1],
  [{ nics: [X710, X710, E810], gpus: 0 }, 2],
];
/** PCI buses of the slots, in slot order. */
const BUSES = ['18', '3b', '5e', '86', 'af', 'd8', 'e1', 'f0'] as const;

/** A server generation, its sizes (vcpus[i] with memoryMb[i] and diskGb[i]) and its share of the racks. */
interface Generation {
  cpu: keyof typeof CPU_TRAITS;
  vcpus: readonly number[];
  memoryMb: readonly number[];
  diskGb: readonly number[];
}

const GENERATIONS: readonly (readonly [Generation, number])[] = [
  [{ cpu: 'broadwell', vcpus: [32, 40], memoryMb: [131072, 262144], diskGb: [447, 894] }, 1],
  [{ cpu: 'skylake', vcpus: [48, 64], memoryMb: [262144, 393216], diskGb: [894, 1788] }, 3],
  [{ cpu: 'icelake', vcpus: [64, 96, 128], memoryMb: [393216, 524288, 1048576], diskGb: [1788, 3576, 7152] }, 4],
];

interface Rack {
  index: number;
  generation: Generation;
  layout: (typeof RACK_LAYOUTS)[number][0];
  /** Deployed after 2023.1: initial ratios VCPU 4.0, MEMORY_MB 1.0. */
  newRatios: boolean;
  /** libvirt >= 9.3 and QEMU >= 8.0: reports COMPUTE_NET_VIF_MODEL_IGB. */
  igb: boolean;
  trustedVfs: boolean;
  aggregates: string[];
}

function makeRack(random: Random, cloud: string, index: number): Rack {
  const generation = random.weighted(GENERATIONS);
  const modern = generation.cpu === 'icelake';
  return {
    index,
    generation,
    layout: random.weighted(RACK_LAYOUTS),
    newRatios: modern && random.chance(0.5),
    igb: modern && random.chance(0.4),
    trustedVfs: random.chance(0.3),
    aggregates: [
      cloudUuid(cloud, 'aggregate', `rack${index}`),
      cloudUuid(cloud, 'aggregate', `az${Math.floor((index - 1) / RACKS_PER_AZ) + 1}`),
    ],
  };
}

/** Share of a host in use: some empty, some full, most in between. */
function utilisation(random: Random): number {
  return random.weighted([[0, 1], [1, 1], [random.next() * 0.8 + 0.1, 8]] as const);
}

function pciProviders(random: Random, rack: Rack, load: number): PciProviderSpec[] {
  const providers: PciProviderSpec[] = [];
  const vfTraits = rack.trustedVfs ? ['HW_NIC_SRIOV', 'HW_NIC_SRIOV_TRUSTED'] : ['HW_NIC_SRIOV'];
  const used = (capacity: number): number => Math.min(capacity, Math.round(capacity * load * random.next() * 1.5));
  rack.layout.nics.forEach((nic, slot) => {
    for (let port = 0; port < nic.ports; port++) {
      const pfAddress = `0000:${BUSES[slot]}:00.${port}`;
      if (random.chance(0.2)) {
        providers.push({ pfAddress, device: nic.pf, total: 1, used: used(1) });
        continue;
      }
      const total = random.pick(nic.vfsPerPort);
      const reserved = random.chance(0.03) ? random.int(1, 2) : 0;
      const allocationRatio = random.chance(0.01) ? random.pick([1.5, 2.0]) : 1.0;
      const capacity = Math.floor((total - reserved) * allocationRatio);
      providers.push({ pfAddress, device: nic.vf, total, reserved, allocationRatio, used: used(capacity), traits: vfTraits });
    }
  });
  for (let gpu = 0; gpu < rack.layout.gpus; gpu++) {
    providers.push({ pfAddress: `0000:${BUSES[rack.layout.nics.length + gpu]}:00.0`, device: A100, total: 1, used: used(1) });
  }
  return providers;
}

function makeHost(random: Random, rack: Rack, slot: number): ComputeHostSpec {
  const { generation } = rack;
  const size = random.int(0, generation.vcpus.length - 1);
  const vcpus = generation.vcpus[size]!;
  const memoryMb = generation.memoryMb[size]!;
  const diskGb = generation.diskGb[size]!;
  const ratios = rack.newRatios ? { vcpu: 4.0, memoryMb: 1.0 } : { vcpu: 16.0, memoryMb: 1.5 };
  const load = utilisation(random);
  const traits = [...LIBVIRT_KVM_HOST_TRAITS, ...CPU_TRAITS[generation.cpu], `CUSTOM_RACK_${rack.index}`]
    .filter((trait) => trait !== 'COMPUTE_NET_VIF_MODEL_E1000' || !random.chance(0.01));
  if (rack.igb) traits.push('COMPUTE_NET_VIF_MODEL_IGB');
  if (random.chance(0.005)) traits.push('COMPUTE_STATUS_DISABLED');
  return {
    name: `rack${String(rack.index).padStart(3, '0')}-cmp${String(slot).padStart(2, '0')}`,
    vcpus,
    memoryMb,
    diskGb,
    allocationRatios: ratios,
    used: {
      vcpus: Math.floor(vcpus * ratios.vcpu * load * 0.5),
      memoryMb: Math.floor((memoryMb - 512) * ratios.memoryMb * load),
      diskGb: Math.floor(diskGb * load * 0.7),
    },
    traits,
    aggregates: rack.aggregates,
    pci: pciProviders(random, rack, load),
  };
}

// ---------------------------------------------------------------- flavors

const SIZES = [
  ['small', 1], ['medium', 2], ['large', 4], ['xlarge', 8], ['2xlarge', 16], ['4xlarge', 32], ['8xlarge', 64],
] as const;

type FlavorFamily = 'm' | 'c' | 'r' | 'nfv' | 'pf' | 'dpdk';
const FAMILIES: readonly FlavorFamily[] = ['m', 'c', 'r', 'nfv', 'pf', 'dpdk'];
const RAM_PER_VCPU_MB: Record<FlavorFamily, number> = { m: 4096, c: 2048, r: 8192, nfv: 2048, pf: 4096, dpdk: 2048 };

function flavorExtraSpecs(random: Random, family: FlavorFamily, vcpus: number): Record<string, string> {
  const specs: Record<string, string> = {};
  const pinned = (): void => {
    specs['hw:cpu_policy'] = 'dedicated';
    specs['hw:mem_page_size'] = random.pick(['large', '1GB', '2MB', 'any']);
  };
  switch (family) {
    case 'm':
      if (random.chance(0.3)) specs['hw:vif_multiqueue_enabled'] = 'true';
      break;
    case 'c':
      if (random.chance(0.6)) specs['hw:vif_multiqueue_enabled'] = 'true';
      if (random.chance(0.1)) specs['hw:virtio_packed_ring'] = 'true';
      if (random.chance(0.3)) pinned();
      break;
    case 'r':
      if (random.chance(0.4)) specs['hw:mem_page_size'] = 'large';
      break;
    case 'nfv': {
      const nic = random.pick(NIC_MODELS);
      const aliases = [`${nic.alias}-vf:${random.int(1, 4)}`];
      if (random.chance(0.15)) aliases.push(`${random.pick(NIC_MODELS.filter((other) => other !== nic)).alias}-vf:1`);
      specs['pci_passthrough:alias'] = aliases.join(', ');
      if (random.chance(0.2)) specs['group_policy'] = 'isolate';
      if (random.chance(0.3)) specs['hw:pci_numa_affinity_policy'] = random.pick(['required', 'preferred', 'socket']);
      pinned();
      break;
    }
    case 'pf':
      specs['pci_passthrough:alias'] = random.chance(0.3) ? `${GPU_ALIAS}:${random.int(1, 2)}` : `${random.pick(NIC_MODELS).alias}-pf:1`;
      if (random.chance(0.5)) pinned();
      break;
    case 'dpdk':
      pinned();
      specs['hw:vif_multiqueue_enabled'] = 'true';
      specs['hw:numa_nodes'] = '1';
      break;
  }
  if (vcpus >= 8 && random.chance(0.05)) specs['trait:COMPUTE_NET_VIRTIO_PACKED'] = 'required';
  return specs;
}

function makeFlavors(random: Random, cloud: string, count: number): FlavorSpec[] {
  const flavors: FlavorSpec[] = [];
  // Series 1, 2, … of every family and size: `m1.small`, …, `dpdk1.8xlarge`, `m2.small`, …
  for (let index = 0; index < count; index++) {
    const [sizeName, vcpus] = SIZES[index % SIZES.length]!;
    const family = FAMILIES[Math.floor(index / SIZES.length) % FAMILIES.length]!;
    const series = Math.floor(index / (SIZES.length * FAMILIES.length)) + 1;
    const name = `${family}${series}.${sizeName}`;
    const scratch = family === 'r' && random.chance(0.3);
    flavors.push({
      id: cloudUuid(cloud, 'flavor', name),
      name,
      vcpus,
      ramMb: vcpus * RAM_PER_VCPU_MB[family],
      diskGb: random.pick([20, 40, 80, 160]),
      ...(scratch ? { swapMb: 4096, ephemeralGb: vcpus * 25 } : {}),
      isPublic: random.chance(0.85),
      extraSpecs: flavorExtraSpecs(random, family, vcpus),
    });
  }
  return flavors;
}

// ---------------------------------------------------------------- images

interface GuestOs {
  /** Glance's os_distro vocabulary. */
  distro: string;
  versions: readonly string[];
  /** libosinfo short-id for a version, which some images carry in os_distro instead. */
  shortId: (version: string) => string;
  osType: 'linux' | 'windows' | null;
}

const GUESTS: readonly (readonly [GuestOs, number])[] = [
  [{ distro: 'ubuntu', versions: ['18.04', '20.04', '22.04', '24.04'], shortId: (v) => `ubuntu${v}`, osType: 'linux' }, 30],
  [{ distro: 'rhel', versions: ['7.9', '8.8', '8.10', '9.2', '9.4'], shortId: (v) => `rhel${v}`, osType: 'linux' }, 15],
  [{ distro: 'rocky', versions: ['8.9', '9.3', '9.4'], shortId: (v) => `rocky${v.split('.')[0]}`, osType: 'linux' }, 8],
  [{ distro: 'debian', versions: ['10', '11', '12'], shortId: (v) => `debian${v}`, osType: 'linux' }, 10],
  [{ distro: 'centos', versions: ['6.10', '7.9'], shortId: (v) => `centos${v.split('.')[0]}.0`, osType: 'linux' }, 6],
  [{ distro: 'fedora', versions: ['39', '40', '41'], shortId: (v) => `fedora${v}`, osType: 'linux' }, 3],
  [{ distro: 'windows', versions: ['2016', '2019', '2022', '2025'], shortId: (v) => `win2k${v.slice(2)}`, osType: 'windows' }, 15],
  [{ distro: 'freebsd', versions: ['13.2', '14.0'], shortId: (v) => `freebsd${v}`, osType: null }, 2],
];

type PropertyStyle = 'bare' | 'virtio' | 'legacy' | 'v2v' | 'broken';
const STYLES: readonly (readonly [PropertyStyle, number])[] = [['bare', 30], ['virtio', 45], ['legacy', 15], ['v2v', 5], ['broken', 5]];
/** Values outside Nova's enums, as people type them. */
const BROKEN: readonly (readonly [string, string])[] = [
  ['hw_vif_model', 'virtio-net'], ['hw_vif_model', 'VirtIO-Net'], ['hw_disk_bus', 'virtio-blk'],
  ['hw_scsi_model', 'virtio_scsi'], ['hw_vif_multiqueue_enabled', 'enabled'], ['hw_disk_bus', 'nvme'],
];

function imageProperties(random: Random, guest: GuestOs, version: string): Record<string, string> {
  const properties: Record<string, string> = {};
  const naming = random.weighted([['glance', 80], ['short-id', 15], ['none', 5]] as const);
  if (naming !== 'none') {
    properties['os_distro'] = naming === 'glance' ? guest.distro : guest.shortId(version);
    properties['os_version'] = version;
    if (guest.osType !== null) properties['os_type'] = guest.osType;
  }
  if (guest.osType === 'windows' && random.chance(0.5)) properties['os_virtio_drivers'] = 'true';
  switch (random.weighted(STYLES)) {
    case 'bare':
      break;
    case 'virtio':
      properties['hw_vif_model'] = 'virtio';
      if (random.chance(0.3)) {
        properties['hw_disk_bus'] = 'scsi';
        properties['hw_scsi_model'] = 'virtio-scsi';
      } else {
        properties['hw_disk_bus'] = 'virtio';
      }
      if (random.chance(0.5)) properties['hw_machine_type'] = 'q35';
      if (random.chance(0.4)) properties['hw_qemu_guest_agent'] = 'yes';
      if (random.chance(0.3)) properties['hw_vif_multiqueue_enabled'] = 'true';
      if (random.chance(0.05)) properties['hw_mem_page_size'] = random.pick(['large', '1GB', 'any']);
      break;
    case 'legacy':
      properties['hw_vif_model'] = random.pick(['e1000', 'e1000e', 'rtl8139']);
      properties['hw_disk_bus'] = random.pick(['ide', 'sata']);
      properties['hw_machine_type'] = random.pick(['pc', 'q35']);
      break;
    case 'v2v':
      Object.assign(properties, {
        architecture: 'x86_64', hypervisor_type: 'kvm', vm_mode: 'hvm', hw_video_model: 'vga',
        hw_disk_bus: random.pick(['virtio', 'ide']), hw_vif_model: random.pick(['virtio', 'e1000', 'rtl8139']),
        hw_machine_type: random.pick(['pc', 'q35']),
      });
      break;
    case 'broken': {
      const [key, value] = random.pick(BROKEN);
      properties[key] = value;
      break;
    }
  }
  if (random.chance(0.2)) properties['hw_firmware_type'] = random.pick(['bios', 'uefi']);
  return properties;
}

const EPOCH = Date.parse('2019-01-01T00:00:00Z');
const GiB = 1024 ** 3;

function makeImage(random: Random, index: number, projects: number): ImageSpec {
  const guest = random.weighted(GUESTS);
  const version = random.pick(guest.versions);
  const created = new Date(EPOCH + random.next() * (Date.parse(TAKEN_AT) - EPOCH));
  const windows = guest.osType === 'windows';
  const virtualGb = windows ? random.pick([40, 60, 80]) : random.pick([2, 3, 8, 10, 20]);
  const status = random.weighted([['active', 97], ['queued', 2], ['deactivated', 1]] as const);
  return {
    // A build date and a serial keep 100,000 names unique, as image pipelines do.
    name: `${guest.distro}-${version}-${created.toISOString().slice(0, 10).replaceAll('-', '')}.${index}`,
    properties: imageProperties(random, guest, version),
    diskFormat: random.weighted([['qcow2', 80], ['raw', 18], ['vmdk', 2]] as const),
    sizeBytes: virtualGb * GiB * (0.15 + random.next() * 0.5),
    virtualSizeBytes: virtualGb * GiB,
    minDiskGb: virtualGb,
    minRamMb: windows ? 4096 : random.pick([0, 512, 1024, 2048]),
    createdAt: `${created.toISOString().slice(0, 19)}Z`,
    status,
    visibility: random.weighted([['public', 20], ['private', 60], ['shared', 15], ['community', 5]] as const),
    owner: `project-${random.int(1, projects)}`,
  };
}

// ---------------------------------------------------------------- the cloud

export function generateSyntheticCloud(options: SyntheticCloudOptions = DEFAULT_OPTIONS): RawCloud {
  const random = new Random(options.seed);
  const cloud = `synthetic-${options.hosts}`;
  const builder = new RawCloudBuilder({
    cloud,
    region: 'RegionOne',
    takenAt: TAKEN_AT,
    computeEndpoint: `https://compute.${cloud}.example.com:8774`,
    imageOwner: `${cloud}:admin`,
  });
  for (let first = 0; first < options.hosts; first += HOSTS_PER_RACK) {
    const rack = makeRack(random, cloud, first / HOSTS_PER_RACK + 1);
    const hosts = Math.min(HOSTS_PER_RACK, options.hosts - first);
    for (let slot = 1; slot <= hosts; slot++) builder.addComputeHost(makeHost(random, rack, slot));
  }
  for (const flavor of makeFlavors(random, cloud, options.flavors)) builder.addFlavor(flavor);
  const projects = Math.max(1, Math.round(options.images / 200));
  for (let index = 0; index < options.images; index++) builder.addImage(makeImage(random, index, projects));
  return builder.build();
}

/** Writes compact JSON one top-level entry per line, so no single string holds the whole cloud. */
export function writeRawCloud(raw: RawCloud, path: string): void {
  const fd = openSync(path, 'w');
  let pending = '';
  const write = (text: string): void => {
    pending += text;
    if (pending.length >= 1 << 22) {
      writeSync(fd, pending);
      pending = '';
    }
  };
  Object.entries(raw).forEach(([key, value], memberIndex) => {
    write(`${memberIndex === 0 ? '{' : ','}\n${JSON.stringify(key)}:`);
    if (Array.isArray(value)) {
      value.forEach((item, i) => write(`${i === 0 ? '[' : ','}\n${JSON.stringify(item)}`));
      write(value.length === 0 ? '[]' : '\n]');
    } else if (value !== null && typeof value === 'object') {
      const entries = Object.entries(value);
      entries.forEach(([id, body], i) => write(`${i === 0 ? '{' : ','}\n${JSON.stringify(id)}:${JSON.stringify(body)}`));
      write(entries.length === 0 ? '{}' : '\n}');
    } else {
      write(JSON.stringify(value));
    }
  });
  write('\n}\n');
  writeSync(fd, pending);
  closeSync(fd);
}

/** The command-line flags that size and seed a synthetic cloud, shared by every bench that generates one. */
export const SYNTHETIC_CLOUD_FLAGS = {
  hosts: { type: 'string' },
  flavors: { type: 'string' },
  images: { type: 'string' },
  seed: { type: 'string' },
} as const;

function main(): void {
  const { values } = parseArgs({
    options: {
      ...SYNTHETIC_CLOUD_FLAGS,
      out: { type: 'string' },
    },
  });
  const count = (flag: keyof SyntheticCloudOptions): number => {
    const text = values[flag];
    if (text === undefined) return DEFAULT_OPTIONS[flag];
    const value = Number(text);
    if (!Number.isInteger(value) || value < 0) throw new Error(`--${flag} must be a non-negative integer, not ${text}`);
    return value;
  };
  const options: SyntheticCloudOptions = {
    hosts: count('hosts'), flavors: count('flavors'), images: count('images'), seed: count('seed'),
  };
  const out = values.out ?? fileURLToPath(new URL(`./.data/synthetic-${options.hosts}h-seed${options.seed}.json`, import.meta.url));
  const started = performance.now();
  const raw = generateSyntheticCloud(options);
  RawCloud.parse(raw);
  mkdirSync(dirname(out), { recursive: true });
  writeRawCloud(raw, out);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`${out}: ${options.hosts} hosts, ${raw.resource_providers.length} providers, ` +
    `${raw.flavors.length} flavors, ${raw.images.length} images in ${seconds} s`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main();
