// The audit of validation requests, written in batches: one INSERT per request would cost every validation
// a database round trip (and, embedded, a turn of the single session). A batch goes when it is full or
// after a short wait. A batch PostgreSQL refuses because of one of its rows is written again row by row, so one
// bad row costs only itself. While the database cannot be reached, rows wait in a bounded buffer and are
// retried with backoff; a full buffer drops its oldest rows.
import type pg from 'pg';
import type { ValidationRecord } from '../model/index.ts';
import type { StoreLog } from './database.ts';
import { isConnectionError, StoreUnavailableError } from './errors.ts';

/** A batch goes as soon as this many rows wait. */
const AUDIT_BATCH_MAX = 500;
/**
 * The most rows one write takes. Writes go one at a time, so when rows come faster than 500-row batches are written
 * (5,000+ validations/s on a loaded 2-core machine fell 10,000 rows behind and dropped the oldest, issue 16), the next
 * write takes the whole backlog instead, and the buffer below is only ever filled by an outage.
 */
const AUDIT_WRITE_MAX = 5_000;
const AUDIT_FLUSH_MS = 250;
/** Rows kept while the database is down (two full writes, a few MB); past it the oldest are dropped, and counted. */
export const AUDIT_BUFFER_MAX = 10_000;
/** First retry after a connection failure, doubled up to the most: a restarted database is written to within ~5 s. */
const AUDIT_RETRY_FIRST_MS = 250;
const AUDIT_RETRY_MAX_MS = 5_000;

/**
 * SQLSTATE classes 22 (data exception: NUL, bad encoding, too long) and 23 (integrity constraint violation): the
 * fault is in a row, so the other rows can still be written; any other failure (connection, database down) would
 * fail them all alike (https://www.postgresql.org/docs/current/errcodes-appendix.html).
 */
function isRowError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('22') || code.startsWith('23'));
}

/**
 * One statement per batch whatever its size: the batch travels as one JSON document that PostgreSQL turns into rows
 * (as snapshots.ts's bulk inserts do). Measured against a VALUES list of 3,000 placeholders on the project's machine,
 * quiet: 4.2–5.9 ms against 6.5–8.2 ms per 500 rows, 0.75–0.86 ms against 1.7–2.1 ms of our CPU (issue 16).
 */
const INSERT_BATCH =
  'INSERT INTO validations (cloud, snapshot_id, image_ref, flavor_ref, verdict, finding_ids) ' +
  'SELECT cloud, snapshot_id, image_ref, flavor_ref, verdict, finding_ids FROM jsonb_to_recordset($1::jsonb) ' +
  'AS u(cloud text, snapshot_id text, image_ref text, flavor_ref text, verdict text, finding_ids text[])';

interface QueuedValidation {
  record: ValidationRecord;
  resolve(): void;
  reject(err: unknown): void;
}

export class ValidationAudit {
  readonly #pool: pg.Pool;
  readonly #log: StoreLog | undefined;
  /** Told how many rows were lost (not written, for good) each time some are. */
  readonly #onRowsLost: (rows: number) => void;
  /** Validation records waiting for the next batch INSERT, oldest first; at most AUDIT_BUFFER_MAX. */
  readonly #queue: QueuedValidation[] = [];
  /** The next flush: the batching wait, or the retry after a connection failure. */
  #timer: NodeJS.Timeout | undefined;
  /** 0 while the database answers; else the wait before the next retry. */
  #retryMs = 0;
  #write: Promise<void> = Promise.resolve();

  constructor(pool: pg.Pool, log: StoreLog | undefined, onRowsLost: (rows: number) => void = () => undefined) {
    this.#pool = pool;
    this.#log = log;
    this.#onRowsLost = onRowsLost;
  }

  record(record: ValidationRecord): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ record, resolve, reject });
      this.#trim();
      // While retrying, the retry timer decides: a full batch does not hit a database that is down.
      if (this.#queue.length >= AUDIT_BATCH_MAX && this.#retryMs === 0) void this.flush();
      else this.#timer ??= setTimeout(() => void this.flush(), AUDIT_FLUSH_MS).unref();
    });
  }

  /** Writes the queue; when the database cannot be reached, leaves the rest queued and schedules a retry. */
  async flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    // One batch at a time, in arrival order: a flush asked for while one runs waits for it, then takes the rest.
    const previous = this.#write;
    const write = previous.then(async () => {
      while (this.#queue.length > 0) {
        const unwritten = await this.#writeBatch(this.#queue.splice(0, AUDIT_WRITE_MAX));
        if (unwritten.length > 0) {
          this.#queue.unshift(...unwritten);
          this.#trim();
          this.#retryLater();
          return;
        }
        if (this.#retryMs > 0) this.#log?.info({ queued: this.#queue.length }, 'validation audit writing again');
        this.#retryMs = 0;
      }
    });
    this.#write = write;
    await write;
  }

  /** A last flush; whatever the database would not take is lost (counted), so closing never waits on an outage. */
  async close(): Promise<void> {
    await this.flush();
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#lose(this.#queue.splice(0), new StoreUnavailableError(undefined), 'validation audit rows not written before close');
  }

  /** Drops the oldest rows past AUDIT_BUFFER_MAX. */
  #trim(): void {
    const excess = this.#queue.length - AUDIT_BUFFER_MAX;
    if (excess > 0) this.#lose(this.#queue.splice(0, excess), new StoreUnavailableError(undefined), 'validation audit buffer full; oldest rows dropped');
  }

  #retryLater(): void {
    if (this.#retryMs === 0) this.#log?.warn({ queued: this.#queue.length }, 'database unavailable; validation audit rows kept for retry');
    this.#retryMs = this.#retryMs === 0 ? AUDIT_RETRY_FIRST_MS : Math.min(2 * this.#retryMs, AUDIT_RETRY_MAX_MS);
    this.#timer = setTimeout(() => void this.flush(), this.#retryMs).unref();
  }

  #lose(rows: QueuedValidation[], err: unknown, msg: string): void {
    if (rows.length === 0) return;
    this.#log?.error({ err, records: rows.length }, msg);
    this.#onRowsLost(rows.length);
    for (const q of rows) q.reject(err);
  }

  /** Writes a batch; returns the rows left unwritten because the database could not be reached. */
  async #writeBatch(batch: QueuedValidation[]): Promise<QueuedValidation[]> {
    try {
      const rows = batch.map(({ record: r }) => ({
        cloud: r.cloud, snapshot_id: r.snapshotId, image_ref: r.imageRef, flavor_ref: r.flavorRef, verdict: r.verdict, finding_ids: r.findingIds,
      }));
      await this.#pool.query(INSERT_BATCH, [JSON.stringify(rows)]);
      for (const q of batch) q.resolve();
      return [];
    } catch (err) {
      if (isConnectionError(err)) return batch;
      if (batch.length > 1 && isRowError(err)) {
        this.#log?.warn({ err, records: batch.length }, 'validation audit batch refused; writing its rows one by one');
        for (const [i, q] of batch.entries()) {
          if ((await this.#writeBatch([q])).length > 0) return batch.slice(i);
        }
        return [];
      }
      // Refused for another reason than a row or the connection (a bug, a missing table): retrying would not help.
      this.#lose(batch, err, 'validation audit rows not written');
      return [];
    }
  }
}
