// The store's contract, implemented once over `pg` for both real PostgreSQL and embedded PGlite.
import type { CloudSnapshot, SnapshotSummary, SyncJob, ValidationRecord } from '../model/index.ts';

export interface SyncMeta {
  durationMs: number;
  requestCount: number;
}

/** What withSyncLock gives back: fn's value, or that fn did not run because the lock was held. */
export type SyncLockOutcome<T> = { ran: true; value: T } | { ran: false };

export interface SnapshotStore {
  /** Applies pending migrations from /migrations; idempotent. */
  migrate(): Promise<void>;
  /** Writes a complete snapshot in one transaction; history is kept. */
  saveSnapshot(snapshot: CloudSnapshot, meta: SyncMeta): Promise<SnapshotSummary>;
  /** Records a failed sync; the last complete snapshot stays the current one. */
  recordFailedSync(cloud: string, region: string | null, error: string, meta: SyncMeta): Promise<SnapshotSummary>;
  /** The newest complete snapshot of a cloud (any cloud when omitted), fully loaded, or null. */
  latestSnapshot(cloud?: string): Promise<CloudSnapshot | null>;
  listSnapshots(cloud?: string, limit?: number): Promise<SnapshotSummary[]>;
  /**
   * Queues a validation record for audit. Records are written in batches (one multi-row INSERT, at most
   * ~250 ms after queuing); the promise settles when this record's batch is written or has failed (the
   * failure is logged). Callers that must not wait for the database need not await it.
   */
  recordValidation(record: ValidationRecord): Promise<void>;
  /** Writes every queued validation record now; close() does it too, so nothing queued is lost on shutdown. */
  flushValidations(): Promise<void>;
  createSyncJob(cloud: string): Promise<SyncJob>;
  /** Merges the given fields into the job. */
  updateSyncJob(id: string, patch: Partial<Omit<SyncJob, 'id' | 'cloud' | 'startedAt'>>): Promise<SyncJob>;
  getSyncJob(id: string): Promise<SyncJob | null>;
  /**
   * Runs fn holding the cloud's sync lock (a PostgreSQL advisory lock; in-process on the embedded engine);
   * returns `{ ran: false }` without running it when the lock is held.
   */
  withSyncLock<T>(cloud: string, fn: () => Promise<T>): Promise<SyncLockOutcome<T>>;
  /** Throws when the database does not answer. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
