// Read views of the snapshot: GET /v1/flavors[/{id}], /v1/images[/{id}], /v1/hosts[/{name}].
// The three differ only in what they list, key and filter on, so one definition serves them.
import type { FastifyInstance, FastifySchema } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { CloudSnapshot } from '../../model/index.ts';
import type { AppDeps } from '../app.ts';
import { currentSnapshot, snapshotRef } from '../../advisor/core.ts';
import { ApiError } from '../errors.ts';
import { type KeyField, positionOf } from '../../advisor/lookup.ts';
import { contains, paginate } from '../../advisor/paging.ts';
import { CloudQuery, Name, type PageQuery, problems } from '../../schemas/common.ts';
import { Flavor, FlavorListQuery, FlavorPage } from '../../schemas/flavor.ts';
import { Host, HostListQuery, HostPage } from '../../schemas/host.ts';
import { Image, ImageListQuery, ImagePage } from '../../schemas/image.ts';

interface ReadView<Item extends z.ZodType<object>, Query extends typeof PageQuery> {
  path: string;
  /** Singular noun for summaries and messages. */
  noun: string;
  key: KeyField;
  item: Item;
  page: z.ZodType;
  query: Query;
  list(snapshot: CloudSnapshot): readonly z.output<Item>[];
  matches(item: z.output<Item>, query: z.output<Query>): boolean;
}

function readView<Item extends z.ZodType<object>, Query extends typeof PageQuery>(
  app: FastifyInstance,
  deps: AppDeps,
  view: ReadView<Item, Query>,
): void {
  const tags = ['inventory'];
  // Typed as plain FastifySchema: the type provider cannot resolve reply types through these generics,
  // so the handlers cast their validated input; validation and serialisation still run from the schemas.
  const listSchema: FastifySchema = {
    tags,
    summary: `List ${view.noun}s of the snapshot`,
    querystring: view.query,
    response: { 200: view.page, ...problems(400, 401, 403, 503) },
  };
  const itemSchema: FastifySchema = {
    tags,
    summary: `One ${view.noun} of the snapshot`,
    params: z.strictObject({ [view.key]: Name }),
    querystring: CloudQuery,
    response: { 200: view.item, ...problems(400, 401, 403, 404, 503) },
  };

  app.get(view.path, { schema: listSchema }, async (request) => {
    const query = request.query as z.output<Query>;
    const snapshot = currentSnapshot(deps.registry, query.cloud);
    const page = paginate(view.list(snapshot), { key: view.key, matches: (item) => view.matches(item, query), limit: query.limit, marker: query.marker });
    return { ...page, snapshot: snapshotRef(snapshot) };
  });

  app.get(`${view.path}/:${view.key}`, { schema: itemSchema }, async (request) => {
    const wanted = (request.params as Record<typeof view.key, string>)[view.key];
    const { cloud } = request.query as z.output<typeof CloudQuery>;
    const items = view.list(currentSnapshot(deps.registry, cloud));
    const found = items[positionOf(items, view.key, wanted) ?? -1];
    if (!found) throw new ApiError('not_found', `no ${view.noun} with ${view.key} "${wanted}" in the snapshot`);
    return found;
  });
}

export const inventoryRoutes: FastifyPluginAsyncZod<AppDeps> = async (app, deps) => {
  readView(app, deps, {
    path: '/flavors',
    noun: 'flavor',
    key: 'id',
    item: Flavor,
    page: FlavorPage,
    query: FlavorListQuery,
    list: (s) => s.flavors,
    matches: (f, q) =>
      contains(f.name, q.name) &&
      f.vcpus >= (q.min_vcpus ?? 0) &&
      f.ramMb >= (q.min_ram ?? 0) &&
      (q.extra_spec === undefined || q.extra_spec in f.extraSpecs),
  });
  readView(app, deps, {
    path: '/images',
    noun: 'image',
    key: 'id',
    item: Image,
    page: ImagePage,
    query: ImageListQuery,
    list: (s) => s.images,
    matches: (i, q) =>
      contains(i.name, q.name) &&
      (q.os_distro === undefined || i.properties['os_distro'] === q.os_distro) &&
      (q.status === undefined || i.status === q.status),
  });
  readView(app, deps, {
    path: '/hosts',
    noun: 'host',
    key: 'name',
    item: Host,
    page: HostPage,
    query: HostListQuery,
    list: (s) => s.hosts,
    matches: (h, q) =>
      contains(h.name, q.name) &&
      (q.trait === undefined || h.traits.includes(q.trait)) &&
      (q.resource_class === undefined || h.pciProviders.some((p) => p.resourceClass === q.resource_class)),
  });
};
