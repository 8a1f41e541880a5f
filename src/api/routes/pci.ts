// GET /v1/pci/capacity: free PCI devices / VFs per host and resource class, from the nested providers.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { pciCapacity } from '../../advisor/inventory.ts';
import type { AppDeps } from '../app.ts';
import { problems } from '../../schemas/common.ts';
import { PciCapacity, PciCapacityQuery } from '../../schemas/host.ts';

export const pciRoutes: FastifyPluginAsyncZod<AppDeps> = async (app, deps) => {
  app.get(
    '/pci/capacity',
    {
      schema: {
        tags: ['inventory'],
        summary: 'Free PCI devices and VFs per host and resource class',
        querystring: PciCapacityQuery,
        response: { 200: PciCapacity, ...problems(400, 401, 403, 503) },
      },
    },
    async (request) => pciCapacity(deps.registry, request.caller, request.query),
  );
};
