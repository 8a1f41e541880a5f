// The built CLI as users run it (issue 14): `npm run build`'s tsc output laid out as the Docker image has it
// (dist/, bin/, migrations/, node_modules), run as a child process, for each input shape openstackclient and Glance
// print (captured on the lab: tests/fixtures/openstack-cli), each output format (-f text|json|yaml|table|value|junit|
// sarif, -c), stdin (`-`), and against a running service (--url / NOVA_ADVISOR_URL). Expected answers come from the
// HTTP API given the properties as Glance stores them (its own body), not from the CLI's output.
import { execFile, spawn } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { openDemoApp, type DemoApp } from '../helpers/demo-app.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const FIXTURES = join(ROOT, 'tests/fixtures/openstack-cli');
const fixture = (name: string) => join(FIXTURES, name);
const fixtureJson = async (name: string) => JSON.parse(await readFile(fixture(name), 'utf8')) as Record<string, unknown>;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

let build: { dir: string; code: number; output: string };
let db: TestDatabase;
let demo: DemoApp;
let url: string;

/** The built bin/nova-advisor.js with `args`, `stdin` piped in; env: the test database, no OS_* cloud. */
function cli(args: string[], opts: { stdin?: string; env?: Record<string, string> } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(build.dir, 'bin/nova-advisor.js'), ...args], {
      env: { PATH: process.env['PATH'] ?? '', DATABASE_URL: db.url, ...opts.env },
      timeout: 60_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(opts.stdin ?? '');
  });
}

/** `npm run build` (scripts/build.mjs) into a folder of the test's own, laid out as the Dockerfile does. */
async function buildCli(): Promise<typeof build> {
  const dir = await mkdtemp(join(tmpdir(), 'na-cli-build-'));
  const result = await new Promise<{ code: number; output: string }>((resolve) =>
    execFile(process.execPath, [join(ROOT, 'scripts/build.mjs'), '--out', join(dir, 'dist')], { cwd: ROOT }, (err, stdout, stderr) =>
      resolve({ code: err ? Number(err.code ?? 1) : 0, output: stdout + stderr }),
    ),
  );
  await mkdir(join(dir, 'bin'));
  await copyFile(join(ROOT, 'bin/nova-advisor.js'), join(dir, 'bin/nova-advisor.js'));
  for (const name of ['node_modules', 'migrations', 'package.json', 'docs']) await symlink(join(ROOT, name), join(dir, name));
  return { dir, ...result };
}

/** The properties the bad fixture image was created with (README there) and openstackclient's own, as Glance stores them. */
async function storedBadProperties(): Promise<Record<string, string>> {
  const glance = await fixtureJson('glance-image-bad.json');
  const set = ['os_distro', 'os_version', 'hw_vif_model', 'hw_vif_multiqueue_enabled', 'hw_disk_bus'];
  return Object.fromEntries(Object.entries(glance).filter(([k]) => set.includes(k) || k.startsWith('owner_specified.'))) as Record<string, string>;
}

