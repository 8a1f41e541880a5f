// Turns what the OpenStack APIs return (RawCloud) into the CloudSnapshot the rules read.
// The bundled demo cloud and a live sync both pass through here, so they cannot drift apart: normaliseCloud
// takes a whole RawCloud; a sync hands each image and provider to a CloudNormaliser as it is read, so their
// raw bodies go at once, and has it assemble the snapshot at the end, through the same steps.
import { runWithTurns } from '../lib/turns.ts';
import type { ProviderBodies } from '../openstack/placement.ts';
import type {
  GlanceImage,
  GlanceImageMembers,
  NovaFlavorAccess,
  NovaHypervisor,
  NovaServices,
  PlacementInventory,
  PlacementProvider,
  RawCloud,
} from '../openstack/schemas.ts';
import type { CloudApis, CloudSnapshot, Flavor, Host, Image, ImageMember, Inventory, PciProvider } from '../model/index.ts';
import { GLANCE_CORE_ATTRIBUTES } from '../openstack/schemas.ts';

/** Nova marks every provider it creates for a PCI device with this trait (domain.md §4.5). */
const MANAGED_PCI_TRAIT = 'COMPUTE_MANAGED_PCI_DEVICE';
/** Items between two checks of whether the event loop is due a turn (runWithTurns). */
const ITEMS_PER_CHECK = 1000;

export interface NormaliseResult {
  snapshot: CloudSnapshot;
  /** Nested providers that hold no PCI devices (e.g. Neutron bandwidth providers), left out. */
  skippedProviders: string[];
}

/** What Nova says of a compute node besides Placement (os-hypervisors, os-services), by compute node uuid. */
type ComputeNodeFacts = Pick<Host, 'hypervisorType' | 'hypervisorVersion' | 'computeService'>;
/** Not read: a RawCloud holds no hypervisor or service listing, and a token Nova's policy refuses gets none. */
const UNREAD_NODE: ComputeNodeFacts = { hypervisorType: null, hypervisorVersion: null, computeService: null };

/** A root provider becomes a host; a nested one its PCI providers, one per PCI resource class (none: left out). */
type NormalisedProvider = Host | PciProvider[];

/** The one string object kept for each distinct value, for values that repeat across the cloud (CloudNormaliser). */
type Intern = (value: string) => string;

/** What a snapshot is assembled from besides the providers handed to CloudNormaliser.provider. */
export interface SnapshotParts {
  cloud: string;
  region: string | null;
  takenAt: string;
  apis: CloudApis;
  flavors: Flavor[];
  images: Image[];
  /** In the listing's order, which decides the order of hosts and PCI providers of the same name. */
  providers: readonly PlacementProvider[];
}

export function normaliseFlavor(raw: RawCloud['flavors'][number]): Flavor {
  return {
    id: raw.id,
    name: raw.name,
    vcpus: raw.vcpus,
    ramMb: raw.ram,
    diskGb: raw.disk,
    ephemeralGb: raw['OS-FLV-EXT-DATA:ephemeral'] ?? 0,
    swapMb: raw.swap === '' ? 0 : raw.swap,
    isPublic: raw['os-flavor-access:is_public'] ?? true,
    extraSpecs: { ...(raw.extra_specs ?? {}) },
    // Filled from the flavor's access list on assembly (CloudNormaliser.flavorAccess).
    accessProjects: [],
  };
}

export function normaliseImage(raw: RawCloud['images'][number], intern: Intern = (value) => value): Image {
  const properties: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw)) {
    // Glance v2 custom properties are strings; anything else is a core attribute we do not advise on.
    if (!GLANCE_CORE_ATTRIBUTES.has(key) && typeof value === 'string') properties[key] = intern(value);
  }
  return {
    id: raw.id,
    name: raw.name,
    status: intern(raw.status),
    visibility: raw.visibility === undefined ? null : intern(raw.visibility),
    diskFormat: raw.disk_format == null ? null : intern(raw.disk_format),
    minDiskGb: raw.min_disk ?? 0,
    minRamMb: raw.min_ram ?? 0,
    owner: raw.owner == null ? null : intern(raw.owner),
    hidden: raw.os_hidden ?? false,
    // Filled from the image's member list on assembly (CloudNormaliser.imageMembers).
    members: [],
    properties,
  };
}

function toInventory(raw: PlacementInventory): Inventory {
  return {
    total: raw.total,
    reserved: raw.reserved,
    minUnit: raw.min_unit,
    maxUnit: raw.max_unit,
    stepSize: raw.step_size,
    allocationRatio: raw.allocation_ratio,
  };
}

function isPciResourceClass(rc: string): boolean {
  return rc.startsWith('CUSTOM_PCI_') || rc === 'PCI_DEVICE' || rc === 'SRIOV_NET_VF' || rc === 'PGPU';
}

