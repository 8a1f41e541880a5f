// GET /v1/pci/capacity: free PCI devices / VFs per host and resource class, from the nested providers.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { inventoryCapacity, providerFree } from '../../rules/pci/devices.ts';
import type { AppDeps } from '../app.ts';
import { currentSnapshot, snapshotRef } from '../../advisor/core.ts';
import { problems } from '../../schemas/common.ts';
import { PciCapacity, PciCapacityQuery } from '../../schemas/host.ts';

// Neutron SR-IOV ports (vnic_type direct …) use devices with physical_network, which Nova does not report
// to Placement (domain.md §4.5): they are missing from these numbers.
const NOTES = [
  'Devices whitelisted with physical_network (Neutron SR-IOV ports) are not reported to Placement and are not counted here.',
];

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
    async (request): Promise<PciCapacity> => {
      const { cloud, host: hostName, resource_class: rc } = request.query;
      const snapshot = currentSnapshot(deps.registry, cloud);
      const totals: PciCapacity['totals'] = {};
      const hosts = snapshot.hosts
        .filter((h) => hostName === undefined || h.name === hostName)
        .map((h) => {
          const providers = h.pciProviders
            .filter((p) => rc === undefined || p.resourceClass === rc)
            .map((p) => {
              return {
                provider: p.name,
                uuid: p.uuid,
                resourceClass: p.resourceClass,
                traits: p.traits,
                capacity: inventoryCapacity(p.inventory),
                used: p.used,
                free: providerFree(p),
              };
            });
          const free: Record<string, number> = {};
          for (const p of providers) {
            free[p.resourceClass] = (free[p.resourceClass] ?? 0) + p.free;
            const total = (totals[p.resourceClass] ??= { capacity: 0, used: 0, free: 0 });
            total.capacity += p.capacity;
            total.used += p.used;
            total.free += p.free;
          }
          return { host: h.name, uuid: h.uuid, free, providers };
        })
        .filter((h) => h.providers.length > 0);
      return { hosts, totals, notes: NOTES, snapshot: snapshotRef(snapshot) };
    },
  );
};
