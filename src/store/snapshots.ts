// Snapshots: written once in one transaction, read back whole; their head rows are the sync history.
// Columns come from the maps in tables.ts; this file adds what they do not say (snapshot_id, ord, taken_at).
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { Sharing } from '../lib/sharing.ts';
import type { CloudApis, CloudSnapshot, Flavor, Host, Image, SnapshotSummary } from '../model/index.ts';
import type { Row, Table } from './columns.ts';
import { firstRow, transaction, withClient } from './connection.ts';
import { notifySnapshot } from './notify.ts';
import { FLAVORS, HOSTS, IMAGES, PCI_PROVIDERS, SNAPSHOTS, type PciRow, type SnapshotHead } from './tables.ts';
import type { SyncMeta } from './types.ts';

/** A failed sync read no snapshot, so no version document is kept of it. */
const NO_APIS: CloudApis = { computeMaxMicroversion: null, placementMaxMicroversion: null };

// Rows per bulk INSERT: bounds one statement's parameter (~7 MB for 5,000 hosts with 60 traits each) and
// so the main-thread time spent serialising it, while 15,000 hosts still take only a few statements.
const CHUNK_ROWS = 5_000;
const DEFAULT_LIST_LIMIT = 50;

export async function saveSnapshot(pool: pg.Pool, snapshot: CloudSnapshot, meta: SyncMeta): Promise<SnapshotSummary> {
  const pciRows = snapshot.hosts.flatMap((h) =>
    h.pciProviders.map((provider): PciRow => ({ hostUuid: h.uuid, provider })),
  );
  const summary: SnapshotSummary = {
    id: snapshot.id,
    cloud: snapshot.cloud,
    region: snapshot.region,
    source: snapshot.source,
    status: 'complete',
    takenAt: snapshot.takenAt,
    counts: {
      flavors: snapshot.flavors.length,
      images: snapshot.images.length,
      hosts: snapshot.hosts.length,
      pciProviders: pciRows.length,
    },
    durationMs: meta.durationMs,
    requestCount: meta.requestCount,
    error: null,
  };
  // One transaction: readers see the whole snapshot or none of it, so committing is what marks it
  // complete, and a failure part-way leaves the previous snapshot current.
  return transaction(pool, async (client) => {
    const saved = await insertHead(client, { summary, apis: snapshot.apis });
    await bulkInsert(client, FLAVORS, snapshot.id, snapshot.flavors);
    await bulkInsert(client, IMAGES, snapshot.id, snapshot.images);
    await bulkInsert(client, HOSTS, snapshot.id, snapshot.hosts);
    await bulkInsert(client, PCI_PROVIDERS, snapshot.id, pciRows);
    await notifySnapshot(client, { cloud: snapshot.cloud, id: snapshot.id });
    return saved;
  });
}

export function recordFailedSync(
  pool: pg.Pool,
  cloud: string,
  region: string | null,
  error: string,
  meta: SyncMeta,
): Promise<SnapshotSummary> {
  // Only a failed sync of a real cloud is recorded (the demo cloud is loaded, not synced).
  return insertHead(pool, {
    summary: {
      id: randomUUID(),
      cloud,
      region,
      source: 'openstack',
      status: 'failed',
      takenAt: new Date().toISOString(),
      counts: { flavors: 0, images: 0, hosts: 0, pciProviders: 0 },
      durationMs: meta.durationMs,
      requestCount: meta.requestCount,
      error,
    },
    apis: NO_APIS,
  });
}

export async function latestSnapshot(pool: pg.Pool, cloud?: string): Promise<CloudSnapshot | null> {
  const { rows } = await pool.query(
    `SELECT ${SNAPSHOTS.columns} FROM snapshots
     WHERE status = 'complete' AND ($1::text IS NULL OR cloud = $1)
     ORDER BY seq DESC LIMIT 1`,
    [cloud ?? null],
  );
  const head = rows[0];
  return head ? loadSnapshot(pool, SNAPSHOTS.decode(head)) : null;
}

export async function latestSnapshotIds(pool: pg.Pool): Promise<Record<string, string>> {
  // Head rows only, in the order of the partial index snapshots_latest_complete (cloud, seq DESC): one row per
  // complete sync, no snapshot content, so the registry can run it every 30 s.
  const { rows } = await pool.query<{ cloud: string; id: string }>(
    `SELECT DISTINCT ON (cloud) cloud, id FROM snapshots WHERE status = 'complete' ORDER BY cloud, seq DESC`,
  );
  return Object.fromEntries(rows.map((row) => [row.cloud, row.id]));
}

export async function listSnapshots(
  pool: pg.Pool,
  cloud?: string,
  limit = DEFAULT_LIST_LIMIT,
): Promise<SnapshotSummary[]> {
  const { rows } = await pool.query(
    `SELECT ${SNAPSHOTS.columns} FROM snapshots
     WHERE $1::text IS NULL OR cloud = $1
     ORDER BY seq DESC LIMIT $2`,
    [cloud ?? null, limit],
  );
  return rows.map((row) => SNAPSHOTS.decode(row).summary);
}

