// An answer as both edges give it: the CLI prints the encoded object, HTTP sends the same encoding as JSON, so
// `nova-advisor recommend --json` and POST /v1/recommendations cannot differ (tests/integration/cli-http.test.ts).
import { z } from 'zod';
import type { CloudSnapshot, SnapshotRef } from '../model/index.ts';
import { KeyedWeakMemo, WeakMemo } from '../lib/memo.ts';
import type { RuleContext } from '../rules/index.ts';

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

/** An answer without its snapshot reference, and its encoding once an edge needed it. */
export interface Computed<T> {
  body: T;
  json: string | null;
}

/** Answers kept per snapshot and kind; enough for the requests a cloud's tooling repeats, bounded in memory (~1–50 KB each). */
const ANSWER_CACHE_SIZE = 500;

/**
 * Answers are a pure function of (rule context, snapshot, request) and a snapshot never changes (a sync makes a
 * new one), so they are memoized per rule context and snapshot object, least recently used out first. The
 * snapshot reference (its age changes every second) is added per answer.
 */
export class AnswerCache<T> {
  private readonly perContext = new WeakMemo<RuleContext, KeyedWeakMemo<CloudSnapshot, string, Computed<T>>>(
    () => new KeyedWeakMemo({ max: ANSWER_CACHE_SIZE }),
  );

  get(ctx: RuleContext, snapshot: CloudSnapshot, request: unknown, compute: () => T): Computed<T> {
    return this.perContext.get(ctx).get(snapshot, canonicalJson(request), () => ({ body: compute(), json: null }));
  }
}

/** An answer with the snapshot it rests on, encoded through its response schema. */
export interface Answer<T> {
  /** The encoded body as an object (what the CLI prints and formats). */
  object(): T & { snapshot: SnapshotRef };
  /** The same as JSON (what HTTP sends), encoded once per cached answer, the snapshot reference spliced in. */
  json(): string;
}

export function answerOf<T extends object>(snapshot: CloudSnapshot, computed: Computed<T>, schema: z.ZodType<T>): Answer<T> {
  const json = (): string => {
    computed.json ??= JSON.stringify(z.encode(schema, computed.body));
    const rest = computed.json.slice(1);
    return `{"snapshot":${JSON.stringify(snapshotRef(snapshot))}${rest === '}' ? '' : ','}${rest}`;
  };
  // Parsed back from the JSON rather than built beside it, so both edges show the very same encoding.
  return { json, object: () => JSON.parse(json()) as T & { snapshot: SnapshotRef } };
}

/** An answer not worth caching (computed once per request). */
export function freshAnswer<T extends object>(snapshot: CloudSnapshot, body: T, schema: z.ZodType<T>): Answer<T> {
  return answerOf(snapshot, { body, json: null }, schema);
}
