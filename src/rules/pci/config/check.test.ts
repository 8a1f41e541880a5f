import { describe, expect, it } from 'vitest';
import { checkPciConfig, type PciConfigInput } from './check.ts';
import { normalisePciResourceClass, normalisePciTraits } from './placement.ts';
import { flavor, host, pciProvider, snapshot } from '../../test-fixtures.ts';
import type { CloudSnapshot, NovaRelease } from '../../../model/index.ts';

const cloud: CloudSnapshot = {
  ...snapshot([
    host('cmp1', { pci: [
      pciProvider('cmp1', '0000:3B:00.0', 'CUSTOM_PCI_8086_154C', 16, 6, []),
      pciProvider('cmp1', '0000:3B:00.1', 'CUSTOM_PCI_8086_1572', 1, 0, []),
    ] }),
    host('cmp2', { pci: [pciProvider('cmp2', '0000:5E:00.0', 'CUSTOM_NIC_VF', 8, 2, ['CUSTOM_RED'])] }),
  ]),
  flavors: [
    flavor('vf.2', 4, 4096, 10, { 'pci_passthrough:alias': 'x710-vf:2' }),
    flavor('pf.1', 4, 4096, 10, { 'pci_passthrough:alias': 'x710-pf:1' }),
    flavor('broken', 1, 512, 1, { 'pci_passthrough:alias': 'nocount' }),
  ],
};
const ctx = { hostFacts: { pciInPlacement: false } };
const VF_SPEC = '{"vendor_id": "8086", "product_id": "154c", "address": "0000:3b:00.0"}';
const PF_SPEC = '{"vendor_id": "8086", "product_id": "1572", "address": "0000:3b:00.1"}';
const VF_ALIAS = '{"name": "x710-vf", "vendor_id": "8086", "product_id": "154c", "device_type": "type-VF"}';
const PF_ALIAS = '{"name": "x710-pf", "vendor_id": "8086", "product_id": "1572", "device_type": "type-PF"}';
const RC_ONLY = '{"name": "x710-vf", "resource_class": "CUSTOM_PCI_8086_154C", "device_type": "type-VF"}';
const RC_AND_IDS = '{"name": "x710-vf", "vendor_id": "8086", "product_id": "154c", "resource_class": "CUSTOM_NIC_VF", "device_type": "type-VF"}';

function check(input: Partial<PciConfigInput>, pciInPlacement = false) {
  return checkPciConfig(cloud, { deviceSpecs: [], aliases: [], ...input }, { hostFacts: { pciInPlacement } });
}
const ids = (input: Partial<PciConfigInput>, pciInPlacement = false) => check(input, pciInPlacement).findings.map((f) => f.id);

describe('§4.5 normalisation of resource classes and traits', () => {
  it.each([
    ['PGPU', 'PGPU'],
    ['sriov_net_vf', 'SRIOV_NET_VF'],
    ['CUSTOM_NIC_VF', 'CUSTOM_NIC_VF'],
    ['nic-vf.fast', 'CUSTOM_NIC_VF_FAST'],
    ['custom_gpu', 'CUSTOM_GPU'],
  ])('%s → %s', (raw, normalised) => {
    expect(normalisePciResourceClass(raw)).toBe(normalised);
  });

  it('traits: standard namespaces kept, others CUSTOM_ with runs of non-alphanumerics as _', () => {
    expect(normalisePciTraits('purple, pf-white,HW_NIC_SRIOV, ,a..b')).toEqual(['CUSTOM_PURPLE', 'CUSTOM_PF_WHITE', 'HW_NIC_SRIOV', 'CUSTOM_A_B']);
  });
});

