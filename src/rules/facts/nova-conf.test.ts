// nova.conf (oslo.config INI) read into declared facts: each option Nova decides with, the section of domain.md it
// rests on, and what is reported as not understood (docs/host-facts.md "nova.conf").
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { novaConfFacts, parseNovaConf } from './nova-conf.ts';

const facts = (text: string) => novaConfFacts(parseNovaConf(text).conf);
const LAB = new URL('../../../tests/fixtures/nova-conf/', import.meta.url).pathname;

describe('oslo.config INI reading', () => {
  it('sections, = and :, # and ; comments, repeated keys kept, indented continuation lines', () => {
    const { conf, errors } = parseNovaConf('# c\n[pci]\nalias = {"a": 1}\n; c\nalias: {"b": 2}\n[libvirt]\nhw_machine_type = x86_64=q35,\n  aarch64=virt\nno value line\n');
    expect(conf.get('[pci] alias')).toEqual(['{"a": 1}', '{"b": 2}']);
    expect(conf.get('[libvirt] hw_machine_type')).toEqual(['x86_64=q35,\naarch64=virt']);
    expect(errors).toEqual(['line 9: neither [section] nor key = value']);
  });
});

describe('options into declared facts', () => {
  it.each<{ section: string; text: string; want: object }>([
    { section: '§2.2', text: '[libvirt]\nvirt_type = qemu', want: { virtType: 'qemu' } },
    { section: '§1.2', text: '[libvirt]\nvirt_type = lxc', want: { virtType: 'lxc' } },
    { section: '§2.3', text: '[libvirt]\nhw_machine_type = x86_64=q35, aarch64=virt', want: { machineTypes: { x86_64: 'q35', aarch64: 'virt' } } },
    { section: '§2.1', text: '[libvirt]\nuse_virtio_for_bridges = False', want: { useVirtioForBridges: false } },
    { section: '§2.2', text: '[libvirt]\nfile_backed_memory = 1024', want: { fileBackedMemoryMb: 1024 } },
    { section: '§2.2', text: '[libvirt]\nmax_queues = 8\nrx_queue_size = 1024\ntx_queue_size = 512', want: { maxQueues: 8, rxQueueSize: 1024, txQueueSize: 512 } },
    { section: '§4.5', text: '[filter_scheduler]\npci_in_placement = yes', want: { pciInPlacement: true } },
    { section: '§2.5', text: '[scheduler]\nimage_metadata_prefilter = 1', want: { imageMetadataPrefilter: true } },
    { section: '§7', text: '[workarounds]\ndisable_fallback_pcpu_query = true', want: { disableFallbackPcpuQuery: true } },
  ])('$section $text', ({ text, want }) => {
    const read = facts(text);
    expect([read.facts, read.notUnderstood]).toEqual([want, []]);
  });

  it.each<{ section: string; text: string; says: RegExp }>([
    { section: '§2', text: '[libvirt]\nvirt_type = xen', says: /virt_type xen is not one of Nova's/ },
    { section: '§2.2', text: '[libvirt]\nrx_queue_size = 300', says: /rx_queue_size: not one of 256, 512, 1024/ },
    { section: '§2.3', text: '[libvirt]\nhw_machine_type = q35', says: /hw_machine_type: not arch=machine/ },
    { section: '§4.5', text: '[filter_scheduler]\npci_in_placement = maybe', says: /pci_in_placement: not a boolean/ },
    { section: '§2', text: '[libvirt]\nimages_type = rbd', says: /\[libvirt\] images_type: not an option the advisor reads/ },
  ])('$section not understood: $text', ({ text, says }) => {
    const read = facts(text);
    expect([read.facts, read.notUnderstood.join('\n')]).toEqual([{}, expect.stringMatching(says)]);
  });

  it('§4.1 §4.2 §4.5 the lab controller nova.conf: PCI options read, no declared facts, unused scheduler options reported', () => {
    const read = facts(readFileSync(`${LAB}lab-controller.conf`, 'utf8'));
    expect(read.facts).toEqual({});
    expect([read.deviceSpecs.length, read.aliases.length, read.reportInPlacement]).toEqual([3, 2, true]);
    expect(read.read).toEqual(['[pci] alias (2 values)', '[pci] device_spec (3 values)', '[pci] report_in_placement=true']);
    expect(read.notUnderstood).toEqual([
      '[filter_scheduler] available_filters: not an option the advisor reads',
      '[filter_scheduler] enabled_filters: not an option the advisor reads',
      '[scheduler] discover_hosts_in_cells_interval: not an option the advisor reads',
      '[scheduler] workers: not an option the advisor reads',
    ]);
  });

  it('§2.6 the lab compute nova.conf (fake driver) declares nothing: its sections are not read', () => {
    expect(facts(readFileSync(`${LAB}lab-compute-2.conf`, 'utf8'))).toMatchObject({ facts: {}, read: [], notUnderstood: [] });
  });
});
