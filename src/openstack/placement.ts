// Placement reads (domain.md §5.5, §4.5, §4.7; PLACEMENT api-ref/source/*). Every read a sync makes of
// Placement is in readProviderTree(): the per-provider walk, or the bulk path over allocation-candidate
// provider_summaries that design.md "Stack facts" asks for at 15,000 hosts.
import type { LimitFunction } from 'p-limit';
import { OpenStackError } from './errors.ts';
import type { HttpResponse, RequestSpec } from './http.ts';
import { members } from './json-members.ts';
import { inLanes } from './lanes.ts';
import type { KeystoneSession } from './keystone.ts';
import { discoverOnce } from './microversion.ts';
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
    for await (const [, rp] of members(listing, 'placement', 'resource_providers', ListedPlacementProvider)) providers.push(rp);
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
   * Nested (PCI) providers there need none: see summaryInventory. Trees absent from the candidates (no
   * free memory, or no MEMORY_MB at all) are walked provider by provider, as `per-provider` walks all.
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

    const base = (uuid: string) => `/resource_providers/${encodeURIComponent(uuid)}`;
    await inLanes(summarisedRoots, limit.concurrency, async ({ rp, bodies }) => {
      const [inventories, aggregates] = await Promise.all([
        limit(() => this.read(`${base(rp.uuid)}/inventories`, PlacementInventories, undefined, signal)),
        limit(() => this.read(`${base(rp.uuid)}/aggregates`, PlacementAggregates, undefined, signal)),
      ]);
      visited(rp, { ...bodies, inventories, aggregates });
    });
    await inLanes(walk, limit.concurrency, async (rp) => {
      const [inventories, usages, traits, aggregates] = await Promise.all([
        limit(() => this.read(`${base(rp.uuid)}/inventories`, PlacementInventories, undefined, signal)),
        limit(() => this.read(`${base(rp.uuid)}/usages`, PlacementUsages, undefined, signal)),
        limit(() => this.read(`${base(rp.uuid)}/traits`, PlacementTraits, undefined, signal)),
        // Aggregates of hosts only: Nova puts compute nodes, not their PCI children, in aggregates, and the
        // snapshot keeps the roots' (normalise.ts); a nested provider's read would be one call in four for nothing.
        rp.parent_provider_uuid === null ? limit(() => this.read(`${base(rp.uuid)}/aggregates`, PlacementAggregates, undefined, signal)) : undefined,
      ]);
      visited(rp, { inventories, usages, traits, ...(aggregates && { aggregates }) });
    });
    return { providers, path, walked: walk.length };
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
    const candidates = await limit(() => this.call('/allocation_candidates', { query: new URLSearchParams(BULK_QUERY), raw: true, ...(signal && { signal }) }));
    for await (const [uuid, summary] of members(candidates, 'placement', 'provider_summaries', PlacementProviderSummary)) {
      const rp = unsummarised.get(uuid);
      if (!rp) continue;
      unsummarised.delete(uuid);
      // The summary carries no generation: the listing's, read a moment earlier, stands in for it.
      const generation = rp.generation;
      const bodies = {
        usages: { resource_provider_generation: generation, usages: Object.fromEntries(Object.entries(summary.resources).map(([rc, r]) => [rc, r.used])) },
        traits: { resource_provider_generation: generation, traits: summary.traits },
      };
      if (rp.parent_provider_uuid === null) {
        summarisedRoots.push({ rp, bodies });
        continue;
      }
      // No aggregates for nested providers: Nova puts hosts, not their PCI children, in aggregates, and
      // the snapshot reads aggregates of hosts only (normalise.ts).
      visit(rp, {
        ...bodies,
        inventories: {
          resource_provider_generation: generation,
          inventories: Object.fromEntries(Object.entries(summary.resources).map(([rc, r]) => [rc, summaryInventory(r.capacity)])),
        },
      });
    }
    return { summarisedRoots, walk: providers.filter((rp) => unsummarised.has(rp.uuid)) };
  }

  /** GET /allocation_candidates (granular groups ≥ 1.25, string suffixes ≥ 1.33, mappings ≥ 1.34). */
  allocationCandidates(query: URLSearchParams): Promise<PlacementAllocationCandidates> {
    return this.read('/allocation_candidates', PlacementAllocationCandidates, query);
  }
}
