// Nova reads: flavors with their extra specs (domain.md §5.3; NOVA api-ref/source/flavors.inc), hypervisors and
// compute services (NOVA api-ref/source/os-hypervisors.inc, os-services.inc).
import type { HttpResponse } from './http.ts';
import type { KeystoneSession } from './keystone.ts';
import { discoverOnce } from './microversion.ts';
import { collectPages, type Page } from './pager.ts';
import { NovaFlavorAccess, NovaFlavorPage, NovaHypervisorPage, NovaServices, NovaVersionDocument, type NovaFlavor, type NovaHypervisor } from './schemas.ts';

/** 2.61 is the first microversion with `extra_specs` in GET /flavors/detail; 2.100 is the newest whose
 *  flavor body we have checked (2.102 drops rxtx_factor and rejects unknown query parameters). */
export const NOVA_MICROVERSIONS = { min: '2.61', max: '2.100', why: 'flavor extra_specs inline from 2.61' } as const;

export class NovaReader {
  /** The version document at the compute endpoint (min_version/version), read once per client. */
  private readonly discover = discoverOnce('compute', NOVA_MICROVERSIONS, async () => {
    const url = await this.session.endpoint('compute');
    const doc = await this.session.get('compute', url, NovaVersionDocument);
    const v = 'version' in doc ? doc.version : (doc.versions.find((x) => x.id === 'v2.1') ?? doc.versions[0]);
    return { url, min: v?.min_version || '2.1', max: v?.version || '2.1' };
  });

  constructor(
    private readonly session: KeystoneSession,
    private readonly pageSize: number,
  ) {}

  /** The microversion sent with every compute call: the highest both sides know, at least 2.61. */
  async microversion(): Promise<string> {
    return (await this.discover()).negotiated;
  }

  /** The compute API's maximum microversion (`version`; 2.1 where the document gives none), from the same read. */
  async maxMicroversion(): Promise<string> {
    return (await this.discover()).serverMax;
  }

  /** Every flavor, public and private: `is_public=None` lists both for admins; Nova ignores it for
   *  other users, who get public ones plus those shared with their project (NOVA flavors.inc). */
  listFlavors(onPage?: (count: number) => void, signal?: AbortSignal): Promise<NovaFlavor[]> {
    return this.collect('/flavors/detail', { is_public: 'None' }, (res) => {
      const body = this.session.http.parse(NovaFlavorPage, res, 'compute');
      return { items: body.flavors, links: body.flavors_links };
    }, onPage, signal);
  }

  /** Every hypervisor with its type, version and service id (admin only by default policy: NOVA os-hypervisors.inc). */
  listHypervisors(signal?: AbortSignal): Promise<NovaHypervisor[]> {
    return this.collect('/os-hypervisors/detail', {}, (res) => {
      const body = this.session.http.parse(NovaHypervisorPage, res, 'compute');
      return { items: body.hypervisors, links: body.hypervisors_links };
    }, undefined, signal);
  }

  /** The nova-compute services, enabled or disabled and forced down or not (admin only: NOVA os-services.inc; not paged). */
  async computeServices(signal?: AbortSignal): Promise<NovaServices> {
    const [endpoint, version] = await Promise.all([this.session.endpoint('compute'), this.microversion()]);
    return this.session.get('compute', `${endpoint}/os-services`, NovaServices, {
      query: { binary: 'nova-compute' },
      microversion: `compute ${version}`,
      ...(signal && { signal }),
    });
  }

  /** Every item of a Nova collection, following `<collection>_links` rel=next (domain.md §5.3). */
  private async collect<T>(
    path: string,
    query: Record<string, string>,
    readBody: (res: HttpResponse) => { items: T[]; links: { rel: string; href: string }[] | undefined },
    onPage?: (count: number) => void,
    signal?: AbortSignal,
  ): Promise<T[]> {
    const [endpoint, version] = await Promise.all([this.session.endpoint('compute'), this.microversion()]);
    const readPage = (res: HttpResponse): Page<T> => {
      const { items, links } = readBody(res);
      const next = links?.find((l) => l.rel === 'next')?.href ?? null;
      return { items, next: next === null ? null : new URL(next, `${endpoint}/`).toString() };
    };
    return collectPages(
      this.session,
      { service: 'compute', url: `${endpoint}${path}`, query: { ...query, limit: this.pageSize }, microversion: `compute ${version}`, ...(signal && { signal }) },
      readPage,
      onPage,
    );
  }

  /** Projects a private flavor is shared with (admin only by Zed's default policy; a public flavor answers 404:
   *  NOVA api-ref flavor-access.inc). */
  async flavorAccess(flavorId: string, signal?: AbortSignal): Promise<NovaFlavorAccess> {
    const [endpoint, version] = await Promise.all([this.session.endpoint('compute'), this.microversion()]);
    return this.session.get('compute', `${endpoint}/flavors/${encodeURIComponent(flavorId)}/os-flavor-access`, NovaFlavorAccess, {
      microversion: `compute ${version}`,
      ...(signal && { signal }),
    });
  }
}
