// The audit of validation requests, written in batches: one INSERT per request would cost every validation
// a database round trip (and, embedded, a turn of the single session). A batch goes when it is full or
// after a short wait. A batch PostgreSQL refuses because of one of its rows is written again row by row, so one
// bad row costs only itself.
import type pg from 'pg';
import type { ValidationRecord } from '../model/index.ts';
import type { StoreLog } from './database.ts';

const AUDIT_BATCH_MAX = 500;
const AUDIT_FLUSH_MS = 250;

/**
 * SQLSTATE classes 22 (data exception: NUL, bad encoding, too long) and 23 (integrity constraint violation): the
 * fault is in a row, so the other rows can still be written; any other failure (connection, database down) would
 * fail them all alike (https://www.postgresql.org/docs/current/errcodes-appendix.html).
 */
function isRowError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('22') || code.startsWith('23'));
}

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
  /** Validation records waiting for the next batch INSERT. */
  readonly #queue: QueuedValidation[] = [];
  #timer: NodeJS.Timeout | undefined;
  #write: Promise<void> = Promise.resolve();

  constructor(pool: pg.Pool, log: StoreLog | undefined, onRowsLost: (rows: number) => void = () => undefined) {
    this.#pool = pool;
    this.#log = log;
    this.#onRowsLost = onRowsLost;
  }

  record(record: ValidationRecord): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ record, resolve, reject });
      if (this.#queue.length >= AUDIT_BATCH_MAX) void this.flush();
      else this.#timer ??= setTimeout(() => void this.flush(), AUDIT_FLUSH_MS).unref();
    });
  }

  async flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    // One batch at a time, in arrival order: a flush asked for while one runs waits for it, then takes the rest.
    const previous = this.#write;
    const write = previous.then(async () => {
      while (this.#queue.length > 0) await this.#writeBatch(this.#queue.splice(0, AUDIT_BATCH_MAX));
    });
    this.#write = write;
    await write;
  }

  async #writeBatch(batch: QueuedValidation[]): Promise<void> {
    const columns = 6;
    const values = batch.map((_q, i) => `(${Array.from({ length: columns }, (_c, j) => `$${i * columns + j + 1}`).join(', ')})`);
    try {
      await this.#pool.query(
        `INSERT INTO validations (cloud, snapshot_id, image_ref, flavor_ref, verdict, finding_ids) VALUES ${values.join(', ')}`,
        batch.flatMap(({ record: r }) => [r.cloud, r.snapshotId, r.imageRef, r.flavorRef, r.verdict, r.findingIds]),
      );
      for (const q of batch) q.resolve();
    } catch (err) {
      if (batch.length > 1 && isRowError(err)) {
        this.#log?.warn({ err, records: batch.length }, 'validation audit batch refused; writing its rows one by one');
        for (const q of batch) await this.#writeBatch([q]);
        return;
      }
      // The answers were given already; losing their audit rows is logged and counted, not retried against a failing database.
      this.#log?.error({ err, records: batch.length }, 'validation audit rows not written');
      this.#onRowsLost(batch.length);
      for (const q of batch) q.reject(err);
    }
  }
}
