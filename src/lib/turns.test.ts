import { describe, expect, it } from 'vitest';
import { foreground, runInBackground } from './turns.ts';

/** Steps that each hold the CPU a little longer than a background turn (4 ms), so a turn is due after every one. */
function* busySteps(count: number, taken: { n: number }): Generator<void, string> {
  for (let i = 0; i < count; i++) {
    const until = performance.now() + 5;
    while (performance.now() < until) { /* holding the event loop, as a summary step does */ }
    taken.n++;
    yield;
  }
  return 'done';
}

describe('runInBackground (issue 16: background work gives way to answers)', () => {
  it('takes no further step while a request is being answered, and finishes once none is', async () => {
    const taken = { n: 0 };
    foreground.begin();
    const run = runInBackground(busySteps(40, taken));
    await new Promise((resolve) => setTimeout(resolve, 60));
    // Without giving way, ~10 steps of 5 ms fit in 60 ms; giving way, one step, then a wait of up to 100 ms.
    expect(taken.n).toBeLessThanOrEqual(3);
    foreground.end();
    await expect(run).resolves.toBe('done');
    expect(taken.n).toBe(40);
  });

  it('is not stopped by steady load: without an idle moment it still takes a turn every 100 ms', async () => {
    const taken = { n: 0 };
    foreground.begin();
    try {
      await expect(runInBackground(busySteps(3, taken))).resolves.toBe('done');
    } finally {
      foreground.end();
    }
  });
});
