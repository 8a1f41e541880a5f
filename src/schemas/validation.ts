// POST /v1/validations: proposed image properties (+ optional flavor, and what the instance is: workload, ports,
// disks, drivers, devices, as a recommendation takes them) → verdict, findings and per-property host support.
import { z } from 'zod';
import type { Validation, Verdict } from '../model/index.ts';
import { NAMED_HOSTS } from '../rules/index.ts';
import { Evidence, Finding, Name, ReleaseAssumption, Assumptions, SnapshotRef, closedList, type Assert, type Conforms } from './common.ts';
import { ImageProperties } from './image.ts';
import { GuestIdentity, RecommendationRequest } from './recommendation.ts';

export const VERDICTS = closedList<Verdict>()(['pass', 'warn', 'fail']);

// The recommendation's own fields (and their bounds and defaults), so a validation takes exactly what a
// recommendation takes about the instance; the image is the proposed properties, and there is no capacity to list.
export const ValidationRequest = RecommendationRequest.omit({ image: true, capacity_hosts: true })
  .extend({
    properties: ImageProperties,
    name: Name.optional().describe('Image name, recorded with the verdict for audit.'),
  })
  .meta({ id: 'ValidationRequest' });
export type ValidationRequest = z.output<typeof ValidationRequest>;

const hostNames = z.array(z.string()).max(NAMED_HOSTS);

export const HostSupport = z
  .object({
    hosts: z.number().int().describe('Hosts the image and flavor can land on (required / forbidden root traits, enabled compute service).'),
    supporting: z.number().int().describe('Of those, hosts whose root provider reports the trait.'),
    lacking: z.number().int().describe('Hosts that report other traits of the family but not this one: they cannot provide it.'),
    unknown: z.number().int().describe('Hosts that report no trait of the family (non-libvirt drivers): unknown, not unsupported.'),
    examples: z
      .object({ supporting: hostNames, lacking: hostNames, unknown: hostNames })
      .describe(`The first hosts of each kind by name, at most ${NAMED_HOSTS} each.`),
  })
  .meta({ id: 'HostSupport' });

export const PropertyCheck = z
  .object({
    key: z.string(),
    value: z.string().nullable().describe('As proposed (legacy names read as Nova reads them); null when unset and a value is needed.'),
    trait: z.string().nullable().describe('The trait a host reports when it can provide the value; null when Nova refuses the value or it has no trait.'),
    hosts: HostSupport.nullable(),
    replacement: z
      .object({ value: z.string(), reason: z.string(), evidence: z.array(Evidence) })
      .nullable()
      .describe('What to set instead, when a warning or an error concerns this property; else null.'),
  })
  .meta({ id: 'PropertyCheck' });

export const ValidationBody = z.object({
  verdict: z.enum(VERDICTS).describe('fail when any finding is an error, warn when any is a warning.'),
  findings: z.array(Finding),
  guest: GuestIdentity,
  release: ReleaseAssumption,
  assumptions: Assumptions,
  properties: z
    .array(PropertyCheck)
    .describe('Each proposed device property (hw_vif_model, hw_disk_bus, hw_cdrom_bus, hw_floppy_bus, hw_video_model, hw_scsi_model), and any unset one a finding asks a value for.'),
});

export type ValidationBody = z.output<typeof ValidationBody>;
export type _ValidationConforms = Assert<Conforms<ValidationBody, Validation>>;

export const ValidationResult = ValidationBody.extend({ snapshot: SnapshotRef }).meta({ id: 'ValidationResult' });
export type ValidationResult = z.output<typeof ValidationResult>;
