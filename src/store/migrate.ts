// Applies /migrations with node-pg-migrate's runner.
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import type * as NodePgMigrate from 'node-pg-migrate';
import { withClient } from './connection.ts';
import type { StoreLog } from './database.ts';

// Same relative place from src/store/ (tsx) and dist/store/ (compiled): <repo>/migrations.
const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations', import.meta.url));

let migrator: Promise<typeof NodePgMigrate> | undefined;

/**
 * node-pg-migrate, loaded once and on demand: it sets up jiti (its .js/.ts migration loader) at import time, which only
 * migrate() needs (~0.3 s). A start calls this early, to load it while the embedded database starts (app-context.ts).
 */
export function loadMigrator(): Promise<typeof NodePgMigrate> {
  return (migrator ??= import('node-pg-migrate'));
}

export async function migrate(pool: pg.Pool, log: StoreLog | undefined): Promise<void> {
  const { runner } = await loadMigrator();
  const applied = await withClient(pool, (client) =>
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
      // Its progress lines (one per file and a banner) at debug; what was applied is logged once below.
      logger: {
        info: (msg) => log?.debug?.({}, msg),
        warn: (msg) => log?.warn({}, msg),
        error: (msg) => log?.error({}, msg),
      },
    }),
  );
  if (applied.length > 0) log?.info({ applied: applied.map((m) => m.name) }, 'database migrated');
}
