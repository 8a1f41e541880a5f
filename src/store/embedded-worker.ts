// Embedded PostgreSQL (PGlite) served over the PostgreSQL wire protocol by pglite-socket, in a worker
// thread: PGlite runs queries synchronously in WebAssembly, and inline a 10 MB insert stalls the event
// loop ~0.5 s (design.md "Storage"). The main thread talks to it with `pg` like to any PostgreSQL.
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

export interface WorkerInput {
  pgdataDir: string;
  maxConnections: number;
}

export type WorkerMessage =
  | { type: 'ready'; port: number }
  | { type: 'failed'; message: string }
  | { type: 'closed' };

const port = parentPort;
if (!port) throw new Error('embedded-worker must run as a worker thread');
const input = workerData as WorkerInput;
const send = (message: WorkerMessage): void => port.postMessage(message);

try {
  const db = await PGlite.create(input.pgdataDir);
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
  send({ type: 'ready', port: Number(server.getServerConn().split(':').pop()) });
} catch (error) {
  send({ type: 'failed', message: describe(error) });
  port.close();
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
