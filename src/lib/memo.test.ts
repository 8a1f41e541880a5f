// The memos every per-snapshot structure is kept in: built once per object, in steps or at once, and seen when built.
import { describe, expect, it } from 'vitest';
import { SecondUseMemo, SteppedMemo, WeakMemo, watchMemoBuilds } from './memo.ts';

/** A build of `n` steps that counts how often it was started, and throws on its first run when asked to. */
function countingBuild(n: number, failFirst = false) {
  const started: object[] = [];
  const memo = new SteppedMemo(function* (key: object) {
    started.push(key);
    for (let i = 0; i < n; i++) yield;
    if (failFirst && started.length === 1) throw new Error('first build fails');
    return { key };
  });
  return { memo, started };
}

describe('SteppedMemo', () => {
  it('builds a value once, a step per next(), and answers from it afterwards', () => {
    const { memo, started } = countingBuild(3);
    const key = {};
    const steps = memo.steps(key);
    expect([steps.next().done, steps.next().done, steps.next().done]).toEqual([false, false, false]);
    const last = steps.next();
    expect(last).toEqual({ done: true, value: { key } });
    expect(memo.get(key)).toBe(last.value);
    expect(memo.steps(key).next()).toEqual({ done: true, value: last.value });
    expect(started).toEqual([key]);
  });

  it('a get while the build is under way finishes that build; steps held by another caller then end with its value', () => {
    const { memo, started } = countingBuild(3);
    const key = {};
    const steps = memo.steps(key);
    steps.next();
    const value = memo.get(key);
    expect(started).toHaveLength(1);
    expect(steps.next()).toEqual({ done: true, value });
  });

  it('a build that threw starts afresh at the next ask', () => {
    const { memo, started } = countingBuild(1, true);
    const key = {};
    expect(() => memo.get(key)).toThrow('first build fails');
    expect(memo.get(key)).toEqual({ key });
    expect(started).toHaveLength(2);
  });
});

describe('watchMemoBuilds', () => {
  it('reports the key of each value a WeakMemo or SteppedMemo computes, and nothing once stopped', () => {
    const weak = new WeakMemo((key: object) => ({ key }));
    const { memo } = countingBuild(2);
    const [a, b, c] = [{}, {}, {}];
    const seen: object[] = [];
    const stop = watchMemoBuilds((key) => seen.push(key));
    weak.get(a);
    weak.get(a);
    memo.get(b);
    memo.get(b);
    stop();
    weak.get(c);
    expect(seen).toEqual([a, b]);
  });
});

describe('SecondUseMemo', () => {
  /** A memo over one object, and the keys it computed, in order. */
  function counting(options: { max: number; seen: number; recent?: number }) {
    const memo = new SecondUseMemo<object, { key: string }>(options);
    const object = {};
    const computed: string[] = [];
    const get = (key: string) => memo.get(object, key, () => {
      computed.push(key);
      return { key };
    });
    return { get, computed };
  }

  it('computes a key the first and second time, keeps it from the second, and answers from it afterwards', () => {
    const { get, computed } = counting({ max: 2, seen: 4 });
    const [a, b, c] = [get('a'), get('a'), get('a')];
    expect([a.kept, b.kept, c.kept]).toEqual([false, true, true]);
    expect(c.value).toBe(b.value);
    expect(a.value).not.toBe(b.value);
    expect(computed).toEqual(['a', 'a']);
  });

  it('is not filled by keys asked once: a kept key stays however many others come once', () => {
    const { get, computed } = counting({ max: 2, seen: 4 });
    get('kept');
    const kept = get('kept').value;
    for (let i = 0; i < 100; i++) get(`once-${i}`);
    expect(get('kept')).toEqual({ value: kept, kept: true });
    expect(computed.filter((k) => k === 'kept')).toHaveLength(2);
  });

  it('forgets a key asked once when more than `seen` others come before it is asked again', () => {
    const { get, computed } = counting({ max: 2, seen: 4 });
    get('a');
    for (let i = 0; i < 4; i++) get(`other-${i}`);
    expect(get('a').kept).toBe(false);
    expect(get('a').kept).toBe(true);
    expect(computed.filter((k) => k === 'a')).toHaveLength(3);
  });

  it('once full, keeps a key asked twice only in place of a kept one asked less often', () => {
    const { get, computed } = counting({ max: 2, seen: 8 });
    for (const key of ['a', 'a', 'a', 'b', 'b']) get(key);
    // Full: a asked 3 times, then b twice (b most recently used). c asked twice does not push out a.
    expect([get('c').kept, get('c').kept]).toEqual([false, false]);
    // a asked again (4 uses, now most recently used): b (2 uses) is next out, and c's third use outnumbers it.
    expect(get('a').kept).toBe(true);
    expect(get('c').kept).toBe(true);
    expect(get('b').kept).toBe(false);
    expect(computed.filter((k) => k === 'c')).toHaveLength(3);
  });

  it('does not churn when more keys come back than fit: mostly the same ones stay kept', () => {
    const memo = new SecondUseMemo<object, string>({ max: 4, seen: 64 });
    const object = {};
    let admitted = 0;
    let hits = 0;
    for (let round = 0; round < 12; round++) {
      for (let i = 0; i < 16; i++) {
        let ran = false;
        const { kept } = memo.get(object, `k${i}`, () => {
          ran = true;
          return `k${i}`;
        });
        if (round < 2) continue;
        if (kept && ran) admitted++;
        if (kept && !ran) hits++;
      }
    }
    // 16 keys in turn through 4 places: kept as they come back, each would push out one kept 4 asks earlier
    // (12 swaps a round, no hits); here a few swaps in 10 rounds (after halvings), and most rounds hit 4 times.
    expect(admitted).toBeLessThanOrEqual(10);
    expect(hits).toBeGreaterThanOrEqual(30);
  });

  it('halves the uses every 10 × max asks, so a key asked often long ago gives way to one asked lately', () => {
    const { get } = counting({ max: 1, seen: 16 });
    for (let i = 0; i < 9; i++) get('old');
    // The 10th ask halves old's 9 uses to 4 first.
    expect(get('new').kept).toBe(false);
    for (let i = 0; i < 9; i++) get(`once-${i}`);
    // Halved again (old 2, new 0) before this ask: new has 1 use, then 2 (not more than old's), then 3.
    expect([get('new').kept, get('new').kept, get('new').kept]).toEqual([false, false, true]);
    expect(get('old').kept).toBe(false);
  });

  it('answers a key computed lately from `recent` without counting a use, so one result\'s repeated asks keep nothing', () => {
    const { get, computed } = counting({ max: 2, seen: 8, recent: 2 });
    const first = get('a');
    expect(get('a')).toEqual({ value: first.value, kept: false });
    expect(computed).toEqual(['a']);
    get('b');
    get('c');
    // a left `recent` (2 computed since): its second use is counted now, and it is kept.
    expect(get('a').kept).toBe(true);
    expect(computed).toEqual(['a', 'b', 'c', 'a']);
  });

  it('keeps the values of each object apart', () => {
    const memo = new SecondUseMemo<object, number>({ max: 2, seen: 2 });
    const [x, y] = [{}, {}];
    memo.get(x, 'k', () => 1);
    expect(memo.get(y, 'k', () => 2)).toEqual({ value: 2, kept: false });
    expect(memo.get(x, 'k', () => 3)).toEqual({ value: 3, kept: true });
  });
});
