import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { OpenStackError } from './errors.ts';
import type { HttpResponse } from './http.ts';
import { members as jsonMembers } from './json-members.ts';

function rawResponse(body: string): HttpResponse {
  return { status: 200, method: 'GET', data: Buffer.from(body), url: 'http://placement/resource_providers', requestId: 'req-1', header: () => null };
}

async function members<S extends z.ZodType>(body: string, collection: string, schema: S) {
  const out: [string, z.output<S>][] = [];
  for await (const member of jsonMembers(rawResponse(body), 'placement', collection, schema)) out.push(member);
  return out;
}

async function failure(body: string, collection: string, schema: z.ZodType = z.unknown()): Promise<OpenStackError> {
  const err: unknown = await members(body, collection, schema).then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(OpenStackError);
  return err as OpenStackError;
}

// Strings that a byte scanner could take for structure: quotes, backslashes, brackets, non-ASCII.
const tricky = ['a"b', 'c\\', '\\"', '{[', ']}', ',:', 'é ✓ 🙂', '\u0000\n\t', ''];

describe('members', () => {
  it('gives each member of an array or object collection as JSON.parse would, skipping the other members', async () => {
    const body = {
      before: { skipped: tricky, nested: [[{}], { '}': ']' }], n: -1.5e3, t: true, f: false, z: null },
      resource_providers: tricky.map((name, i) => ({ name, i, deep: { list: [i, [name]] } })),
      provider_summaries: Object.fromEntries(tricky.map((key, i) => [key, { traits: [key], i }])),
      after: 'ignored',
    };
    for (const text of [JSON.stringify(body), JSON.stringify(body, null, 2)]) {
      expect(await members(text, 'resource_providers', z.unknown())).toEqual(body.resource_providers.map((v, i) => [String(i), v]));
      expect(await members(text, 'provider_summaries', z.unknown())).toEqual(Object.entries(body.provider_summaries));
      expect(await members(text, 'before', z.unknown())).toEqual(Object.entries(body.before));
    }
  });

  it('gives nothing for an empty collection', async () => {
    expect(await members('{"resource_providers": [ ]}', 'resource_providers', z.unknown())).toEqual([]);
    expect(await members('{"a": 1, "provider_summaries": {}}', 'provider_summaries', z.unknown())).toEqual([]);
  });

  it('returns each member as its schema outputs it (unknown keys stripped)', async () => {
    const schema = z.object({ uuid: z.string() });
    expect(await members('{"resource_providers": [{"uuid": "u1", "links": [{"href": "/x"}]}]}', 'resource_providers', schema)).toEqual([['0', { uuid: 'u1' }]]);
  });

  it('a member off its schema is upstream_bad_response naming its field', async () => {
    const err = await failure('{"provider_summaries": {"u1": {"traits": []}, "u2": {"traits": [1]}}}', 'provider_summaries', z.object({ traits: z.array(z.string()) }));
    expect(err.code).toBe('upstream_bad_response');
    expect(err.details).toMatchObject({ service: 'placement', method: 'GET', status: 200, field: 'provider_summaries.u2.traits.0', requestId: 'req-1' });
    expect(err.message).toMatch(/^placement GET http:\/\/placement\/resource_providers: unexpected response at "provider_summaries\.u2\.traits\.0": .* \(request req-1\)$/);
  });

  it.each([
    ['a missing collection', '{"other": []}'],
    ['a collection that is not an object or an array', '{"resource_providers": "none"}'],
    ['a body that is not an object', '[{"resource_providers": []}]'],
    ['a member that is not JSON', '{"resource_providers": [{"a": 1}, {"a": tru}]}'],
    ['a body cut short', '{"resource_providers": [{"a": 1}, {"a": [2'],
    ['a missing comma', '{"resource_providers": [1 2]}'],
    ['HTML', '<html><body>Bad gateway</body></html>'],
  ])('%s is upstream_bad_response at the collection', async (_name, body) => {
    const err = await failure(body, 'resource_providers');
    expect(err.code).toBe('upstream_bad_response');
    expect(err.details?.field).toBe('resource_providers');
  });
});
