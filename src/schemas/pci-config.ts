// POST /v1/pci/config-checks: a proposed [pci] device_spec + [pci] alias (nova.conf JSON strings, verbatim)
// → what Nova refuses, the Placement model, matching providers and flavors (src/rules/pci/config).
import { z } from 'zod';
import type { PciConfigCheck as RulesPciConfigCheck } from '../model/index.ts';
import { CloudName, Finding, ReleaseAssumption, Assumptions, SnapshotRef, type Assert, type Conforms } from './common.ts';
import { VERDICTS } from './validation.ts';

// nova.conf values are short; the bounds keep one request far below the 1 MiB body limit's worst case.
const ConfValue = z.string().min(1).max(16_384);

export const PciConfigCheckRequest = z
  .strictObject({
    device_spec: z
      .array(ConfValue)
      .max(256)
      .default([])
      .describe('[pci] device_spec values as in nova.conf: each a JSON object or a JSON list of objects.'),
    alias: z.array(ConfValue).max(256).default([]).describe('[pci] alias values as in nova.conf: each a JSON object.'),
    report_in_placement: z
      .boolean()
      .default(true)
      .describe('[pci] report_in_placement on the computes the device_spec is for.'),
    pci_in_placement: z
      .boolean()
      .optional()
      .describe('[filter_scheduler] pci_in_placement; default the declared host fact.'),
    cloud: CloudName,
  })
  .refine((r) => r.device_spec.length + r.alias.length > 0, { message: 'give device_spec or alias entries', path: ['device_spec'] })
  .meta({ id: 'PciConfigCheckRequest' });
export type PciConfigCheckRequest = z.output<typeof PciConfigCheckRequest>;

const DEVICE_KINDS = ['type-PCI', 'type-PF', 'type-VF', 'unknown'] as const;

const PciSpecModel = z
  .object({
    entry: z.number().int(),
    item: z.number().int(),
    spec: z.record(z.string(), z.unknown()),
    selects: z.string(),
    deviceType: z.enum(DEVICE_KINDS),
    deviceTypeFrom: z.enum(['known-device', 'placement', 'unknown']),
    inPlacement: z.boolean(),
    resourceClass: z.string().nullable(),
    traits: z.array(z.string()),
    providers: z.string().describe('How Nova lays the devices out as resource providers.'),
    existingProviders: z.array(
      z.object({
        provider: z.string(),
        resourceClass: z.string(),
        traits: z.array(z.string()),
        free: z.number().int(),
        unchanged: z.boolean(),
      }),
    ),
  })
  .meta({ id: 'PciSpecModel' });

const PciAliasModel = z
  .object({
    name: z.string(),
    entries: z.array(z.record(z.string(), z.unknown())),
    deviceType: z.string().nullable(),
    resourceClass: z.string().nullable(),
    traits: z.array(z.string()),
    matchesSpecs: z.array(z.string()).describe('device_spec positions as `entry.item`.'),
    providers: z.number().int(),
    free: z.number().int(),
    flavors: z.array(z.string()),
  })
  .meta({ id: 'PciAliasModel' });

const PciPlacementView = z
  .object({
    providers: z.array(
      z.object({
        name: z.string().describe('<hypervisor_hostname>_<PCI address>; VFs are counted on their parent PF\'s provider.'),
        parent: z.string().describe('The compute node provider.'),
        resourceClass: z.string(),
        total: z.number().int(),
        traits: z.array(z.string()),
        spec: z.string().describe('The device_spec position (`entry.item`) that supplies the tags.'),
        change: z.enum(['unchanged', 'changed']),
      }),
    ).describe('At most 500, by name; the counts are complete.'),
    providerCount: z.number().int(),
    byResourceClass: z.array(z.object({ resourceClass: z.string(), providers: z.number().int(), total: z.number().int(), hosts: z.number().int() })),
    removed: z.array(z.object({ name: z.string(), used: z.number().int() })),
    basis: z.string(),
  })
  .meta({ id: 'PciPlacementView' });

export const PciConfigCheckBody = z.object({
  verdict: z.enum(VERDICTS),
  reportInPlacement: z.boolean(),
  pciInPlacement: z.boolean(),
  specs: z.array(PciSpecModel),
  aliases: z.array(PciAliasModel),
  flavors: z.array(z.object({ flavor: z.string(), alias: z.string(), count: z.number().int(), defined: z.boolean() })),
  placement: PciPlacementView.describe('The PCI providers Placement will show after the rollout.'),
  findings: z.array(Finding),
  release: ReleaseAssumption,
  assumptions: Assumptions,
});

export type PciConfigCheckBody = z.output<typeof PciConfigCheckBody>;
export type _PciConfigCheckConforms = Assert<Conforms<PciConfigCheckBody, RulesPciConfigCheck>>;

export const PciConfigCheck = PciConfigCheckBody.extend({ snapshot: SnapshotRef }).meta({ id: 'PciConfigCheck' });
export type PciConfigCheck = z.output<typeof PciConfigCheck>;
