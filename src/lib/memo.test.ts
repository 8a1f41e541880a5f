// The memos every per-snapshot structure is kept in: built once per object, in steps or at once, and seen when built.
import { describe, expect, it } from 'vitest';
import { SteppedMemo, WeakMemo, watchMemoBuilds } from './memo.ts';

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
