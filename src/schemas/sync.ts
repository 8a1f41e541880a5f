// POST /v1/sync and GET /v1/sync/{id}: sync jobs (store's SyncJob).
import { z } from 'zod';
import type { SyncJob as StoreSyncJob } from '../model/index.ts';
import { CloudName, Name, type Assert, type Conforms } from './common.ts';

export const SyncJob = z
  .object({
    id: z.string(),
    cloud: z.string(),
    status: z.enum(['running', 'succeeded', 'failed', 'skipped']),
    startedAt: z.string(),
    finishedAt: z.string().nullable(),
    progress: z.record(z.string(), z.object({ done: z.number().int(), total: z.number().int().nullable() })),
    requestCount: z.number().int(),
    snapshotId: z.string().nullable(),
    error: z.string().nullable(),
  })
  .meta({ id: 'SyncJob' });

export type _SyncJobConforms = Assert<Conforms<z.output<typeof SyncJob>, StoreSyncJob>>;

export const SyncRequest = z
  .strictObject({ cloud: CloudName })
  .meta({ id: 'SyncRequest' });

export const SyncJobParams = z.strictObject({ id: Name });