describe('§4.1 device_spec parsing', () => {
  it.each([
    { name: 'not JSON', spec: '{vendor_id: 8086}', id: 'pci-config-json-invalid' },
    { name: 'a JSON string', spec: '"8086:154c"', id: 'pci-config-json-invalid' },
    { name: 'a list with a number', spec: '[{"vendor_id": "8086"}, 3]', id: 'pci-config-json-invalid' },
    { name: 'vendor id too long', spec: '{"vendor_id": "80861"}', id: 'pci-device-spec-invalid' },
    { name: 'address and devname', spec: '{"address": "0000:3b:00.0", "devname": "eth0"}', id: 'pci-device-spec-invalid' },
    { name: 'function beyond 7', spec: '{"address": "0000:3b:00.8"}', id: 'pci-device-spec-invalid' },
    { name: 'slot beyond 0x1f', spec: '{"address": "*:3b:20.*"}', id: 'pci-device-spec-invalid' },
    { name: 'bad address regex', spec: '{"address": {"bus": "(3b"}}', id: 'pci-device-spec-invalid' },
    { name: 'managed maybe', spec: '{"vendor_id": "10de", "managed": "maybe"}', id: 'pci-device-spec-invalid' },
    { name: 'one_time_use on a VF', spec: '{"vendor_id": "8086", "product_id": "154c", "one_time_use": "true"}', id: 'pci-device-spec-invalid' },
    { name: 'remote_managed on a PF', spec: '{"vendor_id": "8086", "product_id": "1572", "remote_managed": "true"}', id: 'pci-device-spec-invalid' },
  ])('$name → $id, naming the entry', ({ spec, id }) => {
    const result = check({ deviceSpecs: [VF_SPEC, spec] });
    const finding = result.findings.find((f) => f.id === id);
    expect(finding?.field).toMatch(/^device_spec\[1\]/);
    expect(result.verdict).toBe('fail');
  });

  it('§4.1 one_time_use needs report_in_placement', () => {
    expect(ids({ deviceSpecs: ['{"vendor_id": "10de", "product_id": "1eb8", "one_time_use": "true"}'], reportInPlacement: false })).toContain('pci-device-spec-invalid');
  });

  it('§4.5 devname is refused with report_in_placement only', () => {
    const spec = '{"vendor_id": "8086", "product_id": "154c", "devname": "ens1f0"}';
    expect(ids({ deviceSpecs: [spec] })).toContain('pci-spec-devname-in-placement');
    expect(ids({ deviceSpecs: [spec], reportInPlacement: false })).not.toContain('pci-spec-devname-in-placement');
  });

  it('§4.4/§4.5 physical_network devices are not in Placement', () => {
    const result = check({ deviceSpecs: ['{"vendor_id": "8086", "product_id": "154c", "physical_network": "physnet1"}'] });
    expect(result.specs[0]).toMatchObject({ inPlacement: false, resourceClass: null, existingProviders: [] });
    expect(result.findings.map((f) => f.id)).toContain('pci-spec-not-in-placement');
  });
});

describe('§4.5 the Placement model of each spec', () => {
  it('default class CUSTOM_PCI_<V>_<P>, COMPUTE_MANAGED_PCI_DEVICE, VFs on the parent PF provider', () => {
    const [vf, pf] = check({ deviceSpecs: [VF_SPEC, PF_SPEC] }).specs;
    expect(vf).toMatchObject({ deviceType: 'type-VF', resourceClass: 'CUSTOM_PCI_8086_154C', traits: ['COMPUTE_MANAGED_PCI_DEVICE'] });
    expect(vf!.providers).toMatch(/parent PF/);
    expect(vf!.existingProviders).toEqual([{ provider: 'cmp1_0000:3B:00.0', resourceClass: 'CUSTOM_PCI_8086_154C', traits: ['COMPUTE_MANAGED_PCI_DEVICE'], free: 10, unchanged: true }]);
    expect(pf).toMatchObject({ deviceType: 'type-PF', resourceClass: 'CUSTOM_PCI_8086_1572' });
    expect(pf!.existingProviders.map((p) => p.provider)).toEqual(['cmp1_0000:3B:00.1']);
  });

  it('resource_class, traits, live_migratable and one_time_use tags', () => {
    const [gpu] = check({ deviceSpecs: ['{"vendor_id": "10de", "product_id": "1eb8", "resource_class": "gpu-t4", "traits": "fast", "live_migratable": "yes", "one_time_use": "true"}'] }).specs;
    expect(gpu).toMatchObject({
      deviceType: 'type-PCI', resourceClass: 'CUSTOM_GPU_T4',
      traits: ['COMPUTE_MANAGED_PCI_DEVICE', 'CUSTOM_FAST', 'HW_PCI_LIVE_MIGRATABLE', 'HW_PCI_ONE_TIME_USE'],
    });
  });

  it('a spec that changes a provider\'s traits, and one that matches no provider, are reported', () => {
    const result = check({ deviceSpecs: ['{"vendor_id": "8086", "product_id": "154c", "traits": "blue"}', '{"vendor_id": "10de", "product_id": "1eb8"}'] });
    expect(result.specs[0]!.existingProviders[0]!.unchanged).toBe(false);
    expect(result.findings.map((f) => [f.id, f.field])).toEqual(expect.arrayContaining([
      ['pci-spec-changes-providers', 'device_spec[0]'], ['pci-spec-matches-no-provider', 'device_spec[1]'],
    ]));
  });

  it('§4.1 the first matching spec supplies the tags: later specs do not take the same provider', () => {
    const result = check({ deviceSpecs: ['{"vendor_id": "8086"}', VF_SPEC] });
    expect(result.specs[0]!.existingProviders).toHaveLength(2);
    expect(result.specs[1]!.existingProviders).toEqual([]);
  });

  it('a custom class hides the ids: it matches the provider of that class', () => {
    const [spec] = check({ deviceSpecs: ['{"vendor_id": "15b3", "product_id": "1018", "resource_class": "nic_vf", "traits": "red"}'] }).specs;
    expect(spec!.existingProviders).toMatchObject([{ provider: 'cmp2_0000:5E:00.0', unchanged: true }]);
  });
});

