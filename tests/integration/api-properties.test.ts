// Property-based tests over the whole API (issue 11): for every operation of the committed OpenAPI document,
// requests generated from its schemas (tests/helpers/openapi-arbitraries.ts), valid and invalid, sent to the app
// on the demo cloud. Whatever comes in: never a 5xx (but those the operation documents, e.g. 501 for a sync with
// no cloud), never a hang, every error an application/problem+json with a code of the closed set, and a 400 for a
// refused field names it. Fixed seed and bounded runs here; bench/api-fuzz.ts runs longer.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { openDemoApp, type DemoApp } from '../helpers/demo-app.ts';
import { invalidCase, operations, validCase, violation, type Case, type OpenApiDocument, type Operation } from '../helpers/openapi-arbitraries.ts';

const doc = JSON.parse(readFileSync(new URL('../../openapi/openapi.json', import.meta.url), 'utf8')) as OpenApiDocument;
const SEED = 11;
const NUM_RUNS = 40;
const REQUEST_TIMEOUT_MS = 5_000;

let demo: DemoApp;
beforeAll(async () => {
  demo = await openDemoApp();
}, 60_000);
afterAll(() => demo.close());

let sent = 0;
/** One request; each from its own client address, so the per-address rate limit never answers for the API. */
async function check(op: Operation, c: Case): Promise<void> {
  const n = ++sent;
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms`)), REQUEST_TIMEOUT_MS);
  });
  const res = await Promise.race([
    demo.app.inject({
      method: c.method,
      url: c.url,
      remoteAddress: `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`,
      ...(c.payload !== undefined && { payload: c.payload, headers: { 'content-type': 'application/json' } }),
    }),
    hang,
  ]).finally(() => clearTimeout(timer));
  const wrong = violation(op, c, { status: res.statusCode, contentType: String(res.headers['content-type'] ?? ''), body: res.body });
  if (wrong) throw new Error(`${c.kind}: ${c.method} ${c.url} ${c.payload ?? ''} → ${wrong}: ${res.body.slice(0, 300)}`);
}

describe.each(operations(doc))('$method $path', (op) => {
  const runs = { seed: SEED, numRuns: NUM_RUNS };
  it('valid requests: no 5xx, no hang, errors as problem+json', async () => {
    await fc.assert(fc.asyncProperty(validCase(doc, op), (c) => check(op, c)), runs);
  });
  it('invalid and hostile requests: 400 naming the field, else no 5xx, errors as problem+json', async () => {
    await fc.assert(fc.asyncProperty(invalidCase(doc, op), (c) => check(op, c)), runs);
  });
});
