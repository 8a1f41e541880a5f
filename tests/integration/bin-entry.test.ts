// bin/nova-advisor.js picks what to run (issue 16): dist/ (built by `npm ci`, scripts/build.mjs) while it was built
// from the sources as they are, the sources through tsx once any of them is newer, so an edit is never served stale;
// without src/ (the Docker image), dist/. Run on a folder of the test's own: the real bin and node_modules, a src/ and
// a dist/ whose main modules each print which one ran, and dist/.built stamped as the build script stamps it. And the
// build script where TypeScript is not installed (`npm ci --omit=dev` runs prepare too).
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BUILT = new Date('2026-01-02T03:04:05Z');
const LATER = new Date(BUILT.getTime() + 1000);
const EARLIER = new Date(BUILT.getTime() - 60_000);

let dir: string;

async function file(path: string, text: string, time = EARLIER): Promise<void> {
  await mkdir(join(dir, path, '..'), { recursive: true });
  await writeFile(join(dir, path), text);
  await utimes(join(dir, path), time, time);
}

/** `node <args>` in the test's folder: its exit code and output. */
function node(args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) =>
    execFile(process.execPath, args, { cwd: dir }, (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, out: stdout + stderr })),
  );
}

/** Which main module `node bin/nova-advisor.js` ran. */
async function ran(): Promise<string> {
  const { code, out } = await node(['bin/nova-advisor.js', '--version']);
  if (code !== 0) throw new Error(out);
  return out.trim();
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'na-bin-'));
  await cp(join(ROOT, 'bin'), join(dir, 'bin'), { recursive: true });
  await symlink(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  await file('package.json', '{"type":"module"}');
  await file('tsconfig.json', '{}');
  await file('src/cli/main.ts', "const from: string = 'sources';\nconsole.log(from);\n");
  await file('src/rules/advise.ts', 'export {};\n');
  await file('dist/cli/main.js', "console.log('compiled');\n");
  await file('dist/.built', `${BUILT.toISOString()}\n`, BUILT);
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('bin/nova-advisor.js', () => {
  it('runs dist/ when no source is newer than its build', async () => {
    expect(await ran()).toBe('compiled');
  });

  it('runs the sources through tsx once a source file, however deep, or a tsconfig file is newer than the build', async () => {
    await utimes(join(dir, 'src/rules/advise.ts'), LATER, LATER);
    expect(await ran()).toBe('sources');
    await utimes(join(dir, 'src/rules/advise.ts'), EARLIER, EARLIER);
    expect(await ran()).toBe('compiled');
    await utimes(join(dir, 'tsconfig.json'), LATER, LATER);
    expect(await ran()).toBe('sources');
  });

  it('runs dist/ when only a README under src/ is newer: documentation is not a source', async () => {
    await file('src/rules/README.md', '# rules\n', LATER);
    expect(await ran()).toBe('compiled');
  });

  it('runs the sources when dist/ has no build stamp, or no dist/ at all', async () => {
    await rm(join(dir, 'dist/.built'));
    expect(await ran()).toBe('sources');
    await rm(join(dir, 'dist'), { recursive: true });
    expect(await ran()).toBe('sources');
  });

  it('runs dist/ where there are no sources (the Docker image), stamped or not', async () => {
    await rm(join(dir, 'src'), { recursive: true });
    await rm(join(dir, 'dist/.built'));
    expect(await ran()).toBe('compiled');
  });
});

describe('scripts/build.mjs without TypeScript installed', () => {
  beforeEach(async () => {
    await cp(join(ROOT, 'scripts/build.mjs'), join(dir, 'scripts/build.mjs'));
    await rm(join(dir, 'node_modules'));
    await rm(join(dir, 'dist'), { recursive: true });
  });

  it('builds nothing under --optional (npm ci\'s prepare) and says the sources will run, so the install goes on', async () => {
    const { code, out } = await node(['scripts/build.mjs', '--optional']);
    expect({ code, out }).toMatchObject({ code: 0, out: expect.stringContaining('the sources run through tsx') });
    await expect(stat(join(dir, 'dist'))).rejects.toThrow();
  });

  it('fails `npm run build`, naming the missing compiler', async () => {
    const { code, out } = await node(['scripts/build.mjs']);
    expect(code).not.toBe(0);
    expect(out).toContain('no TypeScript compiler');
  });
});
