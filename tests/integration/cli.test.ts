// The CLI as users run it: `node bin/nova-advisor.js …` in a child process against a fresh PostgreSQL
// database (the demo cloud is loaded on first use), checking exit codes and output.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';

const BIN = fileURLToPath(new URL('../../bin/nova-advisor.js', import.meta.url));

let db: TestDatabase;
let dir: string;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      // A clean environment: no OS_* cloud, so the demo cloud is the one answering.
      { env: { PATH: process.env['PATH'], DATABASE_URL: db.url }, timeout: 60_000 },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, stdout, stderr }),
    );
  });
}

async function file(name: string, content: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
}

beforeAll(async () => {
  db = await createTestDatabase();
  dir = await mkdtemp(join(tmpdir(), 'na-cli-'));
  // Migrates and loads the demo cloud once, so the tests below do not race to do it.
  expect((await cli('migrate')).code).toBe(0);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  await db?.drop();
});

describe('nova-advisor validate <file.json>', () => {
  it('exits 0 on pass', async () => {
    const run = await cli('validate', await file('pass.json', '{"os_distro": "ubuntu22.04", "hw_vif_model": "virtio", "hw_disk_bus": "virtio"}'));
    expect(run).toMatchObject({ code: 0 });
    expect(run.stdout).toMatch(/^verdict: pass/);
  });

  it('exits 0 on warnings but prints them', async () => {
    const run = await cli('validate', await file('warn.json', '{"os_distro": "ubuntu", "os_version": "22.04", "hw_vif_model": "e1000"}'));
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/verdict: warn/);
    expect(run.stdout).toMatch(/WARNING/);
  });

  it('exits 1 on findings at error level, naming the field', async () => {
    const run = await cli('validate', await file('fail.json', '{"os_distro": "ubuntu", "os_version": "22.04", "hw_vif_model": "bogus"}'), '--json');
    expect(run.code).toBe(1);
    const result = JSON.parse(run.stdout);
    expect(result.verdict).toBe('fail');
    expect(result.findings).toContainEqual(expect.objectContaining({ severity: 'error', field: 'hw_vif_model' }));
  });

  it('checks against a flavor given by name', async () => {
    const run = await cli('validate', await file('flavor.json', '{"os_distro": "ubuntu22.04"}'), '--flavor', 'm1.small');
    expect(run.code).toBe(0);
  });

  it.each([
    ['an unreadable file', () => Promise.resolve(join(dir, 'missing.json')), [], /cannot read/],
    ['invalid JSON', () => file('broken.json', '{"os_distro": '), [], /not valid JSON/],
    ['a property that is a list (Glance stores strings)', () => file('list.json', '{"hw_vif_model": ["virtio"]}'), [], /properties\.hw_vif_model: a list cannot be a property value/],
    ['an unknown flavor', () => file('ok.json', '{"os_distro": "ubuntu22.04"}'), ['--flavor', 'no.such.flavor'], /no flavor named "no\.such\.flavor"/],
  ])('exits 2 on %s', async (_what, make, extra, message) => {
    const run = await cli('validate', await make(), ...extra);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
  });

  it('reads a number as the string Glance would store, says so, and judges that string', async () => {
    // "42" is not in Nova's VIFModel enum (domain.md §1.2): an error, exit 1.
    const run = await cli('validate', await file('number.json', '{"os_distro": "ubuntu22.04", "hw_vif_model": 42}'), '--json');
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/properties\.hw_vif_model: number 42 read as the string "42"/);
    expect(JSON.parse(run.stdout).findings).toContainEqual(expect.objectContaining({ severity: 'error', field: 'hw_vif_model' }));
  });

  it('exits 2 on a usage error', async () => {
    expect((await cli('validate')).code).toBe(2);
  });
});

describe('nova-advisor recommend', () => {
  it('prints the advice for the Ubuntu image and two VFs as JSON', async () => {
    const run = await cli('recommend', '--image', 'ubuntu-22.04', '--workload', 'nfv-dataplane', '--vfs', '2', '--json');
    expect(run.code).toBe(0);
    const advice = JSON.parse(run.stdout);
    expect(advice.imageProperties).toContainEqual(expect.objectContaining({ key: 'hw_vif_model', value: 'virtio' }));
    expect(advice.pciAliases[0]).toMatchObject({ count: 2 });
  });

  it('prints a readable summary', async () => {
    const run = await cli('recommend', '--image', 'ubuntu-22.04', '--flavor', 'm1.small');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/hw_vif_model=virtio/);
    expect(run.stdout).toMatch(/snapshot .* of demo/);
  });

  it('exits 2 for an unknown image', async () => {
    expect((await cli('recommend', '--image', 'no-such-image')).code).toBe(2);
  });
});

describe('nova-advisor sync', () => {
  it('exits 2 when no cloud is configured', async () => {
    const run = await cli('sync');
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/no OpenStack cloud is configured/);
  });
});
