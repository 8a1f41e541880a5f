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

describe('answers tell declared facts from defaults (docs/host-facts.md "What answers assume")', () => {
  it.each<{ file: object; fact: string; origin: string; source: RegExp }>([
    { file: {}, fact: 'virt_type', origin: 'default', source: /^built-in default/ },
    { file: { defaults: { virt_type: 'qemu' } }, fact: 'virt_type', origin: 'declared', source: /^HOST_FACTS_FILE defaults$/ },
    { file: { clouds: { demo: { defaults: { kernel_major: 6 } } } }, fact: 'kernel_major', origin: 'declared', source: /^HOST_FACTS_FILE clouds\.demo\.defaults$/ },
    { file: { clouds: { other: { defaults: { kernel_major: 6 } } } }, fact: 'kernel_major', origin: 'default', source: /^built-in default/ },
    { file: { overrides: [{ aggregate: RACK2, name: 'rack2', facts: { ovs_dpdk: true } }] }, fact: 'ovs_dpdk', origin: 'default', source: /^built-in default/ },
  ])('§2.2 §2.6 $file: $fact is $origin', ({ file, fact, origin, source }) => {
    const answer = validate(demo, { properties: {}, flavor: null }, contextFor(parseHostFacts(file, 'test')));
    const entry = answer.assumptions.find((a) => a.fact === fact)!;
    expect([entry.origin, entry.source]).toEqual([origin, expect.stringMatching(source)]);
  });
});

describe('architecture, [libvirt] hw_machine_type per architecture, use_virtio_for_bridges (domain.md §2.1, §2.3)', () => {
  const ubuntu = { ...byName(demo.images, 'ubuntu-22.04') };
  const flavor = demo.flavors[0]!;
  const previewWith = (file: object, properties: Record<string, string> = {}) =>
    preview(demo, { image: { ...ubuntu, properties: { ...ubuntu.properties, ...properties } }, flavor, vnicType: 'normal' }, contextFor(parseHostFacts(file, 'test')));

  it.each<{ section: string; file: object; properties?: Record<string, string>; machine: string; cdrom: string }>([
    { section: '§2.3', file: {}, machine: 'pc', cdrom: 'ide' },
    { section: '§2.3', file: { defaults: { architecture: 'aarch64' } }, machine: 'virt', cdrom: 'scsi' },
    { section: '§2.3', file: { defaults: { architecture: 'ppc64le' } }, machine: 'pseries', cdrom: 'scsi' },
    { section: '§2.3', file: { defaults: { architecture: 's390x' } }, machine: 's390-ccw-virtio', cdrom: 'scsi' },
    { section: '§2.3', file: { defaults: { hw_machine_type: { x86_64: 'q35' } } }, machine: 'q35', cdrom: 'sata' },
    { section: '§2.3', file: { defaults: { architecture: 'aarch64', hw_machine_type: { aarch64: 'virt-7.2' } } }, machine: 'virt-7.2', cdrom: 'scsi' },
    { section: '§2.3', file: { defaults: { architecture: 'aarch64' } }, properties: { hw_architecture: 'x86_64' }, machine: 'pc', cdrom: 'ide' },
    { section: '§2.3', file: { defaults: { hw_machine_type: { aarch64: 'virt' }, default_machine_type: 'q35' } }, machine: 'q35', cdrom: 'sata' },
  ])('$section $file $properties ⇒ machine type $machine, CD-ROM $cdrom', ({ file, properties, machine, cdrom }) => {
    const p = previewWith(file, { ...properties });
    expect([p.machineType.value, p.storage.cdromBus.value]).toEqual([machine, cdrom]);
  });

  it.each<{ section: string; file: object; properties?: Record<string, string>; model: string | null }>([
    { section: '§2.1 step 3', file: {}, model: 'virtio' },
    { section: '§2.1 step 3', file: { defaults: { use_virtio_for_bridges: false } }, model: null },
    { section: '§2.1 step 2', file: { defaults: { use_virtio_for_bridges: false } }, properties: { hw_vif_model: 'e1000' }, model: 'e1000' },
  ])('$section $file $properties ⇒ NIC model $model', ({ file, properties, model }) => {
    const p = previewWith(file, { os_distro: 'ubuntu', ...properties });
    expect(p.nic.model.value).toBe(model);
  });

  it.each<{ file: object; key: RegExp }>([
    { file: { defaults: { architecture: 'sparc' } }, key: /defaults\.architecture/ },
    { file: { defaults: { hw_machine_type: { mips: 'malta' } } }, key: /defaults\.hw_machine_type/ },
    { file: { defaults: { hw_machine_type: 'q35' } }, key: /defaults\.hw_machine_type/ },
    { file: { defaults: { use_virtio_for_bridges: 'yes' } }, key: /defaults\.use_virtio_for_bridges/ },
  ])('§2.3 refuses $file naming the key', ({ file, key }) => {
    expect(() => parseHostFacts(file, 'test')).toThrow(key);
  });

  it('§2.3 answers list architecture and use_virtio_for_bridges as declared', () => {
    const answer = validate(demo, { properties: {}, flavor: null }, contextFor(parseHostFacts({ defaults: { architecture: 'aarch64', use_virtio_for_bridges: false } }, 'test')));
    const entries = Object.fromEntries(answer.assumptions.map((a) => [a.fact, [a.value, a.origin]]));
    expect([entries['architecture'], entries['use_virtio_for_bridges']]).toEqual([['aarch64', 'declared'], [false, 'declared']]);
  });
});