/** The service's answer to the same properties, through HTTP (the reference the CLI must match). */
async function httpValidation(body: object): Promise<{ verdict: string; findings: unknown[] }> {
  const res = await demo.app.inject({ method: 'POST', url: '/v1/validations', payload: body });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

beforeAll(async () => {
  [build, db, demo] = await Promise.all([buildCli(), createTestDatabase(), openDemoApp()]);
  url = await demo.app.listen({ host: '127.0.0.1', port: 0 });
  // Migrates and loads the demo cloud once, so the tests below do not race to do it.
  const migrate = await cli(['migrate']);
  expect(migrate, migrate.stderr).toMatchObject({ code: 0 });
}, 180_000);

afterAll(async () => {
  await demo?.close();
  await db?.drop();
  if (build) await rm(build.dir, { recursive: true, force: true });
});

describe('the build', () => {
  it('builds without errors (scripts/build.mjs: tsc -p tsconfig.build.json and the web page)', () => {
    expect(build.code, build.output).toBe(0);
  });
});

describe('nova-advisor validate reads each shape openstackclient and Glance print', () => {
  // hw_vif_model=bogus is not in Nova's VIFModel enum (domain.md §1.2): server create fails ⇒ error ⇒ exit 1.
  const shapes: [string, () => Promise<{ args: string[]; stdin?: string }>, RegExp | null][] = [
    ['openstack image show -f json, as a file', async () => ({ args: [fixture('image-show-bad.json')] }), /boolean true read as the string "true"/],
    ['openstack image show -f json, piped to -', async () => ({ args: ['-'], stdin: await readFile(fixture('image-show-bad.json'), 'utf8') }), /boolean true/],
    ["jq .properties of it (booleans and Glance's fields)", async () => ({ args: ['-'], stdin: JSON.stringify((await fixtureJson('image-show-bad.json'))['properties']) }), /os_hidden, os_hash_algo, os_hash_value, stores left out/],
    ["jq '.properties|map_values(tostring)' of it", async () => {
      const props = (await fixtureJson('image-show-bad.json'))['properties'] as Record<string, unknown>;
      return { args: ['-'], stdin: JSON.stringify(Object.fromEntries(Object.entries(props).map(([k, v]) => [k, String(v)]))) };
    }, null],
    ["Glance's own body (GET /v2/images/{id})", async () => ({ args: [fixture('glance-image-bad.json')] }), /read as a Glance image/],
    ['plain properties as Glance stores them', async () => ({ args: ['-'], stdin: JSON.stringify(await storedBadProperties()) }), null],
  ];

  it.each(shapes)('%s: the verdict and findings of the stored properties, exit 1', async (_shape, make, note) => {
    const { args, stdin } = await make();
    const run = await cli(['validate', ...args, '-f', 'json'], stdin === undefined ? {} : { stdin });
    expect(run.code, run.stderr).toBe(1);
    const answer = JSON.parse(run.stdout);
    const reference = await httpValidation({ properties: await storedBadProperties() });
    expect(answer.verdict).toBe('fail');
    expect(answer.findings).toEqual(reference.findings);
    expect(answer.findings).toContainEqual(expect.objectContaining({ id: 'image-property-invalid-value', severity: 'error', field: 'hw_vif_model' }));
    if (note) expect(run.stderr).toMatch(note);
  });

  it('validates against openstack flavor show -f json (--flavor-file, also from -) as the API does the same inline flavor', async () => {
    const flavor = await fixtureJson('flavor-show-sriov.json');
    const ubuntu = await fixtureJson('glance-image-ubuntu.json');
    const properties = Object.fromEntries(
      ['os_distro', 'os_version', 'hw_disk_bus', 'hw_scsi_model', 'hw_vif_model', 'hw_vif_multiqueue_enabled', 'os_type', 'hw_qemu_guest_agent'].map((k) => [k, ubuntu[k]]),
    );
    // Nova's field names for an inline flavor (FlavorRef); swap "" is no swap.
    const inline = { name: flavor['name'], vcpus: flavor['vcpus'], ram: flavor['ram'], disk: flavor['disk'], ephemeral: flavor['OS-FLV-EXT-DATA:ephemeral'], extra_specs: flavor['properties'] };
    const reference = await httpValidation({ properties, name: 'lab-ubuntu-22.04', flavor: inline });
    for (const run of [
      await cli(['validate', fixture('image-show-ubuntu.json'), '--flavor-file', fixture('flavor-show-sriov.json'), '-f', 'json']),
      await cli(['validate', fixture('image-show-ubuntu.json'), '--flavor-file', '-', '-f', 'json'], { stdin: JSON.stringify(flavor) }),
    ]) {
      expect(run.code, run.stderr).toBe(reference.verdict === 'fail' ? 1 : 0);
      expect(JSON.parse(run.stdout)).toMatchObject({ verdict: reference.verdict, findings: reference.findings });
    }
  });

  it.each([
    ['a flavor given as the image', [fixture('flavor-show-sriov.json')], /is a flavor .* --flavor-file/],
    ['an empty stdin', ['-'], /stdin is not valid JSON/],
    ['a property value that is an object', ['-'], /properties\.hw_vif_model: a object cannot be a property value/, '{"hw_vif_model": {"a": 1}}'],
    ['--image without a cloud', ['--image', 'lab-ubuntu-22.04'], /--image lab-ubuntu-22\.04 is read from the cloud/],
    ['- for both the image and the flavor', ['-', '--flavor-file', '-'], /- \(stdin\) can be given to one input only/, '{}'],
    ['an unknown column', [fixture('image-show-bad.json'), '-f', 'value', '-c', 'nope'], /no column nope; columns are .*verdict/],
  ])('exits 2 on %s', async (_what, args, message, stdin?: string) => {
    const run = await cli(['validate', ...args], stdin === undefined ? {} : { stdin });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
  });
});

describe('nova-advisor validate -f …', () => {
  const bad = () => readFile(fixture('image-show-bad.json'), 'utf8');
  const run = async (...args: string[]) => {
    const r = await cli(['validate', '-', ...args], { stdin: await bad() });
    expect(r.code, r.stderr).toBe(1);
    return r.stdout;
  };

  it('text: the verdict first, each finding on a line', async () => {
    const out = await run();
    expect(out).toMatch(/^verdict: fail\n/);
    expect(out).toMatch(/ERROR +image-property-invalid-value \[hw_vif_model\]/);
  });

  it('json, and --noindent -c verdict -c findings', async () => {
    expect(JSON.parse(await run('-f', 'json')).verdict).toBe('fail');
    const one = await run('-f', 'json', '--noindent', '-c', 'verdict', '-c', 'findings');
    expect(one.trim().split('\n')).toHaveLength(1);
    expect(Object.keys(JSON.parse(one))).toEqual(['verdict', 'findings']);
  });

  it('yaml', async () => {
    expect(parseYaml(await run('-f', 'yaml', '-c', 'verdict'))).toEqual({ verdict: 'fail' });
  });

  it('table: cliff\'s Field | Value, a finding per row', async () => {
    const out = await run('-f', 'table', '-c', 'verdict', '-c', 'findings');
    expect(out).toMatch(/^\+-+\+-+\+\n\| Field +\| Value +\|\n/);
    expect(out).toMatch(/\| verdict +\| fail +\|/);
    // Errors first (sortFindings); each further finding on a row of its own under an empty Field.
    expect(out).toMatch(/^\| findings +\| error image-property-invalid-value \[hw_vif_model\]: /m);
    const findings = JSON.parse(await run('-f', 'json')).findings as unknown[];
    expect(out.match(/^\| {2,}\| (error|warning|info) /gm) ?? []).toHaveLength(findings.length - 1);
  });

  it('value -c verdict: the bare value, for shell scripts', async () => {
    expect(await run('-f', 'value', '-c', 'verdict')).toBe('fail\n');
  });

  it('junit: parses as JUnit (the Ant / Jenkins junit-4.xsd structure), one testcase per finding, errors as failures', async () => {
    const xml = await run('-f', 'junit');
    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (name) => ['testsuite', 'testcase', 'property'].includes(name) }).parse(xml);
    const json = JSON.parse(await run('-f', 'json'));
    const suites = doc.testsuites.testsuite;
    expect(suites).toHaveLength(1);
    const suite = suites[0];
    // junit-4.xsd: testsuite requires name, timestamp (ISO 8601 without zone), hostname, tests, failures, errors, time;
    // inside testsuites also package and id; children properties, testcase*, system-out, system-err.
    for (const attr of ['name', 'timestamp', 'hostname', 'tests', 'failures', 'errors', 'time', 'package', 'id']) expect(suite[attr], attr).toBeDefined();
    expect(suite.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
    expect('properties' in suite && 'system-out' in suite && 'system-err' in suite).toBe(true);
    // The children's order, as the schema's sequence has it (preserveOrder keeps the document's order).
    const ordered = new XMLParser({ preserveOrder: true }).parse(xml) as Record<string, unknown>[];
    const suitesNode = ordered.find((n) => 'testsuites' in n)!['testsuites'] as Record<string, unknown>[];
    const suiteNode = suitesNode.find((n) => 'testsuite' in n)!['testsuite'] as Record<string, unknown>[];
    const order = suiteNode.map((n) => Object.keys(n)[0]).join(' ');
    expect(order).toMatch(/^properties( testcase)+ system-out system-err$/);
    expect(suite.testcase).toHaveLength(json.findings.length);
    for (const tc of suite.testcase) for (const attr of ['name', 'classname', 'time']) expect(tc[attr], attr).toBeDefined();
    const failures = suite.testcase.filter((tc: Record<string, unknown>) => tc['failure'] !== undefined);
    expect(failures).toHaveLength(json.findings.filter((f: { severity: string }) => f.severity === 'error').length);
    expect(Number(suite.failures)).toBe(failures.length);
    expect(Number(suite.tests)).toBe(suite.testcase.length);
    expect(failures.map((tc: { failure: { type: string } }) => tc.failure.type)).toContain('image-property-invalid-value');
  });

  it('sarif: SARIF 2.1.0, a result per finding with ruleId, level and message; rules from the findings catalog', async () => {
    const log = JSON.parse(await run('-f', 'sarif'));
    const json = JSON.parse(await run('-f', 'json'));
    expect(log.version).toBe('2.1.0');
    const [sarifRun] = log.runs;
    expect(sarifRun.tool.driver.name).toBe('nova-advisor');
    expect(sarifRun.results).toHaveLength(json.findings.length);
    const levels: Record<string, string> = { error: 'error', warning: 'warning', info: 'note' };
    json.findings.forEach((f: { id: string; severity: string; message: string }, i: number) => {
      const r = sarifRun.results[i];
      expect(r).toMatchObject({ ruleId: f.id, level: levels[f.severity], message: { text: f.message } });
      expect(sarifRun.tool.driver.rules[r.ruleIndex].id).toBe(f.id);
    });
    const docs = await readFile(join(ROOT, 'docs/findings.md'), 'utf8');
    for (const rule of sarifRun.tool.driver.rules) {
      // SARIF 2.1.0, reportingDescriptor.helpUri: an absolute URI.
      expect(new URL(rule.helpUri).protocol).toMatch(/^(file|https?):$/);
      expect(rule.helpUri).toMatch(new RegExp(`/docs/findings\\.md#${rule.id}$`));
      expect(docs).toContain(`\`${rule.id}\``);
    }
  });

  it('-c with junit is refused (exit 2)', async () => {
    const r = await cli(['validate', '-', '-f', 'junit', '-c', 'verdict'], { stdin: await bad() });
    expect(r.code).toBe(2);
  });
});

