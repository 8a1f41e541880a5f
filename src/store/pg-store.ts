// SnapshotStore over one pg.Pool: the same SQL on real PostgreSQL and on embedded PGlite (design.md
// "Storage"). A facade: each concern lives in its own file (README.md lists them).
import type { CloudSnapshot, SnapshotSummary, SyncJob, ValidationRecord } from '../model/index.ts';
import { ValidationAudit } from './audit.ts';
import type { Database, StoreLog } from './database.ts';
import { createSyncJob, getSyncJob, updateSyncJob } from './jobs.ts';
import { SyncLocks } from './locks.ts';
import { migrate } from './migrate.ts';
import { latestSnapshot, listSnapshots, recordFailedSync, saveSnapshot } from './snapshots.ts';
import type { SnapshotStore, SyncLockOutcome, SyncMeta } from './types.ts';

export { SYNC_LOCK_NAMESPACE } from './locks.ts';

export interface PgStoreOptions {
  /** Told how many validation audit rows could not be written (e.g. to count them in a metric). */
  onAuditRowsLost?: (rows: number) => void;
}

export class PgSnapshotStore implements SnapshotStore {
  readonly #db: Database;
  readonly #log: StoreLog | undefined;
  readonly #audit: ValidationAudit;
  readonly #locks: SyncLocks;

  constructor(db: Database, log?: StoreLog, options: PgStoreOptions = {}) {
    this.#db = db;
    this.#log = log;
    this.#audit = new ValidationAudit(db.pool, log, options.onAuditRowsLost);
    this.#locks = new SyncLocks(db);
  }

  migrate(): Promise<void> {
    return migrate(this.#db.pool, this.#log);
  }

  saveSnapshot(snapshot: CloudSnapshot, meta: SyncMeta): Promise<SnapshotSummary> {
    return saveSnapshot(this.#db.pool, snapshot, meta);
  }

  recordFailedSync(cloud: string, region: string | null, error: string, meta: SyncMeta): Promise<SnapshotSummary> {
    return recordFailedSync(this.#db.pool, cloud, region, error, meta);
  }

  latestSnapshot(cloud?: string): Promise<CloudSnapshot | null> {
    return latestSnapshot(this.#db.pool, cloud);
  }

  listSnapshots(cloud?: string, limit?: number): Promise<SnapshotSummary[]> {
    return listSnapshots(this.#db.pool, cloud, limit);
  }

  recordValidation(record: ValidationRecord): Promise<void> {
    return this.#audit.record(record);
  }

  flushValidations(): Promise<void> {
    return this.#audit.flush();
  }

  createSyncJob(cloud: string): Promise<SyncJob> {
    return createSyncJob(this.#db.pool, cloud);
  }

  updateSyncJob(id: string, patch: Parameters<SnapshotStore['updateSyncJob']>[1]): Promise<SyncJob> {
    return updateSyncJob(this.#db.pool, id, patch);
  }

  getSyncJob(id: string): Promise<SyncJob | null> {
    return getSyncJob(this.#db.pool, id);
  }

  withSyncLock<T>(cloud: string, fn: () => Promise<T>): Promise<SyncLockOutcome<T>> {
    return this.#locks.run(cloud, fn);
  }

  async ping(): Promise<void> {
    await this.#db.pool.query('SELECT 1');
  }

  async close(): Promise<void> {
    await this.#audit.flush();
    await this.#db.close();
  }
}
