// The store's contract, implemented once over `pg` for both real PostgreSQL and embedded PGlite.
import type { CloudSnapshot, SnapshotSummary, SyncJob, ValidationRecord } from '../model/index.ts';

export interface SyncMeta {
  durationMs: number;
  requestCount: number;
}

/** What withSyncLock gives back: fn's value, or that fn did not run because the lock was held. */
export type SyncLockOutcome<T> = { ran: true; value: T } | { ran: false };

/** A complete snapshot some process committed: what `saveSnapshot` announces to every listening process. */
export interface SnapshotNews {
  cloud: string;
  id: string;
}

/** A running `watchSnapshots`; close() stops it. */
export interface SnapshotWatch {
  close(): Promise<void>;
}

/**
 * Every method rejects with StoreUnavailableError (errors.ts) when the database cannot be reached, except
 * recordValidation, whose row waits in a bounded buffer and is retried until written.
 */
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
  /** The id of the newest complete snapshot of each cloud that has one: a cheap check of what is current. */
  latestSnapshotIds(): Promise<Record<string, string>>;
  /**
   * Calls onNew for each snapshot committed from now on by any process on this database (this one included),
   * and, after each (re)connection of the watch, for the newest of each cloud, since news sent meanwhile is lost:
   * callers ignore what they already hold. Null where the engine cannot tell other processes (embedded: there
   * are none).
   */
  watchSnapshots(onNew: (news: SnapshotNews) => void): Promise<SnapshotWatch | null>;
  /**
   * Queues a validation record for audit. Records are written in batches (one multi-row INSERT, at most
   * ~250 ms after queuing); the promise settles when this record's batch is written or the row is lost (the
   * failure is logged): refused by PostgreSQL, dropped from a full buffer while the database was down, or
   * still unwritten at close. Callers that must not wait for the database need not await it.
   */
  recordValidation(record: ValidationRecord): Promise<void>;
  /**
   * Writes every queued validation record now; close() does it too, so nothing queued is lost on shutdown while
   * the database answers. While it does not, the records stay queued for the next retry.
   */
  flushValidations(): Promise<void>;
  /** Creates a running job; first fails the running jobs whose process stopped reporting (expireSyncJobs). */
  createSyncJob(cloud: string): Promise<SyncJob>;
  /** Merges the given fields into the job; each update is also a heartbeat. */
  updateSyncJob(id: string, patch: Partial<Omit<SyncJob, 'id' | 'cloud' | 'startedAt'>>): Promise<SyncJob>;
  /** Tells readers the job's process is alive: due every SYNC_JOB_HEARTBEAT_SECONDS (10) while the job runs. */
  heartbeatSyncJob(id: string): Promise<void>;
  /** The job, after failing the running jobs whose heartbeat is older than the lease (3 heartbeats, syncJobLeaseMs). */
  getSyncJob(id: string): Promise<SyncJob | null>;
  /**
   * Runs fn holding the cloud's sync lock (a PostgreSQL advisory lock; in-process on the embedded engine);
   * returns `{ ran: false }` without running it when the lock is held. fn's signal aborts, with a
   * SyncLockLostError, when the session holding the lock ends.
   */
  withSyncLock<T>(cloud: string, fn: (lockLost: AbortSignal) => Promise<T>): Promise<SyncLockOutcome<T>>;
  /** Throws when the database does not answer. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
