// fast-check arbitraries for requests to every operation of the committed OpenAPI document
// (https://fast-check.dev/docs/core-blocks/arbitraries/), derived from its JSON Schemas: the subset our zod
// schemas produce (objects, maps, arrays, strings with lengths and simple patterns, enums, bounded integers,
// booleans). Valid requests follow the schemas; invalid ones break one field in a way the schema refuses
// (`field` then names it, as the API's problem `errors[].field` should) or are hostile input the schema does not
// speak of (NUL bytes, `__proto__` keys, random path segments: `field` null). Shared by
// tests/integration/api-properties.test.ts and bench/api-fuzz.ts, with the check of an answer.
import fc from 'fast-check';
import { PROBLEM_CODES } from '../../src/schemas/problem.ts';

export interface Schema {
  $ref?: string;
  type?: string;
  enum?: unknown[];
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  propertyNames?: Schema;
  items?: Schema;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minimum?: number;
  maximum?: number;
}

interface Parameter {
  in: 'query' | 'path';
  name: string;
  required?: boolean;
  schema: Schema;
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, { parameters?: Parameter[]; requestBody?: { content: Record<string, { schema: Schema }> }; responses: Record<string, unknown> }>>;
  components: { schemas: Record<string, Schema> };
}

export interface Operation {
  method: 'GET' | 'POST';
  path: string;
  parameters: Parameter[];
  body: Schema | null;
  /** The statuses the document promises, e.g. 501 for POST /v1/sync without a cloud. */
  documented: Set<number>;
}

export interface Case {
  method: Operation['method'];
  url: string;
  /** JSON text, written out so hostile keys such as `__proto__` survive. */
  payload?: string;
  /** For a request the schema refuses: the field the 400's `errors[].field` must name; null otherwise. */
  field: string | null;
  /** What was done, for figures and failure messages. */
  kind: string;
}

export function operations(doc: OpenApiDocument): Operation[] {
  return Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) => ({
      method: method.toUpperCase() as Operation['method'],
      path,
      parameters: op.parameters ?? [],
      body: op.requestBody?.content['application/json']?.schema ?? null,
      documented: new Set(Object.keys(op.responses).map(Number)),
    })),
  );
}

const PROTOTYPE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

const resolve = (doc: OpenApiDocument, s: Schema): Schema => (s.$ref ? resolve(doc, doc.components.schemas[s.$ref.split('/').pop()!]!) : s);

/** Values the schema accepts; strings and collections kept short so a run stays fast. */
export function valueOf(doc: OpenApiDocument, schema: Schema): fc.Arbitrary<unknown> {
  const s = resolve(doc, schema);
  if (s.enum) return fc.constantFrom(...s.enum);
  switch (s.type) {
    case 'string': {
      const [minLength, maxLength] = [s.minLength ?? 0, s.maxLength ?? 64];
      const text = s.pattern ? fc.stringMatching(new RegExp(s.pattern)) : fc.string({ minLength, maxLength: Math.min(maxLength, Math.max(minLength, 24)) });
      return text.filter((t) => t.length >= minLength && t.length <= maxLength);
    }
    case 'integer':
      return fc.integer({ min: s.minimum ?? -(2 ** 31), max: s.maximum ?? 2 ** 31 - 1 });
    case 'boolean':
      return fc.boolean();
    case 'array':
      return fc.array(valueOf(doc, s.items ?? {}), { minLength: s.minItems ?? 0, maxLength: Math.min(s.maxItems ?? 3, 3) });
    case 'object': {
      const known = fc.record(Object.fromEntries(Object.entries(s.properties ?? {}).map(([k, v]) => [k, valueOf(doc, v)])), { requiredKeys: s.required ?? [] });
      if (typeof s.additionalProperties !== 'object') return known;
      // fast-check favours `__proto__` and the like among its strings; the API refuses them as keys on purpose
      // (the hostile cases below send them), so a valid map leaves them out.
      const key = (valueOf(doc, s.propertyNames ?? { type: 'string' }) as fc.Arbitrary<string>).filter((k) => !PROTOTYPE_KEYS.has(k));
      const map = fc.dictionary(key, valueOf(doc, s.additionalProperties), { maxKeys: 3 });
      return fc.tuple(map, known).map(([extra, props]) => ({ ...extra, ...props }));
    }
    default:
      return fc.constant(null);
  }
}

