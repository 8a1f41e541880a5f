// What a caller without host-level access gets instead of host detail (docs/security.md): how many instances fit
// and on how many hosts, without naming a host or a provider. Nova's os-hypervisors and Placement answer such a
// caller 403, so nothing it reads here may name what those would hide. Structural fields (the lists of hosts) are
// emptied; host and provider names left in messages and evidence are replaced by a placeholder.
import { SteppedMemo } from '../lib/memo.ts';
import type { Advice, CloudSnapshot, Host, NovaPreview, Validation } from '../model/index.ts';
import type { PciCapacity } from '../schemas/host.ts';

const HOST = '<host>';
const PROVIDER = '<provider>';

/** Hosts per step of the name map's build: ~10 ms at 15,000 hosts / 163,000 providers on this machine. */
const NAME_STEP_HOSTS = 2_000;

/**
 * Every name and uuid a message may carry, per host list: built once per snapshot, before it becomes current
 * (`aggregateNameSteps`, registry.ts), so the first answer to a caller without host access does not build it.
 */
const namesOf = new SteppedMemo<readonly Host[], Map<string, string>>(function* (hosts) {
  const names = new Map<string, string>();
  for (let i = 0; i < hosts.length; i++) {
    const h = hosts[i]!;
    names.set(h.name, HOST).set(h.uuid, HOST);
    for (const p of h.pciProviders) names.set(p.name, PROVIDER).set(p.uuid, PROVIDER);
    if (i % NAME_STEP_HOSTS === NAME_STEP_HOSTS - 1) yield;
  }
  return names;
});

/** The name map's build as steps, for the registry to run before the snapshot answers. */
export const aggregateNameSteps = (snapshot: CloudSnapshot): Iterator<void, unknown> => namesOf.steps(snapshot.hosts);

// Words are split at white space and list punctuation; a name may end a sentence or a label ("host-1: …").
const SEPARATORS = /([\s,;()'"=[\]{}]+)/;
const TRAILING = /[.:]+$/;

function scrubText(text: string, names: Map<string, string>): string {
  const parts = text.split(SEPARATORS);
  let changed = false;
  for (let i = 0; i < parts.length; i += 2) {
    const word = parts[i]!;
    const bare = word.replace(TRAILING, '');
    const placeholder = names.get(word) ?? names.get(bare);
    if (placeholder !== undefined) {
      parts[i] = names.has(word) ? placeholder : placeholder + word.slice(bare.length);
      changed = true;
    }
  }
  return changed ? parts.join('') : text;
}

/** A copy of `value` with every host and provider name in its strings replaced. */
function scrub<T>(value: T, names: Map<string, string>): T {
  if (typeof value === 'string') return scrubText(value, names) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => scrub(v, names)) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, scrub(v, names)])) as T;
  }
  return value;
}

function previewAggregate(preview: NovaPreview, names: Map<string, string>): NovaPreview {
  return scrub({ ...preview, candidateHosts: [], allocation: null }, names);
}

export function adviceAggregate(snapshot: CloudSnapshot, advice: Advice): Advice {
  const names = namesOf.get(snapshot.hosts);
  const { preview, capacity, ...rest } = advice;
  return {
    ...scrub(rest, names),
    // The allocation names a host and its providers: Placement's, which this caller cannot read.
    capacity: capacity && scrub({ ...capacity, hosts: [], blockedExamples: [], allocation: null }, names),
    ...(preview ? { preview: previewAggregate(preview, names) } : {}),
  };
}

export function previewAggregateOf(snapshot: CloudSnapshot, preview: NovaPreview): NovaPreview {
  return previewAggregate(preview, namesOf.get(snapshot.hosts));
}

/** Per property, how many hosts support it stays; which ones does not. */
export function validationAggregate(snapshot: CloudSnapshot, validation: Validation): Validation {
  const properties = validation.properties.map((p) => (p.hosts ? { ...p, hosts: { ...p.hosts, examples: { supporting: [], lacking: [], unknown: [] } } } : p));
  return scrub({ ...validation, properties }, namesOf.get(snapshot.hosts));
}

/** Totals per resource class only: per-host and per-provider figures are Placement's, which this caller cannot read. */
export function pciCapacityAggregate(capacity: PciCapacity): PciCapacity {
  return { ...capacity, hosts: [] };
}
