// Bounded fan-out over many items through a caller's p-limit: Placement's per-provider walk, a sync's image member
// and flavor access reads (src/sync/sync.ts).

/**
 * `work` on every item, `lanes` items at a time: each lane takes the next item once its last is done, so only
 * the calls of `lanes` items wait in the caller's p-limit queue, where queueing them all up front held ~100 MB
 * of closures and pending promises at 15,000 hosts. The first failure stops every lane taking more.
 */
export async function inLanes<T>(items: readonly T[], lanes: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  const lane = async () => {
    while (!failed && next < items.length) {
      try {
        await work(items[next++]!);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(lanes, items.length) }, lane));
}
