// Large Placement bodies (the provider listing, the bulk allocation-candidates answer) read member by member:
// a byte-level walk finds where each member of one collection begins and ends, and each is parsed and checked
// on its own, so the whole 100+ MB tree never exists at once. The body comes from HttpTransport (`raw: true`).
import type { z } from 'zod';
import type { ServiceName } from './errors.ts';
import { badResponse, type HttpResponse } from './http.ts';
import { EventLoopTurns } from '../lib/turns.ts';

/**
 * The members of one top-level collection (an array or an object) of a `raw` JSON body, each parsed and
 * checked against `schema` on its own, as [key or index, value]; the other top-level members are skipped
 * unparsed. JSON.parse of the whole body would hold the event loop for over a second and keep every
 * object of it alive at once (the provider listing is 128 MB at bench/sync-bench.ts's 15,000 hosts); here the
 * consumer's loop gives the event loop a turn every TURN_AFTER_MS and each member's objects go as it
 * moves on. A mismatch is `upstream_bad_response` naming the member's field, as HttpTransport.parse() does.
 */
export async function* members<S extends z.ZodType>(
  res: HttpResponse,
  service: ServiceName,
  collection: string,
  schema: S,
): AsyncGenerator<[string, z.output<S>]> {
  const body = res.data as Buffer;
  const invalid = (err: unknown) => badResponse(res, service, { path: [collection], message: (err as Error).message });
  const turns = new EventLoopTurns();
  let walk: Generator<JsonMember>;
  try {
    walk = collectionMembers(body, collection);
  } catch (err) {
    throw invalid(err);
  }
  for (;;) {
    let member: IteratorResult<JsonMember>;
    let value: unknown;
    try {
      member = walk.next();
      if (member.done) return;
      value = JSON.parse(body.toString('utf8', member.value.start, member.value.end));
    } catch (err) {
      throw invalid(err);
    }
    const parsed = schema.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw badResponse(res, service, { path: [collection, member.value.key, ...issue.path], message: issue.message });
    }
    yield [member.value.key, parsed.data];
    if (turns.due()) await turns.next();
  }
}

// The byte-level walk over JSON text, only far enough to find where the members of one collection begin and
// end; each member is then JSON.parse'd on its own. Structural characters are ASCII, and UTF-8 never uses
// ASCII bytes inside a multi-byte character, so the bytes can be scanned without decoding them.
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;

interface JsonMember {
  /** Member name, or the index in an array. */
  key: string;
  start: number;
  end: number;
}

function isSpace(byte: number | undefined): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

function skipSpace(body: Buffer, at: number): number {
  while (isSpace(body[at])) at++;
  return at;
}

/** Just past the closing quote of the string that opens at `at`. */
function stringEnd(body: Buffer, at: number): number {
  for (let from = at + 1; ; ) {
    const quote = body.indexOf(QUOTE, from);
    if (quote < 0) throw new SyntaxError('unterminated string');
    let escapes = 0;
    while (body[quote - 1 - escapes] === BACKSLASH) escapes++;
    if (escapes % 2 === 0) return quote + 1;
    from = quote + 1;
  }
}

/** Just past the value that starts at `at`: a string, an object or an array with all it holds, or a literal. */
function valueEnd(body: Buffer, at: number): number {
  let depth = 0;
  for (let i = at; i < body.length; i++) {
    const byte = body[i]!;
    if (byte === QUOTE) {
      i = stringEnd(body, i) - 1;
      if (depth === 0) return i + 1;
    } else if (byte === OPEN_OBJECT || byte === OPEN_ARRAY) {
      depth++;
    } else if (byte === CLOSE_OBJECT || byte === CLOSE_ARRAY) {
      if (depth === 0) return i;
      if (--depth === 0) return i + 1;
    } else if (depth === 0 && (byte === COMMA || isSpace(byte))) {
      return i;
    }
  }
  if (depth > 0) throw new SyntaxError('unexpected end of the body');
  return body.length;
}

/** The name of the object member at `at` and where its value starts. */
function memberName(body: Buffer, at: number): { key: string; valueStart: number } {
  if (body[at] !== QUOTE) throw new SyntaxError(`expected a member name at byte ${at}`);
  const nameEnd = stringEnd(body, at);
  const key = JSON.parse(body.toString('utf8', at, nameEnd)) as string;
  const colon = skipSpace(body, nameEnd);
  if (body[colon] !== COLON) throw new SyntaxError(`expected ':' at byte ${colon}`);
  return { key, valueStart: skipSpace(body, colon + 1) };
}

/** The members of the object or array that opens at `at`. */
function* containerMembers(body: Buffer, at: number): Generator<JsonMember> {
  const isObject = body[at] === OPEN_OBJECT;
  if (!isObject && body[at] !== OPEN_ARRAY) throw new SyntaxError('expected an object or an array');
  const close = isObject ? CLOSE_OBJECT : CLOSE_ARRAY;
  let i = skipSpace(body, at + 1);
  if (body[i] === close) return;
  for (let index = 0; ; index++) {
    let key = String(index);
    if (isObject) ({ key, valueStart: i } = memberName(body, i));
    const end = valueEnd(body, i);
    yield { key, start: i, end };
    i = skipSpace(body, end);
    if (body[i] === close) return;
    if (body[i] !== COMMA) throw new SyntaxError(`expected ',' at byte ${i}`);
    i = skipSpace(body, i + 1);
  }
}

/**
 * The members of `collection`, a member of the top-level object. The members before it are skipped; its own
 * end is never looked for, which would mean scanning all of it before the first member.
 */
function collectionMembers(body: Buffer, collection: string): Generator<JsonMember> {
  let i = skipSpace(body, 0);
  if (body[i] !== OPEN_OBJECT) throw new SyntaxError('expected an object');
  for (i = skipSpace(body, i + 1); body[i] === QUOTE; ) {
    const { key, valueStart } = memberName(body, i);
    if (key === collection) return containerMembers(body, valueStart);
    i = skipSpace(body, valueEnd(body, valueStart));
    if (body[i] !== COMMA) break;
    i = skipSpace(body, i + 1);
  }
  throw new SyntaxError('not in the body');
}
