import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RecentKeys } from './recent-keys.ts';

/** What RecentKeys promises, written the obvious way: a Map in recency order (oldest first) of key → uses. */
class Model {
  private readonly entries = new Map<string, number>();
  constructor(private readonly max: number) {}
  get size(): number {
    return this.entries.size;
  }
  uses(key: string): number {
    return this.entries.get(key) ?? 0;
  }
  count(key: string): number {
    const uses = (this.entries.get(key) ?? 0) + 1;
    this.entries.delete(key);
    if (this.entries.size === this.max) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, uses);
    return uses;
  }
  delete(key: string): boolean {
    return this.entries.delete(key);
  }
  halve(): void {
    for (const [key, uses] of this.entries) this.entries.set(key, uses >> 1);
  }
}

type Op = { op: 'count' | 'delete' | 'uses'; key: string } | { op: 'halve' };

describe('RecentKeys', () => {
  it('counts uses of the last `max` keys, the least recently asked out first', () => {
    const keys = new RecentKeys(2);
    expect([keys.count('a'), keys.count('b'), keys.count('a')]).toEqual([1, 1, 2]);
    // b is now the least recently asked: c pushes it out, a stays with its 2 uses.
    expect(keys.count('c')).toBe(1);
    expect([keys.uses('a'), keys.uses('b'), keys.uses('c'), keys.size]).toEqual([2, 0, 1, 2]);
  });

  it('forgets a deleted key and reuses its place; halving keeps the order', () => {
    const keys = new RecentKeys(2);
    keys.count('a');
    keys.count('a');
    keys.count('a');
    keys.count('b');
    expect([keys.delete('a'), keys.delete('a'), keys.size]).toEqual([true, false, 1]);
    keys.count('c');
    keys.halve();
    expect([keys.uses('b'), keys.uses('c')]).toEqual([0, 0]);
    keys.count('d'); // b, the oldest, goes
    expect([keys.uses('b'), keys.uses('c'), keys.uses('d')]).toEqual([0, 0, 1]);
  });

  it('refuses a size that is not a positive integer', () => {
    for (const max of [0, -1, 1.5, Number.NaN]) expect(() => new RecentKeys(max)).toThrow(RangeError);
  });

  it('answers as a recency-ordered map would, whatever the sequence of asks, deletions and halvings', () => {
    // Few keys against small sizes, so keys come back, get pushed out, and probe chains wrap around the table and
    // are closed again after deletions.
    const key = fc.constantFrom(...Array.from({ length: 12 }, (_, i) => `key-${i}`), '', 'é', '{"a":1}');
    const op: fc.Arbitrary<Op> = fc.oneof(
      { weight: 6, arbitrary: fc.record({ op: fc.constant('count' as const), key }) },
      { weight: 2, arbitrary: fc.record({ op: fc.constant('delete' as const), key }) },
      { weight: 2, arbitrary: fc.record({ op: fc.constant('uses' as const), key }) },
      { weight: 1, arbitrary: fc.constant({ op: 'halve' as const }) },
    );
    fc.assert(fc.property(fc.integer({ min: 1, max: 9 }), fc.array(op, { maxLength: 300 }), (max, ops) => {
      const [keys, model] = [new RecentKeys(max), new Model(max)];
      for (const o of ops) {
        if (o.op === 'halve') {
          keys.halve();
          model.halve();
        } else {
          expect(keys[o.op](o.key)).toBe(model[o.op](o.key));
        }
        expect(keys.size).toBe(model.size);
      }
    }), { numRuns: 1000 });
  });

  it('holds 2,000 distinct keys of one shape apart (64-bit hashes of request-like texts)', () => {
    const keys = new RecentKeys(2000);
    const texts = Array.from({ length: 2000 }, (_, i) => `{"image":{"id":"${i.toString(16).padStart(8, '0')}"},"workload":"general"}`);
    for (const text of texts) expect(keys.count(text)).toBe(1);
    for (const text of texts) expect(keys.count(text)).toBe(2);
  });
});