describe('§4.5 specs Nova refuses together', () => {
  it('PF and its VFs both, unrestricted ⇒ error; restricted by address ⇒ warning', () => {
    expect(ids({ deviceSpecs: ['{"vendor_id": "8086", "product_id": "154c"}', '{"vendor_id": "8086", "product_id": "1572"}'] })).toContain('pci-spec-pf-and-vfs');
    const restricted = ids({ deviceSpecs: [VF_SPEC, PF_SPEC] });
    expect(restricted).toContain('pci-spec-may-match-pf-and-vfs');
    expect(restricted).not.toContain('pci-spec-pf-and-vfs');
    expect(ids({ deviceSpecs: ['{"vendor_id": "8086", "product_id": "154c"}', '{"vendor_id": "8086", "product_id": "1572"}'], reportInPlacement: false }))
      .not.toContain('pci-spec-pf-and-vfs');
  });

  it('§4.1 an exact address without product_id may match a PF and its VFs', () => {
    expect(ids({ deviceSpecs: ['{"address": "0000:3b:00.0"}'] })).toContain('pci-spec-may-match-pf-and-vfs');
  });

  it('VFs of one model with different classes ⇒ error, unless on two exact PF addresses', () => {
    const a = '{"vendor_id": "8086", "product_id": "154c", "address": "*:3b:*.*", "resource_class": "vf_a"}';
    const b = '{"vendor_id": "8086", "product_id": "154c", "address": "*:af:*.*", "resource_class": "vf_b"}';
    expect(ids({ deviceSpecs: [a, b] })).toContain('pci-spec-vfs-differ');
    const exactA = '{"vendor_id": "8086", "product_id": "154c", "address": "0000:3b:00.0", "resource_class": "vf_a"}';
    const exactB = '{"vendor_id": "8086", "product_id": "154c", "address": "0000:af:00.0", "resource_class": "vf_b"}';
    expect(ids({ deviceSpecs: [exactA, exactB] })).not.toContain('pci-spec-vfs-differ');
  });
});

