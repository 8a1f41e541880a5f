// Placement reads (domain.md §5.5, §4.5, §4.7; PLACEMENT api-ref/source/*). Every read a sync makes of
// Placement is in readProviderTree(): the per-provider walk, or the bulk path over allocation-candidate
// provider_summaries that design.md "Stack facts" asks for at 15,000 hosts.
import type { LimitFunction } from 'p-limit';
import { OpenStackError } from './errors.ts';
import type { KeystoneSession } from './keystone.ts';
import { negotiate } from './microversion.ts';
import {
  PlacementAggregates,
  PlacementAllocationCandidates,
  PlacementInventories,
  PlacementProviderList,
  PlacementProviderSummaries,
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
  private version: Promise<string> | null = null;

  constructor(private readonly session: KeystoneSession) {}

  /** Negotiated once per client from `GET /` (versions[0].min_version/max_version). */
  microversion(): Promise<string> {
    this.version ??= (async () => {
      const endpoint = await this.session.endpoint('placement');
      const doc = await this.session.get('placement', `${endpoint}/`, PlacementVersionDocument);
      const v = doc.versions[0]!;
      return negotiate('placement', endpoint, { min: v.min_version, max: v.max_version }, PLACEMENT_MICROVERSIONS);
    })();
    this.version.catch(() => (this.version = null));
    return this.version;
  }

  private async read<S extends Parameters<KeystoneSession['get']>[2]>(path: string, schema: S, query?: URLSearchParams, signal?: AbortSignal) {
    const [endpoint, version] = await Promise.all([this.session.endpoint('placement'), this.microversion()]);
    try {
      return await this.session.get('placement', `${endpoint}${path}`, schema, {
        microversion: `placement ${version}`,
        ...(query && { query }),
        ...(signal && { signal }),
      });
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

  /**
   * Every resource provider (roots and nested: Placement has no pagination here) and, per provider,
   * inventories, usages, traits and aggregates: 1 + 4·N calls, run through `limit`. Exact, but 4 calls per
   * provider: see readProviderTree for the bulk path.
   */
  async readProviders(
    limit: LimitFunction,
    onProgress?: (done: number, total: number) => void,
    signal?: AbortSignal,
  ): Promise<ProviderTree> {
    return (await this.readProviderTree(limit, { mode: 'per-provider', ...(onProgress && { onProgress }), ...(signal && { signal }) })).tree;
  }

  /**
   * Every provider with its inventories, usages, traits and aggregates, by the path `mode` picks.
   * Bulk (design.md "Stack facts"): one `GET /allocation_candidates?resources=MEMORY_MB:1` whose
   * provider_summaries hold, for every provider of each tree with free memory, capacity and used of each
   * resource class, traits and parent/root. Roots there still need their exact inventories (reserved,
   * allocation_ratio, max_unit drive the host rules, domain.md §4.5) and aggregates: 2 calls per host.
   * Nested (PCI) providers there need none: see summaryInventory. Trees absent from the candidates (no
   * free memory, or no MEMORY_MB at all) are walked provider by provider, as `per-provider` walks all.
   */
  async readProviderTree(limit: LimitFunction, opts: ReadProviderTreeOptions = {}): Promise<ProviderRead> {
    const { onProgress, signal } = opts;
    const { resource_providers } = await this.read('/resource_providers', PlacementProviderList, undefined, signal);
    const tree: ProviderTree = { resource_providers, inventories: {}, usages: {}, traits: {}, aggregates: {} };
    const mode = opts.mode ?? 'auto';
    const path = mode === 'bulk' || (mode === 'auto' && resource_providers.length > AUTO_BULK_ABOVE_PROVIDERS) ? 'bulk' : 'per-provider';
    let done = 0;
    const finished = () => onProgress?.(++done, resource_providers.length);
    onProgress?.(0, resource_providers.length);

    let walk = resource_providers;
    const summarisedRoots: PlacementProvider[] = [];
    if (path === 'bulk') {
      const { provider_summaries: summaries } = await limit(() =>
        this.read('/allocation_candidates', PlacementProviderSummaries, new URLSearchParams(BULK_QUERY), signal),
      );
      walk = [];
      for (const rp of resource_providers) {
        const summary = summaries[rp.uuid];
        if (!summary) {
          walk.push(rp);
          continue;
        }
        // The summary carries no generation: the listing's, read a moment earlier, stands in for it.
        const generation = rp.generation;
        tree.usages[rp.uuid] = {
          resource_provider_generation: generation,
          usages: Object.fromEntries(Object.entries(summary.resources).map(([rc, r]) => [rc, r.used])),
        };
        tree.traits[rp.uuid] = { resource_provider_generation: generation, traits: summary.traits };
        if (rp.parent_provider_uuid === null) {
          summarisedRoots.push(rp);
          continue;
        }
        // No aggregates for nested providers: Nova puts hosts, not their PCI children, in aggregates, and
        // the snapshot reads aggregates of hosts only (normalise.ts).
        tree.inventories[rp.uuid] = {
          resource_provider_generation: generation,
          inventories: Object.fromEntries(Object.entries(summary.resources).map(([rc, r]) => [rc, summaryInventory(r.capacity)])),
        };
        finished();
      }
    }

    const base = (uuid: string) => `/resource_providers/${encodeURIComponent(uuid)}`;
    await Promise.all([
      ...summarisedRoots.map(async ({ uuid }) => {
        const [inventories, aggregates] = await Promise.all([
          limit(() => this.read(`${base(uuid)}/inventories`, PlacementInventories, undefined, signal)),
          limit(() => this.read(`${base(uuid)}/aggregates`, PlacementAggregates, undefined, signal)),
        ]);
        tree.inventories[uuid] = inventories;
        tree.aggregates[uuid] = aggregates;
        finished();
      }),
      ...walk.map(async ({ uuid }) => {
        const [inventories, usages, traits, aggregates] = await Promise.all([
          limit(() => this.read(`${base(uuid)}/inventories`, PlacementInventories, undefined, signal)),
          limit(() => this.read(`${base(uuid)}/usages`, PlacementUsages, undefined, signal)),
          limit(() => this.read(`${base(uuid)}/traits`, PlacementTraits, undefined, signal)),
          limit(() => this.read(`${base(uuid)}/aggregates`, PlacementAggregates, undefined, signal)),
        ]);
        tree.inventories[uuid] = inventories;
        tree.usages[uuid] = usages;
        tree.traits[uuid] = traits;
        tree.aggregates[uuid] = aggregates;
        finished();
      }),
    ]);
    return { tree, path, walked: walk.length };
  }

  /** GET /allocation_candidates (granular groups ≥ 1.25, string suffixes ≥ 1.33, mappings ≥ 1.34). */
  allocationCandidates(query: URLSearchParams): Promise<PlacementAllocationCandidates> {
    return this.read('/allocation_candidates', PlacementAllocationCandidates, query);
  }
}