describe('[libvirt] file_backed_memory (domain.md §2.2)', () => {
  const flavor = { ...demo.flavors[0]!, extraSpecs: {} };
  it.each<{ file: object; hugepages: boolean }>([
    { file: { defaults: { ovs_dpdk: true } }, hugepages: true },
    { file: { defaults: { ovs_dpdk: true, file_backed_memory: 0 } }, hugepages: true },
    { file: { defaults: { ovs_dpdk: true, file_backed_memory: 16384 } }, hugepages: false },
  ])('§2.2 vhost-user with $file: huge pages needed = $hugepages', ({ file, hugepages }) => {
    const ctx = contextFor(parseHostFacts(file, 'test'));
    const found = validate(demo, { properties: {}, flavor }, ctx).findings.some((f) => f.id === 'vhost-user-needs-hugepages');
    const advised = advise(demo, { image: byName(demo.images, 'ubuntu-22.04'), flavor, workload: 'general', vnicType: 'normal' }, ctx)
      .flavorExtraSpecs.some((r) => r.key === 'hw:mem_page_size');
    expect([found, advised]).toEqual([hugepages, hugepages]);
  });

  it('§2.2 refuses a negative size naming the key', () => {
    expect(() => parseHostFacts({ defaults: { file_backed_memory: -1 } }, 'test')).toThrow(/defaults\.file_backed_memory/);
  });
});