describe('§4.2 alias schema', () => {
  it.each([
    { name: 'no name', alias: '{"vendor_id": "8086", "product_id": "154c"}' },
    { name: 'name too long', alias: JSON.stringify({ name: 'n'.repeat(257), vendor_id: '8086', product_id: '154c' }) },
    { name: 'three-digit vendor', alias: '{"name": "a", "vendor_id": "808", "product_id": "154c"}' },
    { name: 'device_type vdpa', alias: '{"name": "a", "vendor_id": "8086", "product_id": "154c", "device_type": "vdpa"}' },
    { name: 'numa_policy strict', alias: '{"name": "a", "vendor_id": "8086", "product_id": "154c", "numa_policy": "strict"}' },
    { name: 'live_migratable maybe', alias: '{"name": "a", "vendor_id": "8086", "product_id": "154c", "live_migratable": "maybe"}' },
    { name: 'unknown key', alias: '{"name": "a", "vendor_id": "8086", "product_id": "154c", "count": 2}' },
    { name: 'vendor without product', alias: '{"name": "a", "vendor_id": "8086"}' },
    { name: 'traits only', alias: '{"name": "a", "traits": "red"}' },
  ])('$name ⇒ pci-alias-invalid on alias[0]', ({ alias }) => {
    const result = check({ deviceSpecs: [VF_SPEC], aliases: [alias] });
    expect(result.findings.find((f) => f.id === 'pci-alias-invalid')?.field).toBe('alias[0]');
  });

  it('an alias list is not an alias', () => {
    expect(ids({ aliases: [`[${VF_ALIAS}]`] })).toContain('pci-config-json-invalid');
  });

  it('§4.2 same-name entries must share numa_policy and device_type; one entry with pci_in_placement', () => {
    const a = '{"name": "nic", "vendor_id": "8086", "product_id": "154c", "device_type": "type-VF"}';
    const b = '{"name": "nic", "vendor_id": "15b3", "product_id": "1018", "device_type": "type-VF", "numa_policy": "required"}';
    const c = '{"name": "nic", "vendor_id": "15b3", "product_id": "1018", "device_type": "type-VF"}';
    expect(ids({ deviceSpecs: [VF_SPEC], aliases: [a, b] })).toContain('pci-alias-entries-inconsistent');
    expect(ids({ deviceSpecs: [VF_SPEC], aliases: [a, c] })).not.toContain('pci-alias-entries-inconsistent');
    expect(ids({ deviceSpecs: [VF_SPEC], aliases: [a, c] }, true)).toContain('pci-alias-entries-inconsistent');
  });

  it('§4.3/§8 alias without device_type warns, and never takes PFs', () => {
    const result = check({ deviceSpecs: [PF_SPEC], aliases: ['{"name": "x710-pf", "vendor_id": "8086", "product_id": "1572"}'] });
    expect(result.findings.map((f) => f.id)).toEqual(expect.arrayContaining(['pci-alias-without-device-type', 'pci-alias-matches-no-spec']));
    expect(result.findings.find((f) => f.id === 'pci-alias-matches-no-spec')?.message).toMatch(/type-PF/);
  });

  // NOVA `nova/pci/request.py`: Zed's _ALIAS_SCHEMA has no resource_class; 2023.1–2025.1 parse it and, without
  // pci_in_placement, nova/pci/stats.py ignores it (any device of the type); 2025.2's _validate_required_ids refuses it.
  it.each<{ name: string; release: NovaRelease; pciInPlacement: boolean; alias: string; error: boolean; has: string[] }>([
    { name: '§4.2 Zed: resource_class is no alias key ⇒ PciInvalidAlias', release: 'zed', pciInPlacement: false, alias: RC_ONLY, error: true, has: ['pci-alias-invalid'] },
    { name: '§4.2 2024.1 without pci_in_placement: accepted, ignored, matches any VF', release: '2024.1', pciInPlacement: false, alias: RC_ONLY, error: false, has: ['pci-alias-placement-fields-ignored', 'pci-alias-matches-any-device'] },
    { name: '§4.2 2024.1 with pci_in_placement: used', release: '2024.1', pciInPlacement: true, alias: RC_ONLY, error: false, has: [] },
    { name: '§4.2 2025.2 without pci_in_placement: refused (_validate_required_ids)', release: '2025.2', pciInPlacement: false, alias: RC_ONLY, error: true, has: ['pci-alias-invalid'] },
    { name: '§4.2 master without pci_in_placement: refused', release: 'master', pciInPlacement: false, alias: RC_ONLY, error: true, has: ['pci-alias-invalid'] },
    { name: '§4.2 master with pci_in_placement: used', release: 'master', pciInPlacement: true, alias: RC_ONLY, error: false, has: [] },
    { name: '§4.2 master, ids + resource_class without pci_in_placement: the class is ignored', release: 'master', pciInPlacement: false, alias: RC_AND_IDS, error: false, has: ['pci-alias-placement-fields-ignored'] },
  ])('$name', ({ release, pciInPlacement, alias, error, has }) => {
    const findings = checkPciConfig(snapshot([]), { deviceSpecs: [], aliases: [alias] }, { hostFacts: { pciInPlacement }, novaRelease: release }).findings;
    expect(findings.some((f) => f.severity === 'error' && f.field === 'alias[0]')).toBe(error);
    for (const id of has) expect(findings.map((f) => f.id)).toContain(id);
    if (error) expect(findings.find((f) => f.id === 'pci-alias-invalid')?.message).toMatch(/PciInvalidAlias \(nova\.pci\.request\._?get_alias_from_config\)/);
  });

  it('§4.5/§4.6 with pci_in_placement the alias class and traits must be produced by a spec', () => {
    const spec = '{"vendor_id": "8086", "product_id": "154c", "resource_class": "nic-vf", "traits": "red"}';
    const good = '{"name": "x710-vf", "resource_class": "nic_vf", "traits": "red", "device_type": "type-VF"}';
    const wrongTrait = '{"name": "x710-vf", "resource_class": "CUSTOM_NIC_VF", "traits": "blue", "device_type": "type-VF"}';
    const ok = check({ deviceSpecs: [spec], aliases: [good] }, true);
    expect(ok.findings.map((f) => f.id)).not.toContain('pci-alias-resource-class-not-produced');
    expect(ok.aliases[0]).toMatchObject({ resourceClass: 'CUSTOM_NIC_VF', traits: ['CUSTOM_RED'], matchesSpecs: ['0.0'] });
    expect(ids({ deviceSpecs: [spec], aliases: [wrongTrait] }, true)).toContain('pci-alias-resource-class-not-produced');
  });

  it('an alias whose ids no spec selects', () => {
    expect(ids({ deviceSpecs: [VF_SPEC], aliases: ['{"name": "mlx", "vendor_id": "15b3", "product_id": "1018", "device_type": "type-VF"}'] }))
      .toContain('pci-alias-matches-no-spec');
  });
});