/** One provider from its own bodies alone; whether a nested one's host exists is settled on assembly. */
function normaliseProvider(rp: PlacementProvider, bodies: ProviderBodies, intern: Intern): NormalisedProvider {
  const traits = (bodies.traits?.traits ?? []).map(intern).sort();
  const inventories = bodies.inventories?.inventories ?? {};
  const usages = bodies.usages?.usages ?? {};
  const parentUuid = rp.parent_provider_uuid;
  if (parentUuid === null) {
    return {
      uuid: rp.uuid,
      name: rp.name,
      traits,
      aggregates: (bodies.aggregates?.aggregates ?? []).map(intern).sort(),
      inventories: Object.fromEntries(Object.entries(inventories).map(([rc, inv]) => [rc, toInventory(inv)])),
      usages: { ...usages },
      pciProviders: [],
      // Set on assembly from Nova's listings, when they were read (CloudNormaliser.computeNodes).
      ...UNREAD_NODE,
    };
  }
  const managed = traits.includes(MANAGED_PCI_TRAIT);
  return Object.keys(inventories)
    .filter((rc) => managed || isPciResourceClass(rc))
    .sort()
    .map((rc) => ({
      uuid: rp.uuid,
      name: rp.name,
      parentUuid,
      rootUuid: rp.root_provider_uuid,
      resourceClass: rc,
      traits,
      inventory: toInventory(inventories[rc]!),
      used: usages[rc] ?? 0,
    }));
}

const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);
const byImageName = (a: Image, b: Image) => (a.name ?? '').localeCompare(b.name ?? '');

/**
 * A stable merge sort, so the same order as Array.prototype.sort (stable too) with the same comparator, that
 * pauses between runs and merged slices: sorting 100,000 image names with localeCompare in one go holds the
 * event loop ~250 ms.
 */
function* sortInSlices<T>(items: readonly T[], compare: (a: T, b: T) => number): Generator<void, T[]> {
  let runs: T[][] = [];
  for (let start = 0; start < items.length; start += ITEMS_PER_CHECK) {
    runs.push(items.slice(start, start + ITEMS_PER_CHECK).sort(compare));
    yield;
  }
  while (runs.length > 1) {
    const merged: T[][] = [];
    for (let i = 0; i < runs.length; i += 2) {
      const [left, right] = [runs[i]!, runs[i + 1]];
      merged.push(right ? yield* merge(left, right, compare) : left);
    }
    runs = merged;
  }
  return runs[0] ?? [];
}

function* merge<T>(left: T[], right: T[], compare: (a: T, b: T) => number): Generator<void, T[]> {
  const out: T[] = [];
  let l = 0;
  let r = 0;
  while (l < left.length && r < right.length) {
    // On a tie the left (earlier) item goes first: that is what keeps the sort stable.
    out.push(compare(right[r]!, left[l]!) < 0 ? right[r++]! : left[l++]!);
    if (out.length % ITEMS_PER_CHECK === 0) yield;
  }
  return out.concat(left.slice(l), right.slice(r));
}

/** What the normaliser keeps besides providers: member lists by image id, access lists by flavor id, Nova's facts by node. */
interface Shares {
  members: ReadonlyMap<string, ImageMember[]>;
  access: ReadonlyMap<string, string[]>;
  nodes: ReadonlyMap<string, ComputeNodeFacts>;
}

/** Items with their member or access list put on: copies of the few that have one, the others as they are. */
function withShares<T extends { id: string }, K extends keyof T>(items: readonly T[], lists: ReadonlyMap<string, T[K]>, key: K): readonly T[] {
  if (lists.size === 0) return items;
  return items.map((item) => {
    const list = lists.get(item.id);
    return list === undefined ? item : { ...item, [key]: list };
  });
}

function* assemble(
  parts: SnapshotParts,
  normalised: (rp: PlacementProvider) => NormalisedProvider,
  shares: Shares,
  snapshotId: string,
  source: CloudSnapshot['source'],
): Generator<void, NormaliseResult> {
  const hostsByUuid = new Map<string, Host>();
  for (const [i, rp] of parts.providers.entries()) {
    if (i % ITEMS_PER_CHECK === 0) yield;
    const host = normalised(rp);
    if (!Array.isArray(host)) hostsByUuid.set(rp.uuid, Object.assign(host, shares.nodes.get(rp.uuid)));
  }

  const skippedProviders: string[] = [];
  for (const [i, rp] of parts.providers.entries()) {
    if (i % ITEMS_PER_CHECK === 0) yield;
    const pciProviders = normalised(rp);
    if (!Array.isArray(pciProviders)) continue;
    const host = hostsByUuid.get(rp.root_provider_uuid);
    if (!host || pciProviders.length === 0) {
      skippedProviders.push(rp.name);
      continue;
    }
    host.pciProviders.push(...pciProviders);
  }

  const hosts = yield* sortInSlices([...hostsByUuid.values()], byName);
  for (const [i, host] of hosts.entries()) {
    if (i % ITEMS_PER_CHECK === 0) yield;
    host.pciProviders.sort(byName);
  }
  return {
    snapshot: {
      id: snapshotId,
      cloud: parts.cloud,
      region: parts.region,
      takenAt: parts.takenAt,
      source,
      apis: parts.apis,
      flavors: yield* sortInSlices(withShares(parts.flavors, shares.access, 'accessProjects'), byName),
      images: yield* sortInSlices(withShares(parts.images, shares.members, 'members'), byImageName),
      hosts,
    },
    skippedProviders,
  };
}

