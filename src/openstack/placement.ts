// Placement reads (domain.md §5.5, §4.5, §4.7; PLACEMENT api-ref/source/*). Every read a sync makes of
// Placement is in readProviderTree(): the per-provider walk, or the bulk path over allocation-candidate
// provider_summaries that design.md "Stack facts" asks for at 15,000 hosts.
import type { LimitFunction } from 'p-limit';
import type { z } from 'zod';
import { OpenStackError } from './errors.ts';
import type { HttpResponse, RequestSpec } from './http.ts';
import { members } from './json-members.ts';
import { inLanes } from './lanes.ts';
import type { KeystoneSession } from './keystone.ts';
import { compareVersions, discoverOnce, parseVersion } from './microversion.ts';
import {
  ListedPlacementProvider,
  PlacementAggregates,
  PlacementAllocationCandidates,
  PlacementInventories,
  PlacementProviderSummary,
  PlacementTraits,
  PlacementUsages,
  PlacementVersionDocument,
  type PlacementInventory,
  type PlacementProvider,
  type RawCloud,
} from './schemas.ts';

/** 1.14 brings nested providers (parent/root uuids); 1.39 is the newest Placement has (Yoga to master). */
export const PLACEMENT_MICROVERSIONS = { min: '1.14', max: '1.39', why: 'nested resource providers from 1.14' } as const;

export type ProviderTree = Pick<RawCloud, 'resource_providers' | 'inventories' | 'usages' | 'traits' | 'aggregates'>;
/** One provider's bodies, as a ProviderTree keys them by uuid; absent when the read path makes no such call. */
export type ProviderBodies = { [K in Exclude<keyof ProviderTree, 'resource_providers'>]?: ProviderTree[K][string] };

/** SYNC_PLACEMENT_READ; `auto`: per-provider up to AUTO_BULK_ABOVE_PROVIDERS providers, bulk above. */
export type PlacementReadMode = 'auto' | 'bulk' | 'per-provider';
/**
 * Up to here the walk's 4 calls per provider take under a minute at 20 ms and 16 in flight (bench/RESULTS.md:
 * 1,000 hosts, 11,000 providers, 1.0 min), and it keeps exact reserved / allocation_ratio of PCI providers.
 */
export const AUTO_BULK_ABOVE_PROVIDERS = 2000;
/** Every host with 1 MB of memory free is a candidate, and with it its whole tree (domain.md §5.5). */
const BULK_QUERY = 'resources=MEMORY_MB:1';
/** `in_tree` on `GET /allocation_candidates`: microversion 1.31 (Placement's release note and api-ref; Stein). */
const IN_TREE_CANDIDATES = parseVersion('1.31');

