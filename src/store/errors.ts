// The one failure of the store callers tell apart: the database cannot be reached. Every other failure stays what
// it is (a bug, a refused row) and is answered as such.

/** Seconds a caller is told to wait before asking again (the API's Retry-After); one restart of PostgreSQL. */
export const STORE_RETRY_AFTER_SECONDS = 5;

/** The database did not answer (down, restarting, unreachable, connection lost); asking again later may work. */
export class StoreUnavailableError extends Error {
  readonly retryAfterSeconds = STORE_RETRY_AFTER_SECONDS;

  constructor(cause: unknown) {
    super('the database does not answer', { cause });
    this.name = 'StoreUnavailableError';
  }
}

/** Socket errors of a connection that could not be made or was cut (Node's errno codes). */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

/**
 * SQLSTATE 57P01 admin_shutdown (pg_terminate_backend, a fast shutdown), 57P02 crash_shutdown, 57P03
 * cannot_connect_now (starting up, shutting down); class 08 is "Connection Exception"
 * (https://www.postgresql.org/docs/current/errcodes-appendix.html).
 */
const SERVER_CODES = new Set(['57P01', '57P02', '57P03']);

/**
 * node-postgres reports a lost or timed-out connection with these messages and no code (pg/lib/client.js
 * "Connection terminated unexpectedly", "Client has encountered a connection error and is not queryable";
 * pg-pool/index.js "timeout exceeded when trying to connect" for connectionTimeoutMillis).
 */
const CLIENT_MESSAGES = [
  'Connection terminated',
  'Client has encountered a connection error',
  'timeout exceeded when trying to connect',
  'Client was closed and is not queryable',
];

/** True for a failure of the connection rather than of the statement: the same statement may work later. */
export function isConnectionError(err: unknown): boolean {
  if (err instanceof StoreUnavailableError) return true;
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && (SOCKET_CODES.has(code) || SERVER_CODES.has(code) || code.startsWith('08'))) return true;
  // Connecting to a host with several addresses (localhost: ::1 and 127.0.0.1) fails with one error per address.
  if (err instanceof AggregateError) return err.errors.some(isConnectionError);
  return CLIENT_MESSAGES.some((m) => err.message.startsWith(m));
}

/** Runs a store call, turning a connection failure into StoreUnavailableError; other failures pass unchanged. */
export async function unavailableOnConnectionError<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof StoreUnavailableError || !isConnectionError(err)) throw err;
    throw new StoreUnavailableError(err);
  }
}

/** The session holding a sync's advisory lock ended (terminated, server restart): the sync no longer holds the lock. */
export class SyncLockLostError extends Error {
  constructor(cause: unknown) {
    super(`lost the database session holding the sync lock (${cause instanceof Error ? cause.message : String(cause)})`, { cause });
    this.name = 'SyncLockLostError';
  }
}
