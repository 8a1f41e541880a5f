// SnapshotStore over one pg.Pool: the same SQL on real PostgreSQL and on embedded PGlite (design.md
// "Storage"). A facade: each concern lives in its own file (README.md lists them). Every call goes through
// `unavailableOnConnectionError`, so "the database does not answer" is one typed error for every caller.
import type { CloudSnapshot, SnapshotSummary, SyncJob, ValidationRecord } from '../model/index.ts';
import { ValidationAudit } from './audit.ts';
import type { Database, StoreLog } from './database.ts';
import { unavailableOnConnectionError as guard } from './errors.ts';
import { createSyncJob, getSyncJob, heartbeatSyncJob, SYNC_JOB_HEARTBEAT_MS, syncJobLeaseMs, updateSyncJob } from './jobs.ts';
import { SyncLocks } from './locks.ts';
import { migrate } from './migrate.ts';
import { listenForSnapshots } from './notify.ts';
import { latestSnapshot, latestSnapshotIds, listSnapshots, recordFailedSync, saveSnapshot } from './snapshots.ts';
import type { SnapshotNews, SnapshotStore, SnapshotWatch, SyncLockOutcome, SyncMeta } from './types.ts';

export { SYNC_LOCK_NAMESPACE } from './locks.ts';
export { StoreUnavailableError, SyncLockLostError } from './errors.ts';
export { LEASE_EXPIRED_ERROR, SYNC_JOB_HEARTBEAT_MS, SYNC_JOB_LEASE_MS, syncJobLeaseMs } from './jobs.ts';

export interface PgStoreOptions {
  /**
   * Told how many validation audit rows were lost for good (e.g. to count them in a metric): refused by
   * PostgreSQL, dropped from the full buffer while the database was down, or unwritten at close.
   */
  onAuditRowsLost?: (rows: number) => void;
  /**
   * How often running syncs write their job's heartbeat (SYNC_JOB_HEARTBEAT_SECONDS; default SYNC_JOB_HEARTBEAT_MS):
   * a running job whose heartbeat is older than 3 of these is failed by the next read.
   */
  syncJobHeartbeatMs?: number;
}

export class PgSnapshotStore implements SnapshotStore {
  readonly #db: Database;
  readonly #log: StoreLog | undefined;
  readonly #audit: ValidationAudit;
  readonly #locks: SyncLocks;
  readonly #jobLeaseMs: number;

  constructor(db: Database, log?: StoreLog, options: PgStoreOptions = {}) {
    this.#db = db;
    this.#log = log;
    this.#audit = new ValidationAudit(db.pool, log, options.onAuditRowsLost);
    this.#locks = new SyncLocks(db, log);
    this.#jobLeaseMs = syncJobLeaseMs(options.syncJobHeartbeatMs ?? SYNC_JOB_HEARTBEAT_MS);
  }

  migrate(): Promise<void> {
    return guard(() => migrate(this.#db.pool, this.#log));
  }

  saveSnapshot(snapshot: CloudSnapshot, meta: SyncMeta): Promise<SnapshotSummary> {
    return guard(() => saveSnapshot(this.#db.pool, snapshot, meta));
  }

  recordFailedSync(cloud: string, region: string | null, error: string, meta: SyncMeta): Promise<SnapshotSummary> {
    return guard(() => recordFailedSync(this.#db.pool, cloud, region, error, meta));
  }

  latestSnapshot(cloud?: string): Promise<CloudSnapshot | null> {
    return guard(() => latestSnapshot(this.#db.pool, cloud, this.#log));
  }

  listSnapshots(cloud?: string, limit?: number): Promise<SnapshotSummary[]> {
    return guard(() => listSnapshots(this.#db.pool, cloud, limit));
  }

  latestSnapshotIds(): Promise<Record<string, string>> {
    return guard(() => latestSnapshotIds(this.#db.pool));
  }

  watchSnapshots(onNew: (news: SnapshotNews) => void): Promise<SnapshotWatch | null> {
    const replay = async () =>
      Object.entries(await this.latestSnapshotIds()).map(([cloud, id]): SnapshotNews => ({ cloud, id }));
    return guard(() => listenForSnapshots(this.#db, onNew, replay, this.#log));
  }

  recordValidation(record: ValidationRecord): Promise<void> {
    return this.#audit.record(record);
  }

  flushValidations(): Promise<void> {
    return this.#audit.flush();
  }

  createSyncJob(cloud: string): Promise<SyncJob> {
    return guard(() => createSyncJob(this.#db.pool, cloud, this.#jobLeaseMs));
  }

  updateSyncJob(id: string, patch: Parameters<SnapshotStore['updateSyncJob']>[1]): Promise<SyncJob> {
    return guard(() => updateSyncJob(this.#db.pool, id, patch));
  }

  heartbeatSyncJob(id: string): Promise<void> {
    return guard(() => heartbeatSyncJob(this.#db.pool, id));
  }

  getSyncJob(id: string): Promise<SyncJob | null> {
    return guard(() => getSyncJob(this.#db.pool, id, this.#jobLeaseMs));
  }

  withSyncLock<T>(cloud: string, fn: (lockLost: AbortSignal) => Promise<T>): Promise<SyncLockOutcome<T>> {
    return guard(() => this.#locks.run(cloud, fn));
  }

  async ping(): Promise<void> {
    await guard(() => this.#db.pool.query('SELECT 1'));
  }

  async close(): Promise<void> {
    await this.#audit.close();
    await this.#db.close();
  }
}
