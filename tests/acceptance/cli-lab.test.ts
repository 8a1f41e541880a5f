// Issue 14 on the real lab: the CLI as an operator uses it beside openstackclient. `openstack image show -f json
// IMAGE | nova-advisor validate -` exits by verdict; `--image` / `--flavor` read the lab live with --os-cloud; a
// running service is asked with a token the lab's Keystone issued (--url); `recommend`'s `openstack image set` line
// runs as printed and Glance then holds what was advised. The reference is the service's answer over HTTP for the
// properties as Glance stores them (Glance's own body, read with a token of the test's own).
//   OS_CLIENT_CONFIG_FILE=/var/lib/openstack-lab/clouds.yaml OS_CLOUD=lab-admin npx vitest run tests/acceptance/cli-lab.test.ts
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { XMLParser } from 'fast-xml-parser';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/api/app.ts';
import { KeystoneTokenValidator } from '../../src/api/auth.ts';
import { openAppContext, type AppContext } from '../../src/app-context.ts';
import { loadSettings } from '../../src/config/index.ts';
import { loadCloudConfigs, type CloudConfig } from '../../src/openstack/config.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { LabApi, type LabToken } from './support/lab-api.ts';

const cloudName = process.env.OS_CLOUD?.split(',')[0]?.trim();
const BIN = fileURLToPath(new URL('../../bin/nova-advisor.js', import.meta.url));
/** The lab's seeded image and SR-IOV flavor (../shared/openstack-lab: lab.py seed). */
const IMAGE = 'lab-ubuntu-22.04';
const FLAVOR = 'lab.sriov';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

let db: TestDatabase;
let ctx: AppContext;
let app: FastifyInstance;
let url: string;
let lab: LabApi;
let demo: LabToken;
let admin: LabToken;
const tag = `na-cli-${randomBytes(4).toString('hex')}`;
let badImage = '';


/** A shell line (the pipe as a user types it) with the test's database and the lab's clouds.yaml. */
function sh(line: string, env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile('/bin/sh', ['-c', line], {
      env: {
        PATH: process.env['PATH'] ?? '',
        HOME: process.env['HOME'] ?? '/root',
        DATABASE_URL: db.url,
        OS_CLIENT_CONFIG_FILE: process.env['OS_CLIENT_CONFIG_FILE'] ?? '',
        OS_CLOUD: cloudName!,
        ...env,
      },
      timeout: 120_000,
    }, (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? -1) : 0, stdout, stderr }));
  });
}

const na = `node ${BIN}`;

/** Glance's own body of an image and the properties in it (every member Glance's image schema does not define). */
async function storedProperties(token: LabToken, nameOrId: string): Promise<{ id: string; properties: Record<string, string> }> {
  const found = await lab.call(token, 'image', 'GET', `/v2/images?name=${encodeURIComponent(nameOrId)}`);
  const image = found.body.images[0] ?? (await lab.call(token, 'image', 'GET', `/v2/images/${nameOrId}`)).body;
  // Glance's image schema (GET /v2/schemas/image) lists its own attributes; every other member is a property.
  const schema = await lab.call(token, 'image', 'GET', '/v2/schemas/image');
  const own = new Set(Object.keys(schema.body.properties));
  return { id: image.id, properties: Object.fromEntries(Object.entries(image).filter(([k]) => !own.has(k))) as Record<string, string> };
}

/**
 * The service's answer over HTTP for the properties as Glance stores them, to `who` (admin: what the in-process CLI,
 * unscoped, sees; a member sees host names redacted, docs/security.md).
 */
