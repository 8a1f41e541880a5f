// Opens the database the store runs on: the real PostgreSQL at DATABASE_URL, or embedded PostgreSQL
// (PGlite) in DATA_DIR, served over the wire protocol so both are one `pg.Pool` and one code path
// (design.md "Storage").
import { link, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import pg from 'pg';
import type { WorkerInput, WorkerMessage, WorkerTimings } from './embedded-worker.ts';

/** The logging the store needs; a pino logger fits. */
export interface StoreLog {
  debug?(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface DatabaseSettings {
  /** Real PostgreSQL; unset ⇒ embedded PostgreSQL in dataDir. */
  databaseUrl?: string | undefined;
  dataDir: string;
  /**
   * Longest a statement may run on real PostgreSQL, ms (DB_STATEMENT_TIMEOUT_MS); 0 = no limit. Sent as the
   * session's `statement_timeout` when each connection starts (node-postgres `statement_timeout` option).
   */
  statementTimeoutMs?: number | undefined;
}

export interface Database {
  pool: pg.Pool;
  kind: 'postgres' | 'embedded';
  /** Embedded: where its start went (the worker's modules, PGlite's start, how the folder was made); null on PostgreSQL. */
  startup: WorkerTimings | null;
  /** Ends the pool and, when embedded, stops PGlite and removes the lock file. Idempotent. */
  close(): Promise<void>;
}

/** Another live process (or this one) has the embedded data folder open. */
export class DataDirLockedError extends Error {}

const LOCK_FILE = 'nova-advisor.lock';
const PGDATA_DIR = 'pgdata';
// The socket serves one shared session (design.md "Storage"): interleaved transactions from two clients
// hang, so the pool holds exactly one connection and queues every query behind it.
const EMBEDDED_POOL_SIZE = 1;
// Server side allows one more than the pool, so a replacement connection is not refused with "Too many
// connections" while the server still tears down the one the pool just dropped.
const EMBEDDED_MAX_CONNECTIONS = EMBEDDED_POOL_SIZE + 1;
// A connection not made within this fails (StoreUnavailableError) instead of waiting for ever: without it
// node-postgres waits as long as the OS does for a server that does not answer (pg-pool `connectionTimeoutMillis`,
// default 0 = none). A running server on a LAN accepts in milliseconds.
const CONNECT_TIMEOUT_MS = 5_000;

export async function openDatabase(settings: DatabaseSettings, log?: StoreLog): Promise<Database> {
  return settings.databaseUrl
    ? openPostgres(settings.databaseUrl, settings.statementTimeoutMs ?? 0, log)
    : openEmbedded(resolve(settings.dataDir), log);
}

function openPostgres(connectionString: string, statementTimeoutMs: number, log?: StoreLog): Database {
  const pool = new pg.Pool({
    connectionString,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    ...(statementTimeoutMs > 0 && { statement_timeout: statementTimeoutMs }),
  });
  watchIdleErrors(pool, log);
  return { pool, kind: 'postgres', startup: null, close: once(() => pool.end()) };
}

async function openEmbedded(dataDir: string, log?: StoreLog): Promise<Database> {
  const started = performance.now();
  await mkdir(dataDir, { recursive: true });
  const unlock = await lockDataDir(dataDir, log);
  let worker: Worker | undefined;
  try {
    worker = startWorker({
      pgdataDir: join(dataDir, PGDATA_DIR),
      maxConnections: EMBEDDED_MAX_CONNECTIONS,
      startedAt: performance.timeOrigin + performance.now(),
    });
    const ready = await nextMessage(worker, 'ready');
    const pool = new pg.Pool({
      host: '127.0.0.1',
      port: ready.port,
      user: 'postgres',
      database: 'postgres',
      max: EMBEDDED_POOL_SIZE,
      // Keep the single session open for the life of the process instead of reconnecting after idling.
      idleTimeoutMillis: 0,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    });
    watchIdleErrors(pool, log);
    const running = worker;
    let closing = false;
    // A Worker 'error' without a listener would be rethrown in this thread and end the process; a crashed
    // database is logged instead, and queries then fail with connection errors (and /readyz says so).
    running.on('error', (error) => log?.error({ err: error }, 'embedded PostgreSQL worker failed'));
    running.on('exit', (code) => {
      if (!closing) log?.error({ code }, 'embedded PostgreSQL worker stopped unexpectedly');
    });
    log?.info({ dataDir, ms: Math.round(performance.now() - started), ...ready.timings }, 'embedded PostgreSQL ready');
    return {
      pool,
      kind: 'embedded',
      startup: ready.timings,
      close: once(async () => {
        closing = true;
        try {
          await pool.end();
          await stopWorker(running);
        } finally {
          await unlock();
        }
      }),
    };
  } catch (error) {
    if (worker) await worker.terminate();
    await unlock();
    throw error;
  }
}

/**
 * Starts the PGlite worker. From dist/ it is the compiled .js next to this file. Under tsx (dev, tests) it
 * is the .ts source, and tsx has to be registered inside the worker: measured on Node 20.20 + tsx 4.23,
 * neither the parent's tsx `register()` nor `execArgv: ['--import', 'tsx']` reaches a worker's entry
 * ("Unknown file extension .ts"), so a two-line eval'd bootstrap registers tsx and then imports it.
 */
function startWorker(input: WorkerInput): Worker {
  const ext = extname(fileURLToPath(import.meta.url));
  const entry = new URL(`./embedded-worker${ext}`, import.meta.url);
  if (ext !== '.ts') return new Worker(entry, { workerData: input });
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const bootstrap =
    `import(${JSON.stringify(tsxApi)})` +
    `.then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); });`;
  return new Worker(bootstrap, { eval: true, workerData: input });
}

/** Resolves with the worker's next message of the given type; rejects when it fails or exits first. */
function nextMessage<T extends WorkerMessage['type']>(
  worker: Worker,
  type: T,
): Promise<Extract<WorkerMessage, { type: T }>> {
  return new Promise((resolvePromise, reject) => {
    const cleanup = (): void => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    const onMessage = (message: WorkerMessage): void => {
      cleanup();
      if (message.type === type) resolvePromise(message as Extract<WorkerMessage, { type: T }>);
      else reject(new Error(`embedded PostgreSQL: ${message.type === 'failed' ? message.message : message.type}`));
    };
    const onError = (error: Error): void => {
      cleanup();
      reject(new Error(`embedded PostgreSQL worker failed: ${error.message}`, { cause: error }));
    };
    const onExit = (code: number): void => {
      cleanup();
      reject(new Error(`embedded PostgreSQL worker exited (code ${code}) before "${type}"`));
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
  });
}

/** Asks the worker to close the socket server and PGlite (which flushes to disk), then waits for it. */
async function stopWorker(worker: Worker): Promise<void> {
  const closed = nextMessage(worker, 'closed');
  worker.postMessage('close');
  try {
    await closed;
  } finally {
    await worker.terminate();
  }
}

/**
 * Takes the data folder's lock file, which holds the owner's PID. PGlite does not guard its folder, and a
 * second process opening it silently corrupts it (design.md "Storage"). A lock left by a dead process is
 * taken over. Returns the release function.
 */
async function lockDataDir(dataDir: string, log?: StoreLog): Promise<() => Promise<void>> {
  const lockPath = join(dataDir, LOCK_FILE);
  const release = (): Promise<void> => rm(lockPath, { force: true });
  // Written aside, then hard-linked into place: link(2) fails if the name exists, so taking the lock is
  // atomic and the lock file is never seen empty (an empty one would look stale).
  const candidate = `${lockPath}.${process.pid}`;
  await writeFile(candidate, `${process.pid}\n`);
  try {
    for (;;) {
      try {
        await link(candidate, lockPath);
        return release;
      } catch (error) {
        if (errorCode(error) !== 'EEXIST') throw error;
      }
      const holder = await readPid(lockPath);
      if (holder !== null && isAlive(holder)) {
        throw new DataDirLockedError(
          `data folder ${dataDir} is in use by process ${holder} (lock file ${lockPath}); ` +
            'stop that process or set DATA_DIR to another folder. ' +
            'If no nova-advisor process uses it, delete the lock file.',
        );
      }
      // Stale: move it aside rather than deleting it, so of two processes taking over only one wins the
      // rename; the loser gets ENOENT and retries the link.
      const aside = `${lockPath}.stale.${process.pid}`;
      try {
        await rename(lockPath, aside);
      } catch (error) {
        if (errorCode(error) !== 'ENOENT') throw error;
        continue;
      }
      // Between our read and our rename another process may have taken over and written its live PID:
      // then put its lock back and yield to it.
      const moved = await readPid(aside);
      if (moved !== holder && moved !== null && isAlive(moved)) {
        await link(aside, lockPath).catch(() => undefined);
        await rm(aside, { force: true });
        throw new DataDirLockedError(`data folder ${dataDir} was just taken by process ${moved}`);
      }
      await rm(aside, { force: true });
      log?.warn({ lockPath, deadPid: holder }, 'took over the lock of a process that is gone');
    }
  } finally {
    await rm(candidate, { force: true });
  }
}

async function readPid(path: string): Promise<number | null> {
  try {
    const pid = Number.parseInt(await readFile(path, 'utf8'), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return null;
    throw error;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0); // signal 0: existence check only
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to another user.
    return errorCode(error) === 'EPERM';
  }
}

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | null)?.code;
}

/**
 * node-postgres emits 'error' on the pool when an idle client's connection drops; unhandled, that ends the process.
 * Checked-out clients get their own listener for as long as they are out (connection.ts withClient).
 */
function watchIdleErrors(pool: pg.Pool, log?: StoreLog): void {
  pool.on('error', (error) => log?.error({ err: error }, 'idle database connection failed'));
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => (done ??= fn());
}