describe('nova-advisor recommend', () => {
  it('prints ready-to-run openstack image set / flavor set lines for what is to change', async () => {
    const run = await cli(['recommend', '--image', 'ubuntu-22.04', '--workload', 'nfv-dataplane', '--vfs', '2']);
    expect(run.code, run.stderr).toBe(0);
    const json = JSON.parse((await cli(['recommend', '--image', 'ubuntu-22.04', '--workload', 'nfv-dataplane', '--vfs', '2', '-f', 'json'])).stdout);
    const image = run.stdout.match(/^ {2}openstack image set (.*) ubuntu-22\.04$/m);
    const flavor = run.stdout.match(/^ {2}openstack flavor set (.*) FLAVOR$/m);
    // Ubuntu 22.04 has virtio-net (domain.md §3.2): the demo image lacks hw_vif_model, so the line sets it.
    for (const r of json.imageProperties.filter((p: { current: string | null; value: string }) => p.current !== p.value)) {
      expect(image?.[1]).toContain(`--property ${r.key}=${r.value}`);
    }
    expect(image?.[1]).toContain('--property hw_vif_model=virtio');
    // Two VFs per instance: pci_passthrough:alias=<alias>:2 (domain.md §1.5).
    expect(flavor?.[1]).toMatch(/--property pci_passthrough:alias=[\w-]+:2\b/);
  });
});

