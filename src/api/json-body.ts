// The application/json body parser. It replaces Fastify's so a key that could poison a prototype is a 400 naming
// the field, where Fastify's parser (secure-json-parse) refuses the body as "not valid JSON" without saying where.
import type { FastifyInstance } from 'fastify';
import { ApiError } from './errors.ts';

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

/** JSON.parse keeps `__proto__` as an own data property (ECMA-262 InternalizeJSONProperty), so the walk sees it. */
export function installJsonBodyParser(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, text: string, done) => {
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
    const fields = poisonedKeys(body);
    if (fields.length > 0) {
      const errors = fields.map((field) => ({ field, message: 'a key that would replace an object prototype is refused' }));
      done(new ApiError('bad_request', `invalid body: ${fields.join(', ')}`, { errors }), undefined);
      return;
    }
    done(null, body);
  });
}
