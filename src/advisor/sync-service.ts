// The sync service as the API and CLI see it.
import type { SyncJob } from '../model/index.ts';

export interface SyncService {
  /** Names of the configured clouds (clouds.yaml names, or `envvars` for OS_* variables). */
  clouds(): string[];
  /** Starts a sync in the background and returns its job at once. */
  start(cloud?: string): Promise<SyncJob>;
  get(id: string): Promise<SyncJob | null>;
}
