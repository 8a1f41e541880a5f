// `npm run build` and `npm ci` (prepare): compiles src/ to dist/ (tsconfig.build.json) with the web page's files beside
// it, as the Docker image runs it, and stamps the build with the time it started (dist/.built). bin/nova-advisor.js
// runs dist/ only while no file of src/ (nor the tsconfig files) is newer than that stamp, so an edit is never served
// stale: until the next build, the sources run through tsx. Loading the service through tsx took ~0.6 s longer than
// the compiled code (issue 16: `nova-advisor --help` 1.15–1.24 s against 0.56–0.65 s), once per process: each CLI
// command and each worker of `serve`.
//   node scripts/build.mjs [--out DIR]   (default: dist/ of this checkout)
import { execFileSync } from 'node:child_process';
import { cpSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({ options: { out: { type: 'string' } } });
const out = values.out ?? join(root, 'dist');
const started = new Date();

rmSync(out, { recursive: true, force: true });
// Types are checked by `npm run typecheck` (CI runs it); the build only emits, in 4 s instead of 11.
execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json'), '--noCheck', '--outDir', out], {
  cwd: root,
  stdio: 'inherit',
});
// src/api/routes/web.ts reads them from ../../web beside its module, in src/ and in dist/ alike.
cpSync(join(root, 'src/web'), join(out, 'web'), { recursive: true });
const stamp = join(out, '.built');
writeFileSync(stamp, `${started.toISOString()}\n`);
utimesSync(stamp, started, started);
