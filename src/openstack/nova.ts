// Nova reads: flavors with their extra specs (domain.md §5.3; NOVA api-ref/source/flavors.inc).
import type { HttpResponse } from './http.ts';
import type { KeystoneSession } from './keystone.ts';
import { negotiate } from './microversion.ts';
import { collectPages, type Page } from './pager.ts';
import { NovaFlavorAccess, NovaFlavorPage, NovaVersionDocument, type NovaFlavor } from './schemas.ts';

/** 2.61 is the first microversion with `extra_specs` in GET /flavors/detail; 2.100 is the newest whose
 *  flavor body we have checked (2.102 drops rxtx_factor and rejects unknown query parameters). */
export const NOVA_MICROVERSIONS = { min: '2.61', max: '2.100', why: 'flavor extra_specs inline from 2.61' } as const;

export class NovaReader {
  private version: Promise<string> | null = null;

  constructor(
    private readonly session: KeystoneSession,
    private readonly pageSize: number,
  ) {}

  /** Negotiated once per client from the version document at the compute endpoint (min_version/version). */
  microversion(): Promise<string> {
    this.version ??= (async () => {
      const endpoint = await this.session.endpoint('compute');
      const doc = await this.session.get('compute', endpoint, NovaVersionDocument);
      const v = 'version' in doc ? doc.version : (doc.versions.find((x) => x.id === 'v2.1') ?? doc.versions[0]);
      return negotiate('compute', endpoint, { min: v?.min_version || '2.1', max: v?.version || '2.1' }, NOVA_MICROVERSIONS);
    })();
    this.version.catch(() => (this.version = null));
    return this.version;
  }

  /** Every flavor, public and private: `is_public=None` lists both for admins; Nova ignores it for
   *  other users, who get public ones plus those shared with their project (NOVA flavors.inc). */
  async listFlavors(onPage?: (count: number) => void, signal?: AbortSignal): Promise<NovaFlavor[]> {
    const [endpoint, version] = await Promise.all([this.session.endpoint('compute'), this.microversion()]);
    const readPage = (res: HttpResponse): Page<NovaFlavor> => {
      const body = this.session.http.parse(NovaFlavorPage, res, 'compute');
      const next = body.flavors_links?.find((l) => l.rel === 'next')?.href ?? null;
      return { items: body.flavors, next: next === null ? null : new URL(next, `${endpoint}/`).toString() };
    };
    return collectPages(
      this.session,
      {
        service: 'compute',
        url: `${endpoint}/flavors/detail`,
        query: { is_public: 'None', limit: this.pageSize },
        microversion: `compute ${version}`,
        ...(signal && { signal }),
      },
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
