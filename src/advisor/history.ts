// Sync history and jobs as a caller may read them: a failed sync's error text names internal endpoints and
// upstream details (the store records "<code>: <message>"), which are sync internals; a caller without host-level
// access (policy.ts) reads the error's code only.
import type { SnapshotSummary, SyncJob } from '../model/index.ts';
import type { Caller } from './policy.ts';

function errorFor(error: string | null, caller: Caller): string | null {
  if (error === null || caller.hostDetail) return error;
  const code = /^([a-z_]+):/.exec(error)?.[1];
  return code ?? 'sync_failed';
}

export function syncJobView(job: SyncJob, caller: Caller): SyncJob {
  return caller.hostDetail ? job : { ...job, error: errorFor(job.error, caller) };
}

export function snapshotSummaryView(summary: SnapshotSummary, caller: Caller): SnapshotSummary {
  return caller.hostDetail ? summary : { ...summary, error: errorFor(summary.error, caller) };
}
