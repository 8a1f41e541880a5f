// The flavor resource: the read view (rules' Flavor) and how a request names a flavor.
import { z } from 'zod';
import type { Flavor as RulesFlavor } from '../model/index.ts';
import { MAX_INT, Name, PageQuery, page, type Assert, type Conforms } from './common.ts';

/** Nova's bounds on extra specs: keys and values up to 255 characters. */
export const ExtraSpecs = z.record(Name, z.string().max(255)).meta({ id: 'ExtraSpecs' });

export const Flavor = z
  .object({
    id: z.string(),
    name: z.string(),
    vcpus: z.number().int(),
    ramMb: z.number().int(),
    diskGb: z.number().int(),
    ephemeralGb: z.number().int(),
    swapMb: z.number().int(),
    isPublic: z.boolean(),
    extraSpecs: z.record(z.string(), z.string()),
    accessProjects: z
      .array(z.string())
      .describe('Projects a private flavor is shared with (Nova GET /flavors/{flavor_id}/os-flavor-access); empty for a public flavor.'),
  })
  .meta({ id: 'Flavor' });

export const FlavorPage = page(Flavor, 'FlavorPage');

export type _FlavorConforms = Assert<Conforms<z.output<typeof Flavor>, RulesFlavor>>;

const INLINE_KEYS = ['vcpus', 'ram', 'disk', 'ephemeral', 'swap', 'extra_specs'] as const;

/**
 * A flavor from the snapshot by id or name, or a proposed one in Nova's own field names and bounds
 * (vcpus and ram ≥ 1, disk ≥ 0, all ≤ 2^31−1).
 */
export const FlavorRef = z
  .strictObject({
    id: Name.optional(),
    name: Name.optional(),
    vcpus: z.number().int().min(1).max(MAX_INT).optional(),
    ram: z.number().int().min(1).max(MAX_INT).optional().describe('MiB'),
    disk: z.number().int().min(0).max(MAX_INT).optional().describe('GiB'),
    ephemeral: z.number().int().min(0).max(MAX_INT).optional().describe('GiB'),
    swap: z.number().int().min(0).max(MAX_INT).optional().describe('MiB'),
    extra_specs: ExtraSpecs.optional(),
  })
  .superRefine((ref, ctx) => {
    const inline = INLINE_KEYS.some((k) => ref[k] !== undefined);
    if (inline) {
      if (ref.id !== undefined) ctx.addIssue({ code: 'custom', path: ['id'], message: 'an inline flavor has no id' });
      for (const k of ['vcpus', 'ram'] as const) {
        if (ref[k] === undefined) ctx.addIssue({ code: 'custom', path: [k], message: 'required for an inline flavor' });
      }
    } else if ((ref.id === undefined) === (ref.name === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'give exactly one of id, name or an inline flavor (vcpus, ram, …)' });
    }
  })
  .meta({ id: 'FlavorRef' });
export type FlavorRef = z.output<typeof FlavorRef>;

export const FlavorListQuery = PageQuery.extend({
  name: z.string().max(255).optional().describe('Substring of the flavor name, case-insensitive.'),
  min_vcpus: z.coerce.number().int().min(0).max(MAX_INT).optional(),
  min_ram: z.coerce.number().int().min(0).max(MAX_INT).optional().describe('MiB'),
  extra_spec: z.string().max(255).optional().describe('Only flavors carrying this extra spec key.'),
});
export type FlavorListQuery = z.output<typeof FlavorListQuery>;
