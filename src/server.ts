// Thin entry of the HTTP service (`nova-advisor serve`): settings, logger, the shared start-up wiring, the app,
// listen, graceful close on SIGTERM / SIGINT. The CLI reaches the HTTP app only through here (serve, openapi).
import { performance } from 'node:perf_hooks';
import closeWithGrace from 'close-with-grace';
import { pino } from 'pino';
import { buildApp } from './api/app.ts';
import { KeystoneTokenValidator } from './api/auth.ts';
import { openAppContext } from './app-context.ts';
export { renderOpenApi } from './api/openapi.ts';
import type { Settings } from './config/index.ts';

/** After SHUTDOWN_TIMEOUT_SECONDS: time for aborted syncs to record their failure and the store to close. */
const ABORT_GRACE_MS = 5_000;

export async function serve(settings: Settings): Promise<void> {
  const log = pino({ level: settings.LOG_LEVEL });
  const ctx = await openAppContext(settings, log);

  // Tokens are checked against the first configured cloud's Keystone, with its TLS settings.
  const keystone = settings.authMode === 'keystone' ? ctx.clouds[0] : undefined;
  if (settings.authMode === 'keystone' && !keystone) {
    await ctx.close();
    throw new Error('AUTH_MODE=keystone needs a Keystone: set OS_CLOUD or OS_AUTH_URL');
  }
  if (settings.authMode === 'none') {
    log.warn('AUTH_MODE=none: THE API IS OPEN TO ANYONE WHO CAN REACH IT; use it for the local demo only');
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
  ctx.sync?.startScheduler();

  // Graceful shutdown (close-with-grace, https://github.com/mcollina/close-with-grace) on SIGTERM / SIGINT or a crash:
  // stop accepting and let requests in flight finish (app.close), wait for running syncs and close the store
  // (ctx.close). Syncs still running at SHUTDOWN_TIMEOUT_SECONDS are aborted and record their failure; whatever still
  // hangs ABORT_GRACE_MS later is cut by the exit. A second signal exits at once.
  const deadlineMs = settings.SHUTDOWN_TIMEOUT_SECONDS * 1000;
  closeWithGrace({ delay: deadlineMs + ABORT_GRACE_MS, logger: { error: (m: unknown) => log.error(m) } }, async ({ signal, err }) => {
    if (err) log.error({ err }, 'crashed; shutting down');
    else log.info({ signal, deadlineMs }, 'shutting down');
    const deadline = setTimeout(() => {
      log.warn('shutdown deadline passed: aborting running syncs');
      ctx.sync?.abort();
    }, deadlineMs);
    try {
      await app.close();
      await ctx.close();
    } finally {
      clearTimeout(deadline);
    }
  });

  try {
    await app.listen({ host: settings.HOST, port: settings.PORT });
    // After listen, as the snapshots loaded at start already answer; the watch's first look covers any saved since.
    await ctx.followSnapshots();
  } catch (err) {
    await app.close();
    await ctx.close();
    throw err;
  }
  log.info(
    {
      // Since process start: module loading, the database and the snapshot load included.
      msSinceProcessStart: Math.round(performance.now()),
      clouds: ctx.registry.clouds(),
      database: settings.DATABASE_URL ? 'postgres' : 'embedded',
    },
    'ready',
  );
}
