// oslo.utils `strutils.bool_from_string`, the boolean reading of every OpenStack service (Nova image properties,
// flavor extra specs, `[pci]` JSON tags) and of openstacksdk's clouds.yaml: a bool is itself, a string is trimmed
// and lower-cased, then matched against TRUE_STRINGS / FALSE_STRINGS
// (https://opendev.org/openstack/oslo.utils/src/branch/master/oslo_utils/strutils.py; domain.md §1.1).
import { z } from 'zod';

const TRUE_STRINGS: ReadonlySet<string> = new Set(['1', 't', 'true', 'on', 'y', 'yes']);
const FALSE_STRINGS: ReadonlySet<string> = new Set(['0', 'f', 'false', 'off', 'n', 'no']);

/** The spellings, for messages that say what is accepted. */
export const OSLO_BOOL_SPELLINGS = `true: ${[...TRUE_STRINGS].join(', ')}; false: ${[...FALSE_STRINGS].join(', ')}`;

/**
 * `bool_from_string(value, strict=True)`: the boolean, or null where oslo raises (any other string, and anything
 * that is neither a string nor a boolean — JSON numbers included, as the callers have always treated them).
 */
export function osloBoolStrict(value: unknown): boolean | null {
  if (typeof value === 'boolean') return value;
  if (typeof value !== 'string') return null;
  const lowered = value.trim().toLowerCase();
  return TRUE_STRINGS.has(lowered) ? true : FALSE_STRINGS.has(lowered) ? false : null;
}

/** `bool_from_string(value)` (strict=False, default=False): true only for a true spelling. */
export function osloBool(value: unknown): boolean {
  return osloBoolStrict(value) === true;
}

/**
 * A settings field read as oslo reads it (env variables, clouds.yaml `verify` / `insecure`): a YAML boolean or any
 * oslo spelling; anything else fails with a message the caller prefixes with the field's name (the issue path).
 */
export const osloBoolean = z.union([z.boolean(), z.string()]).transform((value, ctx) => {
  const parsed = osloBoolStrict(value);
  if (parsed === null) {
    ctx.addIssue({ code: 'custom', message: `${JSON.stringify(value)} is not a boolean (${OSLO_BOOL_SPELLINGS})` });
    return z.NEVER;
  }
  return parsed;
});
