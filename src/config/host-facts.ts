// The operator's host facts file (HOST_FACTS_FILE, YAML or JSON): what no OpenStack API shows — virt_type,
// vhost-net, OVS-DPDK, queue limits, scheduler options (domain.md §2.2, §2.6, §7 surprise 6) — declared for
// the whole cloud, per cloud, per Placement aggregate or per trait. Format: docs/host-facts.md.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { DEFAULT_HOST_FACTS } from '../rules/facts/host-facts.ts';
import { novaConfFacts, parseNovaConf, type NovaConf } from '../rules/facts/nova-conf.ts';
import { NOVA_RELEASES } from '../rules/release/release.ts';
import type { HostFacts, HostFactsOverride, NovaConfReport, NovaRelease } from '../model/index.ts';
import { ConfigError } from './index.ts';

/** Compute architectures the rules tell apart (Nova's spelling, domain.md §2.3). */
const COMPUTE_ARCHITECTURES = ['x86_64', 'i686', 'aarch64', 'armv7l', 'ppc64le', 's390x'] as const;

const queueSize = z.union([z.literal(256), z.literal(512), z.literal(1024), z.null()]);

/** The facts, in nova.conf's own spelling (snake_case); every key optional, unknown keys refused. */
const Facts = z.strictObject({
  virt_type: z.enum(['kvm', 'qemu', 'lxc', 'parallels']).optional(),
  vhost_net: z.boolean().optional(),
  ovs_dpdk: z.boolean().optional(),
  max_queues: z.number().int().min(1).nullable().optional(),
  kernel_major: z.number().int().min(2).max(20).optional(),
  image_metadata_prefilter: z.boolean().optional(),
  pci_in_placement: z.boolean().optional(),
  default_machine_type: z.string().min(1).optional(),
  rx_queue_size: queueSize.optional(),
  tx_queue_size: queueSize.optional(),
  architecture: z.enum(COMPUTE_ARCHITECTURES).optional(),
  /** `[libvirt] hw_machine_type` per architecture, e.g. `{x86_64: q35, aarch64: virt}`. */
  hw_machine_type: z.partialRecord(z.enum(COMPUTE_ARCHITECTURES), z.string().min(1)).optional(),
  use_virtio_for_bridges: z.boolean().optional(),
  /** `[libvirt] file_backed_memory` in MiB; 0 is off. */
  file_backed_memory: z.number().int().min(0).optional(),
  disable_fallback_pcpu_query: z.boolean().optional(),
  libvirt_version: z.string().regex(/^\d+\.\d+(\.\d+)?$/, 'a version, e.g. 9.0.0').optional(),
  qemu_version: z.string().regex(/^\d+\.\d+(\.\d+)?$/, 'a version, e.g. 7.2.0').optional(),
  libosinfo: z.boolean().optional(),
  osinfo_db_version: z.string().regex(/^\d{8}$/, 'osinfo-db\'s date version, e.g. 20250606').optional(),
});
type Facts = z.output<typeof Facts>;

const FACT_KEYS: Record<keyof Facts, keyof HostFacts> = {
  virt_type: 'virtType',
  vhost_net: 'vhostNet',
  ovs_dpdk: 'ovsDpdk',
  max_queues: 'maxQueues',
  kernel_major: 'kernelMajor',
  image_metadata_prefilter: 'imageMetadataPrefilter',
  pci_in_placement: 'pciInPlacement',
  default_machine_type: 'defaultMachineType',
  rx_queue_size: 'rxQueueSize',
  tx_queue_size: 'txQueueSize',
  architecture: 'architecture',
  hw_machine_type: 'machineTypes',
  use_virtio_for_bridges: 'useVirtioForBridges',
  file_backed_memory: 'fileBackedMemoryMb',
  disable_fallback_pcpu_query: 'disableFallbackPcpuQuery',
  libvirt_version: 'libvirtVersion',
  qemu_version: 'qemuVersion',
  libosinfo: 'libosinfo',
  osinfo_db_version: 'osinfoDbVersion',
};

// The snapshot holds Placement aggregate uuids (Nova's aggregate uuid is the same), not names.
const AGGREGATE_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const Override = z
  .strictObject({
    aggregate: z
      .string()
      .regex(AGGREGATE_UUID, 'the aggregate uuid (`openstack aggregate show NAME -c uuid`); Placement knows aggregates by uuid only')
      .optional(),
    name: z.string().min(1).optional().describe('How the operator calls the aggregate; shown in messages.'),
    trait: z.string().regex(/^[A-Z][A-Z0-9_]*$/, 'a trait name, e.g. CUSTOM_OVS_DPDK').optional(),
    facts: Facts,
  })
  .refine((o) => o.aggregate !== undefined || o.trait !== undefined, 'give aggregate or trait');

