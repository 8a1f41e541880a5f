// An answer as both edges give it: the CLI prints the encoded object, HTTP sends the same encoding as JSON, so
// `nova-advisor recommend --json` and POST /v1/recommendations cannot differ (tests/integration/cli-http.test.ts).
import { LRUCache } from 'lru-cache';
import type { z } from 'zod';
import type { CloudSnapshot, SnapshotRef } from '../model/index.ts';
import { canonicalKey } from '../lib/canonical-json.ts';
import { SecondUseMemo, WeakMemo } from '../lib/memo.ts';
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

/**
 * An answer without its snapshot reference: its encoding, and what the caller still reads of the body (`kept`).
 * The body itself is not kept (issue 16): a cached answer lives in the cache long enough to be moved to V8's old
 * generation, and its object graph (hundreds of objects for a recommendation) kept beside its JSON was copied and
 * promoted with it on every uncached answer.
 */
export class Computed<K> {
  /** The encoded body until its JSON is made (`json`), then only the JSON. */
  private encoded: object | null;
  private text: string | null = null;

  constructor(encoded: object, readonly kept: K) {
    this.encoded = encoded;
  }

  /**
   * The JSON of the body encoded through its response schema (the encoding both edges give; `encodedAs`): a cached
   * answer is written once, not by every request that sends it again (issue 16), and joined only with the snapshot
   * reference (`withSnapshot`).
   */
  get json(): string {
    if (this.text === null) {
      this.text = JSON.stringify(this.encoded);
      this.encoded = null;
    }
    return this.text;
  }

  /**
   * The JSON with the snapshot reference as its first member. An answer sent once (computed for its request, never
   * kept) is written with it in one JSON.stringify: the answer's only copy. One already written (kept) is joined with
   * it in one copy; appended with `+`, the text stayed a pair of strings that node:http copied whole again when it
   * read its length in UTF-8 (Buffer.byteLength flattens). Written in one go, an uncached recommendation allocates
   * ~30 KB less than when shared values' JSON was kept and the answer joined from ~320 pieces, and its encoding takes
   * no more CPU (issue 16; bench/RESULTS.md, the notes on sections 45 and 46).
   */
  withSnapshot(ref: SnapshotRef): string {
    if (this.text === null) return JSON.stringify({ snapshot: ref, ...this.encoded });
    const text = this.text;
    return [`{"snapshot":${JSON.stringify(ref)}${text.length > 2 ? ',' : ''}`, text.slice(1)].join('');
  }
}

/** Answers kept per snapshot and kind; enough for the requests a cloud's tooling repeats, bounded in memory (~1–50 KB each). */
const ANSWER_CACHE_SIZE = 500;

/**
 * Answers are a pure function of (rule context, snapshot, request) and a snapshot never changes (a sync makes a
 * new one), so they are memoized per rule context and snapshot object, least recently used out first, encoded
 * through `schema` when computed (both edges encode every answer). The snapshot reference (its age changes every
 * second) is added per answer. An answer is kept from the second time its request comes among the last 1,000 asked
 * and not kept, and once the cache is full only in place of one asked less often (lib/memo.ts SecondUseMemo):
 * requests asked once and never again (each image checked before its upload) left
 * a cached answer each in V8's old generation, tens of KB, and a full collection of the whole heap every ~1.5 s at
 * 1,000 such answers a second, with pauses that set the latency's p99 (issue 16). A request asked again costs one
 * more computation.
 */
export class AnswerCache<T, K = undefined> {
  private readonly perContext = new WeakMemo<RuleContext, SecondUseMemo<CloudSnapshot, Computed<K>>>(
    () => new SecondUseMemo({ max: ANSWER_CACHE_SIZE, seen: 2 * ANSWER_CACHE_SIZE }),
  );

  constructor(
    private readonly schema: z.ZodType<T>,
    private readonly keep: (body: T) => K,
  ) {}