export interface ReadProviderTreeOptions {
  mode?: PlacementReadMode;
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

export interface ProviderRead {
  tree: ProviderTree;
  /** The path taken, once `auto` is resolved. */
  path: Exclude<PlacementReadMode, 'auto'>;
  /** Providers read one by one (all of them on the per-provider path). */
  walked: number;
}

type ProviderSummary = z.infer<typeof PlacementProviderSummary>;

/** A root found in the bulk read, with the bodies its summary gave. */
interface SummarisedRoot {
  rp: PlacementProvider;
  bodies: Pick<ProviderBodies, 'usages' | 'traits'>;
}

export interface ProviderVisit extends Omit<ProviderRead, 'tree'> {
  /** The listing, in Placement's order. */
  providers: PlacementProvider[];
}

/**
 * A nested provider's inventory from its summary, which gives only capacity = int((total − reserved) ×
 * allocation_ratio). Nova asks PCI providers for 1 unit per device in its own request group (domain.md §4.6,
 * §4.7), so total = capacity with reserved 0, ratio 1, min_unit 1, max_unit = capacity, step 1 gives the same
 * free count and the same yes/no for every such request; the exact split is not shown (src/openstack/README.md).
 */
function summaryInventory(capacity: number): PlacementInventory {
  return { total: capacity, reserved: 0, min_unit: 1, max_unit: capacity, step_size: 1, allocation_ratio: 1 };
}

/** A provider's usages and traits as its summary gives them (capacity and used of each class, traits). */
function summaryBodies(rp: PlacementProvider, summary: ProviderSummary): Pick<ProviderBodies, 'usages' | 'traits'> {
  // The summary carries no generation: the listing's, read a moment earlier, stands in for it.
  const generation = rp.generation;
  return {
    usages: { resource_provider_generation: generation, usages: Object.fromEntries(Object.entries(summary.resources).map(([rc, r]) => [rc, r.used])) },
    traits: { resource_provider_generation: generation, traits: summary.traits },
  };
}

/** A nested provider's bodies from its summary: usages, traits and the inventory of summaryInventory. */
function nestedFromSummary(rp: PlacementProvider, summary: ProviderSummary): ProviderBodies {
  return {
    ...summaryBodies(rp, summary),
    inventories: {
      resource_provider_generation: rp.generation,
      inventories: Object.fromEntries(Object.entries(summary.resources).map(([rc, r]) => [rc, summaryInventory(r.capacity)])),
    },
  };
}

/**
 * A unit the provider could still give, as a `resources` value (`VCPU:1`), from its exact inventories and
 * usages, or null: the smallest amount Placement accepts (≥ min_unit, a multiple of step_size, ≤ max_unit)
 * within capacity = (total − reserved) × allocation_ratio − used (domain.md §4.5), floored so a rounding
 * difference cannot make Placement answer no candidate (then the tree is walked anyway).
 */
function freeUnit({ inventories, usages }: ProviderBodies): string | null {
  for (const [rc, inv] of Object.entries(inventories?.inventories ?? {})) {
    const amount = Math.ceil(Math.max(1, inv.min_unit) / inv.step_size) * inv.step_size;
    const free = Math.floor((inv.total - inv.reserved) * inv.allocation_ratio) - (usages?.usages[rc] ?? 0);
    if (amount <= inv.max_unit && amount <= free) return `${rc}:${amount}`;
  }
  return null;
}

/** Providers to walk, as whole trees whose root is among them, and the rest (whose root was summarised). */
function treesOf(walk: PlacementProvider[]): { trees: { root: PlacementProvider; nested: PlacementProvider[] }[]; loose: PlacementProvider[] } {
  const trees = new Map(walk.filter((rp) => rp.parent_provider_uuid === null).map((root) => [root.uuid, { root, nested: [] as PlacementProvider[] }]));
  const loose: PlacementProvider[] = [];
  for (const rp of walk) {
    if (rp.parent_provider_uuid === null) continue;
    const tree = trees.get(rp.root_provider_uuid);
    if (tree) tree.nested.push(rp);
    else loose.push(rp);
  }
  return { trees: [...trees.values()], loose };
}

/** The first string object seen of each value, for values a large body repeats in every member that has them. */
function interner(): (value: string) => string {
  const seen = new Map<string, string>();
  return (value) => seen.get(value) ?? (seen.set(value, value), value);
}

const base = (uuid: string) => `/resource_providers/${encodeURIComponent(uuid)}`;

export class PlacementReader {
  /** `GET /` (versions[0].min_version/max_version), read once per client. */
  private readonly discover = discoverOnce('placement', PLACEMENT_MICROVERSIONS, async () => {
    const url = await this.session.endpoint('placement');
    const v = (await this.session.get('placement', `${url}/`, PlacementVersionDocument)).versions[0]!;
    return { url, min: v.min_version, max: v.max_version };
  });

  constructor(private readonly session: KeystoneSession) {}

  /** The microversion sent with every Placement call: the highest both sides know, at least 1.14. */
  async microversion(): Promise<string> {
    return (await this.discover()).negotiated;
  }

  /** Placement's maximum microversion (`max_version`), from the same read. */
  async maxMicroversion(): Promise<string> {
    return (await this.discover()).serverMax;
  }

