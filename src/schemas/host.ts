// The host resource (a compute node's root provider with its nested PCI providers) and PCI capacity.
import { z } from 'zod';
import type { Host as RulesHost } from '../model/index.ts';
import { CloudName, PageQuery, SnapshotRef, page, type Assert, type Conforms } from './common.ts';

export const Inventory = z
  .object({
    total: z.number(),
    reserved: z.number(),
    minUnit: z.number(),
    maxUnit: z.number(),
    stepSize: z.number(),
    allocationRatio: z.number(),
  })
  .meta({ id: 'Inventory' });

export const PciProvider = z
  .object({
    uuid: z.string(),
    name: z.string(),
    parentUuid: z.string(),
    rootUuid: z.string(),
    resourceClass: z.string(),
    traits: z.array(z.string()),
    inventory: Inventory,
    used: z.number(),
  })
  .meta({ id: 'PciProvider' });

export const Host = z
  .object({
    uuid: z.string(),
    name: z.string(),
    traits: z.array(z.string()),
    aggregates: z.array(z.string()),
    inventories: z.record(z.string(), Inventory),
    usages: z.record(z.string(), z.number()),
    pciProviders: z.array(PciProvider),
    hypervisorType: z.string().nullable().describe('Nova os-hypervisors `hypervisor_type` (libvirt: QEMU); null where not read.'),
    hypervisorVersion: z.number().nullable().describe('Nova os-hypervisors `hypervisor_version` (QEMU 8.2.2: 8002002); null where not read.'),
    computeService: z
      .object({ disabled: z.boolean(), forcedDown: z.boolean() })
      .nullable()
      .describe('The nova-compute service: disabled or forced down takes no new instances; null where not read.'),
  })
  .meta({ id: 'Host' });

export const HostPage = page(Host, 'HostPage');

export type _HostConforms = Assert<Conforms<z.output<typeof Host>, RulesHost>>;

export const HostListQuery = PageQuery.extend({
  name: z.string().max(255).optional().describe('Substring of the host name, case-insensitive.'),
  trait: z.string().max(255).optional().describe('Only hosts whose root provider has this trait.'),
  resource_class: z.string().max(255).optional().describe('Only hosts with PCI providers of this resource class.'),
});
export type HostListQuery = z.output<typeof HostListQuery>;

export const PciCapacityQuery = z.strictObject({
  cloud: CloudName,
  resource_class: z.string().max(255).optional(),
  host: z.string().max(255).optional().describe('Exact host name.'),
});
export type PciCapacityQuery = z.output<typeof PciCapacityQuery>;

const PciProviderCapacity = z.object({
  provider: z.string(),
  uuid: z.string(),
  resourceClass: z.string(),
  traits: z.array(z.string()),
  capacity: z.number().describe('(total − reserved) × allocation_ratio'),
  used: z.number(),
  free: z.number(),
});

export const PciCapacity = z
  .object({
    hosts: z.array(
      z.object({ host: z.string(), uuid: z.string(), free: z.record(z.string(), z.number()), providers: z.array(PciProviderCapacity) }),
    ),
    totals: z.record(z.string(), z.object({ capacity: z.number(), used: z.number(), free: z.number() })),
    notes: z.array(z.string()),
    snapshot: SnapshotRef,
  })
  .meta({ id: 'PciCapacity' });
export type PciCapacity = z.output<typeof PciCapacity>;
