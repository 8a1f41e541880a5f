#!/usr/bin/env node
// Entry for `npx nova-advisor` and `npm start`: runs the compiled CLI when dist/ exists (the Docker image),
// otherwise the TypeScript sources through tsx, so a fresh clone needs no build step.
import { existsSync } from 'node:fs';

const compiled = new URL('../dist/cli/main.js', import.meta.url);
if (existsSync(compiled)) {
  await import(compiled.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(new URL('../src/cli/main.ts', import.meta.url).href);
}
