// Long synchronous work over a large cloud (a 163,000-provider listing, 100,000 images, a 15,000-host index) in a
// process that answers requests meanwhile: the work gives the event loop a turn every TURN_AFTER_MS.

/**
 * Longest a loop over a large cloud holds the event loop before it lets timers and requests run: answers are meant to
 * come within 20 ms even while a snapshot is prepared or summarised (issue 16); a turn (setImmediate) costs microseconds.
 */
export const TURN_AFTER_MS = 10;

/**
 * For long synchronous work over a large cloud (a 163,000-provider listing, 100,000 images): `due()` once
 * TURN_AFTER_MS have passed since the last turn, then `await next()` lets pending I/O and timers run, so the
 * requests the service answers during a sync wait that long at most rather than the whole loop.
 */
export class EventLoopTurns {
  private since = performance.now();

  constructor(private readonly turnAfterMs: number = TURN_AFTER_MS) {}

  due(): boolean {
    return performance.now() - this.since >= this.turnAfterMs;
  }

  async next(): Promise<void> {
    await new Promise(setImmediate);
    this.since = performance.now();
  }
}

/**
 * Runs work written as steps (a generator that yields between small pieces) to its end, giving the event loop a
 * turn whenever one is due.
 */
export function runWithTurns<T>(steps: Iterator<void, T>): Promise<T> {
  return drive(steps, new EventLoopTurns());
}

/** Takes the steps to their end; before each turn of the event loop, waits for `beforeTurn` where given. */
async function drive<T>(steps: Iterator<void, T>, turns: EventLoopTurns, beforeTurn?: () => Promise<void>): Promise<T> {
  for (let step = steps.next(); ; step = steps.next()) {
    if (step.done) return step.value;
    if (turns.due()) {
      if (beforeTurn) await beforeTurn();
      await turns.next();
    }
  }
}

/**
 * The steps, ending instead of throwing when one throws, the error handed to `onError`: for work run by something
 * that does not wait for its outcome (the registry's preparers and warmers, a background summary).
 */
export function endingOnError<T>(steps: Iterator<void, T>, onError: (err: unknown) => void): Iterator<void, T | undefined> {
  return {
    next: () => {
      try {
        return steps.next();
      } catch (err) {
        onError(err);
        return { done: true, value: undefined };
      }
    },
  };
}

/**
 * Background work (the metrics' capacity summary: seconds of CPU at 15,000 hosts) steps aside for answers: it runs
 * in shorter turns, and takes one only once no request is being answered and none has ended for QUIET_MS (or after
 * BACKGROUND_WAIT_MS in any case, so that steady load slows it down without stopping it). Issue 16: with the summary
 * running beside them, the first answers after /readyz took 29-50 ms instead of 7-13 ms, in good part young-generation
 * collections of the summary's allocations (10-17 ms each, --trace-gc); finishing it before listening instead cost
 * ~2 s of cold start.
 */
const BACKGROUND_TURN_AFTER_MS = 4;
const QUIET_MS = 50;
const BACKGROUND_WAIT_MS = 100;

let answering = 0;
let lastAnsweredAt = -Infinity;

/** Counts a request being answered (app.ts: onRequest / onResponse and onRequestAbort), for runInBackground. */
export const foreground = {
  begin(): void {
    answering++;
  },
  end(): void {
    answering--;
    lastAnsweredAt = performance.now();
  },
};

/** Resolves once the service is quiet, or after BACKGROUND_WAIT_MS. */
async function quiet(): Promise<void> {
  const since = performance.now();
  for (;;) {
    const now = performance.now();
    const quietFor = answering > 0 ? 0 : now - lastAnsweredAt;
    if (quietFor >= QUIET_MS || now - since >= BACKGROUND_WAIT_MS) return;
    await new Promise((resolve) => setTimeout(resolve, Math.min(QUIET_MS - quietFor, BACKGROUND_WAIT_MS - (now - since))));
  }
}

/** runWithTurns for work no answer waits for: shorter turns, each once the service is quiet. */
export async function runInBackground<T>(steps: Iterator<void, T>): Promise<T> {
  await quiet();
  return drive(steps, new EventLoopTurns(BACKGROUND_TURN_AFTER_MS), quiet);
}
