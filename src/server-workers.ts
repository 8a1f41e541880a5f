// WORKERS > 1 (`nova-advisor serve`): the first process forks that many workers with node:cluster and supervises
// them; each worker is the single-process service (src/server.ts) answering on the same HOST:PORT, with the
// snapshots of its own. Answers are a pure function of a snapshot, which every worker reads from PostgreSQL and
// follows (LISTEN/NOTIFY), and syncs take a per-cloud advisory lock, so workers are replicas on one machine
// (tests/integration/replicas.test.ts) that share a port: one core each, as Nova's API runs `osapi_compute_workers`.
//
// Workers start one after another: each is forked when the one before it answers. Loading the snapshots is most of a
// start and takes a core, so N workers loading at once on the same cores (and one PostgreSQL) made the first one ready
// no sooner than the last (7.4 s for two on 2 cores against 3.4 s for one, bench/RESULTS.md section 10). A worker
// listens only once it has loaded, so the service is ready (/readyz 200 from every worker that answers, the `ready`
// entry) when the first one answers, and says `all workers ready` when the last one does.
//
// The primary owns the lifecycle: a signal (SIGTERM, SIGINT) asks every worker to shut down gracefully over IPC
// (workers ignore signals, so a terminal's Ctrl-C, sent to the whole process group, is one request, not two), a second
// signal kills them; a worker that dies after it was ready is replaced, one that dies before stops the service (a bad
// setting or an unreachable database would otherwise restart forever). /metrics is answered by any worker with the
// counters of all of them, summed by the primary (prom-client's AggregatorRegistry).
//
// The primary listens on HOST:PORT once the first worker is ready and hands each connection to the ready worker holding
// the fewest (src/server-balancer.ts), where Node's cluster split connections opened at once unevenly.
import cluster, { type Worker } from 'node:cluster';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { answerMetricsRequests, isMessage } from './api/worker-metrics.ts';
import type { Settings } from './config/index.ts';
import { ConnectionBalancer } from './server-balancer.ts';
import { serviceUrl, type ReadyFacts } from './server-log.ts';

/** Messages between the primary and its workers (the prefix keeps them apart from prom-client's own). */
const WORKER_MESSAGES = {
  ready: 'nova-advisor:ready',
  shutdown: 'nova-advisor:shutdown',
} as const;

interface ReadyMessage {
  type: typeof WORKER_MESSAGES.ready;
  facts: ReadyFacts;
}
/** After a graceful shutdown's own deadline (src/server.ts: SHUTDOWN_TIMEOUT_SECONDS + 5 s), what is left is killed. */
const KILL_AFTER_MS = 7_000;
/** A worker that dies after it was ready is replaced after this long, so a crash loop does not spin. */
const RESTART_DELAY_MS = 1_000;

