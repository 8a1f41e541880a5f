import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadDemoCloud } from '../sync/demo.ts';
import { normaliseCloud } from '../sync/normalise.ts';
import { advise, defaultRuleContext, preview, validate, type RuleContext } from '../rules/index.ts';
import { loadHostFacts, parseHostFacts } from './host-facts.ts';
import { ConfigError } from './index.ts';

const EXAMPLE = new URL('../../docs/host-facts.example.yaml', import.meta.url).pathname;
const RACK2 = '649a7fcd-74a6-4299-bffe-ce231e6d020b';
const { snapshot: demo } = normaliseCloud(loadDemoCloud(), 'host-facts-test', 'demo');
const byName = <T extends { name: string | null }>(items: T[], name: string): T => items.find((i) => i.name === name)!;

async function tempFile(name: string, text: string): Promise<string> {
  const path = join(await mkdtemp(join(tmpdir(), 'na-facts-')), name);
  await writeFile(path, text);
  return path;
}

function contextFor(file: ReturnType<typeof parseHostFacts>): RuleContext {
  return { ...defaultRuleContext(), ...file };
}

describe('HOST_FACTS_FILE (docs/host-facts.md)', () => {
  it('loads the documented example, general to specific', () => {
    const declared = loadHostFacts(EXAMPLE);
    expect(declared.hostFacts).toMatchObject({ virtType: 'kvm', vhostNet: true, kernelMajor: 5, pciInPlacement: false, ovsDpdk: false });
    expect(declared.hostFactOverrides).toEqual([
      { cloud: 'demo', label: 'clouds.demo.defaults', facts: { imageMetadataPrefilter: true } },
      { trait: 'CUSTOM_OVS_DPDK', label: 'overrides[0] (trait CUSTOM_OVS_DPDK)', facts: { ovsDpdk: true } },
      { cloud: 'demo', aggregate: RACK2, label: 'clouds.demo.overrides[0] (aggregate rack2)', facts: { ovsDpdk: true, kernelMajor: 6, maxQueues: 16 } },
    ]);
  });

  it('docs/host-facts.md shows the example file', () => {
    const doc = readFileSync(new URL('../../docs/host-facts.md', import.meta.url), 'utf8');
    const shown = [...doc.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!).at(-1);
    expect(parseYaml(shown!)).toEqual(parseYaml(readFileSync(EXAMPLE, 'utf8')));
  });

  it('reads JSON by its extension', async () => {
    const path = await tempFile('facts.json', JSON.stringify({ defaults: { virt_type: 'qemu' } }));
    expect(loadHostFacts(path).hostFacts.virtType).toBe('qemu');
  });

  it.each([
    { name: 'a misspelt fact', file: { clouds: { demo: { overrides: [{ trait: 'CUSTOM_X', facts: { vhost_nett: true } }] } } }, key: 'clouds.demo.overrides.0.facts' },
    { name: 'an aggregate name instead of its uuid', file: { overrides: [{ aggregate: 'rack2', facts: {} }] }, key: 'overrides.0.aggregate' },
    { name: 'an override matching nothing', file: { overrides: [{ facts: { ovs_dpdk: true } }] }, key: 'overrides.0' },
    { name: 'virt_type xen', file: { defaults: { virt_type: 'xen' } }, key: 'defaults.virt_type' },
    { name: 'rx_queue_size 300', file: { defaults: { rx_queue_size: 300 } }, key: 'defaults.rx_queue_size' },
    { name: 'a lower-case trait', file: { overrides: [{ trait: 'custom_dpdk', facts: {} }] }, key: 'overrides.0.trait' },
  ])('refuses $name, naming $key', ({ file, key }) => {
    expect(() => parseHostFacts(file, 'facts.yaml')).toThrow(ConfigError);
    expect(() => parseHostFacts(file, 'facts.yaml')).toThrow(new RegExp(`facts\\.yaml[\\s\\S]*${key.replace(/\./g, '\\.')}:`));
  });

  it('fails on unreadable files and bad YAML, naming the file', async () => {
    expect(() => loadHostFacts('/nonexistent/facts.yaml')).toThrow(/HOST_FACTS_FILE \/nonexistent\/facts.yaml cannot be read/);
    const bad = await tempFile('facts.yaml', 'defaults: [unclosed');
    expect(() => loadHostFacts(bad)).toThrow(/is not valid YAML/);
  });
});