  /** A GET of Placement at the negotiated microversion; a 403 names the roles the token has. */
  private async call(path: string, opts: Pick<RequestSpec, 'query' | 'signal' | 'raw'> = {}): Promise<HttpResponse> {
    const [endpoint, version] = await Promise.all([this.session.endpoint('placement'), this.microversion()]);
    try {
      return await this.session.request({ service: 'placement', method: 'GET', url: `${endpoint}${path}`, microversion: `placement ${version}`, ...opts });
    } catch (err) {
      if (err instanceof OpenStackError && err.code === 'upstream_forbidden') {
        const roles = await this.session.roles().catch(() => []);
        throw new OpenStackError(
          'upstream_forbidden',
          `cloud "${this.session.cloud.name}": Placement refused the token (roles: ${roles.join(', ') || 'none'}); ` +
            `its default policy lets only admin or service users read providers, inventories and usages (domain.md §5.5). ` +
            err.message,
          err.details,
        );
      }
      throw err;
    }
  }

  private async read<S extends Parameters<KeystoneSession['get']>[2]>(path: string, schema: S, query?: URLSearchParams, signal?: AbortSignal) {
    const res = await this.call(path, { ...(query && { query }), ...(signal && { signal }) });
    return this.session.http.parse(schema, res, 'placement');
  }

  /**
   * Every resource provider (roots and nested: Placement has no pagination here) and, per provider,
   * inventories, usages, traits (and a root's aggregates): 1 + 4·roots + 3·nested calls, run through `limit`.
   * Exact, but 3–4 calls per provider: see visitProviders for the bulk path.
   */
  async readProviders(
    limit: LimitFunction,
    onProgress?: (done: number, total: number) => void,
    signal?: AbortSignal,
  ): Promise<ProviderTree> {
    return (await this.readProviderTree(limit, { mode: 'per-provider', ...(onProgress && { onProgress }), ...(signal && { signal }) })).tree;
  }

  /**
   * Every resource provider, roots and nested (Placement has no pagination here). The body is 128 MB at
   * 163,000 providers: it is read member by member (json-members.ts), and goes when this returns.
   */
  private async listProviders(signal?: AbortSignal): Promise<PlacementProvider[]> {
    const listing = await this.call('/resource_providers', { raw: true, ...(signal && { signal }) });
    const providers: PlacementProvider[] = [];
    // Each member parsed on its own has its own copy of its root's and parent's uuid: 148,000 nested providers'
    // two copies were ~16 MB kept for the whole sync and into the snapshot (PciProvider rootUuid, parentUuid).
    const uuid = interner();
    for await (const [, rp] of members(listing, 'placement', 'resource_providers', ListedPlacementProvider)) {
      rp.uuid = uuid(rp.uuid);
      rp.root_provider_uuid = uuid(rp.root_provider_uuid);
      if (rp.parent_provider_uuid !== null) rp.parent_provider_uuid = uuid(rp.parent_provider_uuid);
      providers.push(rp);
    }
    return providers;
  }

  /**
   * Every provider with its inventories, usages, traits and aggregates, by the path `mode` picks: visitProviders
   * gathered into one tree.
   */
  async readProviderTree(limit: LimitFunction, opts: ReadProviderTreeOptions = {}): Promise<ProviderRead> {
    const tree: ProviderTree = { resource_providers: [], inventories: {}, usages: {}, traits: {}, aggregates: {} };
    const { providers, ...read } = await this.visitProviders(
      limit,
      ({ uuid }, { inventories, usages, traits, aggregates }) => {
        if (inventories) tree.inventories[uuid] = inventories;
        if (usages) tree.usages[uuid] = usages;
        if (traits) tree.traits[uuid] = traits;
        if (aggregates) tree.aggregates[uuid] = aggregates;
      },
      opts,
    );
    return { tree: { ...tree, resource_providers: providers }, ...read };
  }

