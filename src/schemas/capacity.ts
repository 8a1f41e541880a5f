// Capacity per flavor and per resource class as the web page reads it (GET /v1/capacity/*): the same figures as the
// metrics (docs/metrics.md), from the snapshot's capacity summary, for an image without properties.
import { z } from 'zod';
import { CloudName, Name, PageQuery, SnapshotRef, page } from './common.ts';

const Units = z.object({ capacity: z.number(), used: z.number(), free: z.number() }).meta({ id: 'Units' });

export const FlavorCapacity = z
  .object({
    id: z.string(),
    name: z.string(),
    isPublic: z.boolean(),
    vcpus: z.number(),
    ramMb: z.number(),
    pciAlias: z.string().nullable().describe('The flavor extra spec pci_passthrough:alias.'),
    instances: z.number().int().describe('Instances that fit, cloud-wide (image without properties).'),
    hostsThatFit: z.number().int(),
    blocked: z.record(z.string(), z.number().int()).describe('Hosts that take none, per reason (resource class or trait:NAME).'),
    aggregates: z
      .array(z.object({ aggregate: z.string(), instances: z.number().int(), hosts: z.number().int() }))
      .describe('Per Placement aggregate (uuid); empty without host-level access.'),
    topHosts: z.array(z.object({ host: z.string(), instances: z.number().int() })).describe('The hosts that take the most (at most 5); empty without host-level access.'),
  })
  .meta({ id: 'FlavorCapacity' });

export const FlavorCapacityPage = page(FlavorCapacity, 'FlavorCapacityPage');

export const FlavorCapacityQuery = PageQuery.extend({
  name: z.string().max(255).optional().describe('Substring of the flavor name, case-insensitive.'),
});
export type FlavorCapacityQuery = z.output<typeof FlavorCapacityQuery>;

export const ResourceCapacity = z
  .object({
    hostsChecked: z.number().int(),
    resources: z.array(Units.extend({ resourceClass: z.string(), pci: z.boolean().describe('Held by nested PCI providers (devices, VFs).') })),
    pciClasses: z.array(z.string()),
    snapshot: SnapshotRef,
  })
  .meta({ id: 'ResourceCapacity' });

export const ResourceCapacityQuery = z.strictObject({ cloud: CloudName });

export const HostCapacity = z
  .object({
    name: z.string(),
    uuid: z.string(),
    aggregates: z.array(z.string()),
    units: z.record(z.string(), Units).describe('Per resource class over the host and its nested providers.'),
    instances: z.number().int().nullable().describe('Instances of `flavor_id` the host takes; null without it.'),
  })
  .meta({ id: 'HostCapacity' });

export const HostCapacityPage = page(HostCapacity, 'HostCapacityPage');

export const HostCapacityQuery = PageQuery.extend({
  name: z.string().max(255).optional().describe('Substring of the host name, case-insensitive.'),
  resource_class: z.string().max(255).optional().describe('Only hosts with units of this resource class.'),
  pci: z.enum(['true', 'false']).optional().describe('true: only hosts with nested PCI providers; false: only hosts without.'),
  aggregate: Name.optional().describe('Only hosts in this Placement aggregate (uuid).'),
  flavor_id: Name.optional().describe('Only hosts that take an instance of this flavor, with how many.'),
});
export type HostCapacityQuery = z.output<typeof HostCapacityQuery>;
