// The snapshot tables of migrations/0001_snapshots.sql (and the columns 0002_sharing.sql, 0004_cloud_apis.sql and 0005_host_hypervisors.sql add), one
// column map each (columns.ts): which column holds which model field, for writing and reading alike. The store adds the
// keys the model lacks: snapshot_id and ord on the child tables, taken_at on snapshots (snapshots.ts). `shared` marks
// values rows repeat, which a load gives every row once (columns.ts), measured on bench/synthetic-cloud.ts's cloud.
import type { CloudApis, Flavor, Host, Image, PciProvider, SnapshotSummary } from '../model/index.ts';
import { defineTable } from './columns.ts';

/**
 * The head row: the snapshot's history entry (identity, status, counts, sync figures), which the history lists
 * alone, and what the snapshot says of the whole cloud besides its rows (its APIs' versions), read with it on load.
 */
export interface SnapshotHead {
  summary: SnapshotSummary;
  apis: CloudApis;
}

export const SNAPSHOTS = defineTable<SnapshotHead>('snapshots', {
  summary: {
    id: { column: 'id', sqlType: 'text' },
    cloud: { column: 'cloud', sqlType: 'text' },
    region: { column: 'region', sqlType: 'text' },
    source: { column: 'source', sqlType: 'text' },
    status: { column: 'status', sqlType: 'text' },
    // The caller's exact string; taken_at, the timestamptz that orders, is cast from it on insert.
    takenAt: { column: 'taken_at_iso', sqlType: 'text' },
    counts: {
      flavors: { column: 'flavor_count', sqlType: 'integer' },
      images: { column: 'image_count', sqlType: 'integer' },
      hosts: { column: 'host_count', sqlType: 'integer' },
      pciProviders: { column: 'pci_provider_count', sqlType: 'integer' },
    },
    durationMs: { column: 'duration_ms', sqlType: 'integer' },
    requestCount: { column: 'request_count', sqlType: 'integer' },
    error: { column: 'error', sqlType: 'text' },
  },
  apis: {
    computeMaxMicroversion: { column: 'compute_max_microversion', sqlType: 'text' },
    placementMaxMicroversion: { column: 'placement_max_microversion', sqlType: 'text' },
  },
});

export const FLAVORS = defineTable<Flavor>('flavors', {
  id: { column: 'id', sqlType: 'text' },
  name: { column: 'name', sqlType: 'text' },
  vcpus: { column: 'vcpus', sqlType: 'integer' },
  ramMb: { column: 'ram_mb', sqlType: 'integer' },
  diskGb: { column: 'disk_gb', sqlType: 'integer' },
  ephemeralGb: { column: 'ephemeral_gb', sqlType: 'integer' },
  swapMb: { column: 'swap_mb', sqlType: 'integer' },
  isPublic: { column: 'is_public', sqlType: 'boolean' },
  extraSpecs: { column: 'extra_specs', sqlType: 'jsonb', shared: true },
  accessProjects: { column: 'access_projects', sqlType: 'text[]', shared: true },
});

export const IMAGES = defineTable<Image>('images', {
  id: { column: 'id', sqlType: 'text' },
  name: { column: 'name', sqlType: 'text' },
  status: { column: 'status', sqlType: 'text', shared: true },
  visibility: { column: 'visibility', sqlType: 'text', shared: true },
  diskFormat: { column: 'disk_format', sqlType: 'text', shared: true },
  minDiskGb: { column: 'min_disk_gb', sqlType: 'integer' },
  minRamMb: { column: 'min_ram_mb', sqlType: 'integer' },
  owner: { column: 'owner', sqlType: 'text', shared: true },
  hidden: { column: 'hidden', sqlType: 'boolean' },
  members: { column: 'members', sqlType: 'jsonb', shared: true },
  properties: { column: 'properties', sqlType: 'jsonb', shared: true },
});

/** A host without its PCI providers, which are rows of pci_providers. */
export type HostRow = Omit<Host, 'pciProviders'>;

export const HOSTS = defineTable<HostRow>('hosts', {
  // Shared so that its PCI providers' root and parent uuids, read later in the same load, are the same string.
  uuid: { column: 'uuid', sqlType: 'text', shared: true },
  name: { column: 'name', sqlType: 'text' },
  traits: { column: 'traits', sqlType: 'text[]', shared: true },
  aggregates: { column: 'aggregates', sqlType: 'text[]', shared: true },
  inventories: { column: 'inventories', sqlType: 'jsonb', shared: true },
  // Nearly one per host (they count instances), so not shared.
  usages: { column: 'usages', sqlType: 'jsonb' },
  hypervisorType: { column: 'hypervisor_type', sqlType: 'text', shared: true },
  hypervisorVersion: { column: 'hypervisor_version', sqlType: 'integer' },
  computeService: { column: 'compute_service', sqlType: 'jsonb', shared: true },
});

/** A PCI provider with the host whose pciProviders list holds it. */
export interface PciRow {
  hostUuid: string;
  provider: PciProvider;
}

export const PCI_PROVIDERS = defineTable<PciRow>('pci_providers', {
  hostUuid: { column: 'host_uuid', sqlType: 'text', shared: true },
  provider: {
    uuid: { column: 'uuid', sqlType: 'text' },
    name: { column: 'name', sqlType: 'text' },
    // Their host's uuid, or a provider's: shared with the host's uuid read before them.
    parentUuid: { column: 'parent_uuid', sqlType: 'text', shared: true },
    rootUuid: { column: 'root_uuid', sqlType: 'text', shared: true },
    resourceClass: { column: 'resource_class', sqlType: 'text', shared: true },
    traits: { column: 'traits', sqlType: 'text[]', shared: true },
    // A few dozen distinct inventories among 150,000 providers of a 15,000-host cloud (bench/synthetic-cloud.ts).
    inventory: {
      sharedRecord: {
        total: { column: 'total', sqlType: 'integer' },
        reserved: { column: 'reserved', sqlType: 'integer' },
        minUnit: { column: 'min_unit', sqlType: 'integer' },
        maxUnit: { column: 'max_unit', sqlType: 'integer' },
        stepSize: { column: 'step_size', sqlType: 'integer' },
        allocationRatio: { column: 'allocation_ratio', sqlType: 'double precision' },
      },
    },
    used: { column: 'used', sqlType: 'integer' },
  },
});
