// Thin entry of the HTTP service (`nova-advisor serve`): settings, logger, the shared start-up wiring, the app,
// listen, graceful close on SIGTERM / SIGINT. The CLI reaches the HTTP app only through here (serve, openapi).
import { performance } from 'node:perf_hooks';
import { pino } from 'pino';
import { buildApp } from './api/app.ts';
import { KeystoneTokenValidator } from './api/auth.ts';
import { openAppContext } from './app-context.ts';
export { renderOpenApi } from './api/openapi.ts';
import type { Settings } from './config/index.ts';

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

  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    log.info({ signal }, 'shutting down');
    app
      .close()
      .then(() => ctx.close())
      .then(
        () => process.exit(0),
        (err: unknown) => {
          log.error({ err }, 'shutdown failed');
          process.exit(1);
        },
      );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);

  try {
    await app.listen({ host: settings.HOST, port: settings.PORT });
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