describe('nova-advisor with a running service (--url, NOVA_ADVISOR_URL)', () => {
  // DATA_DIR where no database can be opened: a command that touched the embedded engine would fail with exit 3.
  const remoteEnv = () => ({ DATABASE_URL: '', DATA_DIR: '/proc/na-no-database-here' });

  it('asks the service: the same answer as the service gives over HTTP, exit by verdict, no database opened', async () => {
    const stdin = await readFile(fixture('image-show-bad.json'), 'utf8');
    const reference = await httpValidation({ properties: await storedBadProperties(), name: 'na-cli-fixture-bad' });
    for (const run of [
      await cli(['validate', '-', '--url', url, '-f', 'json'], { stdin, env: remoteEnv() }),
      await cli(['validate', '-', '-f', 'json'], { stdin, env: { ...remoteEnv(), NOVA_ADVISOR_URL: url } }),
    ]) {
      expect(run.code, run.stderr).toBe(1);
      const answer = JSON.parse(run.stdout);
      expect({ ...answer, snapshot: null }).toEqual({ ...reference, snapshot: null });
    }
  });

  it('names a snapshot flavor by name or id as the in-process CLI does', async () => {
    const flavors = (await demo.app.inject({ method: 'GET', url: '/v1/flavors?name=m1.small' })).json().items as { id: string; name: string }[];
    const small = flavors.find((f) => f.name === 'm1.small')!;
    const byName = await cli(['validate', '-', '--url', url, '--flavor', 'm1.small', '-f', 'json'], { stdin: '{"os_distro": "ubuntu22.04"}', env: remoteEnv() });
    const byId = await cli(['validate', '-', '--url', url, '--flavor', small.id, '-f', 'json'], { stdin: '{"os_distro": "ubuntu22.04"}', env: remoteEnv() });
    expect(byName.code, byName.stderr).toBe(0);
    expect(JSON.parse(byName.stdout).findings).toEqual(JSON.parse(byId.stdout).findings);
  });

  it.each([
    ['an unknown flavor (the service answers 404)', ['--flavor', 'no.such.flavor'], () => url, 2, /no flavor named "no\.such\.flavor"/],
    ['an unknown cloud', ['--cloud', 'nope'], () => url, 2, /404/],
    ['a service nobody runs', [], () => 'http://127.0.0.1:9', 3, /cannot reach nova-advisor at http:\/\/127\.0\.0\.1:9/],
  ])('exits %s', async (_what, extra, target, code, message) => {
    const run = await cli(['validate', '-', '--url', target(), ...extra], { stdin: '{"os_distro": "ubuntu22.04"}', env: remoteEnv() });
    expect(run.code, run.stderr).toBe(code);
    expect(run.stderr).toMatch(message);
  });

  it('pci-check and recommend too', async () => {
    const pci = await cli(['pci-check', '--url', url, '--alias', '{"name": "x710-vf", "vendor_id": "8086", "product_id": "154c", "device_type": "type-VF"}', '-f', 'value', '-c', 'verdict'], { env: remoteEnv() });
    expect(pci.stdout).toMatch(/^(pass|warn|fail)\n$/);
    expect(pci.code).toBe(pci.stdout === 'fail\n' ? 1 : 0);
    const advice = await cli(['recommend', '--url', url, '--image', 'ubuntu-22.04', '-f', 'json', '-c', 'imageProperties'], { env: remoteEnv() });
    expect(advice.code, advice.stderr).toBe(0);
    expect(JSON.parse(advice.stdout).imageProperties).toContainEqual(expect.objectContaining({ key: 'hw_vif_model', value: 'virtio' }));
  });
});
