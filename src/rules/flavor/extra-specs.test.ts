import { describe, expect, it } from 'vitest';
import { defaultRuleContext, validate, type RuleContext } from '../index.ts';
import { flavor, snapshot } from '../test-fixtures.ts';
import { EXTRA_SPEC_TABLE, validateExtraSpec } from '../vocabulary/extra-specs.ts';
import type { NovaRelease } from '../../model/index.ts';

const findingsFor = (specs: Record<string, string>, release: NovaRelease) => {
  const ctx: RuleContext = { ...defaultRuleContext(), novaRelease: release };
  return validate(snapshot([]), { properties: {}, flavor: flavor('f', 2, 2048, 20, specs) }, ctx).findings
    .filter((f) => f.id.startsWith('flavor-extra-spec-'));
};

describe('§1.5 the extra spec validators table (Nova 26, Zed)', () => {
  it('records its source and Nova version', () => {
    expect(EXTRA_SPEC_TABLE).toMatchObject({ release: 'zed', novaVersion: expect.stringMatching(/^26\./) });
  });

  it.each([
    ['hw:cpu_policy', 'dedicated', 'valid'],
    ['hw:cpu_policy', 'pinned', 'invalid'],
    ['hw:numa_nodes', ' 2 ', 'valid'],
    ['hw:numa_nodes', '0', 'invalid'],
    ['hw:numa_nodes', 'two', 'invalid'],
    ['os:monitors', '9', 'invalid'],
    ['hw_rng:allowed', 'yes', 'valid'],
    ['hw_rng:allowed', 'maybe', 'invalid'],
    ['hw:mem_page_size', '2MiB', 'valid'],
    ['hw:mem_page_size', 'huge', 'invalid'],
    ['resources1:CUSTOM_PCI_NIC_VF', '2', 'valid'],
    ['resources:VCPU', 'x', 'invalid'],
    ['resources:vcpu', '1', 'unknown'],
    ['trait:HW_CPU_X86_AVX2', 'required', 'valid'],
    ['trait1:CUSTOM_X', 'wanted', 'invalid'],
    ['trait:NOT_A_TRAIT', 'required', 'unknown'],
    ['hw:cpu_max_sockets', '2', 'unknown'],
    ['aggregate_instance_extra_specs:ssd', 'true', 'valid'],
    ['my_key', 'anything', 'unchecked'],
    ['custom:x', 'anything', 'unchecked'],
  ])('§1.5 %s=%s is %s', (key, value, kind) => {
    expect(validateExtraSpec(key, value).kind).toBe(kind);
  });
});

describe('§1.5/§7 (since 2.86) flavor extra specs Nova refuses', () => {
  it('Zed: a bad value or an unknown key in a validated namespace is an error naming the key and why', () => {
    const findings = findingsFor({ 'hw:cpu_policy': 'pinned', 'hw:foo': '1', 'hw:numa_nodes': '2', 'my_key': 'x' }, 'zed');
    expect(findings.map((f) => [f.id, f.severity, f.field])).toEqual([
      ['flavor-extra-spec-invalid', 'error', 'hw:cpu_policy'],
      ['flavor-extra-spec-invalid', 'error', 'hw:foo'],
    ]);
    expect(findings[0]!.message).toMatch(/hw:cpu_policy=pinned: not one of dedicated, shared, mixed/);
  });

  it('newer releases: an unknown key is a warning (newer Novas add extra specs), a bad value still an error', () => {
    const findings = findingsFor({ 'hw:cpu_policy': 'pinned', 'hw:foo': '1' }, '2025.1');
    expect(findings.map((f) => [f.id, f.severity])).toEqual([['flavor-extra-spec-invalid', 'error'], ['flavor-extra-spec-unknown', 'warning']]);
  });

  it('releases before the table are not checked against it', () => {
    expect(findingsFor({ 'hw:cpu_policy': 'pinned', 'hw:foo': '1' }, 'yoga')).toEqual([]);
  });

  it('keys a specific finding covers are left to it', () => {
    expect(findingsFor({ 'hw:vif_model': 'virtio', group_policy: 'x', 'hw:virtio_packed_ring': 'true' }, 'zed')).toEqual([]);
  });
});
