// SnapshotStore over one pg.Pool: the same SQL on real PostgreSQL and on embedded PGlite (design.md
// "Storage"). Snapshots are immutable once written; the newest complete one per cloud is current.
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import type { CloudSnapshot, Flavor, Host, Image, Inventory, PciProvider, SnapshotSummary, SyncJob, SyncJobStatus, ValidationRecord } from '../model/index.ts';
import type { Database, StoreLog } from './database.ts';
import type { SnapshotStore, SyncMeta } from './types.ts';

// Same relative place from src/store/ (tsx) and dist/store/ (compiled): <repo>/migrations.
const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations', import.meta.url));
// Rows per bulk INSERT: bounds one statement's parameter (~7 MB for 5,000 hosts with 60 traits each) and
// so the main-thread time spent serialising it, while 15,000 hosts still take only a few statements.
const CHUNK_ROWS = 5_000;
// Sync locks use the two-key form pg_try_advisory_lock(int, int) with this first key, so they cannot
// collide with other applications' locks on a shared database, nor with node-pg-migrate's one-key lock.
export const SYNC_LOCK_NAMESPACE = 0x4e41; // "NA"
const DEFAULT_LIST_LIMIT = 50;

// ---------------------------------------------------------------- bulk insert

interface Column<T> {
  name: string;
  /** The column's SQL type, which jsonb_to_recordset converts the JSON value to. */
  type: 'text' | 'integer' | 'boolean' | 'double precision' | 'jsonb' | 'text[]';
  value: (row: T, ord: number) => unknown;
}

interface Table<T> {
  name: string;
  columns: Column<T>[];
}

/** A PCI provider with the host whose list holds it. */
interface PciRow {
  hostUuid: string;
  provider: PciProvider;
}

const ord = <T>(): Column<T> => ({ name: 'ord', type: 'integer', value: (_row, position) => position });

const FLAVORS: Table<Flavor> = {
  name: 'flavors',
  columns: [
    ord(),
    { name: 'id', type: 'text', value: (f) => f.id },
    { name: 'name', type: 'text', value: (f) => f.name },
    { name: 'vcpus', type: 'integer', value: (f) => f.vcpus },
    { name: 'ram_mb', type: 'integer', value: (f) => f.ramMb },
    { name: 'disk_gb', type: 'integer', value: (f) => f.diskGb },
    { name: 'ephemeral_gb', type: 'integer', value: (f) => f.ephemeralGb },
    { name: 'swap_mb', type: 'integer', value: (f) => f.swapMb },
    { name: 'is_public', type: 'boolean', value: (f) => f.isPublic },
    { name: 'extra_specs', type: 'jsonb', value: (f) => f.extraSpecs },
  ],
};

const IMAGES: Table<Image> = {
  name: 'images',
  columns: [
    ord(),
    { name: 'id', type: 'text', value: (i) => i.id },
    { name: 'name', type: 'text', value: (i) => i.name },
    { name: 'status', type: 'text', value: (i) => i.status },
    { name: 'visibility', type: 'text', value: (i) => i.visibility },
    { name: 'disk_format', type: 'text', value: (i) => i.diskFormat },
    { name: 'min_disk_gb', type: 'integer', value: (i) => i.minDiskGb },
    { name: 'min_ram_mb', type: 'integer', value: (i) => i.minRamMb },
    { name: 'properties', type: 'jsonb', value: (i) => i.properties },
  ],
};

const HOSTS: Table<Host> = {
  name: 'hosts',
  columns: [
    ord(),
    { name: 'uuid', type: 'text', value: (h) => h.uuid },
    { name: 'name', type: 'text', value: (h) => h.name },
    { name: 'traits', type: 'text[]', value: (h) => h.traits },
    { name: 'aggregates', type: 'text[]', value: (h) => h.aggregates },
    { name: 'inventories', type: 'jsonb', value: (h) => h.inventories },
    { name: 'usages', type: 'jsonb', value: (h) => h.usages },
  ],
};

