// GET /v1/snapshots: the history of syncs (store's SnapshotSummary).
import { z } from 'zod';
import type { SnapshotSummary as StoreSnapshotSummary } from '../model/index.ts';
import { CloudName, type Assert, type Conforms } from './common.ts';

export const SnapshotSummary = z
  .object({
    id: z.string(),
    cloud: z.string(),
    region: z.string().nullable(),
    source: z.enum(['demo', 'openstack']),
    status: z.enum(['complete', 'failed']),
    takenAt: z.string(),
    counts: z.object({ flavors: z.number().int(), images: z.number().int(), hosts: z.number().int(), pciProviders: z.number().int() }),
    durationMs: z.number().nullable(),
    requestCount: z.number().int().nullable(),
    error: z.string().nullable(),
  })
  .meta({ id: 'SnapshotSummary' });

export type _SnapshotSummaryConforms = Assert<Conforms<z.output<typeof SnapshotSummary>, StoreSnapshotSummary>>;

export const SnapshotList = z.object({ items: z.array(SnapshotSummary) }).meta({ id: 'SnapshotList' });

export const SnapshotListQuery = z.strictObject({
  cloud: CloudName,
  limit: z.coerce.number().int().min(1).max(1000).default(20),
});
