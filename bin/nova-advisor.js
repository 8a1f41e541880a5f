#!/usr/bin/env node
// Entry for `npx nova-advisor` and `npm start`: runs the compiled CLI when dist/ exists (the Docker image),
// otherwise the TypeScript sources through tsx, so a fresh clone needs no build step.
import cluster from 'node:cluster';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';

// `serve` with WORKERS > 1 (and the DATABASE_URL it needs), in the first process: the first worker is forked before
// tsx and any module of the service load here. Their loading took this process ~0.9 s (Node, tsx, zod and the
// settings) that the first worker's start, and so the service's readiness, waited for. src/server-early.ts checks
// the settings as before and supervises the worker forked here (src/server-workers.ts), or stops it when they are
// wrong; this reads the two variables only as the settings would, never more loosely.
if (cluster.isPrimary && process.argv[2] === 'serve' && process.argv.length === 3 && process.env.DATABASE_URL) {
  const asked = process.env.WORKERS;
  const workers = asked === 'auto' ? availableParallelism() : Number(asked);
  if (Number.isInteger(workers) && workers > 1 && workers <= 64) cluster.fork();
}

const compiled = new URL('../dist/cli/main.js', import.meta.url);
if (existsSync(compiled)) {
  await import(compiled.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(new URL('../src/cli/main.ts', import.meta.url).href);
}