const PCI_PROVIDERS: Table<PciRow> = {
  name: 'pci_providers',
  columns: [
    ord(),
    { name: 'host_uuid', type: 'text', value: (r) => r.hostUuid },
    { name: 'uuid', type: 'text', value: (r) => r.provider.uuid },
    { name: 'name', type: 'text', value: (r) => r.provider.name },
    { name: 'parent_uuid', type: 'text', value: (r) => r.provider.parentUuid },
    { name: 'root_uuid', type: 'text', value: (r) => r.provider.rootUuid },
    { name: 'resource_class', type: 'text', value: (r) => r.provider.resourceClass },
    { name: 'traits', type: 'text[]', value: (r) => r.provider.traits },
    { name: 'total', type: 'integer', value: (r) => r.provider.inventory.total },
    { name: 'reserved', type: 'integer', value: (r) => r.provider.inventory.reserved },
    { name: 'min_unit', type: 'integer', value: (r) => r.provider.inventory.minUnit },
    { name: 'max_unit', type: 'integer', value: (r) => r.provider.inventory.maxUnit },
    { name: 'step_size', type: 'integer', value: (r) => r.provider.inventory.stepSize },
    { name: 'allocation_ratio', type: 'double precision', value: (r) => r.provider.inventory.allocationRatio },
    { name: 'used', type: 'integer', value: (r) => r.provider.used },
  ],
};

/**
 * One `INSERT … SELECT FROM jsonb_to_recordset($2)` per chunk: the chunk travels as one JSON document and
 * PostgreSQL turns it into typed rows (JSON arrays into text[], objects into jsonb; PostgreSQL docs,
 * "JSON Processing Functions"). COPY FROM STDIN kills the embedded server (design.md "Storage").
 * Measured against the `INSERT … SELECT FROM unnest($2::text[], …)` form on 15,000 hosts × 10 PCI
 * providers: unnest cannot carry per-row lists (it flattens arrays, which must be rectangular), and pg's
 * escaping of array parameters full of JSON cost 350–650 ms of main thread per 5,000 hosts against
 * 30–140 ms for JSON.stringify; the whole save was 25–40 % faster on both engines this way.
 */
function insertSql<T>(table: Table<T>): string {
  const names = table.columns.map((c) => c.name).join(', ');
  const types = table.columns.map((c) => `${c.name} ${c.type}`).join(', ');
  return (
    `INSERT INTO ${table.name} (snapshot_id, ${names}) ` +
    `SELECT $1, ${names} FROM jsonb_to_recordset($2::jsonb) AS u(${types})`
  );
}

async function bulkInsert<T>(client: pg.ClientBase, table: Table<T>, snapshotId: string, rows: T[]): Promise<void> {
  const sql = insertSql(table);
  for (let start = 0; start < rows.length; start += CHUNK_ROWS) {
    const chunk = rows.slice(start, start + CHUNK_ROWS).map((row, i) =>
      Object.fromEntries(table.columns.map((c) => [c.name, c.value(row, start + i)])),
    );
    await client.query(sql, [snapshotId, JSON.stringify(chunk)]);
  }
}

// ---------------------------------------------------------------- rows as read back

interface SnapshotRow {
  id: string;
  cloud: string;
  region: string | null;
  source: CloudSnapshot['source'];
  taken_at_iso: string;
  status: SnapshotSummary['status'];
  flavor_count: number;
  image_count: number;
  host_count: number;
  pci_provider_count: number;
  duration_ms: number | null;
  request_count: number | null;
  error: string | null;
}

const SNAPSHOT_COLUMNS =
  'id, cloud, region, source, taken_at_iso, status, flavor_count, image_count, host_count, ' +
  'pci_provider_count, duration_ms, request_count, error';

interface FlavorRow {
  id: string;
  name: string;
  vcpus: number;
  ram_mb: number;
  disk_gb: number;
  ephemeral_gb: number;
  swap_mb: number;
  is_public: boolean;
  extra_specs: Record<string, string>;
}