/** A nova.conf file, or a folder of `*.conf` files read in name order (oslo `--config-dir`), for some hosts or all. */
const NovaConfEntry = z.union([
  z.string().min(1),
  z.strictObject({
    path: z.string().min(1),
    aggregate: z.string().regex(AGGREGATE_UUID, 'the aggregate uuid (`openstack aggregate show NAME -c uuid`)').optional(),
    name: z.string().min(1).optional(),
    trait: z.string().regex(/^[A-Z][A-Z0-9_]*$/, 'a trait name, e.g. CUSTOM_OVS_DPDK').optional(),
    host: z.string().min(1).optional().describe('A compute host by name (its Placement root provider name).'),
  }),
]);

const Scope = z.strictObject({
  /** The operator's nova.conf files, read into declared facts (docs/host-facts.md "nova.conf"); the file's own facts win. */
  nova_conf: z.array(NovaConfEntry).optional(),
  /** The Nova release, when the compute API's microversion cannot tell it (e.g. 2.95: 2023.1 or 2023.2); wins over it. */
  nova_release: z.enum(NOVA_RELEASES).optional(),
  defaults: Facts.optional(),
  overrides: z.array(Override).optional(),
});

export const HostFactsFile = Scope.extend({
  clouds: z.record(z.string().min(1), Scope).optional(),
});

export interface DeclaredHostFacts {
  /** Cloud-wide facts: Nova's defaults with the file's `defaults` on top (RuleContext.hostFacts). */
  hostFacts: HostFacts;
  /** Which of `hostFacts` the file's `defaults` declares (RuleContext.hostFactsDeclared); the rest are built-in defaults. */
  hostFactsDeclared: Partial<Record<keyof HostFacts, string>>;
  /** Per cloud, aggregate and trait, most specific last (RuleContext.hostFactOverrides). */
  hostFactOverrides: HostFactsOverride[];
  /** `nova_release` at the top: every cloud's (RuleContext.novaRelease). */
  novaRelease?: NovaRelease;
  /** `clouds.<name>.nova_release` (RuleContext.novaReleaseByCloud). */
  novaReleaseByCloud?: Record<string, NovaRelease>;
  /** What each nova.conf named by `nova_conf` gave: options read and not understood (RuleContext.novaConfReport). */
  novaConfReport?: NovaConfReport[];
}

/** Reads one `nova_conf` path: a file, or a folder's `*.conf` files in name order, later ones adding to earlier ones. */
function readNovaConf(path: string, key: string): { conf: NovaConf; errors: string[] } {
  let files: string[];
  try {
    files = statSync(path).isDirectory()
      ? readdirSync(path).filter((f) => f.endsWith('.conf')).sort().map((f) => join(path, f))
      : [path];
  } catch (err) {
    throw new ConfigError(`HOST_FACTS_FILE ${key}: nova.conf ${path} cannot be read: ${(err as Error).message}`);
  }
  const conf: NovaConf = new Map();
  const errors: string[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new ConfigError(`HOST_FACTS_FILE ${key}: nova.conf ${file} cannot be read: ${(err as Error).message}`);
    }
    const parsed = parseNovaConf(text);
    errors.push(...parsed.errors.map((e) => `${file} ${e}`));
    for (const [k, values] of parsed.conf) conf.set(k, [...(conf.get(k) ?? []), ...values]);
  }
  return { conf, errors };
}

/** The nova.conf entries of one scope as overrides (general ones first, so that the file's own facts win) and their reports. */
function novaConfOf(scope: z.output<typeof Scope>, path: string, cloud: string | undefined, baseDir: string): { overrides: HostFactsOverride[]; reports: NovaConfReport[] } {
  const overrides: HostFactsOverride[] = [];
  const reports: NovaConfReport[] = [];
  (scope.nova_conf ?? []).forEach((raw, i) => {
    const entry = typeof raw === 'string' ? { path: raw } : raw;
    const file = resolve(baseDir, entry.path);
    const where = [entry.aggregate === undefined ? null : `aggregate ${entry.name ?? entry.aggregate}`,
      entry.trait === undefined ? null : `trait ${entry.trait}`, entry.host === undefined ? null : `host ${entry.host}`].filter(Boolean);
    const label = `${path}nova_conf[${i}] (${[entry.path, ...where].join(', ')})`;
    const { conf, errors } = readNovaConf(file, `${path}nova_conf.${i}`);
    const read = novaConfFacts(conf);
    overrides.push({
      ...(cloud === undefined ? {} : { cloud }),
      ...(entry.aggregate === undefined ? {} : { aggregate: entry.aggregate.toLowerCase() }),
      ...(entry.trait === undefined ? {} : { trait: entry.trait }),
      ...(entry.host === undefined ? {} : { host: entry.host }),
      label, facts: read.facts,
    });
    reports.push({ ...(cloud === undefined ? {} : { cloud }), label, read: read.read, notUnderstood: [...errors, ...read.notUnderstood] });
  });
  return { overrides, reports };
}

