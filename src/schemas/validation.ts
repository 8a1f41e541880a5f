// POST /v1/validations: proposed image properties (+ optional flavor) → verdict and findings.
import { z } from 'zod';
import type { Validation, Verdict } from '../model/index.ts';
import { CloudName, Finding, Name, ReleaseAssumption, Assumptions, SnapshotRef, closedList, type Assert, type Conforms } from './common.ts';
import { FlavorRef } from './flavor.ts';
import { ImageProperties } from './image.ts';
import { GuestIdentity } from './recommendation.ts';

export const VERDICTS = closedList<Verdict>()(['pass', 'warn', 'fail']);

export const ValidationRequest = z
  .strictObject({
    properties: ImageProperties,
    name: Name.optional().describe('Image name, recorded with the verdict for audit.'),
    flavor: FlavorRef.optional(),
    cloud: CloudName,
  })
  .meta({ id: 'ValidationRequest' });
export type ValidationRequest = z.output<typeof ValidationRequest>;

export const ValidationBody = z.object({
  verdict: z.enum(VERDICTS).describe('fail when any finding is an error, warn when any is a warning.'),
  findings: z.array(Finding),
  guest: GuestIdentity,
  release: ReleaseAssumption,
  assumptions: Assumptions,
});

export type ValidationBody = z.output<typeof ValidationBody>;
export type _ValidationConforms = Assert<Conforms<ValidationBody, Validation>>;

export const ValidationResult = ValidationBody.extend({ snapshot: SnapshotRef }).meta({ id: 'ValidationResult' });
export type ValidationResult = z.output<typeof ValidationResult>;