async function reference(body: object, who: LabToken = admin): Promise<{ verdict: string; findings: unknown[] }> {
  const res = await app.inject({ method: 'POST', url: '/v1/validations', payload: body, headers: { 'x-auth-token': who.token } });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

const exitOf = (verdict: string) => (verdict === 'fail' ? 1 : 0);

describe.skipIf(!cloudName)('nova-advisor beside openstackclient on the lab', () => {
  let cloud: CloudConfig;

  beforeAll(async () => {
    [cloud] = loadCloudConfigs({ ...process.env, OS_CLOUD: cloudName }) as [CloudConfig];
    const [demoCloud] = loadCloudConfigs({ ...process.env, OS_CLOUD: 'lab-demo' }) as [CloudConfig];
    lab = new LabApi(cloud.authUrl);
    const creds = (c: CloudConfig): [string, string, string] => {
      if (c.auth.type !== 'password') throw new Error(`${c.name}: a password cloud is needed`);
      return [c.auth.user.name!, c.auth.password, c.auth.project!.name!];
    };
    admin = await lab.token(...creds(cloud));
    demo = await lab.token(...creds(demoCloud));
    db = await createTestDatabase();
    // A snapshot of the lab, through the CLI as an operator takes one.
    const sync = await sh(`${na} sync --cloud ${cloudName}`);
    expect(sync.code, sync.stderr).toBe(0);
    // An image of the test's own with a value Nova's VIFModel enum does not hold (domain.md §1.2). No data: image
    // create reads the image's data from stdin when it is not a terminal, hence /dev/null.
    const created = await sh(
      `openstack --os-cloud lab-demo image create --container-format bare --disk-format raw --property os_distro=ubuntu --property os_version=22.04 --property hw_vif_model=bogus --property hw_vif_multiqueue_enabled=true ${tag} -f value -c id < /dev/null`,
    );
    expect(created.code, created.stderr).toBe(0);
    badImage = created.stdout.trim();
    // The service on the same database, with Keystone auth against the lab's Keystone.
    ctx = await openAppContext(loadSettings({ ...process.env, DATABASE_URL: db.url, AUTH_MODE: 'keystone', LOG_LEVEL: 'silent' }), pino({ level: 'silent' }));
    app = await buildApp({
      settings: ctx.settings,
      store: ctx.store,
      registry: ctx.registry,
      ruleContext: ctx.ruleContext,
      tokenValidator: new KeystoneTokenValidator(cloud.authUrl),
      authRealm: cloud.authUrl,
    });
    url = await app.listen({ host: '127.0.0.1', port: 0 });
  }, 240_000);

  afterAll(async () => {
    // By name too: an image create cut short leaves one behind without the test learning its id.
    if (admin) for (const image of (await lab.call(admin, 'image', 'GET', `/v2/images?name=${tag}`)).body.images) await lab.call(admin, 'image', 'DELETE', `/v2/images/${image.id}`);
    await app?.close();
    await ctx?.close();
    await db?.drop();
  });

  it.each([
    [IMAGE, 'the seeded image'],
    [tag, 'an image with hw_vif_model=bogus'],
  ])('openstack image show -f json %s | nova-advisor validate - exits by verdict (%s)', async (name) => {
    const stored = await storedProperties(demo, name);
    const expected = await reference({ properties: stored.properties, name });
    const run = await sh(`openstack --os-cloud lab-demo image show -f json ${name} | ${na} validate - -f json`);
    expect(run.code, run.stderr).toBe(exitOf(expected.verdict));
    expect(JSON.parse(run.stdout)).toMatchObject({ verdict: expected.verdict, findings: expected.findings });
    if (name === tag) {
      expect(expected.verdict).toBe('fail');
      expect(expected.findings).toContainEqual(expect.objectContaining({ id: 'image-property-invalid-value', field: 'hw_vif_model' }));
      // openstackclient printed the SDK's boolean for the stored "true": said on stderr.
      expect(run.stderr).toMatch(/hw_vif_multiqueue_enabled: boolean true read as the string "true"/);
    }
  });

  it('--image and --flavor read the lab live (--os-cloud), as the piped openstack show output', async () => {
    const live = await sh(`${na} validate --image ${IMAGE} --flavor ${FLAVOR} --os-cloud lab-admin -f json`);
    const piped = await sh(`openstack --os-cloud lab-admin flavor show -f json ${FLAVOR} > /tmp/${tag}-flavor.json && openstack --os-cloud lab-demo image show -f json ${IMAGE} | ${na} validate - --flavor-file /tmp/${tag}-flavor.json -f json; rc=$?; rm -f /tmp/${tag}-flavor.json; exit $rc`);
    expect(live.code, live.stderr).toBe(piped.code);
    const a = JSON.parse(live.stdout);
    const b = JSON.parse(piped.stdout);
    expect(a.findings).toEqual(b.findings);
    expect(a.verdict).toBe(b.verdict);
  });

  it('--os-region-name picks the region of the catalog: one the lab does not have exits 3 naming it', async () => {
    const run = await sh(`${na} validate --image ${IMAGE} --os-cloud lab-demo --os-region-name Nowhere`);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/no image endpoint with interface public in region Nowhere/);
    const env = await sh(`${na} validate --image ${IMAGE} --os-cloud lab-demo -f value -c verdict`, { OS_REGION_NAME: 'RegionOne' });
    expect(env.stdout).toMatch(/^(pass|warn|fail)\n$/);
  });

  it('asks a running service with a token the lab issued for --os-cloud (or OS_TOKEN); a refused token exits 3', async () => {
    // Asked with demo's token, the service answers as it answers demo.
    const expected = await reference({ properties: (await storedProperties(demo, tag)).properties, name: tag }, demo);
    const noDb = { DATABASE_URL: '', DATA_DIR: '/proc/na-no-database-here' };
    const viaCloud = await sh(`openstack --os-cloud lab-demo image show -f json ${tag} | ${na} validate - --url ${url} --os-cloud lab-demo -f json`, noDb);
    expect(viaCloud.code, viaCloud.stderr).toBe(1);
    expect(JSON.parse(viaCloud.stdout).findings).toEqual(expected.findings);
    // OS_TOKEN for nova-advisor only: openstackclient would take it as its own auth.
    const viaToken = await sh(`openstack --os-cloud lab-demo image show -f json ${tag} | OS_TOKEN=${demo.token} ${na} validate - -f value -c verdict`, { ...noDb, NOVA_ADVISOR_URL: url });
    expect(viaToken).toMatchObject({ code: 1, stdout: 'fail\n' });
    const refused = await sh(`echo '{}' | ${na} validate - --url ${url} --os-token not-a-token`, { ...noDb, OS_CLOUD: '' });
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/401/);
  });

  it('-f junit of a lab run parses as JUnit with the error as a failure', async () => {
    const run = await sh(`openstack --os-cloud lab-demo image show -f json ${tag} | ${na} validate - -f junit`);
    expect(run.code).toBe(1);
    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (n) => n === 'testcase' }).parse(run.stdout);
    const suite = doc.testsuites.testsuite;
    expect(Number(suite.failures)).toBeGreaterThan(0);
    expect(suite.testcase.map((tc: { failure?: { type: string } }) => tc.failure?.type)).toContain('image-property-invalid-value');
  });

  it("recommend's openstack image set line runs as printed, and Glance then holds the advice", async () => {
    const before = await sh(`${na} recommend --image ${badImage} --os-cloud lab-demo --workload network-throughput`);
    expect(before.code, before.stderr).toBe(0);
    const line = before.stdout.match(/^ {2}(openstack --os-cloud lab-demo image set .*)$/m)?.[1];
    expect(line, before.stdout).toBeDefined();
    // hw_vif_model=bogus is replaced by a model the guest has (Ubuntu 22.04: virtio, domain.md §3.2).
    expect(line).toContain('--property hw_vif_model=virtio');
    expect(line!.endsWith(badImage)).toBe(true);
    const applied = await sh(line!);
    expect(applied.code, applied.stderr).toBe(0);
    const json = JSON.parse((await sh(`${na} recommend --image ${badImage} --os-cloud lab-demo --workload network-throughput -f json -c imageProperties`)).stdout);
    const stored = (await storedProperties(demo, badImage)).properties;
    for (const r of json.imageProperties as { key: string; value: string }[]) expect(stored[r.key], r.key).toBe(r.value);
    const after = await sh(`${na} recommend --image ${badImage} --os-cloud lab-demo --workload network-throughput`);
    expect(after.stdout).not.toMatch(/image set/);
  });
});