function withoutKeys(facts: Partial<HostFacts>, keys: string[]): Partial<HostFacts> {
  return Object.fromEntries(Object.entries(facts).filter(([key]) => !keys.includes(key)));
}

function toHostFacts(facts: Facts): Partial<HostFacts> {
  return Object.fromEntries(Object.entries(facts).map(([key, value]) => [FACT_KEYS[key as keyof Facts], value]));
}

function overridesOf(scope: z.output<typeof Scope>, path: string, cloud: string | undefined): HostFactsOverride[] {
  return (scope.overrides ?? []).map((o, i) => ({
    ...(cloud === undefined ? {} : { cloud }),
    ...(o.aggregate === undefined ? {} : { aggregate: o.aggregate.toLowerCase() }),
    ...(o.trait === undefined ? {} : { trait: o.trait }),
    label: `${path}overrides[${i}] (${[o.aggregate === undefined ? null : `aggregate ${o.name ?? o.aggregate}`, o.trait === undefined ? null : `trait ${o.trait}`].filter(Boolean).join(', ')})`,
    facts: toHostFacts(o.facts),
  }));
}

/**
 * Checks a parsed file and orders it from general to specific, so that later entries win: per-cloud
 * defaults, then overrides for every cloud, then per-cloud overrides (docs/host-facts.md).
 */
export function parseHostFacts(value: unknown, source: string, baseDir = '.'): DeclaredHostFacts {
  const parsed = HostFactsFile.safeParse(value ?? {});
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(file)'}: ${i.message}`);
    throw new ConfigError(`HOST_FACTS_FILE ${source} is invalid:\n${lines.join('\n')}`);
  }
  const file = parsed.data;
  const clouds = Object.entries(file.clouds ?? {}).sort(([a], [b]) => a.localeCompare(b));
  const novaConf = [novaConfOf(file, '', undefined, baseDir), ...clouds.map(([cloud, c]) => novaConfOf(c, `clouds.${cloud}.`, cloud, baseDir))];
  const reports = novaConf.flatMap((n) => n.reports);
  const releases = clouds.flatMap(([cloud, c]) => (c.nova_release ? [[cloud, c.nova_release] as const] : []));
  return {
    ...(file.nova_release ? { novaRelease: file.nova_release } : {}),
    ...(releases.length > 0 ? { novaReleaseByCloud: Object.fromEntries(releases) } : {}),
    hostFacts: { ...DEFAULT_HOST_FACTS, ...toHostFacts(file.defaults ?? {}) },
    hostFactsDeclared: Object.fromEntries(Object.keys(toHostFacts(file.defaults ?? {})).map((key) => [key, 'HOST_FACTS_FILE defaults'])),
    ...(reports.length > 0 ? { novaConfReport: reports } : {}),
    hostFactOverrides: [
      // The top-level `defaults` sit below every override, so the keys they declare are taken out of nova.conf's: the
      // file's own facts win over nova.conf (docs/host-facts.md "nova.conf").
      ...novaConf.flatMap((n) => n.overrides).map((o) => ({ ...o, facts: withoutKeys(o.facts, Object.keys(toHostFacts(file.defaults ?? {}))) })),
      ...clouds.filter(([, c]) => c.defaults).map(([cloud, c]) => ({ cloud, label: `clouds.${cloud}.defaults`, facts: toHostFacts(c.defaults!) })),
      ...overridesOf(file, '', undefined),
      ...clouds.flatMap(([cloud, c]) => overridesOf(c, `clouds.${cloud}.`, cloud)),
    ],
  };
}

/** Reads HOST_FACTS_FILE: JSON when it ends in .json, YAML otherwise. Fails with the file and the key named. */
export function loadHostFacts(path: string): DeclaredHostFacts {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`HOST_FACTS_FILE ${path} cannot be read: ${(err as Error).message}`);
  }
  let value: unknown;
  try {
    value = path.toLowerCase().endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new ConfigError(`HOST_FACTS_FILE ${path} is not valid ${path.toLowerCase().endsWith('.json') ? 'JSON' : 'YAML'}: ${(err as Error).message}`);
  }
  return parseHostFacts(value, path, dirname(path));
}
