// Snapshots: written once in one transaction, read back whole; their head rows are the sync history.
// Columns come from the maps in tables.ts; this file adds what they do not say (snapshot_id, ord, taken_at).
import { createHash, randomUUID } from 'node:crypto';
import v8 from 'node:v8';
import { gunzipSync, gzipSync } from 'node:zlib';
import pg from 'pg';
import { Sharing } from '../lib/sharing.ts';
import type { CloudApis, CloudSnapshot, Flavor, Host, Image, SnapshotSummary } from '../model/index.ts';
import { PackWriter, type PackContents, type PackedColumn, type Row, type Table } from './columns.ts';
import { firstRow, transaction, withClient } from './connection.ts';
import type { StoreLog } from './database.ts';
import { notifySnapshot } from './notify.ts';
import { FLAVORS, HOSTS, IMAGES, PCI_PROVIDERS, SNAPSHOTS, type HostRow, type PciRow, type SnapshotHead } from './tables.ts';
import type { SyncMeta } from './types.ts';

/** A failed sync read no snapshot, so no version document is kept of it. */
const NO_APIS: CloudApis = { computeMaxMicroversion: null, placementMaxMicroversion: null };

// Rows per bulk INSERT and per pack part: bounds one statement's parameter (~7 MB for 5,000 hosts with 60 traits
// each) and so the main-thread time spent serialising it, while 15,000 hosts still take only a few statements.
const CHUNK_ROWS = 5_000;
const DEFAULT_LIST_LIMIT = 50;

/** The tables a snapshot pack holds, in the order of its `tables` (and of `Assembly.sinks`). */
const PACKED: readonly Table<unknown>[] = [FLAVORS, IMAGES, HOSTS, PCI_PROVIDERS];

/**
 * What a snapshot pack's form depends on besides V8: this code's way of packing (raise PACK_VERSION when it changes)
 * and every packed table's layout (a field added to a column map changes it). A pack tagged otherwise, or by
 * another V8 (V8's format is only backward-compatible: Node docs, `v8.serialize`), is not read: the snapshot loads
 * from its rows.
 */
const PACK_VERSION = 1;
const PACK_FORMAT = `${PACK_VERSION}:${createHash('sha256').update(PACKED.map((t) => `${t.name}(${t.layout})`).join(';')).digest('hex').slice(0, 16)}`;

/**
 * One part of a snapshot pack as serialised: up to CHUNK_ROWS models of one table (its index in PACKED) as columns,
 * with the strings and values they are the first to point into (columns.ts `PackWriter`).
 */
interface PackPart extends PackContents {
  table: number;
  columns: PackedColumn[];
}

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
    await insertPack(client, snapshot.id);
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