/** Forks `settings.WORKERS` workers and supervises them until a signal; resolves when the service stops. */
export function superviseWorkers(settings: Settings, log: Logger): Promise<void> {
  // The workers ready, by cluster id: a worker is in it from its ready message until it exits.
  const readyFacts = new Map<number, ReadyFacts>();
  const live = (): Worker[] => Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined);
  const answering = (): Worker[] => live().filter((w) => readyFacts.has(w.id));
  answerMetricsRequests(answering);
  const balancer = new ConnectionBalancer(answering);
  // Of the first settings.WORKERS, how many are forked; replacements are not counted. bin/nova-advisor.js has forked
  // the first one already, before this process loaded its modules (one that ended meanwhile is forked again here).
  let forked = live().filter((w) => !w.isDead()).length;
  let announced = false;
  let allAnnounced = false;
  let stopping = false;
  let exitCode = 0;
  let resolveStopped: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => {
    resolveStopped = resolve;
  });
  const forkNext = (): void => {
    forked += 1;
    cluster.fork();
  };
  const workersLog = () => ({ count: settings.WORKERS, ready: readyFacts.size, pids: live().filter((w) => readyFacts.has(w.id)).map((w) => w.process.pid) });

  cluster.on('message', (worker, message: unknown) => {
    balancer.onMessage(worker, message);
    if (!isMessage<ReadyMessage>(message, WORKER_MESSAGES.ready)) return;
    readyFacts.set(worker.id, message.facts);
    if (!announced) {
      announced = true;
      void balancer.listen(settings.HOST, settings.PORT).then(({ port }) => {
        // The worker's facts with the address the service answers on (with PORT=0, the one the primary was given).
        const url = serviceUrl(settings.HOST, port);
        const { facts } = message;
        log.info({
          ...facts, url, docs: `${url}/docs`, ui: facts.ui === null ? null : `${url}/ui/`,
          msSinceProcessStart: Math.round(performance.now()), workers: workersLog(),
        }, 'ready');
      }, (err: unknown) => {
        log.error({ err, host: settings.HOST, port: settings.PORT }, 'cannot listen: stopping the service');
        exitCode = 1;
        stop();
      });
    }
    if (!stopping && forked < settings.WORKERS) forkNext();
    if (!allAnnounced && readyFacts.size >= settings.WORKERS) {
      allAnnounced = true;
      const facts = [...readyFacts.values()];
      log.info({
        msSinceProcessStart: Math.round(performance.now()),
        cpuMs: facts.reduce((sum, f) => sum + f.cpuMs, 0),
        workers: workersLog(),
      }, 'all workers ready');
    }
  });

  cluster.on('exit', (worker, code, signal) => {
    const wasReady = readyFacts.delete(worker.id);
    balancer.forget(worker);
    const pid = worker.process.pid;
    if (!stopping && !wasReady) {
      log.error({ worker: pid, code, signal }, 'a worker stopped before it was ready (see its log above): stopping the service');
      exitCode = 1;
      stop();
    }
    if (stopping) {
      if (code !== 0) exitCode = 1;
      if (live().length === 0) resolveStopped();
      return;
    }
    log.error({ worker: pid, code, signal }, 'a worker stopped; starting another');
    setTimeout(() => {
      if (!stopping) cluster.fork();
    }, RESTART_DELAY_MS).unref();
  });

  const stop = (): void => {
    stopping = true;
    void balancer.close();
    for (const worker of live()) {
      if (worker.isConnected()) worker.send({ type: WORKER_MESSAGES.shutdown });
      // A worker that answers ignores it (WORKER_IGNORED_SIGNALS) and shuts down as asked; one still starting ends.
      worker.process.kill('SIGTERM');
    }
    setTimeout(() => {
      for (const worker of live()) worker.process.kill('SIGKILL');
      exitCode = 1;
      resolveStopped();
    }, settings.SHUTDOWN_TIMEOUT_SECONDS * 1000 + KILL_AFTER_MS).unref();
  };

  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      log.warn({ signal }, 'second signal: killing the workers');
      for (const worker of live()) worker.process.kill('SIGKILL');
      process.exit(1);
    }
    log.info({ signal, workers: live().length }, 'shutting down');
    stop();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  log.info({ workers: settings.WORKERS, forkedBeforeModules: forked, msSinceProcessStart: Math.round(performance.now()) }, 'starting workers, one after another');
  if (forked === 0) forkNext();
  return stopped.then(() => {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    process.exitCode = exitCode;
  });
}

/** In a worker: runs `shutdown` when the primary asks, or when it is gone (its IPC channel closed). */
export function followPrimary(shutdown: () => void): void {
  let asked = false;
  const once = (): void => {
    if (!asked) shutdown();
    asked = true;
  };
  process.on('message', (message: unknown) => {
    if (isMessage(message, WORKER_MESSAGES.shutdown)) once();
  });
  process.once('disconnect', once);
}

/** In a worker: tells the primary it answers; the primary then starts the next worker, if one is still to start. */
export function reportReady(facts: ReadyFacts): void {
  process.send?.({ type: WORKER_MESSAGES.ready, facts } satisfies ReadyMessage);
}

/** Signals a worker leaves to the primary; they would otherwise end it at once (no listener: the default action). */
export const WORKER_IGNORED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
