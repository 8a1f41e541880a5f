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

/**
 * Schema nodes whose values the rules share between answers, or repeat within one: a snapshot's own lists (a host's
 * PCI providers), results kept per scan (the hosts that do not fit) or per answer (the assumptions, which the
 * preview restates). Such a value's JSON is written once and reused (`encodedJson`); the values never change
 * once made (a snapshot never does, nor a memoized result), so the JSON cannot go stale.
 */
const sharedNodes = new WeakSet<z.core.$ZodType>();

/** Marks `schema` (the very instance its parent holds) as a node whose values are shared: see `sharedNodes`. */
export function sharedBetweenAnswers<T extends z.core.$ZodType>(schema: T): T {
  sharedNodes.add(schema);
  return schema;
}

/**
 * The JSON of an encoded object as written: its pieces in order (the JSON of shared values among them as the very
 * strings kept for them) until `text()` joins them into one flat string, which it keeps in their place. `join` copies
 * each piece once; appended with `+=`, the pieces made a tree of one string object per piece, copied again when the
 * text was first read whole (String::Flatten), and a cached answer kept as that tree held thousands of small strings
 * (the service's heap reached 830 MB). `withFirst(member)` joins the pieces with a member put before the object's
 * own, in the same one copy: an answer sent once (computed for its request) and its snapshot reference. Spliced into
 * joined text, such an answer was copied again whole when its length in UTF-8 was read (Buffer.byteLength flattens).
 * Together, an uncached recommendation allocates 313 KB instead of 464 (issue 16, `--trace-gc-nvp`).
 */
export class ObjectJson {
  /** `parts[0]` is the object's opening brace, or the whole object (written by JSON.stringify, or joined). */
  constructor(private parts: string[]) {}

  text(): string {
    if (this.parts.length > 1) this.parts = [this.parts.join('')];
    return this.parts[0]!;
  }

  /** The object's JSON with `member` (`"name":value`) as its first member, a comma after it unless the object is empty. */
  withFirst(member: string): string {
    const { parts } = this;
    if (parts.length === 1) return [`{${member}${parts[0]!.length > 2 ? ',' : ''}`, parts[0]!.slice(1)].join('');
    // The opening brace replaced for this join only: no copy of the (thousands of) pieces' list.
    const open = parts[0]!;
    parts[0] = `{${member}${parts.length > 2 ? ',' : ''}`;
    try {
      return parts.join('');
    } finally {
      parts[0] = open;
    }
  }
}

/** Writes an encoded value as JSON.stringify would. */
type Write = (value: unknown, out: string[]) => void;

/** A value JSON.stringify leaves out of an object and writes as null in an array. */
const omitted = (value: unknown): boolean => value === undefined || typeof value === 'function' || typeof value === 'symbol';

/** A member's name as written (its JSON and a colon) and its value's writer; null: JSON.stringify writes it. */
interface Member {
  name: string;
  write: Write | null;
}

const named = (key: string, write: Write | null): Member => ({ name: `${JSON.stringify(key)}:`, write });

/** Writes an object member by member, each as `memberOf` its key says, leaving out what JSON.stringify leaves out. */
function objectWriter(memberOf: (key: string) => Member): Write {
  return (input, out) => {
    const value = input as Record<string, unknown>;
    let first = true;
    out.push('{');
    for (const key of Object.keys(value)) {
      const member = value[key];
      if (omitted(member)) continue;
      const { name, write } = memberOf(key);
      if (!first) out.push(',');
      out.push(name);
      first = false;
      if (write) write(member, out);
      else out.push(JSON.stringify(member));
    }
    out.push('}');
  };
}

/** An object schema's members: its own keys with their writers, any other key written by JSON.stringify. */
function members(keys: readonly string[], writers: readonly (Write | null)[]): Write {
  const known = new Map(keys.map((key, i) => [key, named(key, writers[i] ?? null)]));
  return objectWriter((key) => known.get(key) ?? named(key, null));
}

const writerMemo = new WeakMemo<z.core.$ZodType, Write | null>(writerOf);

/**
 * The writer of the nodes on the way to a shared one; null where no shared node lies below, which JSON.stringify
 * writes whole. `compile` has already refused the schemas it cannot encode, so every type met here is one it took.
 */
function writerOf(schema: z.core.$ZodType): Write | null {
  if (sharedNodes.has(schema)) {
    const kept = new WeakMap<object, string>();
    return (value, out) => {
      if (typeof value !== 'object' || value === null) return out.push(JSON.stringify(value));
      let json = kept.get(value);
      if (json === undefined) {
        json = JSON.stringify(value);
        kept.set(value, json);
      }
      out.push(json);
    };
  }
  const def = schema._zod.def;
  switch (def.type) {
    case 'object': {
      const shape = (def as z.core.$ZodObjectDef).shape;
      const keys = Object.keys(shape);
      const fields = keys.map((key) => writerMemo.get(shape[key]!));
      return fields.every((field) => field === null) ? null : members(keys, fields);
    }
    case 'record': {
      const item = writerMemo.get((def as z.core.$ZodRecordDef).valueType);
      if (item === null) return null;
      return objectWriter((key) => named(key, item));
    }
    case 'array': {
      const item = writerMemo.get((def as z.core.$ZodArrayDef).element);
      if (item === null) return null;
      return (input, out) => {
        const value = input as unknown[];
        out.push('[');
        for (let i = 0; i < value.length; i++) {
          if (i > 0) out.push(',');
          if (omitted(value[i])) out.push('null');
          else item(value[i], out);
        }
        out.push(']');
      };
    }
    case 'nullable':
    case 'optional': {
      const inner = writerMemo.get((def as z.core.$ZodNullableDef | z.core.$ZodOptionalDef).innerType);
      return inner === null ? null : (value, out) => (value === null ? out.push('null') : inner(value, out));
    }
    default:
      return null;
  }
}

/**
 * `JSON.stringify(encodedAs(schema, value))`, character for character, with the JSON of shared values
 * (`sharedBetweenAnswers`) written once and reused: they are about half of a recommendation (a host's PCI providers,
 * the hosts that do not fit), which each answer stringified again (issue 16). Text, not UTF-8 bytes: a Buffer per
 * answer is memory outside V8's heap, and V8 starts a full collection of the whole heap for every ~64 MB of that
 * allocated (`--trace-incremental-marking`: "external memory pressure", every 1.3 s at 1,000 uncached answers a
 * second), where text that dies young costs a scavenge and the socket write encodes it outside the heap.
 */
export function encodedJson<T>(schema: z.ZodType<T>, value: T): string {
  return encodedObjectJson(schema, value).text();
}

/** encodedJson's JSON of an object schema's value, not yet joined (`ObjectJson`). */
export function encodedObjectJson<T>(schema: z.ZodType<T>, value: T): ObjectJson {
  const encoded = encodedAs(schema, value);
  const write = writerMemo.get(schema);
  if (write === null) return new ObjectJson([JSON.stringify(encoded)]);
  const out: string[] = [];
  write(encoded, out);
  return new ObjectJson(out);
}
