// Glance v2 reads: images with every property (domain.md §5.4; GLANCE api-ref/source/v2/images-images-v2.inc).
import type { HttpResponse } from './http.ts';
import type { KeystoneSession } from './keystone.ts';
import { collectPages, type Page } from './pager.ts';
import { GlanceImagePage, type GlanceImage } from './schemas.ts';

/**
 * URL of a Glance path. Catalogs register the image endpoint without the version (the lab:
 * `http://127.0.0.1:9292`; devstack: `http://host/image`) or with it (`…/v2`), and Glance's `next`
 * is `/v2/images?marker=…`, relative to the unversioned endpoint (seen on the lab, Zed): so strip a
 * trailing /v2 from the endpoint and make sure the path has one exactly once.
 */
export function glanceUrl(endpoint: string, path: string): string {
  const base = endpoint.replace(/\/+$/, '').replace(/\/v2$/, '');
  const rel = path.startsWith('/') ? path : `/${path}`;
  return `${base}${rel.startsWith('/v2/') || rel === '/v2' ? rel : `/v2${rel}`}`;
}

export class GlanceReader {
  constructor(
    private readonly session: KeystoneSession,
    private readonly pageSize: number,
  ) {}

  /** Images the credential can see (Glance's default listing: public, own, shared and accepted). */
  listImages(onPage?: (count: number) => void, signal?: AbortSignal): Promise<GlanceImage[]> {
    return this.mapImages((image) => image, onPage, signal);
  }

  /**
   * The same listing, each image turned by `map` into what the caller keeps as soon as its page is read, so
   * the raw bodies go page by page rather than all 100,000 of a large cloud being held to the end.
   */
  async mapImages<T>(map: (image: GlanceImage) => T, onPage?: (count: number) => void, signal?: AbortSignal): Promise<T[]> {
    const endpoint = await this.session.endpoint('image');
    const readPage = (res: HttpResponse): Page<T> => {
      const body = this.session.http.parse(GlanceImagePage, res, 'image');
      return { items: body.images.map(map), next: body.next ? glanceUrl(endpoint, body.next) : null };
    };
    const first = { service: 'image' as const, url: glanceUrl(endpoint, '/images'), query: { limit: this.pageSize }, ...(signal && { signal }) };
    return collectPages(this.session, first, readPage, onPage);
  }
}
