// One sync per cloud at a time: an advisory lock on real PostgreSQL, an in-process lock on the embedded engine.
import { firstRow, withClient } from './connection.ts';
import type { Database, StoreLog } from './database.ts';
import { SyncLockLostError } from './errors.ts';
import type { SyncLockOutcome } from './types.ts';

// Sync locks use the two-key form pg_try_advisory_lock(int, int) with this first key, so they cannot
// collide with other applications' locks on a shared database, nor with node-pg-migrate's one-key lock.
export const SYNC_LOCK_NAMESPACE = 0x4e41; // "NA"

export class SyncLocks {
  readonly #db: Database;
  readonly #log: StoreLog | undefined;
  /** Clouds being synced by this process; the embedded engine's stand-in for advisory locks. */
  readonly #local = new Set<string>();

  constructor(db: Database, log?: StoreLog) {
    this.#db = db;
    this.#log = log;
  }

  /**
   * Runs fn while holding the cloud's lock; does not run it when the lock is held. fn's signal aborts when the
   * lock is lost with its session (SyncLockLostError as the reason): fn should stop, as another replica may now
   * take the lock.
   */
  run<T>(cloud: string, fn: (lockLost: AbortSignal) => Promise<T>): Promise<SyncLockOutcome<T>> {
    return this.#db.kind === 'embedded' ? this.#withLocalLock(cloud, fn) : this.#withAdvisoryLock(cloud, fn);
  }

  /**
   * Session-level advisory lock held on one dedicated connection for the whole run, so replicas sharing
   * the database never sync the same cloud at once. The server releases it if the connection dies
   * (PostgreSQL docs, "Advisory Locks": https://www.postgresql.org/docs/current/explicit-locking.html#ADVISORY-LOCKS),
   * so a lost session means a lost lock: fn is told through its signal, and no unlock is sent. hashtext()
   * collisions between clouds only make one skip a run.
   */
  async #withAdvisoryLock<T>(cloud: string, fn: (lockLost: AbortSignal) => Promise<T>): Promise<SyncLockOutcome<T>> {
    return withClient(this.#db.pool, async (client, sessionLost) => {
      const key = [SYNC_LOCK_NAMESPACE, cloud];
      const { rows } = await client.query<{ locked: boolean }>(
        'SELECT pg_try_advisory_lock($1, hashtext($2)) AS locked',
        key,
      );
      if (!firstRow(rows).locked) return { ran: false };
      const lockLost = new AbortController();
      const onLost = (): void => {
        const error = new SyncLockLostError(sessionLost.reason);
        this.#log?.error({ cloud, err: sessionLost.reason as unknown }, error.message);
        lockLost.abort(error);
      };
      sessionLost.addEventListener('abort', onLost, { once: true });
      try {
        return { ran: true, value: await fn(lockLost.signal) };
      } finally {
        sessionLost.removeEventListener('abort', onLost);
        if (!sessionLost.aborted) await client.query('SELECT pg_advisory_unlock($1, hashtext($2))', key);
      }
    });
  }

  /**
   * Embedded: the socket's single shared session makes advisory locks always succeed, and holding a
   * dedicated client would starve the pool of one that `fn` needs. The lock file already makes this the
   * only process on the data folder, so an in-process set is the whole exclusion needed.
   */
  async #withLocalLock<T>(cloud: string, fn: (lockLost: AbortSignal) => Promise<T>): Promise<SyncLockOutcome<T>> {
    if (this.#local.has(cloud)) return { ran: false };
    this.#local.add(cloud);
    try {
      // Nothing outside this process can take it away: the signal never aborts.
      return { ran: true, value: await fn(new AbortController().signal) };
    } finally {
      this.#local.delete(cloud);
    }
  }
}
