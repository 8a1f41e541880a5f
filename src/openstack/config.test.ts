// clouds.yaml / OS_* loading (domain.md §5.2): search order, secure.yaml, envvars, errors naming the key.
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCloudConfigs } from './config.ts';

const LAB = `clouds:
  lab-admin:
    auth: {auth_url: 'http://127.0.0.1:5000/v3', username: admin, password: admin, project_name: admin,
           user_domain_name: Default, project_domain_name: Default}
    region_name: RegionOne
    interface: public
  appcred:
    auth_type: v3applicationcredential
    auth: {auth_url: 'https://keystone.example/v3', application_credential_id: abc}
    verify: false
`;

function dirs(files: Record<string, string>) {
  const root = mkdtempSync(join(tmpdir(), 'na-clouds-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return { cwd: join(root, 'cwd'), home: join(root, 'home'), root };
}

describe('loadCloudConfigs', () => {
  it('returns no cloud when neither OS_CLOUD nor OS_AUTH_URL is set', () => {
    expect(loadCloudConfigs({}, dirs({}))).toEqual([]);
  });

  it('reads ~/.config/openstack/clouds.yaml, and secure.yaml fills in the secret', () => {
    const d = dirs({
      'home/.config/openstack/clouds.yaml': LAB,
      'cwd/secure.yaml': 'clouds: {appcred: {auth: {application_credential_secret: s3cr3t}}}',
    });
    const [admin, app] = loadCloudConfigs({ OS_CLOUD: 'lab-admin, appcred' }, d);
    expect(admin).toMatchObject({
      name: 'lab-admin', authUrl: 'http://127.0.0.1:5000/v3', regionName: 'RegionOne', interface: 'public',
      auth: { type: 'password', user: { name: 'admin', domainName: 'Default' }, project: { name: 'admin', domainName: 'Default' } },
    });
    expect(app).toMatchObject({ auth: { type: 'application_credential', id: 'abc', secret: 's3cr3t' }, tls: { verify: false } });
  });

  it('puts OS_CLIENT_CONFIG_FILE before ./clouds.yaml', () => {
    const d = dirs({ 'cwd/clouds.yaml': 'clouds: {}', 'other.yaml': LAB });
    expect(loadCloudConfigs({ OS_CLOUD: 'lab-admin', OS_CLIENT_CONFIG_FILE: join(d.root, 'other.yaml') }, d)[0]?.source).toBe(join(d.root, 'other.yaml'));
  });

  it('names the missing key and the file', () => {
    const d = dirs({ 'cwd/clouds.yaml': 'clouds: {c: {auth: {auth_url: "http://k/v3", username: u, user_domain_name: D}}}' });
    expect(() => loadCloudConfigs({ OS_CLOUD: 'c' }, d)).toThrow(/cloud "c" \(.*clouds\.yaml\): clouds\.c\.auth\.password: required/);
    expect(() => loadCloudConfigs({ OS_CLOUD: 'nope' }, d)).toThrow(/OS_CLOUD: cloud "nope" is not in .* \(it has: c\)/);
    expect(() => loadCloudConfigs({ OS_CLOUD: 'c' }, dirs({}))).toThrow(/no clouds.yaml found/);
  });

  it('builds the cloud `envvars` from OS_* and names the variable at fault', () => {
    const env = {
      OS_AUTH_URL: 'http://127.0.0.1:5000/v3', OS_USERNAME: 'admin', OS_PASSWORD: 'admin', OS_PROJECT_NAME: 'admin',
      OS_USER_DOMAIN_NAME: 'Default', OS_PROJECT_DOMAIN_NAME: 'Default', OS_REGION_NAME: 'RegionOne', OS_INTERFACE: 'internal', OS_INSECURE: 'true',
    };
    expect(loadCloudConfigs(env, dirs({}))[0]).toMatchObject({ name: 'envvars', source: 'environment', interface: 'internal', tls: { verify: false } });
    expect(() => loadCloudConfigs({ ...env, OS_INTERFACE: 'private' }, dirs({}))).toThrow(/OS_INTERFACE: /);
    expect(() => loadCloudConfigs({ ...env, OS_AUTH_URL: 'not a url' }, dirs({}))).toThrow(/OS_AUTH_URL: /);
    const app = loadCloudConfigs({ OS_AUTH_URL: 'https://k/v3', OS_APPLICATION_CREDENTIAL_ID: 'id1', OS_APPLICATION_CREDENTIAL_SECRET: 'x' }, dirs({}));
    expect(app[0]?.auth).toEqual({ type: 'application_credential', id: 'id1', secret: 'x' });
  });

  // openstacksdk's `regions` (SDK doc/source/user/config/configuration.rst; openstack/config/loader.py _expand_region):
  // a list of names, or of {name, values} whose values override the cloud's settings in that region.
  const REGIONS = `clouds:
  east:
    auth: {auth_url: 'http://k/v3', username: u, password: p, user_domain_name: D}
    regions:
      - RegionOne
      - name: RegionTwo
        values: {interface: internal, compute_endpoint_override: 'http://nova-two/v2.1'}
  west:
    auth: {auth_url: 'http://k2/v3', username: u, password: p, user_domain_name: D}
    regions: [WestOne]
  plain:
    auth: {auth_url: 'http://k3/v3', username: u, password: p, user_domain_name: D}
`;

  it('makes one cloud per region of a cloud that lists several, named cloud/region, each with its values', () => {
    const d = dirs({ 'cwd/clouds.yaml': REGIONS });
    const clouds = loadCloudConfigs({ OS_CLOUD: 'east,west,plain' }, d);
    expect(clouds.map((c) => [c.name, c.regionName])).toEqual([
      ['east/RegionOne', 'RegionOne'],
      ['east/RegionTwo', 'RegionTwo'],
      ['west', 'WestOne'], // one region: the cloud's own name, as before
      ['plain', null],
    ]);
    expect(clouds[0]).toMatchObject({ interface: 'public', endpointOverrides: {} });
    expect(clouds[1]).toMatchObject({ interface: 'internal', endpointOverrides: { compute: 'http://nova-two/v2.1' }, authUrl: 'http://k/v3' });
  });

  it('refuses a bad regions list, naming the key', () => {
    const bad = (regions: string) => dirs({ 'cwd/clouds.yaml': `clouds: {c: {auth: {auth_url: 'http://k/v3', username: u, password: p, user_domain_name: D}, ${regions}}}` });
    expect(() => loadCloudConfigs({ OS_CLOUD: 'c' }, bad('regions: []'))).toThrow(/clouds\.c\.regions: /);
    expect(() => loadCloudConfigs({ OS_CLOUD: 'c' }, bad('regions: [{values: {}}]'))).toThrow(/clouds\.c\.regions\[0\]\.name: /);
    expect(() => loadCloudConfigs({ OS_CLOUD: 'c' }, bad('regions: [A, A]'))).toThrow(/region "A" is listed twice/);
    expect(() => loadCloudConfigs({ OS_CLOUD: 'c' }, bad('regions: [A, B], region_name: C'))).toThrow(/clouds\.c\.region_name: "C" is not in its regions \(A, B\)/);
    expect(() => loadCloudConfigs({ OS_CLOUD: 'c' }, bad("regions: [A, {name: B, values: {interface: private}}]"))).toThrow(/clouds\.c\.interface: /);
  });
});