  /**
   * Every provider, handed to `visit` with its bodies as soon as they are all in, by the path `mode` picks;
   * nothing of a visited provider is kept here, so a sync can normalise 163,000 providers as they come rather
   * than hold all their raw bodies.
   * Bulk (design.md "Stack facts"): one `GET /allocation_candidates?resources=MEMORY_MB:1` whose
   * provider_summaries hold, for every provider of each tree with free memory, capacity and used of each
   * resource class, traits and parent/root. Roots there still need their exact inventories (reserved,
   * allocation_ratio, max_unit drive the host rules, domain.md §4.5) and aggregates: 2 calls per host.
   * Nested (PCI) providers there need none: see summaryInventory. A tree absent from the candidates (no
   * free memory, or no MEMORY_MB at all) has its root read (4 calls) and, when the root has a unit of some
   * class free (freeUnit) and Placement ≥ 1.31, one `GET /allocation_candidates?resources=<unit>&in_tree=<root>`
   * whose summaries give its nested providers as above: 5 calls a tree instead of 4 + 3 per nested provider.
   * What that answer lacks (the unit went meanwhile, no unit free, an older Placement) is walked provider by
   * provider, as `per-provider` walks all.
   */
  async visitProviders(
    limit: LimitFunction,
    visit: (provider: PlacementProvider, bodies: ProviderBodies) => void,
    opts: ReadProviderTreeOptions = {},
  ): Promise<ProviderVisit> {
    const { onProgress, signal } = opts;
    const providers = await this.listProviders(signal);
    const mode = opts.mode ?? 'auto';
    const path = mode === 'bulk' || (mode === 'auto' && providers.length > AUTO_BULK_ABOVE_PROVIDERS) ? 'bulk' : 'per-provider';
    let done = 0;
    const visited = (rp: PlacementProvider, bodies: ProviderBodies) => {
      visit(rp, bodies);
      onProgress?.(++done, providers.length);
    };
    onProgress?.(0, providers.length);

    const { summarisedRoots, walk } =
      path === 'bulk' ? await this.readSummaries(limit, providers, visited, signal) : { summarisedRoots: [], walk: providers };
    // Bulk: a tree absent from the candidates is read from its root (4 calls) and, when the root has a unit of
    // something free, one `allocation_candidates` asking for that unit in that tree gives its nested providers'
    // summaries, so they need no call each (3 each before). Per-provider: every provider one by one, exact.
    const { trees, loose } = path === 'bulk' && (await this.inTreeCandidates()) ? treesOf(walk) : { trees: [], loose: walk };

    await inLanes(summarisedRoots, limit.concurrency, async ({ rp, bodies }) => {
      const [inventories, aggregates] = await Promise.all([
        limit(() => this.read(`${base(rp.uuid)}/inventories`, PlacementInventories, undefined, signal)),
        limit(() => this.read(`${base(rp.uuid)}/aggregates`, PlacementAggregates, undefined, signal)),
      ]);
      visited(rp, { ...bodies, inventories, aggregates });
    });
    let walked = loose.length;
    await inLanes(trees, limit.concurrency, async ({ root, nested }) => {
      const bodies = await this.readOne(limit, root, signal);
      visited(root, bodies);
      const unit = nested.length > 0 ? freeUnit(bodies) : null;
      const summaries = unit ? await this.treeSummaries(limit, root.uuid, unit, signal) : new Map<string, ProviderSummary>();
      const unsummarised = nested.filter((rp) => {
        const summary = summaries.get(rp.uuid);
        if (summary) visited(rp, nestedFromSummary(rp, summary));
        return !summary;
      });
      walked += 1 + unsummarised.length;
      await Promise.all(unsummarised.map(async (rp) => visited(rp, await this.readOne(limit, rp, signal))));
    });
    await inLanes(loose, limit.concurrency, async (rp) => visited(rp, await this.readOne(limit, rp, signal)));
    return { providers, path, walked };
  }

  /** Whether the negotiated microversion has `in_tree` on allocation candidates (IN_TREE_CANDIDATES). */
  private async inTreeCandidates(): Promise<boolean> {
    return compareVersions(parseVersion(await this.microversion()), IN_TREE_CANDIDATES) >= 0;
  }

