// Pieces shared by the resource schemas: evidence and findings (src/model), the exactness check, problem
// responses, pagination and the snapshot a response was computed from.
import { z } from 'zod';
import { Problem } from './problem.ts';
import type {
  EvidenceSource, Evidence as RulesEvidence, FactAssumption as ModelFactAssumption, FactOrigin, Finding as RulesFinding, NovaRelease, ReleaseAssumption as ModelReleaseAssumption, Severity,
  SnapshotRef as ModelSnapshotRef,
} from '../model/index.ts';

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Present<T> = Exclude<T, undefined | null>;

/**
 * True when the schema's output and the source type have the same keys at every depth (arrays and records
 * looked into, optional members compared as present). Assignability alone (Source extends Schema) lets a field
 * the source adds pass, and the response serializer then drops it without a word: the CLI printed
 * `capacity.hosts[].pciProviders` while the HTTP body lost it.
 */
export type ExactShape<S, T> = [Present<T>] extends [readonly (infer TE)[]]
  ? [Present<S>] extends [readonly (infer SE)[]]
    ? ExactShape<SE, TE>
    : false
  : [Present<T>] extends [object]
    ? Same<keyof Present<S>, keyof Present<T>> extends true
      ? false extends { [K in keyof Present<T>]-?: ExactShape<Present<S>[K & keyof Present<S>], Present<T>[K]> }[keyof Present<T>]
        ? false
        : true
      : false
    : true;

/**
 * Compile-time contract between a response schema and the model type it serialises: the source must be
 * assignable to the schema (no field removed or retyped) and have exactly its keys (none added). Used as
 * `export type _X = Assert<Conforms<z.output<typeof Schema>, Source>>`, which fails `tsc` on either drift.
 */
export type Conforms<SchemaOutput, Source extends SchemaOutput> = ExactShape<SchemaOutput, Source>;
export type Assert<T extends true> = T;

/** Lists the members of a string union; the compiler rejects a missing member and an unknown one. */
export function closedList<T extends string>() {
  return <const L extends readonly [T, ...T[]]>(list: L & ([T] extends [L[number]] ? unknown : 'missing members')) => list;
}

export const EVIDENCE_SOURCES = closedList<EvidenceSource>()([
  'image-property',
  'flavor',
  'host-trait',
  'placement',
  'osinfo-db',
  'builtin-table',
  'declared-host-fact',
  'request',
  'nova-default',
  'nova-release',
  'nova-api',
]);
export const SEVERITIES = closedList<Severity>()(['error', 'warning', 'info']);

export const Evidence = z
  .object({
    source: z.enum(EVIDENCE_SOURCES),
    ref: z.string().describe('What was looked at: a property, trait, provider, osinfo id or config key.'),
    value: z.union([z.string(), z.number(), z.boolean(), z.null()]).optional(),
  })
  .meta({ id: 'Evidence' });

export const Finding = z
  .object({
    id: z.string().describe('Stable id from the findings catalog.'),
    severity: z.enum(SEVERITIES),
    field: z.string().nullable(),
    message: z.string(),
    evidence: z.array(Evidence),
  })
  .meta({ id: 'Finding' });

/** Oldest first, as src/rules/release/release.ts orders them. */
export const NOVA_RELEASES = closedList<NovaRelease>()([
  'wallaby', 'xena', 'yoga', 'zed', '2023.1', '2023.2', '2024.1', '2024.2', '2025.1', '2025.2', '2026.1', 'master',
]);

export const ReleaseAssumption = z
  .object({
    release: z.enum(NOVA_RELEASES).describe('The Nova release the answer assumes; release-dependent rules follow it.'),
    from: z.enum(closedList<FactOrigin>()(['observed', 'declared', 'default'])).describe(
      '`declared`: nova_release in the host facts file; `observed`: the compute API max microversion or OWNER_NOVA; `default`: nothing observed, master assumed.'),
    candidates: z.array(z.enum(NOVA_RELEASES)).describe('Every release consistent with what the cloud shows.'),
    evidence: z.string(),
  })
  .meta({ id: 'ReleaseAssumption' });
