// An answer as both edges give it: the CLI prints the encoded object, HTTP sends the same encoding as JSON, so
// `nova-advisor recommend --json` and POST /v1/recommendations cannot differ (tests/integration/cli-http.test.ts).
import { LRUCache } from 'lru-cache';
import type { z } from 'zod';
import type { CloudSnapshot, SnapshotRef } from '../model/index.ts';
import { canonicalJson } from '../lib/canonical-json.ts';
import { KeyedWeakMemo, WeakMemo } from '../lib/memo.ts';
import type { RuleContext } from '../rules/index.ts';
import { encodedJson } from '../schemas/encoded.ts';

export function snapshotRef(snapshot: CloudSnapshot, now: Date = new Date()): SnapshotRef {
  return {
    id: snapshot.id,
    cloud: snapshot.cloud,
    source: snapshot.source,
    takenAt: snapshot.takenAt,
    ageSeconds: Math.max(0, Math.floor((now.getTime() - Date.parse(snapshot.takenAt)) / 1000)),
  };
}

/**
 * An answer without its snapshot reference: its encoding, and what the caller still reads of the body (`kept`).
 * The body itself is not kept (issue 16): a cached answer lives in the cache long enough to be moved to V8's old
 * generation, and its object graph (hundreds of objects for a recommendation) kept beside its JSON was copied and
 * promoted with it on every uncached answer.
 */
export interface Computed<K> {
  /**
   * The JSON of the body encoded through its response schema (the encoding both edges give), as UTF-8 in parts
   * (`encodedJson`, values shared between answers as their own parts): a cached answer is turned into bytes once,
   * not by every request that sends it again (issue 16: encoding and measuring the string per response took about
   * 40 % of a cached answer's CPU), and joined only with the snapshot reference (`spliced`).
   */
  json: readonly Buffer[];
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
      return { json: encodedJson(this.schema, body), kept: this.keep(body) };
    });
  }
}

/** An answer with the snapshot it rests on, encoded through its response schema. */
export interface Answer<T> {
  /** The encoded body as an object (what the CLI prints and formats). */
  object(): T & { snapshot: SnapshotRef };
  /** The same as UTF-8 JSON (what HTTP sends), the snapshot reference spliced into the answer's encoding. */
  json(): Buffer;
}

/** `encoded` (UTF-8 JSON of an object, `{…}`, in parts) with the snapshot reference as its first member. */
function spliced(ref: SnapshotRef, encoded: readonly Buffer[]): Buffer {
  const length = encoded.reduce((sum, part) => sum + part.length, 0);
  // A comma after the reference unless the rest is the closing brace alone.
  const head = Buffer.from(`{"snapshot":${JSON.stringify(ref)}${length > 2 ? ',' : ''}`);
  return Buffer.concat([head, encoded[0]!.subarray(1), ...encoded.slice(1)], head.length + length - 1);
}

class EncodedAnswer<T extends object> implements Answer<T> {
  constructor(
    private readonly snapshot: CloudSnapshot,
    private readonly encoded: readonly Buffer[],
    private readonly render: (snapshot: CloudSnapshot, encoded: readonly Buffer[]) => Buffer,
  ) {}

  json(): Buffer {
    return this.render(this.snapshot, this.encoded);
  }

  // Parsed back from the JSON rather than built beside it, so both edges show the very same encoding.
  object(): T & { snapshot: SnapshotRef } {
    return JSON.parse(this.json().toString()) as T & { snapshot: SnapshotRef };
  }
}

/**
 * Cached answers as last sent: the reference changes only when its age in whole seconds does, so the requests
 * for an answer within one second share one copy of its bytes instead of each splicing its own (tens of KB for a
 * recommendation). Each copy holds the times (epoch ms) between which its age is right. Bounded, since each copy is
 * as large as its answer: more than the answers asked for again within a second.
 */
const sent = new LRUCache<readonly Buffer[], { snapshotId: string; from: number; until: number; bytes: Buffer }>({ max: 128 });

function renderCached(snapshot: CloudSnapshot, encoded: readonly Buffer[]): Buffer {
  const now = Date.now();
  const last = sent.get(encoded);
  // By id, not the object: a copy must not keep a snapshot a sync replaced in memory.
  if (last?.snapshotId === snapshot.id && last.from <= now && now < last.until) return last.bytes;
  const ref = snapshotRef(snapshot, new Date(now));
  const bytes = spliced(ref, encoded);
  // ageSeconds is 0 until a second past takenAt (a snapshot from a clock ahead of ours included).
  const secondStart = Date.parse(snapshot.takenAt) + ref.ageSeconds * 1000;
  sent.set(encoded, { snapshotId: snapshot.id, from: ref.ageSeconds === 0 ? -Infinity : secondStart, until: secondStart + 1000, bytes });
  return bytes;
}

/** A cached answer (`Computed.json` of an `AnswerCache` entry) on the snapshot it was computed from. */
export function answerOf<T extends object>(snapshot: CloudSnapshot, encoded: readonly Buffer[]): Answer<T> {
  return new EncodedAnswer(snapshot, encoded, renderCached);
}

/** An answer not worth caching (computed once per request). */
export function freshAnswer<T extends object>(snapshot: CloudSnapshot, body: T, schema: z.ZodType<T>): Answer<T> {
  return new EncodedAnswer(snapshot, encodedJson(schema, body), (s, encoded) => spliced(snapshotRef(s), encoded));
}
