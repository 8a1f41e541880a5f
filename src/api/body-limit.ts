// Per-route body limits derived from the request schemas, so that no body the schema accepts is refused as too large
// (a fixed 1 MiB made PciConfigCheckRequest's own maxima unreachable) and none is read far past what it allows.
import { z } from 'zod';

/** Fastify's default bodyLimit; the floor, so a pretty-printed body still fits where the compact maximum is small. */
export const DEFAULT_BODY_LIMIT = 1_048_576;

/**
 * Most bytes JSON.stringify writes for one UTF-16 code unit of a string: a control character or a lone surrogate
 * becomes `\u001f` / `\ud800` (ECMA-262 QuoteJSONString, https://tc39.es/ecma262/#sec-quotejsonstring).
 */
const BYTES_PER_CODE_UNIT = 6;

/** Longest JSON number: a double's shortest round-trip form, e.g. -2.2250738585072014e-308 (24 characters). */
const MAX_NUMBER_BYTES = 24;

type JsonSchema = {
  $ref?: string;
  $defs?: Record<string, JsonSchema>;
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  maxLength?: number;
  maxItems?: number;
  minimum?: number;
  maximum?: number;
  items?: JsonSchema;
  prefixItems?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  additionalProperties?: boolean | JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
};

/**
 * The longest compact JSON text (JSON.stringify's) of a value the schema accepts, in bytes; Infinity when the
 * schema bounds no length somewhere (a string without maxLength, an open record). Whitespace a client adds is
 * not counted: DEFAULT_BODY_LIMIT leaves room for it.
 */
export function maxJsonBytes(schema: z.ZodType): number {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const defs = json.$defs ?? {};
  const seen = new Set<string>();
  const walk = (s: JsonSchema): number => {
    if (s.$ref) {
      // A recursive schema has no bound.
      if (seen.has(s.$ref)) return Infinity;
      seen.add(s.$ref);
      const bytes = walk(defs[s.$ref.replace('#/$defs/', '')] ?? {});
      seen.delete(s.$ref);
      return bytes;
    }
    const union = s.anyOf ?? s.oneOf;
    if (union) return Math.max(...union.map(walk));
    if (s.allOf) return Math.min(...s.allOf.map(walk));
    if (s.const !== undefined) return Buffer.byteLength(JSON.stringify(s.const));
    if (s.enum) return Math.max(...s.enum.map((v) => Buffer.byteLength(JSON.stringify(v))));
    const types = Array.isArray(s.type) ? s.type : s.type ? [s.type] : [];
    if (types.length === 0) return Infinity;
    return Math.max(...types.map((type) => walkType(type, s)));
  };
  const walkType = (type: string, s: JsonSchema): number => {
    switch (type) {
      case 'null':
        return 4;
      case 'boolean':
        return 5;
      case 'integer':
        if (s.minimum !== undefined && s.maximum !== undefined) return Math.max(String(s.minimum).length, String(s.maximum).length);
        return MAX_NUMBER_BYTES;
      case 'number':
        return MAX_NUMBER_BYTES;
      case 'string':
        return s.maxLength === undefined ? Infinity : 2 + BYTES_PER_CODE_UNIT * s.maxLength;
      case 'array': {
        // `[a,b]`: each element and its comma, less the last comma.
        const tuple = (s.prefixItems ?? []).map(walk);
        const rest = s.maxItems === undefined ? Infinity : s.maxItems - tuple.length;
        const elements = [...tuple, ...(s.items && rest > 0 ? [rest * walk(s.items)] : [])];
        const count = tuple.length + (s.items && rest > 0 ? rest : 0);
        return 2 + elements.reduce((n, bytes) => n + bytes, 0) + Math.max(0, count - 1);
      }
      case 'object': {
        if (s.additionalProperties !== false) return Infinity;
        // Every property present: `{"key":value,…}`.
        const members = Object.entries(s.properties ?? {}).map(([key, value]) => Buffer.byteLength(JSON.stringify(key)) + 1 + walk(value));
        return 2 + members.reduce((n, bytes) => n + bytes, 0) + Math.max(0, members.length - 1);
      }
      default:
        return Infinity;
    }
  };
  return walk(json);
}

/** The bodyLimit of a route whose body is `schema`: its largest valid body, never below Fastify's default. */
export function bodyLimitOf(schema: z.ZodType): number {
  const max = maxJsonBytes(schema);
  return Number.isFinite(max) ? Math.max(DEFAULT_BODY_LIMIT, max) : DEFAULT_BODY_LIMIT;
}