/**
 * Normalises one cloud as it is read: `image` and `provider` as each arrives (GlanceReader.mapImages,
 * PlacementReader.visitProviders), keeping only what the snapshot needs, then `snapshot` once all is read.
 * Image member lists and flavor access lists (`imageMembers`, `flavorAccess`) are kept by image / flavor id as
 * they arrive and put on their image or flavor on assembly.
 * Traits, aggregates, image property values and project ids that repeat across the cloud share one string each:
 * every JSON body parsed gives each provider its own copies (~900,000 trait strings at 15,000 hosts, ~50 MB).
 */
export class CloudNormaliser {
  private readonly providers = new Map<PlacementProvider, NormalisedProvider>();
  private readonly members = new Map<string, ImageMember[]>();
  private readonly access = new Map<string, string[]>();
  private readonly nodes = new Map<string, ComputeNodeFacts>();
  private readonly strings = new Map<string, string>();

  private readonly intern: Intern = (value) => {
    const known = this.strings.get(value);
    if (known !== undefined) return known;
    this.strings.set(value, value);
    return value;
  };

  readonly image = (raw: GlanceImage): Image => normaliseImage(raw, this.intern);

  readonly provider = (rp: PlacementProvider, bodies: ProviderBodies): void => {
    this.providers.set(rp, normaliseProvider(rp, bodies, this.intern));
  };

  /** Members sorted by project, so a snapshot does not depend on the order Glance lists them in. */
  readonly imageMembers = (imageId: string, body: GlanceImageMembers): void => {
    const members = body.members.map((m): ImageMember => ({ project: this.intern(m.member_id), status: m.status }));
    this.members.set(imageId, members.sort((a, b) => (a.project < b.project ? -1 : 1)));
  };

  readonly flavorAccess = (flavorId: string, body: NovaFlavorAccess): void => {
    this.access.set(flavorId, body.flavor_access.map((a) => this.intern(a.tenant_id)).sort());
  };

  /**
   * Nova's hypervisors and compute services: from 2.53 a hypervisor's id is its compute node's uuid, which is its root
   * provider's uuid in Placement (domain.md §5.3), and its `service.id` the service's id.
   */
  readonly computeNodes = (hypervisors: readonly NovaHypervisor[], services: NovaServices): void => {
    const states = new Map(services.services.map((s) => [s.id, { disabled: s.status === 'disabled', forcedDown: s.forced_down }]));
    for (const h of hypervisors) {
      this.nodes.set(h.id, {
        hypervisorType: h.hypervisor_type === null ? null : this.intern(h.hypervisor_type),
        hypervisorVersion: h.hypervisor_version,
        computeService: states.get(h.service.id) ?? null,
      });
    }
  };

  /** The snapshot, with a turn of the event loop whenever one is due (runWithTurns). */
  snapshot(parts: SnapshotParts, snapshotId: string, source: CloudSnapshot['source']): Promise<NormaliseResult> {
    return runWithTurns(this.assemble(parts, snapshotId, source));
  }

  /** The snapshot in one go, holding the event loop throughout (normaliseCloud). */
  snapshotNow(parts: SnapshotParts, snapshotId: string, source: CloudSnapshot['source']): NormaliseResult {
    const work = this.assemble(parts, snapshotId, source);
    for (let step = work.next(); ; step = work.next()) if (step.done) return step.value;
  }

  private assemble(parts: SnapshotParts, snapshotId: string, source: CloudSnapshot['source']) {
    return assemble(
      parts,
      (rp) => {
        const normalised = this.providers.get(rp);
        if (!normalised) throw new Error(`provider ${rp.name} (${rp.uuid}) was listed but not read`);
        return normalised;
      },
      { members: this.members, access: this.access, nodes: this.nodes },
      snapshotId,
      source,
    );
  }
}

export function normaliseCloud(raw: RawCloud, snapshotId: string, source: CloudSnapshot['source']): NormaliseResult {
  const normaliser = new CloudNormaliser();
  for (const rp of raw.resource_providers) {
    normaliser.provider(rp, {
      inventories: raw.inventories[rp.uuid],
      usages: raw.usages[rp.uuid],
      traits: raw.traits[rp.uuid],
      aggregates: raw.aggregates[rp.uuid],
    });
  }
  for (const [imageId, body] of Object.entries(raw.image_members)) normaliser.imageMembers(imageId, body);
  for (const [flavorId, body] of Object.entries(raw.flavor_access)) normaliser.flavorAccess(flavorId, body);
  const parts = {
    cloud: raw.cloud,
    region: raw.region,
    takenAt: raw.taken_at,
    // A RawCloud holds the listings, not the version documents: no API version is known of it.
    apis: { computeMaxMicroversion: null, placementMaxMicroversion: null },
    flavors: raw.flavors.map(normaliseFlavor),
    images: raw.images.map(normaliser.image),
    providers: raw.resource_providers,
  };
  return normaliser.snapshotNow(parts, snapshotId, source);
}
