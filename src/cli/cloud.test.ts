// --os-cloud / --os-region-name against a clouds.yaml entry that lists regions (openstacksdk's `regions:`): the
// command line talks to one region, the one asked for or the first listed, as openstackclient does.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { selectedCloud } from './cloud.ts';

const dir = mkdtempSync(join(tmpdir(), 'na-clouds-'));
const file = join(dir, 'clouds.yaml');
writeFileSync(file, `clouds:
  multi:
    auth: { auth_url: 'http://127.0.0.1:5000/v3', username: u, password: p, project_name: p, user_domain_name: Default, project_domain_name: Default }
    regions: [RegionOne, RegionTwo]
  single:
    auth: { auth_url: 'http://127.0.0.1:5000/v3', username: u, password: p, project_name: p, user_domain_name: Default, project_domain_name: Default }
    region_name: RegionOne
`);
const env = { OS_CLIENT_CONFIG_FILE: file };

describe('selectedCloud', () => {
  it.each([
    { name: 'a listed region, by --os-region-name', opts: { osCloud: 'multi', osRegionName: 'RegionTwo' }, env: {}, region: 'RegionTwo' },
    { name: 'a listed region, by OS_REGION_NAME', opts: { osCloud: 'multi' }, env: { OS_REGION_NAME: 'RegionTwo' }, region: 'RegionTwo' },
    { name: 'no region asked: the first listed', opts: { osCloud: 'multi' }, env: {}, region: 'RegionOne' },
    { name: 'a cloud without regions keeps its region_name', opts: { osCloud: 'single' }, env: {}, region: 'RegionOne' },
  ])('$name', ({ opts, env: extra, region }) => {
    expect(selectedCloud(opts, { ...env, ...extra })?.regionName).toBe(region);
  });

  it('refuses a region the cloud does not list, naming the ones it does', () => {
    expect(() => selectedCloud({ osCloud: 'multi', osRegionName: 'RegionNine' }, env)).toThrow(/RegionNine.*RegionOne, RegionTwo/);
  });

  it('several clouds in OS_CLOUD: none is the command line\'s', () => {
    expect(selectedCloud({}, { ...env, OS_CLOUD: 'multi,single' })).toBeNull();
  });
});
