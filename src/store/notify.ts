// News of committed snapshots across processes sharing one PostgreSQL: `saveSnapshot` sends a NOTIFY inside
// its transaction, and each serving process holds one dedicated LISTEN connection (README.md "Scaling out").
import pg from 'pg';
import type { Database, StoreLog } from './database.ts';
import type { SnapshotNews, SnapshotWatch } from './types.ts';

export const SNAPSHOT_CHANNEL = 'nova_advisor_snapshots';

// Reconnect delays after the LISTEN session drops: doubling from 0.5 s, at most 30 s (the registry's
// periodic check covers the gap meanwhile).
const FIRST_RETRY_MS = 500;
const MAX_RETRY_MS = 30_000;

/**
 * Queues the news of a snapshot in the saving transaction: PostgreSQL delivers a notification sent inside a
 * transaction only when (and if) it commits, so listeners never hear of a snapshot they cannot read yet, nor
 * of one rolled back (https://www.postgresql.org/docs/current/sql-notify.html).
 */
export async function notifySnapshot(client: pg.PoolClient, news: SnapshotNews): Promise<void> {
  await client.query('SELECT pg_notify($1, $2)', [SNAPSHOT_CHANNEL, JSON.stringify(news)]);
}

/**
 * Listens on one dedicated connection (not one of the pool's: it is held for the life of the process) and calls
 * onNew for every snapshot committed by any process on the database. A dropped session (server restart,
 * pg_terminate_backend, network) is logged and reopened with backoff; notifications sent while it was down are
 * lost (PostgreSQL queues them only for sessions listening at commit), so after every (re)connect `replay` is
 * called to report what is newest now, and the caller ignores what it already holds.
 *
 * Null on the embedded engine: pglite-socket accepts LISTEN but never forwards a notification (measured with
 * PGlite 0.5.14 / pglite-socket 0.2.17: a pg_notify through the pool never reached a client LISTENing on a
 * second connection, not even after further queries on either), and its lock file makes that process the only
 * one on the database anyway.
 */
export async function listenForSnapshots(
  db: Database,
  onNew: (news: SnapshotNews) => void,
  replay: () => Promise<SnapshotNews[]>,
  log?: StoreLog,
): Promise<SnapshotWatch | null> {
  if (db.kind === 'embedded') return null;
  const listener = new SnapshotListener(db.pool.options, onNew, replay, log);
  await listener.start();
  return listener;
}

class SnapshotListener implements SnapshotWatch {
  #client: pg.Client | undefined;
  #retryTimer: NodeJS.Timeout | undefined;
  #failures = 0;
  #closed = false;

  constructor(
    private readonly config: pg.ClientConfig,
    private readonly onNew: (news: SnapshotNews) => void,
    private readonly replay: () => Promise<SnapshotNews[]>,
    private readonly log: StoreLog | undefined,
  ) {}

  /** The first connection; its failure is the caller's (a serving process should not start without it). */
  async start(): Promise<void> {
    await this.#connect();
    await this.#replay();
  }

  async #connect(): Promise<void> {
    // keepAlive: a peer gone without a FIN (a crashed host, a dropped NAT entry) is then noticed as an error
    // instead of leaving a session that silently hears nothing.
    const client = new pg.Client({ ...this.config, keepAlive: true });
    // 'error' and then 'end' both arrive for one drop; only the live session's first one counts (not those of
    // a failed attempt, which the caller retries, nor of the session close() ends).
    const drop = (err?: Error): void => {
      if (this.#client !== client) return;
      this.#client = undefined;
      this.log?.warn({ err, channel: SNAPSHOT_CHANNEL }, 'snapshot notification session dropped; reconnecting');
      this.#scheduleReconnect();
    };
    // Without an 'error' listener a dropped session would be an uncaught exception and end the process.
    client.on('error', drop);
    client.on('end', () => drop());
    client.on('notification', (message) => this.#deliver(message.payload));
    try {
      await client.connect();
      // The channel name is a constant identifier, not input (LISTEN takes no bind parameters).
      await client.query(`LISTEN ${SNAPSHOT_CHANNEL}`);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    if (this.#closed) {
      await client.end();
      return;
    }
    this.#client = client;
    this.#failures = 0;
  }

  #scheduleReconnect(): void {
    const delay = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** this.#failures);
    this.#failures += 1;
    this.#retryTimer = setTimeout(() => void this.#reconnect(), delay);
  }

  async #reconnect(): Promise<void> {
    this.#retryTimer = undefined;
    try {
      await this.#connect();
    } catch (err) {
      if (this.#closed) return;
      this.log?.warn({ err, channel: SNAPSHOT_CHANNEL }, 'snapshot notification session: reconnect failed; retrying');
      this.#scheduleReconnect();
      return;
    }
    if (this.#closed) return;
    this.log?.info({ channel: SNAPSHOT_CHANNEL }, 'snapshot notification session reopened');
    await this.#replay();
  }

  /** What is newest now, for what was committed while nobody listened; a failure waits for the next news or check. */
  async #replay(): Promise<void> {
    try {
      for (const news of await this.replay()) this.onNew(news);
    } catch (err) {
      this.log?.warn({ err }, 'could not read the newest snapshot ids after (re)connecting');
    }
  }

  #deliver(payload: string | undefined): void {
    try {
      const news = JSON.parse(payload ?? '') as Partial<SnapshotNews>;
      if (typeof news.cloud === 'string' && typeof news.id === 'string') {
        this.onNew({ cloud: news.cloud, id: news.id });
        return;
      }
    } catch {
      // reported below, like a payload of the wrong shape
    }
    this.log?.warn({ channel: SNAPSHOT_CHANNEL, payload }, 'ignored a snapshot notification that is not {cloud, id}');
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#retryTimer);
    const client = this.#client;
    this.#client = undefined;
    await client?.end();
  }
}