  /** The answer, and whether the cache keeps it (its request came before): `answerOf` sends the two differently. */
  get(ctx: RuleContext, snapshot: CloudSnapshot, request: unknown, compute: () => T): { computed: Computed<K>; cached: boolean } {
    const { value, kept } = this.perContext.get(ctx).get(snapshot, canonicalKey(request), () => {
      const body = compute();
      return new Computed(encodedAs(this.schema, body) as object, this.keep(body));
    });
    // Written as it goes into the cache: a cached answer holds one string, not the body's object graph.
    if (kept) void value.json;
    return { computed: value, cached: kept };
  }
}

/** An answer with the snapshot it rests on, encoded through its response schema. */
export interface Answer<T> {
  /** The encoded body as an object (what the CLI prints and formats). */
  object(): T & { snapshot: SnapshotRef };
  /** The same as JSON (what HTTP sends; text, or its UTF-8 bytes), the snapshot reference joined into the answer's encoding. */
  json(): string | Buffer;
}

class EncodedAnswer<T extends object> implements Answer<T> {
  constructor(
    private readonly snapshot: CloudSnapshot,
    private readonly encoded: Computed<unknown>,
    private readonly render: (snapshot: CloudSnapshot, encoded: Computed<unknown>) => string | Buffer,
  ) {}

  json(): string | Buffer {
    return this.render(this.snapshot, this.encoded);
  }

  // Parsed back from the JSON rather than built beside it, so both edges show the very same encoding.
  object(): T & { snapshot: SnapshotRef } {
    return JSON.parse(this.json().toString()) as T & { snapshot: SnapshotRef };
  }
}

/**
 * Cached answers as last sent: the reference changes only when its age in whole seconds does, so the requests
 * for an answer within one second share one copy instead of each joining its own (tens of KB for a
 * recommendation). The first request gets text: an answer asked once (computed for it) then costs no memory
 * outside V8's heap: V8 starts a full collection of the whole heap for every ~64 MB of that allocated
 * (`--trace-incremental-marking`: "external memory pressure", every 1.3 s at 1,000 uncached answers a second), where
 * text that dies young costs a scavenge and the socket write encodes it outside the heap. Asked again within the
 * second, the copy becomes UTF-8 bytes, which later requests send as they are. Each copy holds the times (epoch ms)
 * between which its age is right. Bounded, since each copy is as large as its answer: more than the answers asked
 * for again within a second.
 */
const sent = new LRUCache<Computed<unknown>, { snapshotId: string; from: number; until: number; json: string | Buffer }>({ max: 128 });

function renderCached(snapshot: CloudSnapshot, encoded: Computed<unknown>): string | Buffer {
  const now = Date.now();
  const last = sent.get(encoded);
  // By id, not the object: a copy must not keep a snapshot a sync replaced in memory.
  if (last?.snapshotId === snapshot.id && last.from <= now && now < last.until) {
    if (typeof last.json === 'string') last.json = Buffer.from(last.json);
    return last.json;
  }
  const ref = snapshotRef(snapshot, new Date(now));
  const json = encoded.withSnapshot(ref);
  // ageSeconds is 0 until a second past takenAt (a snapshot from a clock ahead of ours included).
  const secondStart = Date.parse(snapshot.takenAt) + ref.ageSeconds * 1000;
  sent.set(encoded, { snapshotId: snapshot.id, from: ref.ageSeconds === 0 ? -Infinity : secondStart, until: secondStart + 1000, json });
  return json;
}

const renderFresh = (snapshot: CloudSnapshot, encoded: Computed<unknown>): string => encoded.withSnapshot(snapshotRef(snapshot));

/**
 * An `AnswerCache` answer on the snapshot it was computed from: a cached one through the copies `renderCached`
 * shares, one the cache does not keep joined with its reference for this request alone.
 */
export function answerOf<T extends object>(snapshot: CloudSnapshot, computed: Computed<unknown>, cached: boolean): Answer<T> {
  return new EncodedAnswer(snapshot, computed, cached ? renderCached : renderFresh);
}

/** An answer not worth caching (computed once per request). */
export function freshAnswer<T extends object>(snapshot: CloudSnapshot, body: T, schema: z.ZodType<T>): Answer<T> {
  return new EncodedAnswer(snapshot, new Computed(encodedAs(schema, body) as object, undefined), renderFresh);
}
