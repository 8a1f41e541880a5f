// The snapshots the service answers from, held in memory (design.md "Data flow"): loaded at start and
// after each sync, so requests never wait on the database or on OpenStack.
import { runWithTurns } from '../lib/turns.ts';
import { prepareSnapshot } from '../rules/index.ts';
import type { CloudSnapshot } from '../model/index.ts';
import type { SnapshotStore } from '../store/types.ts';
import { AdvisorError, noSnapshot } from './errors.ts';

export class SnapshotRegistry {
  private readonly byCloud = new Map<string, CloudSnapshot>();

  constructor(private readonly store: SnapshotStore) {}

  /** Reloads the newest complete snapshot of each given cloud from the store. */
  async refresh(clouds: string[]): Promise<void> {
    for (const cloud of clouds) {
      const snapshot = await this.store.latestSnapshot(cloud);
      if (snapshot) {
        this.byCloud.set(cloud, snapshot);
        await this.prepare(snapshot);
      }
    }
  }

  /** Makes a freshly written snapshot current without a database round trip. */
  put(snapshot: CloudSnapshot): void {
    this.byCloud.set(snapshot.cloud, snapshot);
    // In the background: requests keep being answered meanwhile (one needing the index finishes the build).
    void this.prepare(snapshot);
  }

  /** Builds what answers read about the snapshot's hosts a step at a time, letting other work run in between. */
  private async prepare(snapshot: CloudSnapshot): Promise<void> {
    await runWithTurns(prepareSnapshot(snapshot));
  }

  /** The snapshot of the named cloud, or of the default (first configured) cloud. */
  current(cloud?: string): CloudSnapshot | null {
    if (cloud !== undefined) return this.byCloud.get(cloud) ?? null;
    const first = this.byCloud.values().next();
    return first.done ? null : first.value;
  }

  clouds(): string[] {
    return [...this.byCloud.keys()];
  }

  /** The snapshot answers come from; no_snapshot while none is loaded, so clients retry rather than give up. */
  answering(cloud: string | undefined): CloudSnapshot {
    const snapshot = this.current(cloud);
    if (snapshot) return snapshot;
    // A cloud nobody has a snapshot of, while others are loaded, is a misspelt name rather than a wait.
    if (cloud !== undefined && this.byCloud.size > 0) {
      throw new AdvisorError('not_found', `unknown cloud "${cloud}"; known: ${this.clouds().join(', ')}`);
    }
    throw noSnapshot(cloud);
  }
}
