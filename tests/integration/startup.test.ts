// The first five minutes (issue 14): `serve` on a fresh DATA_DIR starts from the embedded database's template and
// says where the docs are, what answers and whether the API is open; GET / leads to the docs; in a terminal the log is
// readable, elsewhere JSON lines.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderEntry, type ReadyFacts } from '../../src/server-log.ts';
import { makeTempDir } from '../helpers/db.ts';
import { openDemoApp, type DemoApp } from '../helpers/demo-app.ts';

const BIN = fileURLToPath(new URL('../../bin/nova-advisor.js', import.meta.url));
/** Node's options in package.json's start script (`node <options> bin/nova-advisor.js serve`). */
const START_OPTIONS = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { scripts: { start: string } })
  .scripts.start.split(' ').filter((word) => word.startsWith('--'));

/** `serve` on `dataDir` with Node's `options`: its output up to the ready entry, and that entry. */
async function serveUntilReady(dataDir: string, options: readonly string[] = []): Promise<{ out: string; ready: ReadyFacts }> {
  const child = spawn(process.execPath, [...options, BIN, 'serve'], {
    env: { PATH: process.env['PATH'], DATA_DIR: dataDir, PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const ready = await new Promise<ReadyFacts>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n').find((l) => l.includes('"msg":"ready"'));
      if (line) resolve(JSON.parse(line) as ReadyFacts);
    });
    child.once('exit', (code) => reject(new Error(`serve exited ${code}: ${out}`)));
  }).finally(() => child.kill('SIGTERM'));
  await new Promise((resolve) => child.once('exit', resolve));
  return { out, ready };
}

/** The entries at warn level that speak of V8's memory reducer (README "Start it"). */
function memoryReducerWarnings(out: string): string[] {
  return out.trim().split('\n').map((line) => JSON.parse(line) as { level: number; msg: string })
    .filter((entry) => entry.level === 40 && entry.msg.includes('memory reducer')).map((entry) => entry.msg);
}

describe('GET /', () => {
  let demo: DemoApp;
  beforeAll(async () => {
    demo = await openDemoApp();
  });
  afterAll(() => demo.close());

  it('gives a browser a page linking the API docs, the web page and the OpenAPI document', async () => {
    const res = await demo.app.inject({ url: '/', headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    for (const href of ['/docs', '/ui/', '/openapi.json']) expect(res.body).toContain(`href="${href}"`);
    // Every link answers.
    for (const href of ['/docs', '/ui/', '/openapi.json']) expect((await demo.app.inject({ url: href })).statusCode, href).toBeLessThan(400);
  });

  it('gives any other client the same links as JSON', async () => {
    const res = await demo.app.inject({ url: '/' });
    expect(res.json()).toEqual({
      service: 'nova-advisor',
      links: { docs: '/docs', ui: '/ui/', openapi: '/openapi.json', health: '/healthz', readiness: '/readyz', metrics: '/metrics' },
    });
  });
});

describe('serve on a fresh DATA_DIR', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await makeTempDir();
  });
  afterAll(() => rm(dataDir, { recursive: true, force: true }));

  it('logs JSON lines when not in a terminal, the ready entry saying where the docs are, the mode and auth', async () => {
    const { out, ready } = await serveUntilReady(dataDir);
    // Every line is JSON (a log collector reads them), the start's included.
    for (const line of out.trim().split('\n')) expect(() => JSON.parse(line), line).not.toThrow();
    expect(ready.docs).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/docs$/);
    expect(ready.mode).toBe('demo');
    expect(ready.clouds).toEqual(['demo']);
    expect(ready.withoutSnapshot).toEqual([]);
    expect(ready.auth).toEqual({ mode: 'none' });
    // npm ci made the template (package.json prepare), so a new folder is copied from it, not made by initdb.
    expect(ready.database).toEqual({ kind: 'embedded', dataDir, created: 'template' });
    expect(Object.keys(ready.phases)).toEqual(['modules', 'database', 'prepare', 'migrations', 'demo', 'snapshots', 'app', 'listen']);
    // Started without npm start's options, it says how its answers suffer and what to do.
    expect(memoryReducerWarnings(out)).toEqual([expect.stringContaining('--no-memory-reducer')]);
  }, 120_000);

  it('runs as npm start runs it without V8\'s memory reducer, and says nothing of it', async () => {
    expect(START_OPTIONS).toContain('--no-memory-reducer');
    const { out, ready } = await serveUntilReady(dataDir, START_OPTIONS);
    expect(ready.mode).toBe('demo');
    expect(memoryReducerWarnings(out)).toEqual([]);
  }, 120_000);
});

describe('the readable log (a terminal)', () => {
  const ready: ReadyFacts = {
    url: 'http://127.0.0.1:8080', docs: 'http://127.0.0.1:8080/docs', ui: 'http://127.0.0.1:8080/ui/', mode: 'clouds',
    clouds: ['east/RegionOne', 'west'], withoutSnapshot: ['east/RegionTwo'], database: { kind: 'postgres' }, auth: { mode: 'keystone', keystone: 'http://127.0.0.1:5000/v3' },
    msSinceProcessStart: 3120, cpuMs: 2950, phases: { modules: 700, database: 1500 }, code: 'dist',
  };

  it('shows the ready entry as a banner: docs, web page, clouds, database, auth and how to get a token, start phases', () => {
    const text = renderEntry(JSON.stringify({ level: 30, time: 0, msg: 'ready', ...ready }));
    expect(text.split('\n')).toEqual([
      'nova-advisor ready in 3.1 s — API docs: http://127.0.0.1:8080/docs',
      '  web page  http://127.0.0.1:8080/ui/',
      '  answers   east/RegionOne, west; no snapshot yet of east/RegionTwo: run nova-advisor sync, or POST /v1/sync',
      '  database  PostgreSQL (DATABASE_URL)',
      '  auth      Keystone tokens in X-Auth-Token, checked against http://127.0.0.1:5000/v3 (get one: openstack token issue -f value -c id)',
      '  start     modules 0.7 s, database 1.5 s (3.0 s of CPU), compiled (dist/)',
      '',
    ]);
  });

  it('says in the banner when the sources run through tsx, and how to start quicker', () => {
    const text = renderEntry(JSON.stringify({ level: 30, time: 0, msg: 'ready', ...ready, code: 'sources' }));
    expect(text.split('\n').at(-2)).toBe('  start     modules 0.7 s, database 1.5 s (3.0 s of CPU), the sources through tsx (dist/ is missing or older than src/: npm run build)');
  });

  it('says in the banner of WORKERS > 1 that the first worker answers and the others still start', () => {
    const text = renderEntry(JSON.stringify({ level: 30, time: 0, msg: 'ready', ...ready, workers: { count: 2, ready: 1, pids: [4242] } }));
    expect(text.split('\n').at(-2)).toBe('  workers   1 of 2 answering (WORKERS), pid 4242; the others start one after another');
  });

  it('shows any other entry on one line: time, level, message, fields', () => {
    const time = new Date(2026, 0, 1, 9, 5, 7).getTime();
    expect(renderEntry(JSON.stringify({ level: 40, time, pid: 1, hostname: 'h', msg: 'retrying', attempt: 2, url: 'GET /v2 x' }))).toBe(
      '09:05:07 WARN  retrying  attempt=2 url="GET /v2 x"\n',
    );
  });
});
