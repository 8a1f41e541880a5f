// Applies /migrations with node-pg-migrate's runner.
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { withClient } from './connection.ts';
import type { StoreLog } from './database.ts';

// Same relative place from src/store/ (tsx) and dist/store/ (compiled): <repo>/migrations.
const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations', import.meta.url));

export async function migrate(pool: pg.Pool, log: StoreLog | undefined): Promise<void> {
  // Loaded on demand: node-pg-migrate sets up jiti (its .js/.ts migration loader) at import time, which
  // only this call needs.
  const { runner } = await import('node-pg-migrate');
  await withClient(pool, (client) =>
    runner({
      dbClient: client,
      dir: MIGRATIONS_DIR,
      // Only .sql files are migrations (a README beside them is not).
      ignorePattern: '(?!.*\\.sql$).*',
      migrationsTable: 'pgmigrations',
      direction: 'up',
      checkOrder: true,
      singleTransaction: true,
      // Replicas starting together: the second waits for the first, then finds nothing to run.
      advisoryLockMode: 'wait',
      logger: {
        info: (msg) => log?.info({}, msg),
        warn: (msg) => log?.warn({}, msg),
        error: (msg) => log?.error({}, msg),
      },
    }),
  );
}
