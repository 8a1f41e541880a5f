// The one pager: follows the next link a page carries until there is none or a page comes back empty.
// Nova puts it in `<collection>_links` (rel=next, present whenever a page is full, so the page after the
// last full one may be empty: domain.md §5.3); Glance in `next` (a path: domain.md §5.4). Each reader
// turns its body into items + an absolute next URL; this loop is shared.
import { OpenStackError, type ServiceName } from './errors.ts';
import type { HttpResponse, RequestSpec } from './http.ts';
import type { KeystoneSession } from './keystone.ts';

export interface Page<T> {
  items: T[];
  /** Absolute URL of the next page, or null. */
  next: string | null;
}

export interface PagedRequest {
  service: ServiceName;
  url: string;
  query?: RequestSpec['query'];
  microversion?: string;
  signal?: AbortSignal;
}

export async function collectPages<T>(
  session: KeystoneSession,
  first: PagedRequest,
  readPage: (res: HttpResponse) => Page<T>,
  onPage?: (itemsSoFar: number) => void,
): Promise<T[]> {
  const all: T[] = [];
  const seen = new Set<string>();
  let request: PagedRequest | null = first;
  while (request) {
    const res = await session.request({ method: 'GET', ...request });
    const page = readPage(res);
    all.push(...page.items);
    onPage?.(all.length);
    if (page.items.length === 0 || page.next === null) break;
    // A next link pointing back to a page already read would loop for ever.
    if (seen.has(page.next)) {
      throw new OpenStackError('upstream_bad_response', `${first.service} GET ${res.url}: next link repeats ${page.next}`, {
        service: first.service, method: 'GET', url: res.url, field: 'next',
      });
    }
    seen.add(page.next);
    request = { ...first, url: page.next, query: {} };
  }
  return all;
}