export async function latestSnapshot(pool: pg.Pool, cloud?: string, log?: StoreLog): Promise<CloudSnapshot | null> {
  const { rows } = await pool.query(
    `SELECT ${SNAPSHOTS.columns} FROM snapshots
     WHERE status = 'complete' AND ($1::text IS NULL OR cloud = $1)
     ORDER BY seq DESC LIMIT 1`,
    [cloud ?? null],
  );
  const head = rows[0];
  return head ? loadSnapshot(pool, SNAPSHOTS.decode(head), log) : null;
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

/**
 * The snapshot packed, written in the save's transaction: the four tables read back as a load reads them (so the pack
 * holds what a row load gives, shared values and jsonb's key order included), laid out in columns (columns.ts
 * `packer`), in parts of CHUNK_ROWS models each serialised by V8 and gzipped (a 15,000-host snapshot: 54 parts,
 * 7.8 MiB). Parts bound the save's memory and event-loop stalls to a chunk's. A load reads them in one query and builds
 * the models without parsing a row (issue 16's cold start); see src/store/README.md for the figures.
 */
async function insertPack(client: pg.PoolClient, snapshotId: string): Promise<void> {
  const pack = new PackWriter();
  const parts: Buffer[] = [];
  await readRows(client, snapshotId, PACKED.map((table, index): Sink => {
    const packer = table.packer(pack);
    let rows = 0;
    const flush = () => {
      const part: PackPart = { table: index, ...pack.take(), columns: packer.flush() };
      parts.push(gzipSync(v8.serialize(part), { level: 1 }));
    };
    return {
      table,
      add: (model) => {
        packer.add(model);
        if (++rows % CHUNK_ROWS === 0) flush();
      },
      // Each table ends with a part, empty for an empty table, so a pack always has every table.
      end: () => {
        if (rows === 0 || rows % CHUNK_ROWS !== 0) flush();
      },
    };
  }));
  for (const [part, bytes] of parts.entries()) {
    await client.query('INSERT INTO snapshot_packs (snapshot_id, part, format, v8, pack) VALUES ($1, $2, $3, $4, $5)', [
      snapshotId,
      part,
      PACK_FORMAT,
      process.versions.v8,
      bytes,
    ]);
  }
}

/** From the snapshot's pack when it has one this process can read, else from its rows. */
async function loadSnapshot(pool: pg.Pool, head: SnapshotHead, log?: StoreLog): Promise<CloudSnapshot> {
  const started = performance.now();
  return withClient(pool, async (client) => {
    const unpacked = await fromPack(client, head, log);
    const snapshot = unpacked ?? (await fromRows(client, head));
    log?.debug?.({ snapshotId: head.summary.id, from: unpacked ? 'pack' : 'rows', ms: Math.round(performance.now() - started) }, 'snapshot loaded');
    return snapshot;
  });
}

/** Null when the snapshot has no pack of this PACK_FORMAT and V8 (saved before them), or it cannot be read. */
async function fromPack(client: pg.PoolClient, head: SnapshotHead, log?: StoreLog): Promise<CloudSnapshot | null> {
  const { id, counts } = head.summary;
  const { rows } = await client.query<{ part: number; pack: Buffer }>(
    'SELECT part, pack FROM snapshot_packs WHERE snapshot_id = $1 AND format = $2 AND v8 = $3 ORDER BY part',
    [id, PACK_FORMAT, process.versions.v8],
  );
  if (rows.length === 0) return null;
  try {
    const contents: { strings: (string | null)[]; values: unknown[] } = { strings: [], values: [] };
    // As a row load shares the strings in its values (lib/sharing.ts); a part's strings are one each already.
    const sharing = new Sharing();
    const assembly = new Assembly();
    for (const [index, { part, pack }] of rows.entries()) {
      if (part !== index) throw new Error(`part ${index} is missing`);
      const { table, strings, values, columns } = v8.deserialize(gunzipSync(pack)) as PackPart;
      for (const string of strings) contents.strings.push(string);
      for (const value of values) contents.values.push(sharing.shareStrings(value));
      const sink = assembly.sinks[table]!;
      for (const model of sink.table.unpack(columns, contents)) sink.add(model);
    }
    const snapshot = assembly.snapshot(head);
    const found = { flavors: snapshot.flavors.length, images: snapshot.images.length, hosts: snapshot.hosts.length, pciProviders: assembly.pciProviders };
    if (Object.entries(found).some(([key, n]) => counts[key as keyof typeof counts] !== n)) {
      throw new Error(`the pack holds ${JSON.stringify(found)}, the snapshot ${JSON.stringify(counts)}`);
    }
    return snapshot;
  } catch (err) {
    log?.warn({ err, snapshotId: id }, 'could not read the snapshot pack; loading the snapshot from its rows');
    return null;
  }
}

function fromRows(client: pg.PoolClient, head: SnapshotHead): Promise<CloudSnapshot> {
  const assembly = new Assembly();
  return readRows(client, head.summary.id, assembly.sinks).then(() => assembly.snapshot(head));
}

/** A table and where its models go, in order (the type of the models ends here); `end` after its last. */
interface Sink {
  table: Table<unknown>;
  add(model: unknown): void;
  end?(): void;
}

function sink<M>(table: Table<M>, add: (model: M) => void): Sink {
  return { table: table as Table<unknown>, add: add as (model: unknown) => void };
}

/** The snapshot's lists as the tables' models come: hosts, then their PCI providers by host uuid. */
class Assembly {
  readonly #flavors: Flavor[] = [];
  readonly #images: Image[] = [];
  readonly #hosts: Host[] = [];
  readonly #byUuid = new Map<string, Host>();
  pciProviders = 0;
  /** Where each table's models go, in PACKED order. */
  readonly sinks: Sink[] = [
    sink(FLAVORS, (flavor: Flavor) => this.#flavors.push(flavor)),
    sink(IMAGES, (image: Image) => this.#images.push(image)),
    sink(HOSTS, (row: HostRow) => {
      const host: Host = { ...row, pciProviders: [] };
      this.#byUuid.set(host.uuid, host);
      this.#hosts.push(host);
    }),
    // The foreign key to hosts guarantees the host exists.
    sink(PCI_PROVIDERS, ({ hostUuid, provider }: PciRow) => {
      this.#byUuid.get(hostUuid)?.pciProviders.push(provider);
      this.pciProviders++;
    }),
  ];

  snapshot({ summary: head, apis }: SnapshotHead): CloudSnapshot {
    return { id: head.id, cloud: head.cloud, region: head.region, takenAt: head.takenAt, source: head.source, apis, flavors: this.#flavors, images: this.#images, hosts: this.#hosts };
  }
}

/**
 * Reads each sink's table of the snapshot, decoding rows as they arrive, one table after another. One Sharing for all:
 * the hosts' uuids and trait lists are those their PCI providers share. Rows of a committed snapshot never change, so
 * independent reads see one consistent snapshot; one after another, as the embedded pool has one connection, and the
 * fourth read of a 15,000-host snapshot, queued behind the other three, outwaited the pool's 5 s checkout timeout on a
 * loaded machine (measured, issue 16); on PostgreSQL the parsing, which is most of the time, is on this one thread
 * either way.
 */
async function readRows(client: pg.PoolClient, snapshotId: string, sinks: readonly Sink[]): Promise<void> {
  const sharing = new Sharing();
  for (const { table, add, end } of sinks) {
    await eachRow(client, `SELECT ${table.select} FROM ${table.name} WHERE snapshot_id = $1 ORDER BY ord`, [snapshotId], (row) => add(table.load(row, sharing)));
    end?.();
  }
}

/**
 * Hands each row to `onRow` as it arrives rather than collecting the result: a table's rows then die young, where
 * a 15,000-host snapshot's collected rows (~50 MiB) outlived the minor collections and stayed in the old generation
 * as garbage until a full one (issue 16). A failing `onRow` fails the read once the rows have come.
 */
function eachRow(client: pg.PoolClient, text: string, values: unknown[], onRow: (row: Row) => void): Promise<void> {
  return new Promise<void>((resolve, reject) => {
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
  });
}
