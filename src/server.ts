// Thin entry of the HTTP service (`nova-advisor serve`): settings, logger, the shared start-up wiring, the app,
// listen, graceful close on SIGTERM / SIGINT (as one of WORKERS: when the primary asks, src/server-workers.ts). The
// CLI reaches the HTTP app only through here (serve, openapi).
import cluster from 'node:cluster';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import closeWithGrace from 'close-with-grace';
import type { Logger } from 'pino';
import { openAppContext } from './app-context.ts';
import type { Settings } from './config/index.ts';
import { takeEarly } from './server-early.ts';
import { takeConnections } from './server-balancer.ts';
import { serviceLogger, serviceUrl, type ReadyFacts } from './server-log.ts';
import { WORKER_IGNORED_SIGNALS, followPrimary, reportReady } from './server-workers.ts';

/**
 * How Node's command line turns V8's memory reducer off (README "Start it": its full collections drop the object
 * shapes the request path's optimised code was built for, src/heap/mark-compact.cc RetainMaps). NODE_OPTIONS may not
 * hold it.
 */
const MEMORY_REDUCER_OFF = /^--no[-_]memory[-_]reducer$/;

/** The OpenAPI document (`nova-advisor openapi`), rendered from the routes. */
export async function renderOpenApi(): Promise<string> {
  return (await import('./api/openapi.ts')).renderOpenApi();
}

/** After SHUTDOWN_TIMEOUT_SECONDS: time for aborted syncs to record their failure and the store to close. */
const ABORT_GRACE_MS = 5_000;

/** CPU of every thread (the embedded database's worker too), ms: beside the wall time, how busy the machine was. */
function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return Math.round((user + system) / 1000);
}

/** One process's service: the only one, or a worker (the first process of WORKERS > 1 supervises them: server-early.ts superviseEarly). */
export async function serve(settings: Settings): Promise<void> {
  // Since process start: Node and the modules up to here (compiled, or the sources through tsx: `code` in the ready entry).
  const modules = Math.round(performance.now());
  const log = serviceLogger(settings.LOG_LEVEL, settings.LOG_FORMAT);
  if (cluster.isWorker) {
    // A worker that cannot start must end, so its primary sees it: the IPC channel would keep it running.
    return serveOne(settings, log, modules).catch((err: unknown) => {
      process.disconnect?.();
      throw err;
    });
  }
  return serveOne(settings, log, modules);
}

