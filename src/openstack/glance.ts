// Glance v2 reads: images with every property (domain.md §5.4; GLANCE api-ref/source/v2/images-images-v2.inc).
import type { HttpResponse } from './http.ts';
import type { KeystoneSession } from './keystone.ts';
import { collectPages, type Page } from './pager.ts';
import { GlanceImageMembers, GlanceImagePage, type GlanceImage } from './schemas.ts';

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

  /** Every image the credential can list (see mapImages). */
  listImages(onPage?: (count: number) => void, signal?: AbortSignal): Promise<GlanceImage[]> {
    return this.mapImages((image) => image, { ...(onPage && { onPage }), ...(signal && { signal }) });
  }

  /**
   * The same listing, each image turned by `map` into what the caller keeps as soon as its page is read, so
   * the raw bodies go page by page rather than all 100,000 of a large cloud being held to the end.
   * `hidden`: the images with `os_hidden` true instead, which Glance lists only when asked `os_hidden=true` and
   * then alone (GLANCE glance/api/v2/images.py, ImagesController.index: the filter defaults to false).
   * `visibility=all`: without it Glance leaves out community images of other projects, admin's listing included
   * (glance/db/sqlalchemy/api.py image_get_all), and those are visible by id to every project.
   */
  async mapImages<T>(
    map: (image: GlanceImage) => T,
    opts: { hidden?: boolean; onPage?: (count: number) => void; signal?: AbortSignal } = {},
  ): Promise<T[]> {
    const endpoint = await this.session.endpoint('image');
    const readPage = (res: HttpResponse): Page<T> => {
      const body = this.session.http.parse(GlanceImagePage, res, 'image');
      return { items: body.images.map(map), next: body.next ? glanceUrl(endpoint, body.next) : null };
    };
    const query = { limit: this.pageSize, visibility: 'all', ...(opts.hidden && { os_hidden: 'true' }) };
    const first = { service: 'image' as const, url: glanceUrl(endpoint, '/images'), query, ...(opts.signal && { signal: opts.signal }) };
    return collectPages(this.session, first, readPage, opts.onPage);
  }

  /** Projects a shared image is shared with; Glance answers 403 for any other visibility (GLANCE images-sharing-v2.inc). */
  async imageMembers(imageId: string, signal?: AbortSignal): Promise<GlanceImageMembers> {
    const endpoint = await this.session.endpoint('image');
    return this.session.get('image', glanceUrl(endpoint, `/images/${encodeURIComponent(imageId)}/members`), GlanceImageMembers, signal && { signal });
  }
}
