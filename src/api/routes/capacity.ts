// GET /v1/capacity/flavors, /v1/capacity/resources, /v1/capacity/hosts: the capacity the metrics show
// (docs/metrics.md), per flavor, per resource class and per host, for the web page and any client.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { flavorCapacityPage, hostCapacityPage, resourceCapacity } from '../../advisor/capacity-view.ts';
import type { AppDeps } from '../app.ts';
import { problems } from '../../schemas/common.ts';
import {
  FlavorCapacityPage, FlavorCapacityQuery, HostCapacityPage, HostCapacityQuery, ResourceCapacity, ResourceCapacityQuery,
} from '../../schemas/capacity.ts';

const tags = ['capacity'];
const image = 'for an image without properties (no image-specific traits)';

export const capacityRoutes: FastifyPluginAsyncZod<AppDeps> = async (app, deps) => {
  app.get(
    '/capacity/flavors',
    {
      schema: {
        tags,
        summary: `Instances of each flavor that fit, cloud-wide, per aggregate and on the hosts that take the most, ${image}`,
        querystring: FlavorCapacityQuery,
        response: { 200: FlavorCapacityPage, ...problems(400, 401, 403, 503) },
      },
    },
    async (request) => flavorCapacityPage(deps, request.caller, request.query),
  );

  app.get(
    '/capacity/resources',
    {
      schema: {
        tags,
        summary: 'Capacity, used and free units per resource class, nested PCI providers included',
        querystring: ResourceCapacityQuery,
        response: { 200: ResourceCapacity, ...problems(400, 401, 403, 503) },
      },
    },
    async (request) => resourceCapacity(deps, request.query.cloud),
  );

  app.get(
    '/capacity/hosts',
    {
      schema: {
        tags,
        summary: `Units per host and resource class, and instances of a flavor each host takes, ${image}`,
        querystring: HostCapacityQuery,
        response: { 200: HostCapacityPage, ...problems(400, 401, 403, 404, 503) },
      },
    },
    async (request) => hostCapacityPage(deps, request.caller, request.query),
  );
};
