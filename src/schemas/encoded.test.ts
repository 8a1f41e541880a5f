import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { advise, defaultRuleContext, preview, validate } from '../rules/index.ts';
import { LAB_FLAVORS, LAB_IMAGES, labSnapshot, request } from '../rules/test-fixtures.ts';
import { WORKLOADS, AdviceBody, NovaPreview } from './recommendation.ts';
import { ValidationBody } from './validation.ts';
import { encodedAs } from './encoded.ts';

/** The bytes both edges send: what encodedAs gives must be what z.encode gives, for every valid value. */
const same = <T,>(schema: z.ZodType<T>, value: T) => expect(JSON.stringify(encodedAs(schema, value))).toBe(JSON.stringify(z.encode(schema, value)));

const Inner = z.object({ a: z.string(), b: z.number().int().optional(), c: z.array(z.object({ x: z.boolean(), y: z.string().nullable() })) });
const Outer = z.object({
  inner: Inner.nullable(),
  list: z.array(Inner),
  free: z.record(z.string(), z.number()),
  byName: z.record(z.string(), Inner),
  value: z.union([z.string(), z.number(), z.boolean(), z.null()]),
  kind: z.enum(['one', 'two']),
  fixed: z.literal('generated'),
  raw: z.unknown(),
});
type OuterValue = z.output<typeof Outer>;
const inner = { a: 'a', b: 1, c: [{ x: true, y: null }] };
const base: OuterValue = { inner, list: [inner], free: { VCPU: 2, MEMORY_MB: 512 }, byName: { one: inner }, value: 3, kind: 'one', fixed: 'generated', raw: { z: 1, a: [2] } };
const reordered = { c: [{ y: 'y', x: false }], b: 2, a: 'b' };
const extra = { ...inner, pciProviders: ['p'] };

describe('encodedAs gives what z.encode gives', () => {
  it.each<{ name: string; value: OuterValue; kept: boolean }>([
    { name: 'already in the schema\'s order: the same object back', value: base, kept: true },
    { name: 'keys out of order, nested', value: { ...base, inner: reordered as OuterValue['inner'] }, kept: false },
    { name: 'a key the schema lacks (stripped), inside an array', value: { ...base, list: [inner, extra] }, kept: false },
    { name: 'a record\'s values re-encoded, its keys in their own order', value: { ...base, byName: { zeta: extra, alpha: inner } }, kept: false },
    { name: 'null, an absent optional and an optional set to undefined', value: { ...base, inner: null, list: [{ a: 'a', c: [] }, { a: 'a', b: undefined, c: [] }] }, kept: true },
    { name: 'the top object out of order', value: { raw: null, kind: 'two', fixed: 'generated', value: 'v', free: {}, byName: {}, list: [], inner }, kept: false },
  ])('$name', ({ value, kept }) => {
    same(Outer, value);
    expect(encodedAs(Outer, value) === value).toBe(kept);
  });

  it('refuses a schema whose encoding changes values, rather than skipping it', () => {
    expect(() => encodedAs(z.object({ n: z.string().transform((s) => s.length) }), { n: 1 })).toThrow(/no encoding without validation/);
    expect(() => encodedAs(z.looseObject({ n: z.string() }), { n: 'n' })).toThrow(/no encoding without validation/);
  });

  it('for the rules\' answers on the lab cloud: recommendations, previews and validations, in one-byte characters', () => {
    const snapshot = labSnapshot();
    const ctx = defaultRuleContext();
    for (const image of Object.values(LAB_IMAGES)) {
      for (const flavor of Object.values(LAB_FLAVORS)) {
        for (const workload of WORKLOADS) {
          const advice = advise(snapshot, request(image, flavor, { workload, vnicType: workload === 'nfv-dataplane' ? 'direct' : 'normal' }), ctx);
          same(AdviceBody, advice);
          oneByte(AdviceBody, advice);
        }
        const novaPreview = preview(snapshot, { image, flavor, vnicType: 'direct' }, ctx);
        same(NovaPreview, novaPreview);
        oneByte(NovaPreview, novaPreview);
        const validation = validate(snapshot, { properties: image.properties, flavor }, ctx);
        same(ValidationBody, validation);
        oneByte(ValidationBody, validation);
      }
    }
  });
});

/**
 * The rules write their answers in characters up to U+00FF (ASCII and "§"): V8 keeps such text at one byte a
 * character, so each copy an answer is made into on its way out (the snapshot reference joined in, node:http's
 * headers joined to it) is half the size it is once one reason says "≥" (issue 16).
 */
const oneByte = <T,>(schema: z.ZodType<T>, value: T) =>
  expect([...JSON.stringify(encodedAs(schema, value))].filter((c) => c.charCodeAt(0) > 0xff)).toEqual([]);
