// Nova's flavor extra spec validators (domain.md §1.5; enforced since microversion 2.86, §7): the table
// `nova-extra-specs.json`, written from the installed Nova by `/usr/bin/python3 scripts/gen-nova-extra-specs.py`
// (its `novaVersion` and `release` say which), and `validateExtraSpec`, NOVA
// `nova/api/validation/extra_specs/validators.py` `validate` + `base.py` `ExtraSpecValidator.validate` in TypeScript.
import { LRUCache } from 'lru-cache';
import { osloBoolStrict } from '../../lib/oslo-bool.ts';
import table from './nova-extra-specs.json' with { type: 'json' };
import type { NovaRelease } from '../../model/index.ts';

interface ValueSpec { type: 'int' | 'str' | 'bool'; enum?: string[]; pattern?: string; min?: number; max?: number; deprecated?: boolean }
interface ValidatorEntry { name: string; nameRegex: string; literals?: string[]; value: ValueSpec }

/** The Nova release and version the table was read from. */
export const EXTRA_SPEC_TABLE = { release: table.release as NovaRelease, novaVersion: table.novaVersion, source: table.source };

const fullMatch = (regex: string): RegExp => new RegExp(`^(?:${regex})$`);
const VALIDATORS = (table.validators as ValidatorEntry[]).map((v) => ({
  ...v, regex: fullMatch(v.nameRegex), literalSet: v.literals ? new Set(v.literals) : null,
  valueRegex: v.value.pattern === undefined ? null : fullMatch(v.value.pattern),
}));
type Validator = (typeof VALIDATORS)[number];
const NAMESPACES = table.namespaces.map(fullMatch);

/** Python's `int(text)` on a string: surrounding whitespace, a sign, `_` between digits. Null where it raises. */
function pythonInt(text: string): number | null {
  const m = /^\s*([+-]?\d+(?:_\d+)*)\s*$/.exec(text);
  return m ? Number(m[1]!.replaceAll('_', '')) : null;
}

export type ExtraSpecVerdict =
  | { kind: 'valid'; validator: string; deprecated: boolean }
  | { kind: 'invalid'; validator: string; why: string }
  /** In a namespace Nova validates, but no validator of the table has the name. */
  | { kind: 'unknown'; namespace: string }
  /** No namespace Nova validates: never checked. */
  | { kind: 'unchecked' };

/**
 * Validators by extra spec name: finding one tries the table's name patterns in turn, most of the flavor checks'
 * cost, and a recommendation checks its flavor as it is and as advised (issue 16: 1.8 % of an uncached
 * recommendation's CPU at 15,000 hosts, 0.7 % with this). Names come from requests (inline flavors): bounded, least
 * recently used out; `null` when no validator has the name.
 */
const byName = new LRUCache<string, { validator: Validator | null }>({ max: 1_000 });

function validatorOf(name: string): Validator | null {
  let known = byName.get(name);
  if (known === undefined) {
    const validator = VALIDATORS.find((v) => {
      const m = v.regex.exec(name);
      return m !== null && (v.literalSet === null || v.literalSet.has(m.groups?.['literal'] ?? ''));
    });
    known = { validator: validator ?? null };
    byName.set(name, known);
  }
  return known.validator;
}

/** One extra spec as the table's Nova validates it (the first validator whose name pattern matches, in Nova's order). */
export function validateExtraSpec(name: string, value: string): ExtraSpecVerdict {
  const validator = validatorOf(name);
  if (!validator) {
    const namespace = name.includes(':') ? name.split(':', 1)[0]! : null;
    return namespace !== null && NAMESPACES.some((n) => n.test(namespace)) ? { kind: 'unknown', namespace } : { kind: 'unchecked' };
  }
  const spec = validator.value;
  const invalid = (why: string): ExtraSpecVerdict => ({ kind: 'invalid', validator: validator.name, why });
  if (spec.type === 'int') {
    const n = pythonInt(value);
    if (n === null) return invalid('not an integer');
    if (spec.max !== undefined && n > spec.max) return invalid(`greater than the maximum ${spec.max}`);
    if (spec.min !== undefined && n < spec.min) return invalid(`less than the minimum ${spec.min}`);
  } else if (spec.type === 'bool') {
    if (osloBoolStrict(value) === null) return invalid('not a boolean (true / false, yes / no, on / off, 1 / 0, t / f, y / n)');
  } else if (validator.valueRegex !== null) {
    if (!validator.valueRegex.test(value)) return invalid(`not of the format ${spec.pattern}`);
  } else if (spec.enum !== undefined && !spec.enum.includes(value)) {
    return invalid(`not one of ${spec.enum.join(', ')}`);
  }
  return { kind: 'valid', validator: validator.name, deprecated: spec.deprecated === true };
}