describe('§2.2/§2.6 facts that differ per aggregate, on the demo cloud', () => {
  const ctx = contextFor(parseHostFacts({ clouds: { demo: { overrides: [{ aggregate: RACK2, name: 'rack2', facts: { ovs_dpdk: true } }] } } }, 'test'));
  const ubuntu = byName(demo.images, 'ubuntu-22.04');

  it('a flavor pinned to rack 2 (trait:CUSTOM_RACK_2=required) gets rack 2\'s facts, and says where they come from', () => {
    const advice = advise(demo, { image: ubuntu, flavor: byName(demo.flavors, 'nfv.cx5'), workload: 'general', vnicType: 'normal' }, ctx);
    const nic = advice.imageProperties.find((r) => r.key === 'hw_vif_model')!;
    expect(nic.evidence).toContainEqual({ source: 'declared-host-fact', ref: 'ovsDpdk', value: true });
    const note = advice.findings.find((f) => f.id === 'host-facts-overridden');
    expect(note?.message).toMatch(/ovsDpdk=true from clouds\.demo\.overrides\[0\] \(aggregate rack2\)/);
    expect(advice.findings.map((f) => f.id)).not.toContain('host-facts-differ');
  });

  it('a flavor that can land on both racks warns that the hosts differ', () => {
    const result = validate(demo, { properties: { hw_vif_model: 'e1000' }, flavor: byName(demo.flavors, 'm1.large') }, ctx);
    const differ = result.findings.find((f) => f.id === 'host-facts-differ');
    expect(differ?.message).toMatch(/ovsDpdk: false on rack1-cmp01.*true on rack2-cmp01/);
    // Six hosts each way: the tie keeps the cloud-wide value, so vhost-user is not assumed.
    expect(result.findings.map((f) => f.id)).not.toContain('vhost-user-needs-virtio');
  });

  it('another cloud\'s entries do not apply', () => {
    const other = contextFor(parseHostFacts({ clouds: { prod: { defaults: { ovs_dpdk: true } } } }, 'test'));
    const result = validate(demo, { properties: { hw_vif_model: 'e1000' }, flavor: null }, other);
    expect(result.findings.map((f) => f.id)).not.toContain('vhost-user-needs-virtio');
    const same = contextFor(parseHostFacts({ clouds: { demo: { defaults: { ovs_dpdk: true } } } }, 'test'));
    expect(validate(demo, { properties: { hw_vif_model: 'e1000' }, flavor: null }, same).findings.map((f) => f.id)).toContain('vhost-user-needs-virtio');
  });

  it('§2.2 rx_queue_size / tx_queue_size declared under a cloud\'s defaults are honoured', () => {
    const declared = contextFor(parseHostFacts({ clouds: { demo: { defaults: { rx_queue_size: 1024, tx_queue_size: 512 } } } }, 'test'));
    const p = preview(demo, { image: byName(demo.images, 'ubuntu-22.04'), flavor: byName(demo.flavors, 'm1.large'), vnicType: 'normal' }, declared);
    expect([p.nic.rxQueueSize.value, p.nic.txQueueSize.value]).toEqual([1024, null]);
  });
});

describe('nova_release (domain.md §5.3, §7)', () => {
  it('§5.3 is read at the top and per cloud; a per-cloud value wins for its cloud', () => {
    const declared = parseHostFacts({ nova_release: '2023.2', clouds: { demo: { nova_release: 'zed' } } }, 'test');
    expect([declared.novaRelease, declared.novaReleaseByCloud]).toEqual(['2023.2', { demo: 'zed' }]);
    expect(validate(demo, { properties: {}, flavor: null }, contextFor(declared)).release).toMatchObject({ release: 'zed', from: 'declared' });
  });

  it('§5.3 an unknown release is refused with the key named', () => {
    expect(() => parseHostFacts({ clouds: { demo: { nova_release: 'zorro' } } }, 'test')).toThrow(/clouds\.demo\.nova_release/);
  });
});
