// The API property tests' requests at length (issue 11): for every operation of openapi/openapi.json,
// API_FUZZ_RUNS valid and as many invalid or hostile requests (tests/helpers/openapi-arbitraries.ts), sent with
// app.inject to the app on the demo cloud over a fresh database. Prints requests sent, answers by status, 5xx
// seen, answers breaking the properties (the first 10 in full) and the slowest request. Exit 1 on any violation.
//   API_FUZZ_RUNS=2000 API_FUZZ_SEED=7 npx tsx bench/api-fuzz.ts
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { openDemoApp } from '../tests/helpers/demo-app.ts';
import { invalidCase, operations, validCase, violation, type OpenApiDocument } from '../tests/helpers/openapi-arbitraries.ts';

const runs = Number(process.env.API_FUZZ_RUNS ?? 500);
const seed = Number(process.env.API_FUZZ_SEED ?? 11);
const doc = JSON.parse(readFileSync(new URL('../openapi/openapi.json', import.meta.url), 'utf8')) as OpenApiDocument;
const demo = await openDemoApp();
const byStatus: Record<number, number> = {};
const violations: string[] = [];
let sent = 0;
let serverErrors = 0;
let slowest = { ms: 0, request: '' };
const started = Date.now();
try {
  for (const op of operations(doc)) {
    for (const c of [...fc.sample(validCase(doc, op), { seed, numRuns: runs }), ...fc.sample(invalidCase(doc, op), { seed, numRuns: runs })]) {
      const n = ++sent;
      const t0 = performance.now();
      // A client address per request, so the per-address rate limit does not answer for the API.
      const res = await demo.app.inject({
        method: c.method,
        url: c.url,
        remoteAddress: `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`,
        ...(c.payload !== undefined && { payload: c.payload, headers: { 'content-type': 'application/json' } }),
      });
      const ms = performance.now() - t0;
      const request = `${c.kind}: ${c.method} ${c.url.slice(0, 200)} ${(c.payload ?? '').slice(0, 200)}`;
      if (ms > slowest.ms) slowest = { ms, request };
      byStatus[res.statusCode] = (byStatus[res.statusCode] ?? 0) + 1;
      if (res.statusCode >= 500) serverErrors++;
      const wrong = violation(op, c, { status: res.statusCode, contentType: String(res.headers['content-type'] ?? ''), body: res.body });
      if (wrong) violations.push(`${request} → ${wrong}: ${res.body.slice(0, 300)}`);
    }
  }
} finally {
  await demo.close();
}
console.log(
  JSON.stringify(
    { runsPerOperationAndKind: runs, seed, seconds: Math.round((Date.now() - started) / 100) / 10, sent, byStatus, serverErrors, violations: violations.length, firstViolations: violations.slice(0, 10), slowest: { ms: Math.round(slowest.ms), request: slowest.request } },
    null,
    2,
  ),
);
process.exitCode = violations.length > 0 ? 1 : 0;
