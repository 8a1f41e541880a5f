// Real databases for tests (never mocks): a fresh database on the real PostgreSQL, or embedded PGlite in a
// temporary folder. Each helper returns what it made and how to remove it.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openDatabase, type Database } from '../../src/store/database.ts';
import { PgSnapshotStore } from '../../src/store/pg-store.ts';

/**
 * The admin connection that creates and drops each suite's database (README "Test it", tests/README.md): a role that
 * may CREATE DATABASE. DATABASE_URL is the service's setting and is not read here.
 */
const ADMIN_URL = process.env.TEST_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestDatabase {
  url: string;
  /** Drops the database, ending any connection still open on it. */
  drop(): Promise<void>;
}

/** Creates `na_test_<random>` on the real PostgreSQL and returns its URL. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `na_test_${randomBytes(6).toString('hex')}`;
  // The name is generated above from hex digits, so interpolating it is safe (identifiers cannot be bound).
  await withAdmin((admin) => admin.query(`CREATE DATABASE ${name}`));
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    // WITH (FORCE) (PostgreSQL 13+) ends sessions a failed test left open instead of failing the drop.
    drop: () => withAdmin((admin) => admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}

async function withAdmin<T>(fn: (admin: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.end();
  }
}

export interface TestStore {
  kind: Database['kind'];
  store: PgSnapshotStore;
  db: Database;
  /** What was passed to openDatabase, to open the same database again. */
  settings: { databaseUrl?: string; dataDir: string };
  /** Closes the store (if still open) and removes the database or folder. */
  dispose(): Promise<void>;
}

/** A migrated store on a fresh database of the real PostgreSQL. */
export async function openPostgresStore(): Promise<TestStore> {
  const database = await createTestDatabase();
  const settings = { databaseUrl: database.url, dataDir: '' };
  return migratedStore(settings, database.drop);
}

/** A migrated store on embedded PostgreSQL in a new temporary folder. */
export async function openEmbeddedStore(): Promise<TestStore> {
  const dataDir = await makeTempDir();
  return migratedStore({ dataDir }, () => rm(dataDir, { recursive: true, force: true }));
}

export function makeTempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'na-store-'));
}

async function migratedStore(settings: TestStore['settings'], remove: () => Promise<void>): Promise<TestStore> {
  const db = await openDatabase(settings);
  const store = new PgSnapshotStore(db);
  try {
    await store.migrate();
  } catch (error) {
    await store.close();
    await remove();
    throw error;
  }
  return {
    kind: db.kind,
    store,
    db,
    settings,
    dispose: async () => {
      await store.close();
      await remove();
    },
  };
}