/** Writes the head row and returns its summary as stored; taken_at, which orders and filters, is cast from takenAt's string. */
async function insertHead(db: pg.Pool | pg.PoolClient, head: SnapshotHead): Promise<SnapshotSummary> {
  const { rows } = await db.query(
    `INSERT INTO snapshots (taken_at, ${SNAPSHOTS.columns})
     SELECT taken_at_iso::timestamptz, ${SNAPSHOTS.columns}
     FROM jsonb_to_record($1::jsonb) AS u(${SNAPSHOTS.recordType})
     RETURNING ${SNAPSHOTS.columns}`,
    [JSON.stringify(SNAPSHOTS.encode(head, {}))],
  );
  return SNAPSHOTS.decode(firstRow(rows)).summary;
}

/**
 * One `INSERT … SELECT FROM jsonb_to_recordset($2)` per chunk: the chunk travels as one JSON document and
 * PostgreSQL turns it into typed rows (JSON arrays into text[], objects into jsonb; PostgreSQL docs,
 * "JSON Processing Functions"). COPY FROM STDIN kills the embedded server (design.md "Storage").
 * Measured against the `INSERT … SELECT FROM unnest($2::text[], …)` form on 15,000 hosts × 10 PCI
 * providers: unnest cannot carry per-row lists (it flattens arrays, which must be rectangular), and pg's
 * escaping of array parameters full of JSON cost 350–650 ms of main thread per 5,000 hosts against
 * 30–140 ms for JSON.stringify; the whole save was 25–40 % faster on both engines this way.
 * Each row carries `ord`, its position in the snapshot's list, so a load rebuilds the lists in order.
 */
async function bulkInsert<M>(client: pg.PoolClient, table: Table<M>, snapshotId: string, models: M[]): Promise<void> {
  const sql =
    `INSERT INTO ${table.name} (snapshot_id, ord, ${table.columns}) ` +
    `SELECT $1, ord, ${table.columns} FROM jsonb_to_recordset($2::jsonb) AS u(ord integer, ${table.recordType})`;
  for (let start = 0; start < models.length; start += CHUNK_ROWS) {
    const chunk = models.slice(start, start + CHUNK_ROWS).map((model, i) => table.encode(model, { ord: start + i }));
    await client.query(sql, [snapshotId, JSON.stringify(chunk)]);
  }
}

async function loadSnapshot(pool: pg.Pool, { summary: head, apis }: SnapshotHead): Promise<CloudSnapshot> {
  // One per load: the hosts' uuids and trait lists are those their PCI providers share.
  const sharing = new Sharing();
  const read = <M>(table: Table<M>, onModel: (model: M) => void) =>
    eachRow(pool, `SELECT ${table.select} FROM ${table.name} WHERE snapshot_id = $1 ORDER BY ord`, [head.id], (row) => onModel(table.load(row, sharing)));
  // Rows of a committed snapshot never change, so four independent reads see one consistent snapshot. One after
  // another: the embedded pool has one connection, and the fourth read of a 15,000-host snapshot, queued behind
  // the other three, outwaited the pool's 5 s checkout timeout on a loaded machine (measured, issue 16); on
  // PostgreSQL the parsing, which is most of the time, is on this one thread either way.
  const flavors: Flavor[] = [];
  await read(FLAVORS, (flavor) => flavors.push(flavor));
  const images: Image[] = [];
  await read(IMAGES, (image) => images.push(image));
  const hosts: Host[] = [];
  const byUuid = new Map<string, Host>();
  await read(HOSTS, (row) => {
    const host: Host = { ...row, pciProviders: [] };
    byUuid.set(host.uuid, host);
    hosts.push(host);
  });
  // The foreign key to hosts guarantees the host exists.
  await read(PCI_PROVIDERS, ({ hostUuid, provider }) => byUuid.get(hostUuid)?.pciProviders.push(provider));
  return { id: head.id, cloud: head.cloud, region: head.region, takenAt: head.takenAt, source: head.source, apis, flavors, images, hosts };
}

/**
 * Hands each row to `onRow` as it arrives rather than collecting the result: a table's rows then die young, where
 * a 15,000-host snapshot's collected rows (~50 MiB) outlived the minor collections and stayed in the old generation
 * as garbage until a full one (issue 16). A failing `onRow` fails the read once the rows have come.
 */
function eachRow(pool: pg.Pool, text: string, values: unknown[], onRow: (row: Row) => void): Promise<void> {
  return withClient(pool, (client) => new Promise<void>((resolve, reject) => {
    let failure: { error: unknown } | null = null;
    // A Query given no callback and listened to for rows keeps none (pg/lib/query.js, `_accumulateRows`).
    client.query(new pg.Query(text, values))
      .on('row', (row: Row) => {
        if (failure) return;
        try {
          onRow(row);
        } catch (error) {
          failure = { error };
        }
      })
      .on('error', reject)
      .on('end', () => (failure ? reject(failure.error) : resolve()));
  }));
}