/** Ways to break a value of this schema that the schema itself refuses (in a query every value is text). */
function refusedBy(s: Schema, inQuery = false): fc.Arbitrary<{ value: unknown; kind: string }>[] {
  const out: fc.Arbitrary<{ value: unknown; kind: string }>[] = [];
  const as = (kind: string) => (value: unknown) => ({ value, kind });
  if (s.enum) out.push(fc.constant('not-one-of-the-enum').map(as('outside the enum')));
  if (s.type === 'string') {
    if (!inQuery) out.push(fc.oneof(fc.integer(), fc.boolean(), fc.constant([])).map(as('wrong type')));
    if (s.maxLength !== undefined) out.push(fc.integer({ min: 1, max: 64 }).map((n) => ({ value: 'x'.repeat(s.maxLength! + n), kind: 'overlong string' })));
  }
  if (s.type === 'integer') {
    out.push(fc.oneof(fc.constant('twelve'), fc.constant(1.5), fc.constant({})).map(as('wrong type')));
    if (s.maximum !== undefined) out.push(fc.integer({ min: 1, max: 1000 }).map((n) => ({ value: s.maximum! + n, kind: 'out of range' })));
  }
  if (s.type === 'boolean') out.push(fc.constantFrom('yes', 2, null).map(as('wrong type')));
  if (s.type === 'array') out.push(fc.constantFrom('x', 1, {}).map(as('wrong type')));
  if (s.type === 'object') out.push(fc.constantFrom('x', 1, []).map(as('wrong type')));
  return out;
}

/** Every field of a body schema, as a path, down to `depth` levels (array items as index 0, map values as key `k`). */
function fields(doc: OpenApiDocument, schema: Schema, path: string[] = [], depth = 3): { path: string[]; schema: Schema }[] {
  const s = resolve(doc, schema);
  const here = { path, schema: s };
  if (depth === 0) return [here];
  const below =
    s.type === 'object'
      ? [
          ...Object.entries(s.properties ?? {}).flatMap(([k, v]) => fields(doc, v, [...path, k], depth - 1)),
          ...(typeof s.additionalProperties === 'object' ? fields(doc, s.additionalProperties, [...path, 'k'], depth - 1) : []),
        ]
      : s.type === 'array' && s.items
        ? fields(doc, s.items, [...path, '0'], depth - 1)
        : [];
  return [here, ...below];
}

function setAt(root: unknown, path: string[], value: unknown): unknown {
  if (path.length === 0) return value;
  const [head, ...rest] = path as [string, ...string[]];
  const container = (typeof root === 'object' && root !== null ? root : /^\d+$/.test(head) ? [] : {}) as Record<string, unknown>;
  const copy = Array.isArray(container) ? [...(container as unknown[])] : { ...container };
  (copy as Record<string, unknown>)[head] = setAt((container as Record<string, unknown>)[head], rest, value);
  return copy;
}

const pathParams = (op: Operation) => op.parameters.filter((p) => p.in === 'path');
const queryParams = (op: Operation) => op.parameters.filter((p) => p.in === 'query');

function url(op: Operation, path: Record<string, string>, query: Record<string, string>): string {
  const filled = op.path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(path[name] ?? ''));
  const qs = new URLSearchParams(query).toString();
  return qs ? `${filled}?${qs}` : filled;
}

const stringsOf = (values: Record<string, unknown>) => Object.fromEntries(Object.entries(values).map(([k, v]) => [k, String(v)]));

function paramValues(doc: OpenApiDocument, params: Parameter[]): fc.Arbitrary<Record<string, string>> {
  const record = fc.record(Object.fromEntries(params.map((p) => [p.name, valueOf(doc, p.schema)])), {
    requiredKeys: params.filter((p) => p.required).map((p) => p.name),
  });
  return record.map(stringsOf);
}

/** Requests the document says are well formed. */
export function validCase(doc: OpenApiDocument, op: Operation): fc.Arbitrary<Case> {
  return fc
    .record({
      path: paramValues(doc, pathParams(op)),
      query: paramValues(doc, queryParams(op)),
      body: op.body ? valueOf(doc, op.body) : fc.constant(undefined),
    })
    .map(({ path, query, body }) => ({
      method: op.method,
      url: url(op, path, query),
      ...(body !== undefined && { payload: JSON.stringify(body) }),
      field: null,
      kind: 'valid',
    }));
}

