// An answer as both edges give it: the CLI prints the encoded object, HTTP sends the same encoding as JSON, so
// `nova-advisor recommend --json` and POST /v1/recommendations cannot differ (tests/integration/cli-http.test.ts).
import type { z } from 'zod';
import type { CloudSnapshot, SnapshotRef } from '../model/index.ts';
import { KeyedWeakMemo, WeakMemo } from '../lib/memo.ts';
import type { RuleContext } from '../rules/index.ts';
import { encodedAs } from '../schemas/encoded.ts';

export function snapshotRef(snapshot: CloudSnapshot, now: Date = new Date()): SnapshotRef {
  return {
    id: snapshot.id,
    cloud: snapshot.cloud,
    source: snapshot.source,
    takenAt: snapshot.takenAt,
    ageSeconds: Math.max(0, Math.floor((now.getTime() - Date.parse(snapshot.takenAt)) / 1000)),
  };
}

/** JSON with object keys sorted, so requests that differ only in key order share a cache entry. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** JSON of a body encoded through its response schema (the encoding both edges give). */
function encode<T>(schema: z.ZodType<T>, body: T): string {
  return JSON.stringify(encodedAs(schema, body));
}

/**
 * An answer without its snapshot reference: its encoding, and what the caller still reads of the body (`kept`).
 * The body itself is not kept (issue 16): a cached answer lives in the cache long enough to be moved to V8's old
 * generation, and its object graph (hundreds of objects for a recommendation) kept beside its JSON was copied and
 * promoted with it on every uncached answer.
 */
export interface Computed<K> {
  json: string;
  kept: K;
}

/** Answers kept per snapshot and kind; enough for the requests a cloud's tooling repeats, bounded in memory (~1–50 KB each). */
const ANSWER_CACHE_SIZE = 500;

/**
 * Answers are a pure function of (rule context, snapshot, request) and a snapshot never changes (a sync makes a
 * new one), so they are memoized per rule context and snapshot object, least recently used out first, encoded
 * through `schema` when computed (both edges encode every answer). The snapshot reference (its age changes every
 * second) is added per answer.
 */
export class AnswerCache<T, K = undefined> {
  private readonly perContext = new WeakMemo<RuleContext, KeyedWeakMemo<CloudSnapshot, string, Computed<K>>>(
    () => new KeyedWeakMemo({ max: ANSWER_CACHE_SIZE }),
  );

  constructor(
    private readonly schema: z.ZodType<T>,
    private readonly keep: (body: T) => K,
  ) {}

  get(ctx: RuleContext, snapshot: CloudSnapshot, request: unknown, compute: () => T): Computed<K> {
    return this.perContext.get(ctx).get(snapshot, canonicalJson(request), () => {
      const body = compute();
      return { json: encode(this.schema, body), kept: this.keep(body) };
    });
  }
}

/** An answer with the snapshot it rests on, encoded through its response schema. */
export interface Answer<T> {
  /** The encoded body as an object (what the CLI prints and formats). */
  object(): T & { snapshot: SnapshotRef };
  /** The same as JSON (what HTTP sends), the snapshot reference spliced into the answer's encoding. */
  json(): string;
}

/** The answer whose encoding (without the snapshot reference) is `encoded`. */
export function answerOf<T extends object>(snapshot: CloudSnapshot, encoded: string): Answer<T> {
  const json = (): string => {
    const rest = encoded.slice(1);
    return `{"snapshot":${JSON.stringify(snapshotRef(snapshot))}${rest === '}' ? '' : ','}${rest}`;
  };
  // Parsed back from the JSON rather than built beside it, so both edges show the very same encoding.
  return { json, object: () => JSON.parse(json()) as T & { snapshot: SnapshotRef } };
}

/** An answer not worth caching (computed once per request). */
export function freshAnswer<T extends object>(snapshot: CloudSnapshot, body: T, schema: z.ZodType<T>): Answer<T> {
  return answerOf(snapshot, encode(schema, body));
}
