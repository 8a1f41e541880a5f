// `npm ci` runs this (package.json `prepare`): makes the embedded database's template (src/store/pglite-template.ts),
// so the first `npm start` in a new DATA_DIR copies it instead of running initdb. Also run by the Dockerfile.
import { performance } from 'node:perf_hooks';
import { ensureTemplate, TEMPLATE_PATH } from '../src/store/pglite-template.ts';

const started = performance.now();
const { made, kept } = await ensureTemplate();
const ms = Math.round(performance.now() - started);
if (!made) console.log(`embedded PostgreSQL template already there: ${TEMPLATE_PATH}`);
else if (kept) console.log(`embedded PostgreSQL template made in ${ms} ms: ${TEMPLATE_PATH}`);
// Not an install failure: the first start then runs initdb itself.
else console.warn(`embedded PostgreSQL template made in ${ms} ms but not kept: ${TEMPLATE_PATH} is not writable`);
