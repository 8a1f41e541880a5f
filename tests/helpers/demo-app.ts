// The API on its real start-up wiring (migrations, demo cloud, rule context) over a fresh PostgreSQL
// database, not listening: what the route suites share.
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { buildApp } from '../../src/api/app.ts';
import { openAppContext, type AppContext } from '../../src/app-context.ts';
import { loadSettings } from '../../src/config/index.ts';
import { createTestDatabase } from './db.ts';

export interface DemoApp {
  app: FastifyInstance;
  /** What the app was built from, for running the CLI's commands on the same store and snapshots. */
  context: AppContext;
  /** Closes the app, the store and drops the database. */
  close(): Promise<void>;
}

export async function openDemoApp(): Promise<DemoApp> {
  const db = await createTestDatabase();
  const ctx = await openAppContext(loadSettings({ DATABASE_URL: db.url, AUTH_MODE: 'none', LOG_LEVEL: 'silent' }), pino({ level: 'silent' }));
  const app = await buildApp({ settings: ctx.settings, store: ctx.store, registry: ctx.registry, ruleContext: ctx.ruleContext });
  await app.ready();
  return {
    app,
    context: ctx,
    close: async () => {
      await app.close();
      await ctx.close();
      await db.drop();
    },
  };
}
