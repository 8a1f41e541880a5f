#!/usr/bin/env node
// Entry for `npx nova-advisor` and `npm start`: runs the compiled CLI (dist/, which `npm ci` builds: scripts/build.mjs)
// when it is as new as the sources, otherwise the TypeScript sources through tsx, so an edit runs at once.
import cluster from 'node:cluster';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';

// `serve` with WORKERS > 1 (and the DATABASE_URL it needs), in the first process: the first worker is forked before
// any module of the service loads here. Their loading took this process ~0.9 s through tsx (Node, tsx, zod and the
// settings) that the first worker's start, and so the service's readiness, waited for. src/server-early.ts checks
// the settings as before and supervises the worker forked here (src/server-workers.ts), or stops it when they are
// wrong; this reads the two variables only as the settings would, never more loosely.
if (cluster.isPrimary && process.argv[2] === 'serve' && process.argv.length === 3 && process.env.DATABASE_URL) {
  const asked = process.env.WORKERS;
  const workers = asked === 'auto' ? availableParallelism() : Number(asked);
  if (Number.isInteger(workers) && workers > 1 && workers <= 64) cluster.fork();
}

const at = (path) => new URL(`../${path}`, import.meta.url);
/** A file's modification time (ms), undefined when there is none. */
const modified = (path) => statSync(path, { throwIfNoEntry: false })?.mtimeMs;

/**
 * Whether to run dist/: it was built from the sources as they are, its stamp (the time its build started) no older
 * than any file of src/ but its READMEs (Markdown) or the tsconfig files; or there are no sources (the Docker image). Reading the ~240 files'
 * times takes ~3 ms; loading the service through tsx took ~0.6 s more than from dist/.
 */
function runCompiled() {
  if (!existsSync(at('dist/cli/main.js'))) return false;
  if (!existsSync(at('src'))) return true;
  const built = modified(at('dist/.built'));
  if (built === undefined) return false;
  const newer = (path) => (modified(path) ?? -Infinity) > built;
  if (newer(at('tsconfig.json')) || newer(at('tsconfig.build.json'))) return false;
  // A folder's README is no source: an edited one made every start load through tsx (issue 16, a bench run).
  return !readdirSync(at('src'), { recursive: true, withFileTypes: true })
    .some((entry) => !entry.isDirectory() && !entry.name.endsWith('.md') && newer(`${entry.parentPath}/${entry.name}`));
}

if (runCompiled()) {
  await import(at('dist/cli/main.js').href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(at('src/cli/main.ts').href);
}
