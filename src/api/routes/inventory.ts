// Read views of the snapshot: GET /v1/flavors[/{id}], /v1/images[/{id}], /v1/hosts[/{name}].
// The three differ only in their schemas and in what src/advisor/inventory.ts lists, keys and filters on.
import type { FastifyInstance, FastifySchema } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { FLAVORS, HOSTS, IMAGES, getItem, listItems, type InventoryView } from '../../advisor/inventory.ts';
import type { AppDeps } from '../app.ts';
import { CloudQuery, Name, type PageQuery, problems } from '../../schemas/common.ts';
import { Flavor, FlavorListQuery, FlavorPage } from '../../schemas/flavor.ts';
import { Host, HostListQuery, HostPage } from '../../schemas/host.ts';
import { Image, ImageListQuery, ImagePage } from '../../schemas/image.ts';

interface ReadRoutes<Item extends object, Query extends PageQuery> {
  path: string;
  view: InventoryView<Item, Query>;
  item: z.ZodType<Item>;
  page: z.ZodType;
  query: z.ZodType<Query>;
}

function readRoutes<Item extends object, Query extends PageQuery>(app: FastifyInstance, deps: AppDeps, routes: ReadRoutes<Item, Query>): void {
  const { path, view } = routes;
  const tags = ['inventory'];
  // Typed as plain FastifySchema: the type provider cannot resolve reply types through these generics,
  // so the handlers cast their validated input; validation and serialisation still run from the schemas.
  const listSchema: FastifySchema = {
    tags,
    summary: `List ${view.noun}s of the snapshot`,
    querystring: routes.query,
    response: { 200: routes.page, ...problems(400, 401, 403, 503) },
  };
  const itemSchema: FastifySchema = {
    tags,
    summary: `One ${view.noun} of the snapshot`,
    params: z.strictObject({ [view.key]: Name }),
    querystring: CloudQuery,
    response: { 200: routes.item, ...problems(400, 401, 403, 404, 503) },
  };

  app.get(path, { schema: listSchema }, async (request) => listItems(deps.registry, request.caller, view, request.query as Query));

  app.get(`${path}/:${view.key}`, { schema: itemSchema }, async (request) => {
    const wanted = (request.params as Record<string, string>)[view.key]!;
    const { cloud } = request.query as z.output<typeof CloudQuery>;
    return getItem(deps.registry, request.caller, view as InventoryView<Item, never>, wanted, cloud);
  });
}

export const inventoryRoutes: FastifyPluginAsyncZod<AppDeps> = async (app, deps) => {
  readRoutes(app, deps, { path: '/flavors', view: FLAVORS, item: Flavor, page: FlavorPage, query: FlavorListQuery });
  readRoutes(app, deps, { path: '/images', view: IMAGES, item: Image, page: ImagePage, query: ImageListQuery });
  readRoutes(app, deps, { path: '/hosts', view: HOSTS, item: Host, page: HostPage, query: HostListQuery });
};
