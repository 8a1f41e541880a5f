// WORKERS > 1: the primary accepts the connections on HOST:PORT and hands each to the ready worker holding the fewest
// (src/server-workers.ts); a worker answers the connections it is handed (`takeConnections`).
//
// Node's cluster hands a connection to whichever worker acknowledged its last one first: bench/paced-load.ts opening its
// 10 keep-alive connections at once got them split 8/3, 9/2 or 7/4 between two workers in 13 of 26 runs (`ss -tnp`,
// one idle connection of the harness counted too), and since each connection stays with its worker,
// one worker answered up to 80 % of the requests: at 1,000 uncached recommendations a second the p99 read 124–201 ms
// on such runs against 6–11 ms on most even ones (issue 16). Counting the connections each worker holds, they are 5/5.
import type { Worker } from 'node:cluster';
import type { Server as HttpServer } from 'node:http';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { isMessage } from './api/worker-metrics.ts';

/** Messages between the primary and its workers about connections (the prefix keeps them apart from prom-client's own). */
const CONNECTION = 'nova-advisor:connection';
const CLOSED = 'nova-advisor:connection-closed';

/** In the primary: the listening socket and the connections each worker holds. */
export class ConnectionBalancer {
  /** Connections handed to each worker (by cluster id) and not yet closed. */
  private readonly held = new Map<number, number>();
  /** Where the search for the fewest starts: after the worker that got the last one, so ties take turns. */
  private turn = 0;
  private server: Server | null = null;

  /** `workers()`: the workers that answer, in a stable order. */
  constructor(private readonly workers: () => Worker[]) {}

  /** Listens on host:port (once; later calls return the same address). */
  async listen(host: string, port: number): Promise<AddressInfo> {
    if (!this.server) {
      // Paused: the socket is handed over before anything is read from it.
      const server = createServer({ pauseOnConnect: true }, (socket) => this.hand(socket));
      this.server = server;
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ host, port }, () => {
          server.off('error', reject);
          resolve();
        });
      });
    }
    return this.server.address() as AddressInfo;
  }

  /** A worker's message: one of its connections closed. */
  onMessage(worker: Worker, message: unknown): void {
    if (isMessage(message, CLOSED)) this.release(worker);
  }

  /** A worker that exited holds nothing. */
  forget(worker: Worker): void {
    this.held.delete(worker.id);
  }

  /** Stops accepting; the connections handed over stay with their workers. */
  close(): Promise<void> {
    const server = this.server;
    if (!server?.listening) return Promise.resolve();
    return new Promise((resolve) => server.close(() => resolve()));
  }

  private hand(socket: Socket): void {
    const workers = this.workers().filter((w) => w.isConnected());
    if (workers.length === 0) {
      socket.destroy();
      return;
    }
    let chosen = 0;
    let fewest = Infinity;
    for (let i = 0; i < workers.length; i++) {
      const at = (this.turn + i) % workers.length;
      const held = this.held.get(workers[at]!.id) ?? 0;
      if (held < fewest) {
        fewest = held;
        chosen = at;
      }
    }
    this.turn = chosen + 1;
    const worker = workers[chosen]!;
    this.held.set(worker.id, fewest + 1);
    worker.send({ type: CONNECTION }, socket, (err: Error | null) => {
      if (!err) return;
      // The worker went away meanwhile: the client sees its connection closed, as when a worker dies.
      this.release(worker);
      socket.destroy();
    });
  }

  /** One connection fewer for `worker`; one that exited (forgotten) stays forgotten. */
  private release(worker: Worker): void {
    const held = this.held.get(worker.id);
    if (held !== undefined) this.held.set(worker.id, Math.max(0, held - 1));
  }
}

/**
 * In a worker: answers on `server` the connections the primary hands over, and tells it when each closes. `drain()`,
 * after the server has closed (Fastify's close: new requests get 503 and `Connection: close`), resolves once every
 * connection handed over has closed: closing the server ends none of them, as they were never its own (net.Server
 * counts only the connections it accepted), so each is closed as soon as it is idle.
 */
export function takeConnections(server: HttpServer): { drain(): Promise<void> } {
  const open = new Set<Socket>();
  process.on('message', (message: unknown, socket: unknown) => {
    if (!isMessage(message, CONNECTION) || !socket) return;
    const connection = socket as Socket;
    open.add(connection);
    connection.once('close', () => {
      open.delete(connection);
      if (process.connected) process.send?.({ type: CLOSED });
    });
    server.emit('connection', connection);
    connection.resume();
  });
  return {
    async drain() {
      while (open.size > 0) {
        server.closeIdleConnections();
        await new Promise((resolve) => setTimeout(resolve, DRAIN_POLL_MS));
      }
    },
  };
}

/** How often a draining worker closes the connections that have become idle. */
const DRAIN_POLL_MS = 20;