  /** One provider read on its own: inventories, usages, traits and, for a root, aggregates (3–4 calls). */
  private async readOne(limit: LimitFunction, rp: PlacementProvider, signal?: AbortSignal): Promise<ProviderBodies> {
    const [inventories, usages, traits, aggregates] = await Promise.all([
      limit(() => this.read(`${base(rp.uuid)}/inventories`, PlacementInventories, undefined, signal)),
      limit(() => this.read(`${base(rp.uuid)}/usages`, PlacementUsages, undefined, signal)),
      limit(() => this.read(`${base(rp.uuid)}/traits`, PlacementTraits, undefined, signal)),
      // Aggregates of hosts only: Nova puts compute nodes, not their PCI children, in aggregates, and the
      // snapshot keeps the roots' (normalise.ts); a nested provider's read would be one call in four for nothing.
      rp.parent_provider_uuid === null ? limit(() => this.read(`${base(rp.uuid)}/aggregates`, PlacementAggregates, undefined, signal)) : undefined,
    ]);
    return { inventories, usages, traits, ...(aggregates && { aggregates }) };
  }

  /**
   * The provider_summaries of `GET /allocation_candidates?resources=<unit>&in_tree=<root>`: every provider of
   * the root's tree (Placement ≥ 1.29 summarises whole trees), or none when the unit is no longer free.
   */
  private async treeSummaries(
    limit: LimitFunction,
    root: string,
    unit: string,
    signal?: AbortSignal,
  ): Promise<Map<string, ProviderSummary>> {
    const query = new URLSearchParams({ resources: unit, in_tree: root });
    const res = await limit(() => this.call('/allocation_candidates', { query, raw: true, ...(signal && { signal }) }));
    const summaries = new Map<string, ProviderSummary>();
    for await (const [uuid, summary] of members(res, 'placement', 'provider_summaries', PlacementProviderSummary)) {
      if (summary.root_provider_uuid === root) summaries.set(uuid, summary);
    }
    return summaries;
  }

  /**
   * The bulk read: provider_summaries of `GET /allocation_candidates?resources=MEMORY_MB:1`, read member by
   * member (64 MB at 15,000 hosts: json-members.ts). Nested providers found there are visited at once;
   * roots found there come back with their usages and traits, for 2 calls each; the others, to be walked.
   */
  private async readSummaries(
    limit: LimitFunction,
    providers: PlacementProvider[],
    visit: (provider: PlacementProvider, bodies: ProviderBodies) => void,
    signal?: AbortSignal,
  ): Promise<{ summarisedRoots: SummarisedRoot[]; walk: PlacementProvider[] }> {
    const unsummarised = new Map(providers.map((rp) => [rp.uuid, rp]));
    const summarisedRoots: SummarisedRoot[] = [];
    // Roots' summaries wait here for their 2 calls each, through the walk: their traits (~60 a host, of a few hundred
    // names) kept once each rather than each host's own copies (~30 MB at bench/sync-bench.ts's 15,000 hosts).
    const trait = interner();
    const candidates = await limit(() => this.call('/allocation_candidates', { query: new URLSearchParams(BULK_QUERY), raw: true, ...(signal && { signal }) }));
    for await (const [uuid, summary] of members(candidates, 'placement', 'provider_summaries', PlacementProviderSummary)) {
      const rp = unsummarised.get(uuid);
      if (!rp) continue;
      unsummarised.delete(uuid);
      if (rp.parent_provider_uuid === null) {
        summarisedRoots.push({ rp, bodies: summaryBodies(rp, { ...summary, traits: summary.traits.map(trait) }) });
        continue;
      }
      // No aggregates for nested providers: Nova puts hosts, not their PCI children, in aggregates, and
      // the snapshot reads aggregates of hosts only (normalise.ts).
      visit(rp, nestedFromSummary(rp, summary));
    }
    return { summarisedRoots, walk: providers.filter((rp) => unsummarised.has(rp.uuid)) };
  }

  /** GET /allocation_candidates (granular groups ≥ 1.25, string suffixes ≥ 1.33, mappings ≥ 1.34). */
  allocationCandidates(query: URLSearchParams): Promise<PlacementAllocationCandidates> {
    return this.read('/allocation_candidates', PlacementAllocationCandidates, query);
  }
}