interface ImageRow {
  id: string;
  name: string | null;
  status: string;
  visibility: string | null;
  disk_format: string | null;
  min_disk_gb: number;
  min_ram_mb: number;
  properties: Record<string, string>;
}

interface HostRow {
  uuid: string;
  name: string;
  traits: string[];
  aggregates: string[];
  inventories: Record<string, Inventory>;
  usages: Record<string, number>;
}

interface PciProviderRow {
  host_uuid: string;
  uuid: string;
  name: string;
  parent_uuid: string;
  root_uuid: string;
  resource_class: string;
  traits: string[];
  total: number;
  reserved: number;
  min_unit: number;
  max_unit: number;
  step_size: number;
  allocation_ratio: number;
  used: number;
}

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

function toSummary(row: SnapshotRow): SnapshotSummary {
  return {
    id: row.id,
    cloud: row.cloud,
    region: row.region,
    source: row.source,
    status: row.status,
    takenAt: row.taken_at_iso,
    counts: {
      flavors: row.flavor_count,
      images: row.image_count,
      hosts: row.host_count,
      pciProviders: row.pci_provider_count,
    },
    durationMs: row.duration_ms,
    requestCount: row.request_count,
    error: row.error,
  };
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

type SyncJobPatch = Parameters<SnapshotStore['updateSyncJob']>[1];

/** How each patchable SyncJob field is written; progress merges per service (jsonb `||`). */
const SYNC_JOB_PATCH: { [K in keyof Required<SyncJobPatch>]: (param: string) => string } = {
  status: (p) => `status = ${p}`,
  finishedAt: (p) => `finished_at = ${p}::timestamptz`,
  progress: (p) => `progress = progress || ${p}::jsonb`,
  requestCount: (p) => `request_count = ${p}`,
  snapshotId: (p) => `snapshot_id = ${p}`,
  error: (p) => `error = ${p}`,
};

// ---------------------------------------------------------------- the store

/**
 * Validation audit rows are written in batches: one INSERT per request would cost every validation a database
 * round trip (and, embedded, a turn of the single session). A batch goes when it is full or after a short wait.
 */
const AUDIT_BATCH_MAX = 500;
const AUDIT_FLUSH_MS = 250;

interface QueuedValidation {
  record: ValidationRecord;
  resolve(): void;
  reject(err: unknown): void;
}

export class PgSnapshotStore implements SnapshotStore {
  readonly #db: Database;
  readonly #log: StoreLog | undefined;
  /** Clouds being synced by this process; the embedded engine's stand-in for advisory locks. */
  readonly #localSyncLocks = new Set<string>();
  /** Validation records waiting for the next batch INSERT. */
  readonly #audit: QueuedValidation[] = [];
  #auditTimer: NodeJS.Timeout | undefined;
  #auditWrite: Promise<void> = Promise.resolve();

  constructor(db: Database, log?: StoreLog) {
    this.#db = db;
    this.#log = log;
  }

  async migrate(): Promise<void> {
    // Loaded on demand: node-pg-migrate sets up jiti (its .js/.ts migration loader) at import time, which
    // only this call needs.
    const { runner } = await import('node-pg-migrate');
    const log = this.#log;
    await this.#withClient((client) =>
      runner({
        dbClient: client,
        dir: MIGRATIONS_DIR,
        // Only .sql files are migrations (a README beside them is not).
        ignorePattern: '(?!.*\\.sql$).*',
        migrationsTable: 'pgmigrations',
        direction: 'up',
        checkOrder: true,
        singleTransaction: true,
        // Replicas starting together: the second waits for the first, then finds nothing to run.
        advisoryLockMode: 'wait',
        logger: {
          info: (msg) => log?.info({}, msg),
          warn: (msg) => log?.warn({}, msg),
          error: (msg) => log?.error({}, msg),
        },
      }),
    );
  }

  async saveSnapshot(snapshot: CloudSnapshot, meta: SyncMeta): Promise<SnapshotSummary> {
    const pciRows = snapshot.hosts.flatMap((h) => h.pciProviders.map((provider) => ({ hostUuid: h.uuid, provider })));
    // One transaction: readers see the whole snapshot or none of it, so committing is what marks it
    // complete, and a failure part-way leaves the previous snapshot current.
    return this.#transaction(async (client) => {
      const { rows } = await client.query<SnapshotRow>(
        `INSERT INTO snapshots (id, cloud, region, source, taken_at, taken_at_iso, status, flavor_count,
           image_count, host_count, pci_provider_count, duration_ms, request_count)
         VALUES ($1, $2, $3, $4, $5::text::timestamptz, $5::text, 'complete', $6, $7, $8, $9, $10, $11)
         RETURNING ${SNAPSHOT_COLUMNS}`,
        [
          snapshot.id,
          snapshot.cloud,
          snapshot.region,
          snapshot.source,
          snapshot.takenAt,
          snapshot.flavors.length,
          snapshot.images.length,
          snapshot.hosts.length,
          pciRows.length,
          meta.durationMs,
          meta.requestCount,
        ],
      );
      await bulkInsert(client, FLAVORS, snapshot.id, snapshot.flavors);
      await bulkInsert(client, IMAGES, snapshot.id, snapshot.images);
      await bulkInsert(client, HOSTS, snapshot.id, snapshot.hosts);
      await bulkInsert(client, PCI_PROVIDERS, snapshot.id, pciRows);
      return toSummary(firstRow(rows));
    });
  }

  async recordFailedSync(
    cloud: string,
    region: string | null,
    error: string,
    meta: SyncMeta,
  ): Promise<SnapshotSummary> {
    // Only a failed sync of a real cloud is recorded (the demo cloud is loaded, not synced).
    const { rows } = await this.#db.pool.query<SnapshotRow>(
      `INSERT INTO snapshots (id, cloud, region, source, taken_at, taken_at_iso, status, duration_ms,
         request_count, error)
       VALUES ($1, $2, $3, 'openstack', $4::text::timestamptz, $4::text, 'failed', $5, $6, $7)
       RETURNING ${SNAPSHOT_COLUMNS}`,
      [randomUUID(), cloud, region, new Date().toISOString(), meta.durationMs, meta.requestCount, error],
    );
    return toSummary(firstRow(rows));
  }

  async latestSnapshot(cloud?: string): Promise<CloudSnapshot | null> {
    const { rows } = await this.#db.pool.query<SnapshotRow>(
      `SELECT ${SNAPSHOT_COLUMNS} FROM snapshots
       WHERE status = 'complete' AND ($1::text IS NULL OR cloud = $1)
       ORDER BY seq DESC LIMIT 1`,
      [cloud ?? null],
    );
    const head = rows[0];
    return head ? this.#loadSnapshot(head) : null;
  }

  async listSnapshots(cloud?: string, limit = DEFAULT_LIST_LIMIT): Promise<SnapshotSummary[]> {
    const { rows } = await this.#db.pool.query<SnapshotRow>(
      `SELECT ${SNAPSHOT_COLUMNS} FROM snapshots
       WHERE $1::text IS NULL OR cloud = $1
       ORDER BY seq DESC LIMIT $2`,
      [cloud ?? null, limit],
    );
    return rows.map(toSummary);
  }

  recordValidation(record: ValidationRecord): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#audit.push({ record, resolve, reject });
      if (this.#audit.length >= AUDIT_BATCH_MAX) void this.flushValidations();
      else this.#auditTimer ??= setTimeout(() => void this.flushValidations(), AUDIT_FLUSH_MS).unref();
    });
  }

  async flushValidations(): Promise<void> {
    clearTimeout(this.#auditTimer);
    this.#auditTimer = undefined;
    // One batch at a time, in arrival order: a flush asked for while one runs waits for it, then takes the rest.
    const previous = this.#auditWrite;
    const write = previous.then(async () => {
      while (this.#audit.length > 0) await this.#writeAudit(this.#audit.splice(0, AUDIT_BATCH_MAX));
    });
    this.#auditWrite = write;
    await write;
  }

  async #writeAudit(batch: QueuedValidation[]): Promise<void> {
    const columns = 6;
    const values = batch.map((_q, i) => `(${Array.from({ length: columns }, (_c, j) => `$${i * columns + j + 1}`).join(', ')})`);
    try {
      await this.#db.pool.query(
        `INSERT INTO validations (cloud, snapshot_id, image_ref, flavor_ref, verdict, finding_ids) VALUES ${values.join(', ')}`,
        batch.flatMap(({ record: r }) => [r.cloud, r.snapshotId, r.imageRef, r.flavorRef, r.verdict, r.findingIds]),
      );
      for (const q of batch) q.resolve();
    } catch (err) {
      // The answers were given already; losing their audit rows is logged, not retried against a failing database.
      this.#log?.error({ err, records: batch.length }, 'validation audit batch not written');
      for (const q of batch) q.reject(err);
    }
  }

  async createSyncJob(cloud: string): Promise<SyncJob> {
    const { rows } = await this.#db.pool.query<SyncJobRow>(
      `INSERT INTO sync_jobs (id, cloud, status) VALUES ($1, $2, 'running') RETURNING *`,
      [randomUUID(), cloud],
    );
    return toSyncJob(firstRow(rows));
  }

  async updateSyncJob(id: string, patch: SyncJobPatch): Promise<SyncJob> {
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
        ? `UPDATE sync_jobs SET ${assignments.join(', ')} WHERE id = $1 RETURNING *`
        : SYNC_JOB_BY_ID;
    const { rows } = await this.#db.pool.query<SyncJobRow>(sql, values);
    const row = rows[0];
    if (!row) throw new Error(`sync job ${id} does not exist`);
    return toSyncJob(row);
  }

  async getSyncJob(id: string): Promise<SyncJob | null> {
    const { rows } = await this.#db.pool.query<SyncJobRow>(SYNC_JOB_BY_ID, [id]);
    const row = rows[0];
    return row ? toSyncJob(row) : null;
  }

  async withSyncLock<T>(cloud: string, fn: () => Promise<T>): Promise<{ ran: true; value: T } | { ran: false }> {
    return this.#db.kind === 'embedded' ? this.#withLocalLock(cloud, fn) : this.#withAdvisoryLock(cloud, fn);
  }

  async ping(): Promise<void> {
    await this.#db.pool.query('SELECT 1');
  }

  async close(): Promise<void> {
    await this.flushValidations();
    await this.#db.close();
  }

  // ---------------------------------------------------------------- internals

  async #loadSnapshot(head: SnapshotRow): Promise<CloudSnapshot> {
    const pool = this.#db.pool;
    const params = [head.id];
    // Rows of a committed snapshot never change, so four independent reads see one consistent snapshot.
    const [flavors, images, hosts, pci] = await Promise.all([
      pool.query<FlavorRow>('SELECT * FROM flavors WHERE snapshot_id = $1 ORDER BY ord', params),
      pool.query<ImageRow>('SELECT * FROM images WHERE snapshot_id = $1 ORDER BY ord', params),
      pool.query<HostRow>('SELECT * FROM hosts WHERE snapshot_id = $1 ORDER BY ord', params),
      pool.query<PciProviderRow>('SELECT * FROM pci_providers WHERE snapshot_id = $1 ORDER BY ord', params),
    ]);
    const byUuid = new Map<string, Host>();
    const hostList = hosts.rows.map((r): Host => {
      const host: Host = {
        uuid: r.uuid,
        name: r.name,
        traits: r.traits,
        aggregates: r.aggregates,
        inventories: r.inventories,
        usages: r.usages,
        pciProviders: [],
      };
      byUuid.set(r.uuid, host);
      return host;
    });
    for (const r of pci.rows) {
      // The foreign key to hosts guarantees the host exists.
      byUuid.get(r.host_uuid)?.pciProviders.push({
        uuid: r.uuid,
        name: r.name,
        parentUuid: r.parent_uuid,
        rootUuid: r.root_uuid,
        resourceClass: r.resource_class,
        traits: r.traits,
        inventory: {
          total: r.total,
          reserved: r.reserved,
          minUnit: r.min_unit,
          maxUnit: r.max_unit,
          stepSize: r.step_size,
          allocationRatio: r.allocation_ratio,
        },
        used: r.used,
      });
    }
    return {
      id: head.id,
      cloud: head.cloud,
      region: head.region,
      takenAt: head.taken_at_iso,
      source: head.source,
      flavors: flavors.rows.map((r) => ({
        id: r.id,
        name: r.name,
        vcpus: r.vcpus,
        ramMb: r.ram_mb,
        diskGb: r.disk_gb,
        ephemeralGb: r.ephemeral_gb,
        swapMb: r.swap_mb,
        isPublic: r.is_public,
        extraSpecs: r.extra_specs,
      })),
      images: images.rows.map((r) => ({
        id: r.id,
        name: r.name,
        status: r.status,
        visibility: r.visibility,
        diskFormat: r.disk_format,
        minDiskGb: r.min_disk_gb,
        minRamMb: r.min_ram_mb,
        properties: r.properties,
      })),
      hosts: hostList,
    };
  }

  /**
   * Session-level advisory lock held on one dedicated connection for the whole run, so replicas sharing
   * the database never sync the same cloud at once. The server releases it if the connection dies
   * (PostgreSQL docs, "Advisory Locks"). hashtext() collisions between clouds only make one skip a run.
   */
  async #withAdvisoryLock<T>(cloud: string, fn: () => Promise<T>): Promise<{ ran: true; value: T } | { ran: false }> {
    return this.#withClient(async (client) => {
      const key = [SYNC_LOCK_NAMESPACE, cloud];
      const { rows } = await client.query<{ locked: boolean }>(
        'SELECT pg_try_advisory_lock($1, hashtext($2)) AS locked',
        key,
      );
      if (!firstRow(rows).locked) return { ran: false };
      try {
        return { ran: true, value: await fn() };
      } finally {
        await client.query('SELECT pg_advisory_unlock($1, hashtext($2))', key);
      }
    });
  }

  /**
   * Embedded: the socket's single shared session makes advisory locks always succeed, and holding a
   * dedicated client would starve the pool of one that `fn` needs. The lock file already makes this the
   * only process on the data folder, so an in-process set is the whole exclusion needed.
   */
  async #withLocalLock<T>(cloud: string, fn: () => Promise<T>): Promise<{ ran: true; value: T } | { ran: false }> {
    if (this.#localSyncLocks.has(cloud)) return { ran: false };
    this.#localSyncLocks.add(cloud);
    try {
      return { ran: true, value: await fn() };
    } finally {
      this.#localSyncLocks.delete(cloud);
    }
  }

  /**
   * Runs fn on one dedicated connection. After a failure its session state is unknown (a transaction
   * still open, a lock still held), so the connection is discarded rather than returned to the pool.
   */
  async #withClient<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.#db.pool.connect();
    try {
      const value = await fn(client);
      client.release();
      return value;
    } catch (error) {
      client.release(error instanceof Error ? error : new Error(String(error)));
      throw error;
    }
  }

  async #transaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return this.#withClient(async (client) => {
      await client.query('BEGIN');
      try {
        const value = await fn(client);
        await client.query('COMMIT');
        return value;
      } catch (error) {
        // Explicit, because the embedded server keeps one session for every client. If the rollback fails
        // too, the first error is the one worth reporting, and #withClient discards the connection anyway.
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
    });
  }
}

function firstRow<T>(rows: T[]): T {
  const row = rows[0];
  if (row === undefined) throw new Error('expected a row from RETURNING');
  return row;
}