/** The service in this process: the whole of it, or one worker of several (WORKERS > 1). */
async function serveOne(settings: Settings, log: Logger, modules: number): Promise<void> {
  // Fastify and the routes load while the embedded database starts in its worker thread (openAppContext).
  const http = import('./api/http.ts');
  http.catch(() => undefined); // awaited below; a failure is thrown there, not as an unhandled rejection first
  const ctx = await openAppContext(settings, log, takeEarly(settings.DATA_DIR, settings.DATABASE_URL, log));
  let mark = performance.now();
  const lap = (): number => {
    const ms = Math.round(performance.now() - mark);
    mark = performance.now();
    return ms;
  };
  const { buildApp, KeystoneTokenValidator } = await http.catch(async (err: unknown) => {
    await ctx.close();
    throw err;
  });

  // Tokens are checked against the first configured cloud's Keystone, with its TLS settings.
  const keystone = settings.authMode === 'keystone' ? ctx.clouds[0] : undefined;
  if (settings.authMode === 'keystone' && !keystone) {
    await ctx.close();
    throw new Error('AUTH_MODE=keystone needs a Keystone: set OS_CLOUD or OS_AUTH_URL');
  }
  // With WORKERS > 1 each worker starts here; notices about the whole service come from the first worker forked only
  // (node:cluster numbers workers from 1), not once per worker.
  const noticing = !cluster.isWorker || cluster.worker?.id === 1;
  if (noticing && settings.authMode === 'none') {
    log.warn('AUTH_MODE=none: THE API IS OPEN TO ANYONE WHO CAN REACH IT; use it for the local demo only');
  }
  if (noticing && !process.execArgv.some((option) => MEMORY_REDUCER_OFF.test(option))) {
    log.warn('Node runs with V8\'s memory reducer on: its full collections (100 s after the last one at the latest, and when requests pause) throw away the optimised code of the answers, which are slower for seconds after; start Node with --no-memory-reducer, as npm start and the Docker image do (README "Start it")');
  }
  const app = await buildApp({
    settings,
    store: ctx.store,
    registry: ctx.registry,
    ruleContext: ctx.ruleContext,
    sync: ctx.sync,
    storeMetrics: ctx.storeMetrics,
    logger: log,
    ...(keystone && { tokenValidator: new KeystoneTokenValidator(keystone.authUrl, { tls: keystone.tls, log, validTtlMs: settings.TOKEN_CACHE_SECONDS * 1000 }), authRealm: keystone.authUrl }),
  });
  const appMs = lap();
  ctx.sync?.startScheduler();

  // Graceful shutdown (close-with-grace, https://github.com/mcollina/close-with-grace) on SIGTERM / SIGINT or a crash:
  // stop accepting and let requests in flight finish (app.close), wait for running syncs and close the store
  // (ctx.close). Syncs still running at SHUTDOWN_TIMEOUT_SECONDS are aborted and record their failure; whatever still
  // hangs ABORT_GRACE_MS later is cut by the exit. A second signal exits at once.
  const deadlineMs = settings.SHUTDOWN_TIMEOUT_SECONDS * 1000;
  // A worker (WORKERS > 1) shuts down when its primary asks (src/server-workers.ts), never on a signal of its own.
  const worker = cluster.isWorker;
  if (worker) for (const signal of WORKER_IGNORED_SIGNALS) process.on(signal, () => undefined);
  // A worker answers the connections its primary hands over (src/server-balancer.ts). It listens only on a loopback
  // port of its own, never handed out, so that Node tracks those connections as its server's (the idle ones closed
  // on shutdown, the header and request timeouts kept).
  const handed = worker ? takeConnections(app.server) : null;
  const closer = closeWithGrace({
    delay: deadlineMs + ABORT_GRACE_MS, logger: { error: (m: unknown) => log.error(m) }, ...(worker && { skip: [...WORKER_IGNORED_SIGNALS] }),
  }, async ({ signal, err }) => {
    if (err) log.error({ err }, 'crashed; shutting down');
    else log.info({ signal, deadlineMs }, 'shutting down');
    const deadline = setTimeout(() => {
      log.warn('shutdown deadline passed: aborting running syncs');
      ctx.sync?.abort();
    }, deadlineMs);
    try {
      await app.close();
      await handed?.drain();
      await ctx.close();
    } finally {
      clearTimeout(deadline);
    }
  });
  if (worker) followPrimary(() => void closer.close());

  try {
    await app.listen(worker
      ? { host: '127.0.0.1', port: 0, exclusive: true, listenTextResolver: (address) => `worker listening on ${address}, its own; the service's connections come from the primary` }
      : { host: settings.HOST, port: settings.PORT });
    // After listen, as the snapshots loaded at start already answer; the watch's first look covers any saved since.
    await ctx.followSnapshots();
  } catch (err) {
    await app.close();
    await ctx.close();
    throw err;
  }
  const listenMs = lap();
  const address = app.server.address();
  // A worker's own port is not the service's: the primary puts the address it listens on in the ready entry.
  const port = !worker && typeof address === 'object' && address ? address.port : settings.PORT;
  const url = serviceUrl(settings.HOST, port);
  const embedded = ctx.startup.embedded;
  const ready: ReadyFacts = {
    url,
    docs: `${url}/docs`,
    ui: app.hasRoute({ method: 'GET', url: '/ui/' }) ? `${url}/ui/` : null,
    mode: ctx.clouds.length > 0 ? 'clouds' : 'demo',
    clouds: ctx.registry.clouds(),
    withoutSnapshot: ctx.clouds.map((c) => c.name).filter((name) => ctx.registry.current(name) === null),
    database: embedded ? { kind: 'embedded', dataDir: resolve(settings.DATA_DIR), created: embedded.created } : { kind: 'postgres' },
    auth: keystone ? { mode: 'keystone', keystone: keystone.authUrl } : { mode: 'none' },
    // Since process start: modules, the database, the snapshot load and the app included.
    msSinceProcessStart: Math.round(performance.now()),
    cpuMs: cpuMs(),
    phases: { modules, ...ctx.startup.phases, app: appMs, listen: listenMs },
    // This module is server.js in dist/, server.ts run through tsx (bin/nova-advisor.js chooses).
    code: import.meta.url.endsWith('.ts') ? 'sources' : 'dist',
  };
  if (worker) {
    log.info({ msSinceProcessStart: ready.msSinceProcessStart, cpuMs: ready.cpuMs }, 'worker ready');
    reportReady(ready);
  } else {
    log.info(ready, 'ready');
  }
}
