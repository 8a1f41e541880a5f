// `npm run build` and `npm ci` (prepare): compiles src/ to dist/ (tsconfig.build.json) with the web page's files beside
// it, as the Docker image runs it, and stamps the build with the time it started (dist/.built). bin/nova-advisor.js
// runs dist/ only while no file of src/ (nor the tsconfig files) is newer than that stamp, so an edit is never served
// stale: until the next build, the sources run through tsx. Loading the service through tsx took ~0.6 s longer than
// the compiled code (issue 16: `nova-advisor --help` 1.15–1.24 s against 0.51–0.65 s), once per process: each CLI
// command and each worker of `serve`.
//   node scripts/build.mjs [--out DIR] [--optional]
// --out: default dist/ of this checkout. --optional (`npm ci`'s prepare): without TypeScript (an install without
// devDependencies) build nothing and say so; the sources then run through tsx, a production dependency.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({ options: { out: { type: 'string' }, optional: { type: 'boolean' } } });
const out = values.out ?? join(root, 'dist');
const tsc = join(root, 'node_modules/typescript/bin/tsc');
const started = new Date();

if (!existsSync(tsc)) {
  if (!values.optional) throw new Error(`no TypeScript compiler at ${tsc}: npm ci installs it (a devDependency)`);
  console.log('scripts/build.mjs: TypeScript is not installed (no devDependencies), so no dist/: the sources run through tsx');
  process.exit(0);
}

rmSync(out, { recursive: true, force: true });
// Types are checked by `npm run typecheck` (CI runs it); the build only emits, in 4 s instead of 11.
execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json'), '--noCheck', '--outDir', out], {
  cwd: root,
  stdio: 'inherit',
});
// src/api/routes/web.ts reads them from ../../web beside its module, in src/ and in dist/ alike.
cpSync(join(root, 'src/web'), join(out, 'web'), { recursive: true });
const stamp = join(out, '.built');
writeFileSync(stamp, `${started.toISOString()}\n`);
utimesSync(stamp, started, started);