describe('§4.3 flavors against the proposed aliases', () => {
  it('names every flavor alias, defined or not (PciRequestAliasNotDefined ⇒ 400), and counts free devices', () => {
    const result = check({ deviceSpecs: [VF_SPEC, PF_SPEC], aliases: [VF_ALIAS] });
    expect(result.flavors).toEqual([
      { flavor: 'pf.1', alias: 'x710-pf', count: 1, defined: false },
      { flavor: 'vf.2', alias: 'x710-vf', count: 2, defined: true },
    ]);
    expect(result.findings.filter((f) => f.id === 'pci-flavor-alias-not-defined').map((f) => f.field)).toEqual(['flavor pf.1']);
    expect(result.findings.map((f) => f.id)).toContain('pci-alias-syntax-invalid');
    expect(result.aliases).toEqual([expect.objectContaining({ name: 'x710-vf', matchesSpecs: ['0.0'], providers: 1, free: 10, flavors: ['vf.2'] })]);
  });

  it('a well-formed configuration passes apart from information', () => {
    const result = checkPciConfig({ ...cloud, flavors: cloud.flavors.slice(0, 2) }, { deviceSpecs: [VF_SPEC, PF_SPEC], aliases: [VF_ALIAS, PF_ALIAS] }, ctx);
    expect(result.findings.filter((f) => f.severity === 'error')).toEqual([]);
    expect(result.aliases.map((a) => [a.name, a.providers, a.free])).toEqual([['x710-pf', 1, 1], ['x710-vf', 1, 10]]);
  });

  it('an alias no flavor uses is information', () => {
    expect(ids({ deviceSpecs: [VF_SPEC], aliases: ['{"name": "spare", "vendor_id": "8086", "product_id": "154c", "device_type": "type-VF"}'] }))
      .toContain('pci-alias-unused');
  });
});

