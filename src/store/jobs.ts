// Sync jobs, in the database so any replica can answer GET /v1/sync/{id}. A running job's process writes a
// heartbeat; a job whose heartbeat is older than the lease is failed by whoever reads jobs next, since a
// process that died (killed, crashed, its host lost) can no longer finish its row.
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { SyncJob, SyncJobStatus } from '../model/index.ts';
import { firstRow } from './connection.ts';
import type { SnapshotStore } from './types.ts';

/** How often a running sync's process writes its job's heartbeat (src/sync/sync.ts), by default (SYNC_JOB_HEARTBEAT_SECONDS). */
export const SYNC_JOB_HEARTBEAT_MS = 10_000;
/** Three missed heartbeats: a busy event loop or one slow write does not fail a live sync. */
export const syncJobLeaseMs = (heartbeatMs: number): number => 3 * heartbeatMs;
export const SYNC_JOB_LEASE_MS = syncJobLeaseMs(SYNC_JOB_HEARTBEAT_MS);
export const LEASE_EXPIRED_ERROR = 'its process stopped reporting (lease expired)';

type SyncJobPatch = Parameters<SnapshotStore['updateSyncJob']>[1];

interface SyncJobRow {
  id: string;
  cloud: string;
  status: SyncJobStatus;
  started_at: Date;
  finished_at: Date | null;
  progress: SyncJob['progress'];
  request_count: number;
  snapshot_id: string | null;
  error: string | null;
}

function toSyncJob(row: SyncJobRow): SyncJob {
  return {
    id: row.id,
    cloud: row.cloud,
    status: row.status,
    startedAt: row.started_at.toISOString(),
    finishedAt: row.finished_at ? row.finished_at.toISOString() : null,
    progress: row.progress,
    requestCount: row.request_count,
    snapshotId: row.snapshot_id,
    error: row.error,
  };
}

const SYNC_JOB_BY_ID = 'SELECT * FROM sync_jobs WHERE id = $1';

/** How each patchable SyncJob field is written; progress merges per service (jsonb `||`). */
const SYNC_JOB_PATCH: { [K in keyof Required<SyncJobPatch>]: (param: string) => string } = {
  status: (p) => `status = ${p}`,
  finishedAt: (p) => `finished_at = ${p}::timestamptz`,
  progress: (p) => `progress = progress || ${p}::jsonb`,
  requestCount: (p) => `request_count = ${p}`,
  snapshotId: (p) => `snapshot_id = ${p}`,
  error: (p) => `error = ${p}`,
};

/**
 * Fails the running jobs whose heartbeat is older than the lease, in one statement, so two replicas reading at
 * once fail each job once. The database's clock on both sides: replicas' clocks may differ.
 */
async function expireSyncJobs(pool: pg.Pool, leaseMs: number): Promise<void> {
  await pool.query(
    `UPDATE sync_jobs SET status = 'failed', finished_at = now(), error = $1
     WHERE status = 'running' AND heartbeat_at < now() - make_interval(secs => $2)`,
    [LEASE_EXPIRED_ERROR, leaseMs / 1000],
  );
}

export async function createSyncJob(pool: pg.Pool, cloud: string, leaseMs = SYNC_JOB_LEASE_MS): Promise<SyncJob> {
  await expireSyncJobs(pool, leaseMs);
  const { rows } = await pool.query<SyncJobRow>(
    `INSERT INTO sync_jobs (id, cloud, status) VALUES ($1, $2, 'running') RETURNING *`,
    [randomUUID(), cloud],
  );
  return toSyncJob(firstRow(rows));
}

export async function updateSyncJob(pool: pg.Pool, id: string, patch: SyncJobPatch): Promise<SyncJob> {
  const values: unknown[] = [id];
  const assignments: string[] = [];
  for (const key of Object.keys(SYNC_JOB_PATCH) as (keyof SyncJobPatch)[]) {
    const value = patch[key];
    if (value === undefined) continue;
    values.push(key === 'progress' ? JSON.stringify(value) : value);
    assignments.push(SYNC_JOB_PATCH[key](`$${values.length}`));
  }
  // An empty patch reads the job, so "does not exist" is reported the same way.
  const sql =
    assignments.length > 0
      ? `UPDATE sync_jobs SET ${assignments.join(', ')}, heartbeat_at = now() WHERE id = $1 RETURNING *`
      : SYNC_JOB_BY_ID;
  const { rows } = await pool.query<SyncJobRow>(sql, values);
  const row = rows[0];
  if (!row) throw new Error(`sync job ${id} does not exist`);
  return toSyncJob(row);
}

export async function heartbeatSyncJob(pool: pg.Pool, id: string): Promise<void> {
  await pool.query(`UPDATE sync_jobs SET heartbeat_at = now() WHERE id = $1 AND status = 'running'`, [id]);
}

export async function getSyncJob(pool: pg.Pool, id: string, leaseMs = SYNC_JOB_LEASE_MS): Promise<SyncJob | null> {
  await expireSyncJobs(pool, leaseMs);
  const { rows } = await pool.query<SyncJobRow>(SYNC_JOB_BY_ID, [id]);
  const row = rows[0];
  return row ? toSyncJob(row) : null;
}
