// POST /v1/pci/config-checks: checks a proposed [pci] device_spec / alias against the snapshot (domain.md §4).
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { AppDeps } from '../app.ts';
import { checkPciConfiguration } from '../../advisor/core.ts';
import { problems } from '../../schemas/common.ts';
import { PciConfigCheck, PciConfigCheckRequest } from '../../schemas/pci-config.ts';

export const pciConfigRoutes: FastifyPluginAsyncZod<AppDeps> = async (app, deps) => {
  app.post(
    '/pci/config-checks',
    {
      schema: {
        tags: ['advice'],
        summary: 'Check a proposed [pci] device_spec and [pci] alias: mistakes, Placement model, matching providers and flavors',
        body: PciConfigCheckRequest,
        response: { 200: PciConfigCheck, ...problems(400, 401, 403, 404, 503) },
      },
    },
    async (request) => checkPciConfiguration(deps, request.body),
  );
};