// Nova 26 (Zed) as the oracle (issue 12, tests/acceptance/oracle.test.ts): what Nova's own parsing accepts.
const zed = (input: Partial<PciConfigInput>, release: 'zed' | 'master' = 'zed') =>
  checkPciConfig(snapshot([]), { deviceSpecs: [], aliases: [], ...input }, { hostFacts: { pciInPlacement: false }, novaRelease: release }).findings;
const errorIds = (findings: ReturnType<typeof zed>) => findings.filter((f) => f.severity === 'error').map((f) => f.id);

describe('§4.1 device_spec values Nova reads as it parses them (NOVA devspec.py)', () => {
  it('accepts what Nova accepts: Python int(x, 16) ids, an empty address beside devname, unknown address-object keys, an unread resource_class', () => {
    const accepted = [
      '{"vendor_id": "0x8086", "product_id": "154c"}', '{"vendor_id": " 8086", "product_id": " 154c "}',
      '{"address": "", "devname": "nosuchnic0"}', '{"address": {"node": "1", "bus": "3b"}}', '{"vendor_id": "8086", "resource_class": 5}',
    ];
    expect(accepted.map((spec) => [spec, errorIds(zed({ deviceSpecs: [spec], reportInPlacement: false }))])).toEqual(accepted.map((spec) => [spec, []]));
  });

  it('ids beyond ffff or not hex are refused', () => {
    expect(errorIds(zed({ deviceSpecs: ['{"vendor_id": "0x10000"}'], reportInPlacement: false }))).toContain('pci-device-spec-invalid');
    expect(errorIds(zed({ deviceSpecs: ['{"product_id": "15 4c"}'], reportInPlacement: false }))).toContain('pci-device-spec-invalid');
  });

  it('§4.5 resource_class not a string fails with report_in_placement (pci_placement_translator rc.upper())', () => {
    expect(errorIds(zed({ deviceSpecs: ['{"vendor_id": "8086", "product_id": "154c", "resource_class": 5}'], reportInPlacement: true })))
      .toContain('pci-device-spec-invalid');
  });

  it('trusted / remote_managed are read loosely: a warning, read as false', () => {
    const findings = zed({ deviceSpecs: ['{"vendor_id": "8086", "product_id": "154c", "trusted": "maybe", "remote_managed": 2}'], reportInPlacement: false });
    expect(errorIds(findings)).toEqual([]);
    expect(findings.filter((f) => f.id === 'pci-device-spec-tag-not-boolean').map((f) => f.message)).toEqual([
      expect.stringMatching(/remote_managed=2.*as false/), expect.stringMatching(/trusted="maybe".*as false/),
    ]);
  });

  it('remote_managed with devname depends on the host: a warning', () => {
    const findings = zed({ deviceSpecs: ['{"devname": "ens1f0", "remote_managed": "true"}'], reportInPlacement: false });
    expect(findings.map((f) => f.id)).toContain('pci-spec-remote-managed-devname');
    expect(errorIds(findings)).toEqual([]);
  });
});

describe('§4.2 aliases as Zed reads them (NOVA request.py _get_alias_from_config)', () => {
  const vf = (name: string, extra = '') => `{"name": ${JSON.stringify(name)}, "vendor_id": "8086", "product_id": "154c"${extra}}`;

  it('names are stripped: " vf" and "vf " are one alias, and must agree', () => {
    const findings = zed({ aliases: [vf(' vf', ', "device_type": "type-VF"'), vf('vf ', ', "device_type": "type-PCI"')] });
    expect(errorIds(findings)).toContain('pci-alias-entries-inconsistent');
    expect(errorIds(zed({ aliases: [vf(' vf', ', "device_type": "type-VF"'), vf('vf ', ', "device_type": "type-VF"')] }))).toEqual([]);
  });

  it('Zed: several entries of one name where one has no device_type fail (KeyError \'dev_type\'); later releases warn only', () => {
    // Both without device_type: they agree, yet Zed indexes spec['dev_type'] of the first.
    const aliases = [vf('vf'), vf('vf', ', "numa_policy": "legacy"')];
    expect(zed({ aliases }).find((f) => f.id === 'pci-alias-entries-inconsistent')?.message).toMatch(/no device_type.*KeyError 'dev_type'/);
    expect(errorIds(zed({ aliases }, 'master'))).toEqual([]);
  });

  it('§4.2 Zed accepts an alias without ids (a warning: any device of its type); 2025.2 and later refuse it', () => {
    const alias = '{"name": "pf", "capability_type": "pci"}';
    expect(zed({ aliases: [alias] }).map((f) => f.id)).toContain('pci-alias-matches-any-device');
    expect(errorIds(zed({ aliases: [alias] }))).toEqual([]);
    expect(errorIds(zed({ aliases: [alias] }, 'master'))).toContain('pci-alias-invalid');
  });
});

