// Placement reads (domain.md §5.5, §4.5, §4.7; PLACEMENT api-ref/source/*). Every read a sync makes of
// Placement is in readProviders(), so the bulk path design.md "Stack facts" asks for (in_tree listings,
// allocation-candidate provider_summaries) can replace the per-provider walk in one place.
import type { LimitFunction } from 'p-limit';
import { OpenStackError } from './errors.ts';
import type { KeystoneSession } from './keystone.ts';
import { negotiate } from './microversion.ts';
import {
  PlacementAggregates,
  PlacementAllocationCandidates,
  PlacementInventories,
  PlacementProviderList,
  PlacementTraits,
  PlacementUsages,
  PlacementVersionDocument,
  type RawCloud,
} from './schemas.ts';

/** 1.14 brings nested providers (parent/root uuids); 1.39 is the newest Placement has (Yoga to master). */
export const PLACEMENT_MICROVERSIONS = { min: '1.14', max: '1.39', why: 'nested resource providers from 1.14' } as const;

export type ProviderTree = Pick<RawCloud, 'resource_providers' | 'inventories' | 'usages' | 'traits' | 'aggregates'>;

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
   * inventories, usages, traits and aggregates: 1 + 4·N calls, run through `limit`.
   */
  async readProviders(
    limit: LimitFunction,
    onProgress?: (done: number, total: number) => void,
    signal?: AbortSignal,
  ): Promise<ProviderTree> {
    const { resource_providers } = await this.read('/resource_providers', PlacementProviderList, undefined, signal);
    const tree: ProviderTree = { resource_providers, inventories: {}, usages: {}, traits: {}, aggregates: {} };
    let done = 0;
    onProgress?.(0, resource_providers.length);
    await Promise.all(
      resource_providers.map(async ({ uuid }) => {
        const base = `/resource_providers/${encodeURIComponent(uuid)}`;
        const [inventories, usages, traits, aggregates] = await Promise.all([
          limit(() => this.read(`${base}/inventories`, PlacementInventories, undefined, signal)),
          limit(() => this.read(`${base}/usages`, PlacementUsages, undefined, signal)),
          limit(() => this.read(`${base}/traits`, PlacementTraits, undefined, signal)),
          limit(() => this.read(`${base}/aggregates`, PlacementAggregates, undefined, signal)),
        ]);
        tree.inventories[uuid] = inventories;
        tree.usages[uuid] = usages;
        tree.traits[uuid] = traits;
        tree.aggregates[uuid] = aggregates;
        onProgress?.(++done, resource_providers.length);
      }),
    );
    return tree;
  }

  /** GET /allocation_candidates (granular groups ≥ 1.25, string suffixes ≥ 1.33, mappings ≥ 1.34). */
  allocationCandidates(query: URLSearchParams): Promise<PlacementAllocationCandidates> {
    return this.read('/allocation_candidates', PlacementAllocationCandidates, query);
  }
}
