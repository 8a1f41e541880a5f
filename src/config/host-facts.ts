// The operator's host facts file (HOST_FACTS_FILE, YAML or JSON): what no OpenStack API shows — virt_type,
// vhost-net, OVS-DPDK, queue limits, scheduler options (domain.md §2.2, §2.6, §7 surprise 6) — declared for
// the whole cloud, per cloud, per Placement aggregate or per trait. Format: docs/host-facts.md.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { DEFAULT_HOST_FACTS } from '../rules/facts/host-facts.ts';
import { NOVA_RELEASES } from '../rules/release/release.ts';
import type { HostFacts, HostFactsOverride, NovaRelease } from '../model/index.ts';
import { ConfigError } from './index.ts';

const queueSize = z.union([z.literal(256), z.literal(512), z.literal(1024), z.null()]);

/** The facts, in nova.conf's own spelling (snake_case); every key optional, unknown keys refused. */
const Facts = z.strictObject({
  virt_type: z.enum(['kvm', 'qemu']).optional(),
  vhost_net: z.boolean().optional(),
  ovs_dpdk: z.boolean().optional(),
  max_queues: z.number().int().min(1).nullable().optional(),
  kernel_major: z.number().int().min(2).max(20).optional(),
  image_metadata_prefilter: z.boolean().optional(),
  pci_in_placement: z.boolean().optional(),
  default_machine_type: z.string().min(1).optional(),
  rx_queue_size: queueSize.optional(),
  tx_queue_size: queueSize.optional(),
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

const Scope = z.strictObject({
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
  /** Per cloud, aggregate and trait, most specific last (RuleContext.hostFactOverrides). */
  hostFactOverrides: HostFactsOverride[];
  /** `nova_release` at the top: every cloud's (RuleContext.novaRelease). */
  novaRelease?: NovaRelease;
  /** `clouds.<name>.nova_release` (RuleContext.novaReleaseByCloud). */
  novaReleaseByCloud?: Record<string, NovaRelease>;
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
export function parseHostFacts(value: unknown, source: string): DeclaredHostFacts {
  const parsed = HostFactsFile.safeParse(value ?? {});
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(file)'}: ${i.message}`);
    throw new ConfigError(`HOST_FACTS_FILE ${source} is invalid:\n${lines.join('\n')}`);
  }
  const file = parsed.data;
  const clouds = Object.entries(file.clouds ?? {}).sort(([a], [b]) => a.localeCompare(b));
  const releases = clouds.flatMap(([cloud, c]) => (c.nova_release ? [[cloud, c.nova_release] as const] : []));
  return {
    ...(file.nova_release ? { novaRelease: file.nova_release } : {}),
    ...(releases.length > 0 ? { novaReleaseByCloud: Object.fromEntries(releases) } : {}),
    hostFacts: { ...DEFAULT_HOST_FACTS, ...toHostFacts(file.defaults ?? {}) },
    hostFactOverrides: [
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
  return parseHostFacts(value, path);
}