describe('§4.5 the Placement view before the rollout', () => {
  const pfSpec = '{"vendor_id": "8086", "product_id": "1572", "address": "0000:3b:00.1", "resource_class": "nic_pf", "traits": "blue"}';
  it('§4.5 providers keep <host>_<address>, parent and devices, take the first spec\'s class and traits (OWNER_NOVA on master); the uncovered are removed', () => {
    const view = check({ deviceSpecs: [VF_SPEC, pfSpec] }).placement;
    expect(view.providers).toEqual([
      { name: 'cmp1_0000:3B:00.0', parent: 'cmp1', resourceClass: 'CUSTOM_PCI_8086_154C', total: 16, traits: ['COMPUTE_MANAGED_PCI_DEVICE', 'OWNER_NOVA'], spec: '0.0', change: 'unchanged' },
      { name: 'cmp1_0000:3B:00.1', parent: 'cmp1', resourceClass: 'CUSTOM_NIC_PF', total: 1, traits: ['COMPUTE_MANAGED_PCI_DEVICE', 'CUSTOM_BLUE', 'OWNER_NOVA'], spec: '1.0', change: 'changed' },
    ]);
    expect([view.providerCount, view.byResourceClass, view.removed]).toEqual([2,
      [{ resourceClass: 'CUSTOM_NIC_PF', providers: 1, total: 1, hosts: 1 }, { resourceClass: 'CUSTOM_PCI_8086_154C', providers: 1, total: 16, hosts: 1 }],
      [{ name: 'cmp2_0000:5E:00.0', used: 2 }]]);
  });

  it('§4.5 Zed: no OWNER_NOVA; report_in_placement off: no providers', () => {
    const zedView = checkPciConfig(cloud, { deviceSpecs: [VF_SPEC], aliases: [] }, { hostFacts: { pciInPlacement: false }, novaRelease: 'zed' }).placement;
    expect(zedView.providers[0]?.traits).toEqual(['COMPUTE_MANAGED_PCI_DEVICE']);
    expect(check({ deviceSpecs: [VF_SPEC], reportInPlacement: false }).placement.providerCount).toBe(0);
  });
});

