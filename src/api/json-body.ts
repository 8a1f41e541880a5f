// The application/json body parser. It replaces Fastify's so a key that could poison a prototype is a 400 naming
// the field, where Fastify's parser (secure-json-parse) refuses the body as "not valid JSON" without saying where.
// A body sent again (a pipeline validating the same image, a page asking the same recommendation) is parsed and
// checked against its route's schema once: issue 16, where parsing and checking took a tenth of a cached answer.
import type { FastifyInstance, FastifySchemaCompiler } from 'fastify';
import { LRUCache } from 'lru-cache';
import { RecentKeys } from '../lib/recent-keys.ts';
import { ApiError } from './errors.ts';

/**
 * Bodies kept parsed, by their text: enough for the requests clients repeat, at most 1 MiB of text in all, none
 * over 64 KiB (a few large bodies would push out many small ones).
 */
const REPEATED_BODIES = { max: 1000, maxSize: 2 ** 20, maxEntrySize: 2 ** 16 };

/**
 * A body is kept from the second time its text comes among the last 1,000 seen once, as answers are
 * (advisor/answers.ts): kept from the first, each body sent once (every uncached recommendation's) stayed for the
 * next 1,000 requests with its parsed and checked copies, long enough for every scavenge to promote it, and died old:
 * ~2 KB a request, the most of what the service's scavenges copied (issue 16, `HeapProfiler.startSampling` in a
 * worker under load). Seen once, only two hashes of the text are remembered (lib/recent-keys.ts): its SHA-256 kept
 * in an LRU had still been promoted with the LRU's records, and cost a digest of every body.
 */
const SEEN_ONCE = 1000;

/**
 * What Fastify refuses by default (`onProtoPoisoning` / `onConstructorPoisoning`: 'error',
 * https://fastify.dev/docs/latest/Reference/Server/#onprotopoisoning): any `__proto__` key, and a `constructor` key whose
 * value has a `prototype`. Zod copies record keys by assignment, so a `__proto__` key in an open record (image
 * properties, extra specs) would set the copy's prototype.
 */
function poisonedKeys(value: unknown, path: string[] = []): string[] {
  if (value === null || typeof value !== 'object') return [];
  if (Array.isArray(value)) return value.flatMap((item, i) => poisonedKeys(item, [...path, String(i)]));
  return Object.keys(value).flatMap((key) => {
    const child = (value as Record<string, unknown>)[key];
    const poisoned =
      key === '__proto__' || (key === 'constructor' && child !== null && typeof child === 'object' && Object.hasOwn(child, 'prototype'));
    return poisoned ? [[...path, key].join('.')] : poisonedKeys(child, [...path, key]);
  });
}

/**
 * Whether the text can hold a key `poisonedKeys` refuses: written out, or spelt with a `\u` escape that JSON.parse
 * decodes (`"\u005f_proto__"`). Most bodies hold neither, so they skip the walk; secure-json-parse (Fastify's own
 * parser) tests the text the same way before it scans the parsed object.
 */
function mayHoldPoisonedKeys(text: string): boolean {
  return text.includes('__proto__') || text.includes('constructor') || text.includes('\\u');
}

/** Freezes `value` and everything in it, so requests that share it cannot change it for one another. */
function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/**
 * The body parser and the validator compiler of `app` (`compile`: the schemas' own). A body whose text was parsed
 * lately, and seen before that (SEEN_ONCE), is the same frozen object again, and for such an object a route's body validator keeps its outcome, its
 * value frozen too: a repeated body costs a lookup of its text. A body that fails its schema is checked every time
 * (Fastify decorates the error it gets).
 * JSON.parse keeps `__proto__` as an own data property (ECMA-262 InternalizeJSONProperty), so the walk sees it.
 */
export function installJsonBodies<S>(app: FastifyInstance, compile: FastifySchemaCompiler<S>): void {
  const parsed = new LRUCache<string, object>({ ...REPEATED_BODIES, sizeCalculation: (_body, text) => Math.max(1, text.length) });
  const seenOnce = new RecentKeys(SEEN_ONCE);
  const kept = new WeakSet<object>();
  app.setValidatorCompiler<S>((route) => {
    const validate = compile(route);
    if (route.httpPart !== 'body') return validate;
    const outcomes = new WeakMap<object, ReturnType<typeof validate>>();
    return (data: unknown) => {
      if (data === null || typeof data !== 'object' || !kept.has(data)) return validate(data);
      let outcome = outcomes.get(data);
      if (outcome === undefined) {
        outcome = validate(data);
        if (typeof outcome !== 'object' || outcome === null || !('value' in outcome) || ('error' in outcome && outcome.error)) return outcome;
        deepFreeze(outcome.value);
        outcomes.set(data, outcome);
      }
      return outcome;
    };
  });
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, text: string, done) => {
    const known = parsed.get(text);
    if (known !== undefined) {
      done(null, known);
      return;
    }
    if (text.length === 0) {
      done(new ApiError('bad_request', 'the body is empty but Content-Type is application/json'), undefined);
      return;
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (err) {
      done(new ApiError('bad_request', `the body is not valid JSON: ${(err as Error).message}`), undefined);
      return;
    }
    const fields = mayHoldPoisonedKeys(text) ? poisonedKeys(body) : [];
    if (fields.length > 0) {
      const errors = fields.map((field) => ({ field, message: 'a key that would replace an object prototype is refused' }));
      done(new ApiError('bad_request', `invalid body: ${fields.join(', ')}`, { errors }), undefined);
      return;
    }
    if (body !== null && typeof body === 'object' && text.length <= REPEATED_BODIES.maxEntrySize) {
      if (seenOnce.delete(text)) {
        parsed.set(text, deepFreeze(body));
        kept.add(body);
      } else {
        seenOnce.count(text);
      }
    }
    done(null, body);
  });
}