export const FactAssumption = z
  .object({
    fact: z.string().describe('The fact in nova.conf / host-facts spelling, e.g. `nova_release`, `virt_type`, `hypervisor_type`.'),
    value: z.union([z.string(), z.number(), z.boolean(), z.null()]),
    origin: z.enum(closedList<FactOrigin>()(['observed', 'declared', 'default'])).describe(
      '`observed`: read from the cloud\'s APIs; `declared`: HOST_FACTS_FILE (or the request); `default`: assumed by default, declare it to be sure.'),
    source: z.string().describe('Where the value comes from, e.g. `HOST_FACTS_FILE defaults`.'),
    ifWrong: z.string().describe('What the answer gets wrong if the value is wrong, with the domain section.'),
  })
  .meta({ id: 'FactAssumption' });
export type _FactAssumptionConforms = Assert<Conforms<z.output<typeof FactAssumption>, ModelFactAssumption>>;

/** Every fact an answer rests on; the release first (the answer's `release`, restated). */
export const Assumptions = z.array(FactAssumption).describe('Every fact the answer rests on, the release first: observed, declared or assumed by default, and what changes if it is wrong (docs/host-facts.md).');

export type _ReleaseAssumptionConforms = Assert<Conforms<z.output<typeof ReleaseAssumption>, ModelReleaseAssumption>>;

export type _EvidenceConforms = Assert<Conforms<z.output<typeof Evidence>, RulesEvidence>>;
export type _FindingConforms = Assert<Conforms<z.output<typeof Finding>, RulesFinding>>;

const problemResponse = {
  description: 'Problem details (RFC 9457)',
  content: { 'application/problem+json': { schema: Problem } },
};

/** Documents the problem responses a route can give; the bodies themselves are sent by errors.ts. */
export function problems(...statuses: number[]): Record<number, typeof problemResponse> {
  return Object.fromEntries(statuses.map((s) => [s, problemResponse]));
}

export const SnapshotRef = z
  .object({
    id: z.string(),
    cloud: z.string(),
    source: z.enum(['demo', 'openstack']),
    takenAt: z.string(),
    ageSeconds: z.number().int().describe('How old the data the answer rests on is.'),
  })
  .meta({ id: 'SnapshotRef' });
export type _SnapshotRefConforms = Assert<Conforms<z.output<typeof SnapshotRef>, ModelSnapshotRef>>;

/**
 * Whether PostgreSQL keeps the string as sent. text and jsonb refuse NUL
 * (https://www.postgresql.org/docs/current/datatype-character.html, .../datatype-json.html); an unpaired UTF-16
 * surrogate (valid in JSON, so a body can hold one) is refused by jsonb and silently turned into U+FFFD in text, as
 * pg encodes parameters as UTF-8 (measured on PostgreSQL 15). `\p{Cs}` with the u flag matches only unpaired ones.
 */
const storable = (s: string): boolean => !s.includes('\0') && !/\p{Cs}/u.test(s);

/**
 * A name or id as OpenStack bounds them (255 characters). Names reach the database (audit rows, sync jobs, store
 * queries), so one PostgreSQL cannot store is refused here, at every edge that parses with these schemas.
 */
export const Name = z
  .string()
  .min(1)
  .max(255)
  .refine(storable, 'must not contain NUL (\\u0000) or an unpaired surrogate: PostgreSQL cannot store it');

/** Which synced cloud to answer from; the first configured one when absent. */
export const CloudName = Name.optional().describe('Which synced cloud to answer from; default the first.');

// Nova's own bound for integer flavor fields (db.MAX_INT): larger numbers are refused as Nova would.
export const MAX_INT = 2_147_483_647;

/** Unknown query parameters are refused like unknown body fields, so a misspelt filter is not ignored. */
export const PageQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  marker: Name.optional().describe('The id (or host name) of the last item of the previous page.'),
  cloud: CloudName,
});
export type PageQuery = z.output<typeof PageQuery>;

/** A page of items; called once per resource at module load (schema ids must be unique in the registry). */
export function page<T extends z.ZodType>(item: T, id: string) {
  return z
    .object({ items: z.array(item), nextMarker: z.string().nullable(), snapshot: SnapshotRef })
    .meta({ id });
}

export const CloudQuery = z.strictObject({ cloud: CloudName });
