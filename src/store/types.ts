// The store's contract, implemented once over `pg` for both real PostgreSQL and embedded PGlite.
import type { CloudSnapshot, Verdict } from '../rules/types.ts';

export type SnapshotStatus = 'complete' | 'failed';

export interface SnapshotCounts {
  flavors: number;
  images: number;
  hosts: number;
  pciProviders: number;
}

export interface SnapshotSummary {
  id: string;
  cloud: string;
  region: string | null;
  source: CloudSnapshot['source'];
  status: SnapshotStatus;
  takenAt: string;
  counts: SnapshotCounts;
  durationMs: number | null;
  requestCount: number | null;
  error: string | null;
}

export interface SyncMeta {
  durationMs: number;
  requestCount: number;
}

export interface ValidationRecord {
  cloud: string;
  snapshotId: string | null;
  imageRef: string | null;
  flavorRef: string | null;
  verdict: Verdict;
  findingIds: string[];
}

export type SyncJobStatus = 'running' | 'succeeded' | 'failed' | 'skipped';

/** A sync run, kept in the database so any replica can answer GET /v1/sync/{id}. */
export interface SyncJob {
  id: string;
  cloud: string;
  status: SyncJobStatus;
  startedAt: string;
  finishedAt: string | null;
  /** Per service counts so far, e.g. { flavors: { done: 12, total: null } }. */
  progress: Record<string, { done: number; total: number | null }>;
  requestCount: number;
  snapshotId: string | null;
  error: string | null;
}

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
  /** Runs fn under a PostgreSQL advisory lock for the cloud; returns null without running when it is held. */
  withSyncLock<T>(cloud: string, fn: () => Promise<T>): Promise<{ ran: true; value: T } | { ran: false }>;
  /** Throws when the database does not answer. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
