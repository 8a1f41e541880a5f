// A freshly initialised PGlite data folder kept as a tar, so the first start in a new DATA_DIR copies it in
// instead of running initdb. PGlite's own first start runs initdb in a second, in-memory instance and copies its
// folder into the data folder as a tar (@electric-sql/pglite pglite.ts, waitReady: `dumpDataDir('none')` then
// `loadTar`); this keeps that tar. Measured on this project's 2-core machine under load: initdb 3.5 s of CPU,
// loading the tar 0.9 s (src/store/README.md). `npm ci` makes it (`prepare`: scripts/make-pglite-template.ts); a start
// that finds none makes it and keeps it for the next new folder.
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';

const PGLITE_DIST = fileURLToPath(new URL('.', import.meta.resolve('@electric-sql/pglite')));
/** The database files differ between PGlite releases (PostgreSQL's catalog version): one template per release. */
const PGLITE_VERSION = (JSON.parse(readFileSync(join(PGLITE_DIST, '..', 'package.json'), 'utf8')) as { version: string }).version;

/**
 * Where the template lives: node_modules/.cache (the usual place for what tools derive from installed packages), so
 * `npm ci`, which empties node_modules, also drops a template of a replaced PGlite.
 */
export const TEMPLATE_PATH = join(PGLITE_DIST, '..', '..', '..', '.cache', 'nova-advisor', `pgdata-pglite-${PGLITE_VERSION}.tar.gz`);

/** The template as PGlite's `loadDataDir` takes it; null when there is none yet. */
export async function readTemplate(path = TEMPLATE_PATH): Promise<Blob | null> {
  try {
    // The type tells PGlite to gunzip it (pglite's loadTar).
    return new Blob([await readFile(path)], { type: 'application/gzip' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/** Runs initdb in memory, as PGlite's own first start does, and returns the folder as a gzipped tar. */
export async function makeTemplate(): Promise<Blob> {
  const db = await PGlite.create();
  try {
    return await db.dumpDataDir('gzip');
  } finally {
    await db.close();
  }
}

/**
 * Keeps the template for later first starts. Written aside and renamed into place, so processes making it at the
 * same time (parallel test files) never read a half-written one. Returns false when the folder is not writable
 * (an installation owned by another user): starts then go on running initdb.
 */
export async function saveTemplate(template: Blob, path = TEMPLATE_PATH): Promise<boolean> {
  const aside = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}`;
  try {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(aside, new Uint8Array(await template.arrayBuffer()));
    await rename(aside, path);
    return true;
  } catch {
    await rm(aside, { force: true });
    return false;
  }
}

/** The template, made and kept first when there is none. */
export async function ensureTemplate(path = TEMPLATE_PATH): Promise<{ template: Blob; made: boolean; kept: boolean }> {
  const found = await readTemplate(path);
  if (found) return { template: found, made: false, kept: true };
  const template = await makeTemplate();
  return { template, made: true, kept: await saveTemplate(template, path) };
}
