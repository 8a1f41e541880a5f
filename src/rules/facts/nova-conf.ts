// The operator's own nova.conf (oslo.config INI) read into declared host facts: the options Nova decides device,
// queue, machine-type and scheduling choices with (domain.md §2.1–§2.5, §4.1, §4.2, §4.5, §7), and a report of
// every option read and every one not understood (docs/host-facts.md "nova.conf").
import { osloBoolStrict } from '../../lib/oslo-bool.ts';
import type { HostFacts } from '../../model/index.ts';

/** `[section] key` → values in file order (oslo MultiStrOpt keeps them all; others take the last). */
export type NovaConf = Map<string, string[]>;

/**
 * oslo.config's INI reading (oslo_config/iniparser.py): `[section]`, `key = value` or `key: value`, comments are
 * lines starting with `#` or `;`, indented lines continue the previous value. Section names are kept as written,
 * keys lower-cased as oslo does not (it is case-sensitive, but Nova's options are all lower case).
 */
export function parseNovaConf(text: string): { conf: NovaConf; errors: string[] } {
  const conf: NovaConf = new Map();
  const errors: string[] = [];
  let section: string | null = null;
  let last: { key: string; index: number } | null = null;
  text.split(/\r?\n/).forEach((line, i) => {
    if (/^\s*([#;].*)?$/.test(line)) return;
    if (/^\s/.test(line) && last) {
      const values = conf.get(last.key)!;
      values[last.index] = `${values[last.index]}\n${line.trim()}`;
      return;
    }
    const header = /^\[([^\]]+)\]\s*$/.exec(line);
    if (header) {
      section = header[1]!.trim();
      last = null;
      return;
    }
    const option = /^([^=:\s][^=:]*?)\s*[=:]\s*(.*)$/.exec(line);
    if (!option || section === null) {
      errors.push(`line ${i + 1}: ${section === null ? 'an option before any [section]' : 'neither [section] nor key = value'}`);
      return;
    }
    const key = `[${section}] ${option[1]!.trim().toLowerCase()}`;
    const values = conf.get(key) ?? [];
    values.push(option[2]!.trim());
    conf.set(key, values);
    last = { key, index: values.length - 1 };
  });
  return { conf, errors };
}

/** What one nova.conf declares, and what the advisor made of each option. */
export interface NovaConfFacts {
  facts: Partial<HostFacts>;
  /** `[pci] device_spec` (or the older passthrough_whitelist) values, for the PCI config check. */
  deviceSpecs: string[];
  /** `[pci] alias` values. */
  aliases: string[];
  /** `[pci] report_in_placement`, when set. */
  reportInPlacement?: boolean;
  /** Options read, `[section] key=value`. */
  read: string[];
  /** Options in the sections read that the advisor does not use, or whose value it cannot read, with why. */
  notUnderstood: string[];
}

type Reader = (value: string) => Partial<HostFacts> | string;

const bool = (fact: keyof HostFacts): Reader => (value) => {
  const parsed = osloBoolStrict(value);
  return parsed === null ? `not a boolean (${value})` : { [fact]: parsed };
};
const int = (fact: keyof HostFacts, min: number, allowed?: number[]): Reader => (value) => {
  const n = Number(value);
  if (!/^-?\d+$/.test(value) || n < min || (allowed && !allowed.includes(n))) return `not ${allowed ? `one of ${allowed.join(', ')}` : `an integer >= ${min}`} (${value})`;
  return { [fact]: n };
};
const ARCHES = ['x86_64', 'i686', 'aarch64', 'armv7l', 'ppc64le', 's390x'];

/** The options read into facts (NOVA `nova/conf/libvirt.py`, `pci.py`, `scheduler.py`, `workarounds.py`; Zed). */
const READERS: Record<string, Reader> = {
  '[libvirt] virt_type': (value) => (['kvm', 'qemu', 'lxc', 'parallels'].includes(value) ? { virtType: value as HostFacts['virtType'] } : `virt_type ${value} is not one of Nova's (kvm, qemu, lxc, parallels)`),
  '[libvirt] hw_machine_type': (value) => {
    const pairs = value.split(',').map((p) => p.trim()).filter(Boolean).map((p) => p.split('=').map((x) => x.trim()));
    const bad = pairs.filter((p) => p.length !== 2 || !ARCHES.includes(p[0]!) || !p[1]);
    if (bad.length > 0) return `not arch=machine[,arch=machine] with arch one of ${ARCHES.join(', ')} (${value})`;
    return { machineTypes: Object.fromEntries(pairs) };
  },
  '[libvirt] use_virtio_for_bridges': bool('useVirtioForBridges'),
  '[libvirt] file_backed_memory': int('fileBackedMemoryMb', 0),
  '[libvirt] max_queues': int('maxQueues', 1),
  '[libvirt] rx_queue_size': int('rxQueueSize', 0, [256, 512, 1024]),
  '[libvirt] tx_queue_size': int('txQueueSize', 0, [256, 512, 1024]),
  '[filter_scheduler] pci_in_placement': bool('pciInPlacement'),
  '[scheduler] image_metadata_prefilter': bool('imageMetadataPrefilter'),
  '[workarounds] disable_fallback_pcpu_query': bool('disableFallbackPcpuQuery'),
};

/** Read, not turned into a fact: they go with the PCI config, or say nothing the rules use. */
const RECORDED = new Set(['[libvirt] cpu_mode', '[pci] device_spec', '[pci] passthrough_whitelist', '[pci] alias', '[pci] report_in_placement']);
const SECTIONS = new Set(['libvirt', 'pci', 'filter_scheduler', 'scheduler', 'workarounds']);

/** The facts one nova.conf declares, with every option read and every one not understood. */
export function novaConfFacts(conf: NovaConf): NovaConfFacts {
  const out: NovaConfFacts = { facts: {}, deviceSpecs: [], aliases: [], read: [], notUnderstood: [] };
  for (const [key, values] of [...conf.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const section = /^\[([^\]]+)\]/.exec(key)![1]!;
    const value = values[values.length - 1]!;
    const reader = READERS[key];
    if (reader) {
      const result = reader(value);
      if (typeof result === 'string') out.notUnderstood.push(`${key}: ${result}`);
      else {
        Object.assign(out.facts, result);
        out.read.push(`${key}=${value}`);
      }
    } else if (RECORDED.has(key)) {
      if (key === '[pci] alias') out.aliases.push(...values);
      else if (key === '[pci] device_spec' || key === '[pci] passthrough_whitelist') out.deviceSpecs.push(...values);
      else if (key === '[pci] report_in_placement') {
        const parsed = osloBoolStrict(value);
        if (parsed === null) {
          out.notUnderstood.push(`${key}: not a boolean (${value})`);
          continue;
        }
        out.reportInPlacement = parsed;
      }
      out.read.push(values.length > 1 ? `${key} (${values.length} values)` : `${key}=${value}`);
    } else if (SECTIONS.has(section)) {
      out.notUnderstood.push(`${key}: not an option the advisor reads`);
    }
  }
  return out;
}
