// Work on one dedicated connection of the pool: plain, or inside a transaction.
import type pg from 'pg';

/**
 * Runs fn on one dedicated connection. After a failure its session state is unknown (a transaction
 * still open, a lock still held), so the connection is discarded rather than returned to the pool.
 *
 * While checked out the client has an 'error' listener: pg-pool removes its own idle listener on checkout
 * (pg-pool/index.js `_acquireClient`), and a client emitting 'error' with none (its backend terminated, the
 * server stopped) ends the process. The listener aborts `signal` instead, with the cause as its reason, so fn
 * can stop work that depends on the session (a sync holding its lock: locks.ts).
 */
export async function withClient<T>(pool: pg.Pool, fn: (client: pg.PoolClient, signal: AbortSignal) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  const lost = new AbortController();
  const onError = (error: Error): void => lost.abort(error);
  client.on('error', onError);
  try {
    const value = await fn(client, lost.signal);
    client.removeListener('error', onError);
    client.release(lost.signal.aborted ? (lost.signal.reason as Error) : undefined);
    return value;
  } catch (error) {
    client.removeListener('error', onError);
    client.release(error instanceof Error ? error : new Error(String(error)));
    throw error;
  }
}

export async function transaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  return withClient(pool, async (client) => {
    await client.query('BEGIN');
    try {
      const value = await fn(client);
      await client.query('COMMIT');
      return value;
    } catch (error) {
      // Explicit, because the embedded server keeps one session for every client. If the rollback fails
      // too, the first error is the one worth reporting, and withClient discards the connection anyway.
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  });
}

export function firstRow<T>(rows: T[]): T {
  const row = rows[0];
  if (row === undefined) throw new Error('expected a row from RETURNING');
  return row;
}
