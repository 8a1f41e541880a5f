// The history of syncs: snapshot summaries, sync jobs, validation audit records (kept by src/store).
import type { Verdict } from './answers.ts';
import type { CloudSnapshot } from './snapshot.ts';

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
