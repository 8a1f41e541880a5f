// zod schemas of the OpenStack API bodies nova-advisor reads, exactly as the services return them.
// Shapes: domain.md §5.3 (Nova), §5.4 (Glance), §5.5 (Placement); checked against the lab (Zed).
import { z } from 'zod';

// --- Nova: GET /flavors/detail at microversion >= 2.61 (extra_specs inline) ---
export const NovaFlavor = z
  .object({
    id: z.string(),
    name: z.string(),
    vcpus: z.number().int(),
    ram: z.number().int(),
    disk: z.number().int(),
    // "" before microversion 2.75, an integer from 2.75 on
    swap: z.union([z.number().int(), z.literal('')]),
    'OS-FLV-EXT-DATA:ephemeral': z.number().int().optional(),
    'os-flavor-access:is_public': z.boolean().optional(),
    description: z.string().nullable().optional(),
    extra_specs: z.record(z.string(), z.string()).optional(),
  })
  .loose();
export type NovaFlavor = z.infer<typeof NovaFlavor>;

const NovaLink = z.object({ rel: z.string(), href: z.string() }).loose();
export const NovaFlavorPage = z.object({
  flavors: z.array(NovaFlavor),
  flavors_links: z.array(NovaLink).optional(),
});

// --- Nova: GET /flavors/{flavor_id}/os-flavor-access (admin; a public flavor answers 404: NOVA
// nova/api/openstack/compute/flavor_access.py, FlavorAccessController.index) ---
export const NovaFlavorAccess = z.object({
  flavor_access: z.array(z.object({ flavor_id: z.string(), tenant_id: z.string() })),
});
export type NovaFlavorAccess = z.infer<typeof NovaFlavorAccess>;

// --- Nova: GET /os-hypervisors/detail (admin; >= 2.53 ids are compute node uuids = Placement root provider uuids,
// >= 2.88 no resource figures; NOVA api-ref os-hypervisors.inc, domain.md §5.3) and GET /os-services?binary=nova-compute
// (admin; NOVA api-ref os-services.inc). Only what the snapshot keeps is checked. ---
const NovaHypervisor = z
  .object({
    id: z.string(),
    hypervisor_type: z.string().nullable(),
    hypervisor_version: z.number().int().nullable(),
    service: z.object({ id: z.string() }).loose(),
  })
  .loose();
export type NovaHypervisor = z.infer<typeof NovaHypervisor>;
export const NovaHypervisorPage = z.object({
  hypervisors: z.array(NovaHypervisor),
  hypervisors_links: z.array(NovaLink).optional(),
});
export const NovaServices = z.object({
  services: z.array(z.object({ id: z.string(), status: z.enum(['enabled', 'disabled']), forced_down: z.boolean() }).loose()),
});
export type NovaServices = z.infer<typeof NovaServices>;

// --- Glance v2: GET /v2/images; custom properties are top-level string members ---
export const GlanceImage = z
  .object({
    id: z.string(),
    name: z.string().nullable(),
    status: z.string(),
    visibility: z.string().optional(),
    disk_format: z.string().nullable().optional(),
    container_format: z.string().nullable().optional(),
    min_disk: z.number().int().optional(),
    min_ram: z.number().int().optional(),
    size: z.number().nullable().optional(),
    tags: z.array(z.string()).optional(),
    owner: z.string().nullable().optional(),
    os_hidden: z.boolean().optional(),
    created_at: z.string().optional(),
    updated_at: z.string().optional(),
  })
  .catchall(z.unknown());
export type GlanceImage = z.infer<typeof GlanceImage>;

export const GlanceImagePage = z.object({
  images: z.array(GlanceImage),
  next: z.string().optional(),
  first: z.string().optional(),
});

// --- Glance v2: GET /v2/images/{image_id}/members (GLANCE glance/api/v2/image_members.py, ResponseSerializer) ---
export const GlanceImageMembers = z.object({
  members: z.array(
    z
      .object({ member_id: z.string(), image_id: z.string(), status: z.enum(['pending', 'accepted', 'rejected']) })
      .loose(),
  ),
  schema: z.string().optional(),
});
export type GlanceImageMembers = z.infer<typeof GlanceImageMembers>;

/** Glance's own image attributes; every other top-level member is a custom property (domain.md §1.1). */
export const GLANCE_CORE_ATTRIBUTES: ReadonlySet<string> = new Set([
  'id', 'name', 'status', 'visibility', 'disk_format', 'container_format', 'min_disk', 'min_ram', 'size',
  'virtual_size', 'checksum', 'os_hash_algo', 'os_hash_value', 'os_hidden', 'protected', 'tags', 'owner',
  'created_at', 'updated_at', 'file', 'self', 'schema', 'direct_url', 'locations', 'stores',
]);

// --- Placement (microversion 1.39) ---
export const PlacementProvider = z
  .object({
    uuid: z.string(),
    name: z.string(),
    generation: z.number().int(),
    parent_provider_uuid: z.string().nullable(),
    root_provider_uuid: z.string(),
  })
  .loose();
export type PlacementProvider = z.infer<typeof PlacementProvider>;

/**
 * A member of `GET /resource_providers`' `resource_providers`, as a read keeps it: without the `links` every
 * provider carries (6 of them, most of the listing's 128 MB at 15,000 hosts and 163,000 providers).
 */
