// A response schema's encoding without its validation (issue 16). `z.encode(schema, body)` checks every value of
// a ~31 KB recommendation and copies every object and array (13 % of the service's CPU on uncached answers, and
// most of its garbage), though the rules already build bodies that pass: the exact-shape checks (common.ts
// `Conforms`) hold their types to the schemas at compile time. What the encoding still does to a valid body is
// order each object's keys as the schema lists them and drop keys it does not list (z.object strips); this does
// the same, copying an object or array only where it must change, so a body already in that form comes back as
// it is. Schemas with anything that changes a value (transforms, codecs, defaults, pipes) are refused when
// compiled, so no encoding is skipped silently; encoded.test.ts compares with z.encode.
import type { z } from 'zod';
import { WeakMemo } from '../lib/memo.ts';

type Encode = (value: unknown) => unknown;

const keep: Encode = (value) => value;

/** Zod types whose valid values encode to themselves. */
const AS_IS = new Set(['string', 'number', 'boolean', 'null', 'enum', 'literal', 'unknown']);

/** Copies the entries of `value` among the first `count` of `keys`: the part of a changed object that did not change. */
function objectPrefix(value: Record<string, unknown>, keys: readonly string[], count: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (let i = 0; i < count; i++) {
    const key = keys[i]!;
    if (key in value) out[key] = value[key];
  }
  return out;
}

/**
 * An object: kept when its keys are already in the schema's order and none is unknown, unless a field's value
 * changes (copied from that field on); otherwise rebuilt in the schema's order. The function is generated per
 * schema, as zod's own parser is, so each field is read by a fixed name: one walk of a recommendation took as long
 * as its JSON.stringify through a generic loop, half that generated (both measured on the same 150 answers).
 */
function objectEncoder(shape: Record<string, z.core.$ZodType>): Encode {
  const keys = Object.keys(shape);
  const fields = keys.map((key) => compile(shape[key]!));
  const reorder = (value: Record<string, unknown>): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      if (!(key in value)) continue;
      const before = value[key];
      out[key] = before === undefined ? undefined : fields[i]!(before);
    }
    return out;
  };
  const body = keys.map((key, i) => {
    const k = JSON.stringify(key);
    if (fields[i] === keep) return `if (out !== null && ${k} in value) out[${k}] = value[${k}];`;
    return `{ const before = value[${k}]; const after = before === undefined ? undefined : fields[${i}](before);
      if (out !== null) { if (${k} in value) out[${k}] = after; } else if (after !== before) { out = prefix(value, keys, ${i}); out[${k}] = after; } }`;
  }).join('\n');
  // The order check walks the schema's keys along the object's (a key the schema lacks, or one out of order, runs off
  // the end): property names compare by identity, where a Map lookup per key hashed each (encodedAs 0.033 → 0.025 ms
  // a recommendation, 300 answers at 15,000 hosts).
  const make = new Function('fields', 'keys', 'reorder', 'prefix', `return (value) => {
    let next = 0;
    for (const key in value) { while (next < ${keys.length} && keys[next] !== key) next++; if (next === ${keys.length}) return reorder(value); next++; }
    let out = null;
    ${body}
    return out ?? value;
  };`) as (...args: unknown[]) => Encode;
  return make(fields, keys, reorder, objectPrefix);
}

/** Encodes each item; copies the array from the first item that changes. */
function eachOf(item: Encode): Encode {
  if (item === keep) return keep;
  return (input) => {
    const value = input as unknown[];
    let out: unknown[] | null = null;
    for (let i = 0; i < value.length; i++) {
      const after = item(value[i]);
      if (out === null && after !== value[i]) out = value.slice(0, i);
      if (out !== null) out.push(after);
    }
    return out ?? value;
  };
}

/** A record keeps its own key order (z.record copies the entries as they come); its values are encoded. */
function recordOf(item: Encode): Encode {
  if (item === keep) return keep;
  return (input) => {
    const value = input as Record<string, unknown>;
    let out: Record<string, unknown> | null = null;
    const keys = Object.keys(value);
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      const after = item(value[key]);
      if (out === null && after !== value[key]) out = objectPrefix(value, keys, i);
      if (out !== null) out[key] = after;
    }
    return out ?? value;
  };
}

function compile(schema: z.core.$ZodType): Encode {
  const def = schema._zod.def;
  switch (def.type) {
    case 'object': {
      const { shape, catchall } = def as z.core.$ZodObjectDef;
      // A catchall keeps unknown keys (looseObject) or refuses them (strictObject): only the stripping default is done here.
      if (catchall !== undefined) break;
      return objectEncoder(shape);
    }
    case 'array':
      return eachOf(compile((def as z.core.$ZodArrayDef).element));
    case 'record':
      return recordOf(compile((def as z.core.$ZodRecordDef).valueType));
    case 'nullable':
    case 'optional': {
      const inner = compile((def as z.core.$ZodNullableDef | z.core.$ZodOptionalDef).innerType);
      return inner === keep ? keep : (value) => (value === null || value === undefined ? value : inner(value));
    }
    case 'union':
      // z.union takes the first option that parses; only unions of values kept as they are give the same answer without parsing.
      if ((def as z.core.$ZodUnionDef).options.every((option) => compile(option) === keep)) return keep;
      break;
    default:
      if (AS_IS.has(def.type)) return keep;
  }
  throw new Error(`no encoding without validation for a zod ${def.type} schema (src/schemas/encoded.ts)`);
}

const compiled = new WeakMemo<z.core.$ZodType, Encode>(compile);

/** What `z.encode(schema, value)` gives for a value that passes the schema, without validating it. */
export function encodedAs<T>(schema: z.ZodType<T>, value: T): unknown {
  return compiled.get(schema)(value);
}