describe('§2.7 §4.1 §4.2 §4.5 findings Nova raises name its exception and where', () => {
  it.each<{ name: string; input: Partial<PciConfigInput>; id: string; nova: RegExp }>([
    { name: '§4.2 invalid alias ⇒ PciInvalidAlias', input: { aliases: ['{"name": "a", "vendor_id": "zz"}'] }, id: 'pci-alias-invalid', nova: /PciInvalidAlias \(nova\.pci\.request\./ },
    { name: '§4.2 alias not JSON ⇒ PciInvalidAlias', input: { aliases: ['{name'] }, id: 'pci-config-json-invalid', nova: /PciInvalidAlias/ },
    { name: '§4.1 device_spec not JSON ⇒ PciConfigInvalidSpec', input: { deviceSpecs: ['{x'] }, id: 'pci-config-json-invalid', nova: /PciConfigInvalidSpec \(nova\.pci\.devspec\.PciDeviceSpec, via nova\.pci\.whitelist\.Whitelist/ },
    { name: '§4.1 bad id ⇒ PciConfigInvalidSpec', input: { deviceSpecs: ['{"vendor_id": "xyz1"}'] }, id: 'pci-device-spec-invalid', nova: /PciConfigInvalidSpec/ },
    { name: '§4.1 address and devname ⇒ PciDeviceInvalidDeviceName', input: { deviceSpecs: ['{"address": "0000:3b:00.0", "devname": "eth0"}'] }, id: 'pci-device-spec-invalid', nova: /PciDeviceInvalidDeviceName/ },
    { name: '§4.5 a PF and its VFs ⇒ PlacementPciDependentDeviceException', input: { deviceSpecs: ['{"vendor_id": "8086", "product_id": "1572"}', '{"vendor_id": "8086", "product_id": "154c"}'] }, id: 'pci-spec-pf-and-vfs', nova: /PlacementPciDependentDeviceException \(nova\.compute\.pci_placement_translator/ },
    { name: '§4.3 flavor alias not defined ⇒ PciRequestAliasNotDefined', input: { aliases: [VF_ALIAS] }, id: 'pci-flavor-alias-not-defined', nova: /PciRequestAliasNotDefined in nova\.pci\.request\._translate_alias_to_requests/ },
  ])('$name', ({ input, id, nova }) => {
    expect(check(input).findings.find((f) => f.id === id)?.message).toMatch(nova);
  });
});

// Placement shows one X710 PF's 4 VFs on `h1_0000:01:00.0` (a VF provider is named after its PF, §4.5).
describe('§4.1 §4.5 which devices of a provider each spec takes (checked against NOVA pci_placement_translator.PlacementView)', () => {
  const vfHost = snapshot([host('h1', { pci: [pciProvider('h1', '0000:01:00.0', 'CUSTOM_PCI_8086_154C', 4, 0, [])] })]);
  const run = (deviceSpecs: string[]) => checkPciConfig(vfHost, { deviceSpecs, aliases: [] }, { hostFacts: { pciInPlacement: false }, novaRelease: 'zed' });
  const VF_ONE = '{"address": "0000:01:00.1", "resource_class": "CUSTOM_PCI_NIC_VF"}';
  it.each<{ name: string; specs: string[]; providers: unknown[]; errors: string[] }>([
    { name: '§4.1 an exact VF address takes that VF alone', specs: [VF_ONE], providers: [['CUSTOM_PCI_NIC_VF', 1]], errors: [] },
    { name: '§4.1 the first match supplies the tags: the rest go to the next spec, same tags add up', specs: [VF_ONE, '{"vendor_id": "8086", "product_id": "154c", "resource_class": "CUSTOM_PCI_NIC_VF"}'], providers: [['CUSTOM_PCI_NIC_VF', 4]], errors: [] },
    { name: '§4.5 VFs of one PF split over different classes ⇒ PlacementPciMixedResourceClassException', specs: [VF_ONE, '{"vendor_id": "8086", "product_id": "154c"}'], providers: [['CUSTOM_PCI_NIC_VF', 4]], errors: ['pci-spec-vfs-differ'] },
    { name: '§4.5 a first match with physical_network keeps the VFs out of Placement', specs: ['{"vendor_id": "8086", "product_id": "154c", "physical_network": "p1"}', '{"vendor_id": "8086", "product_id": "154c"}'], providers: [], errors: [] },
    { name: '§4.5 a spec of the PF ids makes the provider the PF (known NIC)', specs: ['{"vendor_id": "8086", "product_id": "1572"}'], providers: [['CUSTOM_PCI_8086_1572', 1]], errors: [] },
    { name: '§4.5 the PF and its VFs both selected ⇒ PlacementPciDependentDeviceException', specs: ['{"address": "0000:01:00.0"}'], providers: [['CUSTOM_PCI_8086_154C', 4]], errors: ['pci-spec-pf-and-vfs'] },
    { name: '§4.1 a glob is compared with the PF\'s domain and bus, where its VFs sit', specs: ['{"address": "*:02:*.*", "vendor_id": "8086", "product_id": "154c"}'], providers: [], errors: [] },
  ])('$name', ({ specs, providers, errors }) => {
    const result = run(specs);
    expect(result.placement.providers.map((p) => [p.resourceClass, p.total])).toEqual(providers);
    expect([...new Set(result.findings.filter((f) => f.severity === 'error').map((f) => f.id))]).toEqual(errors);
  });
});
