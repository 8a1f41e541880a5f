-- Up Migration
-- A sync job's process reports it is alive every few seconds (src/store/jobs.ts SYNC_JOB_HEARTBEAT_MS); a running
-- job whose heartbeat is older than the lease is failed by the next process that reads jobs, so a job whose process
-- died does not stay `running` for ever. Rows running when this is applied get now(): they expire one lease later
-- unless their process reports.

ALTER TABLE sync_jobs ADD COLUMN heartbeat_at timestamptz NOT NULL DEFAULT now();

-- The expiry's UPDATE … WHERE status = 'running' AND heartbeat_at < …: running jobs are few among all jobs.
CREATE INDEX sync_jobs_running ON sync_jobs (heartbeat_at) WHERE status = 'running';