describe('nova_conf: the operator\'s nova.conf files as declared facts (docs/host-facts.md "nova.conf")', () => {
  const LAB_CONF = new URL('../../tests/fixtures/nova-conf/', import.meta.url).pathname;
  const h0 = demo.hosts[0]!.name;

  it('§2.2 §4.5 a file for every host, a folder for one host; the YAML\'s own facts win; answers name the source', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'na-novaconf-'));
    await writeFile(join(dir, 'nova.conf'), '[libvirt]\nvirt_type = qemu\nmax_queues = 4\nimages_type = rbd\n[scheduler]\nimage_metadata_prefilter = true\n');
    const { mkdir } = await import('node:fs/promises');
    await mkdir(join(dir, 'h0.d'));
    await writeFile(join(dir, 'h0.d', '10-libvirt.conf'), '[libvirt]\nmax_queues = 2\n');
    await writeFile(join(dir, 'h0.d', '20-libvirt.conf'), '[libvirt]\nmax_queues = 3\n');
    const path = join(dir, 'facts.yaml');
    await writeFile(path, `nova_conf:\n  - nova.conf\n  - path: h0.d\n    host: ${h0}\ndefaults:\n  max_queues: 16\n`);
    const declared = loadHostFacts(path);
    expect(declared.hostFactOverrides.map((o) => o.label)).toEqual(['nova_conf[0] (nova.conf)', `nova_conf[1] (h0.d, host ${h0})`]);
    // max_queues is declared in the YAML's defaults: it wins over nova.conf's.
    expect(declared.hostFactOverrides.map((o) => o.facts)).toEqual([{ virtType: 'qemu', imageMetadataPrefilter: true }, {}]);
    expect(declared.hostFacts.maxQueues).toBe(16);
    const answer = validate(demo, { properties: {}, flavor: null }, contextFor(declared));
    const entry = (fact: string) => answer.assumptions.find((a) => a.fact === fact)!;
    expect([entry('virt_type').origin, entry('virt_type').source]).toEqual(['declared', 'HOST_FACTS_FILE nova_conf[0] (nova.conf)']);
    const note = answer.findings.find((f) => f.id === 'nova-conf-read')!;
    expect(note.message).toContain('[libvirt] virt_type=qemu');
    expect(note.message).toContain('not understood [libvirt] images_type: not an option the advisor reads');
  });

  it('§4.5 the lab\'s controller and compute nova.conf: read, nothing declared, PCI options and unused ones reported', () => {
    const declared = parseHostFacts({ clouds: { demo: { nova_conf: ['lab-controller.conf', { path: 'lab-compute-2.conf', host: 'lab-compute-2' }] } } }, 'test', LAB_CONF);
    expect(declared.novaConfReport?.map((r) => [r.cloud, r.label, r.read.length, r.notUnderstood.length])).toEqual([
      ['demo', 'clouds.demo.nova_conf[0] (lab-controller.conf)', 3, 4],
      ['demo', 'clouds.demo.nova_conf[1] (lab-compute-2.conf, host lab-compute-2)', 0, 0],
    ]);
    expect(declared.hostFactOverrides.every((o) => Object.keys(o.facts).length === 0)).toBe(true);
  });

  it.each<{ file: object; says: RegExp }>([
    { file: { nova_conf: ['missing.conf'] }, says: /nova_conf\.0: nova\.conf .*missing\.conf cannot be read/ },
    { file: { nova_conf: [{ path: 'x.conf', aggregate: 'rack2' }] }, says: /nova_conf\.0\.aggregate|nova_conf\.0/ },
    { file: { nova_conf: [{ path: 'x.conf', hosts: 'a' }] }, says: /nova_conf\.0/ },
  ])('§2.6 refuses $file naming the key', ({ file, says }) => {
    expect(() => parseHostFacts(file, 'test', LAB_CONF)).toThrow(says);
  });
});

describe('libvirt / QEMU versions, libosinfo and osinfo-db (domain.md §1.2, §2.4, §5.3, §7 surprise 1)', () => {
  const ids = (file: object, properties: Record<string, string>, hypervisorVersion: number | null = null) => {
    const snapshot = { ...demo, hosts: demo.hosts.map((h) => ({ ...h, hypervisorVersion })) };
    return validate(snapshot, { properties, flavor: null }, contextFor(parseHostFacts(file, 'test'))).findings.map((f) => f.id);
  };
  it.each<{ section: string; file: object; observed?: number; tooOld: boolean }>([
    { section: '§1.2', file: {}, tooOld: false },
    { section: '§1.2', file: { defaults: { libvirt_version: '9.3.0', qemu_version: '8.0.0' } }, tooOld: false },
    { section: '§1.2', file: { defaults: { libvirt_version: '9.0.0' } }, tooOld: true },
    { section: '§1.2', file: { defaults: { qemu_version: '7.2' } }, tooOld: true },
    { section: '§5.3', file: {}, observed: 7002000, tooOld: true },
    { section: '§5.3', file: {}, observed: 8002002, tooOld: false },
    { section: '§1.2 §5.3', file: { defaults: { qemu_version: '8.2.0' } }, observed: 7002000, tooOld: false },
  ])('$section igb with $file (observed $observed): too old = $tooOld', ({ file, observed, tooOld }) => {
    expect(ids(file, { hw_vif_model: 'igb' }, observed ?? null).includes('igb-hypervisor-too-old')).toBe(tooOld);
  });

  it.each<{ file: object; arbitrary: boolean }>([
    { file: {}, arbitrary: true },
    { file: { defaults: { libosinfo: true, osinfo_db_version: '20250606' } }, arbitrary: true },
    { file: { defaults: { libosinfo: false } }, arbitrary: false },
  ])('§2.4 §7 surprise 1 os_distro short-id without hw_vif_model, $file: arbitrary NIC = $arbitrary', ({ file, arbitrary }) => {
    expect(ids(file, { os_distro: 'ubuntu22.04' }).includes('implicit-nic-model-arbitrary')).toBe(arbitrary);
  });

  it.each<{ file: object; key: RegExp }>([
    { file: { defaults: { libvirt_version: 'nine' } }, key: /defaults\.libvirt_version/ },
    { file: { defaults: { osinfo_db_version: '2025' } }, key: /defaults\.osinfo_db_version/ },
    { file: { defaults: { libosinfo: 'yes' } }, key: /defaults\.libosinfo/ },
  ])('§2.4 refuses $file naming the key', ({ file, key }) => {
    expect(() => parseHostFacts(file, 'test')).toThrow(key);
  });
});