/** Requests the schema refuses (field named) and hostile ones (field null). */
export function invalidCase(doc: OpenApiDocument, op: Operation): fc.Arbitrary<Case> {
  const valid = validCase(doc, op);
  const broken: fc.Arbitrary<Case>[] = [];
  if (op.body) {
    for (const f of fields(doc, op.body)) {
      const field = f.path.join('.') || 'body';
      for (const bad of refusedBy(f.schema)) {
        broken.push(fc.tuple(valid, valueOf(doc, op.body), bad).map(([c, body, b]) => ({ ...c, payload: JSON.stringify(setAt(body, f.path, b.value)), field, kind: `body: ${b.kind}` })));
      }
      if (f.schema.type === 'object' && f.schema.additionalProperties === false) {
        const extra = [...f.path, 'no_such_field'];
        broken.push(fc.tuple(valid, valueOf(doc, op.body)).map(([c, body]) => ({ ...c, payload: JSON.stringify(setAt(body, extra, 1)), field: extra.join('.'), kind: 'body: extra field' })));
      }
      if (f.schema.type === 'string' && !f.schema.enum && !f.schema.pattern) {
        const nul = fc.string({ maxLength: 8 }).map((t) => `${t}\u0000${t}`);
        broken.push(fc.tuple(valid, valueOf(doc, op.body), nul).map(([c, body, v]) => ({ ...c, payload: JSON.stringify(setAt(body, f.path, v)), field: null, kind: 'body: NUL byte' })));
      }
    }
    // Written out by hand: JSON.stringify drops a `__proto__` key set by assignment, and so would the object.
    broken.push(valid.map((c) => ({ ...c, payload: `{"__proto__": {"polluted": true}, ${c.payload!.slice(1)}`.replace(/, }$/, '}'), field: null, kind: 'body: __proto__ key' })));
    broken.push(valid.map((c) => ({ ...c, payload: `{"constructor": {"prototype": {"polluted": true}}, ${c.payload!.slice(1)}`.replace(/, }$/, '}'), field: null, kind: 'body: constructor.prototype key' })));
  }
  for (const p of queryParams(op)) {
    for (const bad of refusedBy(p.schema, true)) {
      broken.push(fc.tuple(valid, paramValues(doc, pathParams(op)), bad).map(([c, path, b]) => ({ ...c, url: url(op, path, { [p.name]: String(b.value) }), field: p.name, kind: `query: ${b.kind}` })));
    }
    broken.push(fc.tuple(paramValues(doc, pathParams(op)), fc.string({ maxLength: 8 })).map(([path, t]) => ({ ...someCase(op), url: url(op, path, { [p.name]: `${t}\u0000` }), field: null, kind: 'query: NUL byte' })));
  }
  for (const p of pathParams(op)) {
    broken.push(fc.string({ unit: 'binary', minLength: 1, maxLength: 300 }).map((t) => ({ ...someCase(op), url: url(op, { [p.name]: t }, {}), field: null, kind: 'path: random segment' })));
  }
  // A path that is not in the document at all, under the operation's own.
  broken.push(fc.array(fc.string({ unit: 'binary', minLength: 1, maxLength: 20 }), { minLength: 1, maxLength: 4 }).map((segments) => ({
    ...someCase(op),
    url: `${op.path.replace(/\{\w+\}/g, 'x')}/${segments.map(encodeURIComponent).join('/')}`,
    field: null,
    kind: 'path: random segments',
  })));
  return fc.oneof(...broken);
}

function someCase(op: Operation): Case {
  return { method: op.method, url: op.path, ...(op.body && { payload: '{}' }), field: null, kind: '' };
}

export interface Answer {
  status: number;
  contentType: string;
  body: string;
}

/** What is wrong with the answer to a case, or null: no 5xx but those the operation documents (other than 500),
 *  every non-2xx a problem+json with a code of the closed set, a refused field named by the 400. */
export function violation(op: Operation, c: Case, a: Answer): string | null {
  if (a.status >= 500 && (a.status === 500 || !op.documented.has(a.status))) return `answered ${a.status}`;
  if (a.status < 400) return c.field === null ? null : `accepted a request the schema refuses (${a.status})`;
  if (!a.contentType.startsWith('application/problem+json')) return `answered ${a.status} as ${a.contentType || 'no content type'}`;
  let problem: { code?: string; status?: number; errors?: { field?: unknown }[] };
  try {
    problem = JSON.parse(a.body) as typeof problem;
  } catch {
    return `answered ${a.status} with a body that is not JSON`;
  }
  if (!problem.code || !(problem.code in PROBLEM_CODES)) return `answered ${a.status} with code ${String(problem.code)}, not one of PROBLEM_CODES`;
  if (problem.status !== a.status) return `answered ${a.status} with a problem saying ${problem.status}`;
  if (c.field === null) return null;
  if (a.status !== 400) return `answered ${a.status} (${problem.code}) to a request the schema refuses, not 400`;
  const named = (problem.errors ?? []).map((e) => e.field);
  if (!named.every((f) => typeof f === 'string' && f.length > 0)) return `errors[].field missing: ${JSON.stringify(problem.errors)}`;
  const part = c.kind.split(':')[0] === 'query' ? 'querystring' : 'body';
  const ok = named.some((f) => f === c.field || f === part || c.field!.startsWith(`${f as string}.`));
  return ok ? null : `errors[].field ${JSON.stringify(named)} does not name ${c.field}`;
}
