// Embedded PostgreSQL (PGlite) served over the PostgreSQL wire protocol by pglite-socket, in a worker
// thread: PGlite runs queries synchronously in WebAssembly, and inline a 10 MB insert stalls the event
// loop ~0.5 s (design.md "Storage"). The main thread talks to it with `pg` like to any PostgreSQL.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { ensureTemplate } from './pglite-template.ts';

export interface WorkerInput {
  pgdataDir: string;
  maxConnections: number;
  /** When the parent started the worker: performance.timeOrigin + performance.now(), ms since the epoch. */
  startedAt: number;
}

/** Where the worker's start went, ms: `boot` the thread and its modules, `pglite` PGlite's start. */
export interface WorkerTimings {
  boot: number;
  pglite: number;
  /**
   * How the data folder came to be: `existing` (opened), `template` (a new folder, copied from the kept initdb
   * result: src/store/pglite-template.ts), `initdb` (a new folder and no template yet: made, then copied).
   */
  created: 'existing' | 'template' | 'initdb';
}

export type WorkerMessage =
  | { type: 'ready'; port: number; timings: WorkerTimings }
  | { type: 'failed'; message: string }
  | { type: 'closed' };

const port = parentPort;
if (!port) throw new Error('embedded-worker must run as a worker thread');
const input = workerData as WorkerInput;
const send = (message: WorkerMessage): void => port.postMessage(message);

const now = (): number => performance.timeOrigin + performance.now();

try {
  const boot = now() - input.startedAt;
  // PGlite makes a new database when the folder has no PG_VERSION (@electric-sql/pglite pglite.ts, waitReady).
  let created: WorkerTimings['created'] = 'existing';
  let loadDataDir: Blob | undefined;
  if (!existsSync(join(input.pgdataDir, 'PG_VERSION'))) {
    const template = await ensureTemplate();
    created = template.made ? 'initdb' : 'template';
    loadDataDir = template.template;
  }
  const db = await PGlite.create(input.pgdataDir, loadDataDir && { loadDataDir });
  const pglite = now() - input.startedAt - boot;
  // Port 0: the OS picks a free loopback port, so two data dirs (tests) never collide.
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: input.maxConnections });
  await server.start();
  port.once('message', () => {
    // The only message the parent sends is "close": detach clients, then flush and close PGlite.
    server
      .stop()
      .then(() => db.close())
      .then(
        () => send({ type: 'closed' }),
        (error: unknown) => send({ type: 'failed', message: describe(error) }),
      )
      .finally(() => port.close());
  });
  send({ type: 'ready', port: Number(server.getServerConn().split(':').pop()), timings: { boot: Math.round(boot), pglite: Math.round(pglite), created } });
} catch (error) {
  send({ type: 'failed', message: describe(error) });
  port.close();
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