export const ListedPlacementProvider = z.object(PlacementProvider.shape);

export const PlacementInventory = z.object({
  total: z.number().int(),
  reserved: z.number().int(),
  min_unit: z.number().int(),
  max_unit: z.number().int(),
  step_size: z.number().int(),
  allocation_ratio: z.number(),
});
export type PlacementInventory = z.infer<typeof PlacementInventory>;

export const PlacementInventories = z.object({
  resource_provider_generation: z.number().int(),
  inventories: z.record(z.string(), PlacementInventory),
});
export const PlacementUsages = z.object({
  resource_provider_generation: z.number().int(),
  usages: z.record(z.string(), z.number().int()),
});
export const PlacementTraits = z.object({
  resource_provider_generation: z.number().int(),
  traits: z.array(z.string()),
});
export const PlacementAggregates = z.object({
  resource_provider_generation: z.number().int().optional(),
  aggregates: z.array(z.string()),
});

/**
 * Everything a sync reads, kept in the services' own shapes: the bundled demo cloud is a file of this
 * type and a live sync builds the same value, so one normaliser turns both into a CloudSnapshot.
 * Per-provider bodies are keyed by provider uuid; members by image id (shared images only) and access lists by
 * flavor id (private flavors only), as a sync reads them.
 */
export const RawCloud = z.object({
  cloud: z.string(),
  region: z.string().nullable(),
  taken_at: z.string(),
  flavors: z.array(NovaFlavor),
  images: z.array(GlanceImage),
  image_members: z.record(z.string(), GlanceImageMembers),
  flavor_access: z.record(z.string(), NovaFlavorAccess),
  resource_providers: z.array(PlacementProvider),
  inventories: z.record(z.string(), PlacementInventories),
  usages: z.record(z.string(), PlacementUsages),
  traits: z.record(z.string(), PlacementTraits),
  aggregates: z.record(z.string(), PlacementAggregates),
});
export type RawCloud = z.infer<typeof RawCloud>;

// --- Keystone v3: the token body of POST /v3/auth/tokens (issue; the token id is the X-Subject-Token header)
// and of GET /v3/auth/tokens (validate, asked ?nocatalog) (domain.md §5.1) ---
export const KeystoneEndpoint = z
  .object({
    interface: z.string(),
    region: z.string().nullable().optional(),
    region_id: z.string().nullable().optional(),
    url: z.string(),
  })
  .loose();
export const KeystoneCatalogEntry = z
  .object({ type: z.string(), name: z.string().optional(), endpoints: z.array(KeystoneEndpoint) })
  .loose();
export type KeystoneCatalogEntry = z.infer<typeof KeystoneCatalogEntry>;
const KeystoneTokenBody = z
  .object({
    expires_at: z.string(),
    issued_at: z.string().optional(),
    roles: z.array(z.object({ name: z.string() }).loose()).optional(),
    project: z.object({ id: z.string(), name: z.string().optional() }).loose().optional(),
  })
  .loose();
export const KeystoneToken = z.object({ token: KeystoneTokenBody.extend({ catalog: z.array(KeystoneCatalogEntry) }) });
export const KeystoneValidatedToken = z.object({ token: KeystoneTokenBody.extend({ user: z.object({ id: z.string() }).loose() }) });
export type KeystoneValidatedToken = z.output<typeof KeystoneValidatedToken>['token'];

// --- Version discovery: Nova `GET /v2.1` answers {version}, the root {versions} (domain.md §5.3);
// Placement `GET /` answers {versions: [{min_version, max_version}]} (domain.md §5.5) ---
const NovaVersion = z.object({ id: z.string(), version: z.string(), min_version: z.string() }).loose();
export const NovaVersionDocument = z.union([
  z.object({ version: NovaVersion }),
  z.object({ versions: z.array(NovaVersion) }),
]);
export const PlacementVersionDocument = z.object({
  versions: z.array(z.object({ min_version: z.string(), max_version: z.string() }).loose()).min(1),
});

// --- Placement GET /allocation_candidates (>= 1.34: mappings); only what the agreement check reads ---
export const PlacementAllocationCandidates = z.object({
  allocation_requests: z.array(
    z.object({ allocations: z.record(z.string(), z.object({ resources: z.record(z.string(), z.number()) })) }).loose(),
  ),
  provider_summaries: z.record(
    z.string(),
    z
      .object({
        resources: z.record(z.string(), z.object({ capacity: z.number(), used: z.number() })),
        traits: z.array(z.string()).optional(),
        parent_provider_uuid: z.string().nullable().optional(),
        root_provider_uuid: z.string().optional(),
      })
      .loose(),
  ),
});
export type PlacementAllocationCandidates = z.infer<typeof PlacementAllocationCandidates>;

/**
 * One member of provider_summaries of GET /allocation_candidates at 1.39, as the bulk provider read needs it:
 * every provider of each candidate's tree with capacity/used of all its inventories (≥ 1.27), traits (≥ 1.17),
 * parent/root (≥ 1.29). allocation_requests are not checked (one per host: only their count would matter).
 */
export const PlacementProviderSummary = z.object({
  resources: z.record(z.string(), z.object({ capacity: z.number().int(), used: z.number().int() })),
  traits: z.array(z.string()),
  parent_provider_uuid: z.string().nullable(),
  root_provider_uuid: z.string(),
});