describe('virt_type lxc and parallels (domain.md §1.2, §2.1, §2.3)', () => {
  const ubuntu = byName(demo.images, 'ubuntu-22.04');
  const flavor = demo.flavors[0]!;
  const ctxOf = (virt_type: string) => contextFor(parseHostFacts({ defaults: { virt_type } }, 'test'));
  it.each<{ section: string; virtType: string; model: string | null; disk: string; cdrom: string; advised: boolean }>([
    { section: '§2.1 §2.3', virtType: 'kvm', model: 'virtio', disk: 'virtio', cdrom: 'ide', advised: true },
    { section: '§2.1 §2.3', virtType: 'lxc', model: null, disk: 'lxc', cdrom: 'lxc', advised: false },
    { section: '§2.1 §2.3', virtType: 'parallels', model: 'virtio', disk: 'scsi', cdrom: 'ide', advised: false },
  ])('$section virt_type=$virtType: NIC $model, disk $disk, CD-ROM $cdrom, device advice $advised', ({ virtType, model, disk, cdrom, advised }) => {
    const p = preview(demo, { image: { ...ubuntu, properties: { os_distro: 'ubuntu' } }, flavor, vnicType: 'normal' }, ctxOf(virtType));
    expect([p.nic.model.value, p.storage.diskBus.value, p.storage.cdromBus.value]).toEqual([model, disk, cdrom]);
    const advice = advise(demo, { image: ubuntu, flavor, workload: 'general', vnicType: 'normal' }, ctxOf(virtType));
    const keys = advice.imageProperties.map((r) => r.key);
    expect([keys.includes('hw_vif_model'), keys.includes('hw_disk_bus')]).toEqual([advised, advised]);
    expect(advice.findings.some((f) => f.id === 'virt-type-no-device-advice')).toBe(!advised);
  });

  it.each<{ section: string; virtType: string; properties: Record<string, string>; error: string | null }>([
    { section: '§1.2', virtType: 'lxc', properties: { hw_vif_model: 'virtio' }, error: 'UnsupportedHardware' },
    { section: '§1.2', virtType: 'parallels', properties: { hw_disk_bus: 'virtio' }, error: 'UnsupportedHardware' },
    { section: '§1.2', virtType: 'parallels', properties: { hw_vif_model: 'e1000', hw_disk_bus: 'scsi' }, error: null },
  ])('$section virt_type=$virtType with $properties: $error', ({ virtType, properties, error }) => {
    const p = preview(demo, { image: { ...ubuntu, properties }, flavor, vnicType: 'normal' }, ctxOf(virtType));
    expect(p.failures.find((f) => f.stage === 'compute-build')?.error ?? null).toBe(error);
  });
});
