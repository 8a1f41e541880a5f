// Declared host facts: what no OpenStack API shows (domain.md §2.6, §7 surprise 6).
import { WeakMemo } from '../../lib/memo.ts';
import { makeFinding } from '../findings/catalog.ts';
import { hostFactEvidence } from '../vocabulary/nova.ts';
import type { Finding, Flavor, Host, HostFacts, HostFactsOverride } from '../../model/index.ts';

/**
 * Defaults follow Nova's own defaults where one exists (image_metadata_prefilter False,
 * pci_in_placement False, max_queues unset, x86 machine type `pc`, use_virtio_for_bridges True: §2.1, §2.2, §2.3, §2.5,
 * §4.5) and a
 * typical current KVM compute otherwise (kvm on x86_64, vhost_net loaded, Linux ≥ 5, no OVS-DPDK).
 */
export const DEFAULT_HOST_FACTS: HostFacts = {
  virtType: 'kvm',
  vhostNet: true,
  ovsDpdk: false,
  maxQueues: null,
  kernelMajor: 5,
  imageMetadataPrefilter: false,
  pciInPlacement: false,
  defaultMachineType: 'pc',
  architecture: 'x86_64',
  useVirtioForBridges: true,
};

// ---------------------------------------------------------------- facts that differ per host

type FactKey = keyof HostFacts;

function overrideApplies(override: HostFactsOverride, cloud: string, host: Host): boolean {
  return (override.cloud === undefined || override.cloud === cloud)
    && (override.host === undefined || override.host === host.name)
    && (override.aggregate === undefined || host.aggregates.includes(override.aggregate))
    && (override.trait === undefined || host.traits.includes(override.trait));
}

/** One host's facts: the cloud-wide declaration, then every override that applies, later ones winning. */
export function factsForHost(defaults: HostFacts, overrides: readonly HostFactsOverride[], cloud: string, host: Host): { facts: HostFacts; from: Partial<Record<FactKey, string>> } {
  const facts = { ...defaults };
  const from: Partial<Record<FactKey, string>> = {};
  for (const override of overrides.filter((o) => overrideApplies(o, cloud, host))) {
    Object.assign(facts, override.facts);
    for (const key of Object.keys(override.facts) as FactKey[]) from[key] = override.label;
  }
  return { facts, from };
}

/** The root traits an image + flavor require (flavor or image) and forbid (flavor): unsuffixed `trait:X` (§1.4, §1.5, §2.5). */
export interface ScopeTraits {
  required: string[];
  forbidden: string[];
}

/** The `trait:X` keys whose value is `value`, as X. */
function traitsWith(specs: Record<string, string>, value: string): string[] {
  return Object.entries(specs).flatMap(([key, v]) => (v === value ? (/^trait:(.+)$/.exec(key)?.slice(1) ?? []) : []));
}

/** The scope of an image and flavor without required or forbidden root traits: every host. */
export const UNNARROWED: ScopeTraits = { required: [], forbidden: [] };

/**
 * Per flavor and per image properties object (none is written once made): an answer asks once per rule that counts
 * hosts in scope, each a walk of every extra spec or property, and images and flavors named by id are the snapshot's
 * own objects, shared by every request for them. What is kept goes with the object it is about.
 */
const flavorTraits = new WeakMemo<Flavor, ScopeTraits>((flavor) => {
  const required = traitsWith(flavor.extraSpecs, 'required');
  const forbidden = traitsWith(flavor.extraSpecs, 'forbidden');
  return required.length + forbidden.length === 0 ? UNNARROWED : { required: [...new Set(required)].sort(), forbidden: [...new Set(forbidden)].sort() };
});
const imageTraits = new WeakMemo<Record<string, string>, string[]>((properties) => traitsWith(properties, 'required'));

export function scopeTraits(flavor: Flavor | null, properties: Record<string, string>): ScopeTraits {
  const fromFlavor = flavor ? flavorTraits.get(flavor) : UNNARROWED;
  const fromImage = imageTraits.get(properties);
  if (fromImage.length === 0) return fromFlavor;
  return { required: [...new Set([...fromFlavor.required, ...fromImage])].sort(), forbidden: fromFlavor.forbidden };
}

/**
 * The hosts an image + flavor can land on: those with every required root trait and none forbidden. All
 * hosts when none qualifies, so an unschedulable request still gets an answer (capacity says it fits nowhere).
 */
export function hostsInScope(hosts: Host[], { required, forbidden }: ScopeTraits): Host[] {
  if (required.length === 0 && forbidden.length === 0) return hosts;
  const inScope = hosts.filter((h) => required.every((t) => h.traits.includes(t)) && !forbidden.some((t) => h.traits.includes(t)));
  return inScope.length > 0 ? inScope : hosts;
}

/**
 * One set of facts for an answer about many hosts: per fact the value most hosts in scope are declared
 * with (ties: the cloud-wide value, then the first in host order), a warning where they differ and a note
 * naming the overrides the answer rests on. The answers' evidence stays `declared-host-fact`.
 */
export function resolveHostFacts(defaults: HostFacts, overrides: readonly HostFactsOverride[], cloud: string, hosts: Host[]): { facts: HostFacts; findings: Finding[]; from: Partial<Record<FactKey, string>> } {
  if (overrides.length === 0 || hosts.length === 0) return { facts: defaults, findings: [], from: {} };
  const perHost = hosts.map((host) => ({ host: host.name, ...factsForHost(defaults, overrides, cloud, host) }));
  const facts = { ...defaults };
  const findings: Finding[] = [];
  const origins = new Set<string>();
  // Per fact, the file entries the chosen value comes from (answers' `assumptions`, facts/assumptions.ts).
  const from: Partial<Record<FactKey, string>> = {};
  // Optional facts (rx_queue_size, tx_queue_size) have no built-in default: the keys any override declares count too.
  const keys = new Set([...Object.keys(defaults), ...overrides.flatMap((o) => Object.keys(o.facts))] as FactKey[]);
  for (const key of keys) {
    const byValue = new Map<string, string[]>();
    for (const h of perHost) {
      const value = JSON.stringify(h.facts[key] ?? null);
      byValue.set(value, [...(byValue.get(value) ?? []), h.host]);
    }
    const cloudWide = JSON.stringify(defaults[key] ?? null);
    const [chosen] = [...byValue.entries()].sort(([va, a], [vb, b]) => b.length - a.length || Number(vb === cloudWide) - Number(va === cloudWide));
    const value = JSON.parse(chosen![0]) as HostFacts[FactKey];
    Object.assign(facts, { [key]: value });
    const labels = new Set<string>();
    for (const h of perHost.filter((p) => JSON.stringify(p.facts[key] ?? null) === chosen![0] && p.from[key])) {
      origins.add(`${key}=${chosen![0]} from ${h.from[key]}`);
      labels.add(`HOST_FACTS_FILE ${h.from[key]}`);
    }
    if (labels.size > 0) from[key] = [...labels].sort().join('; ');
    if (byValue.size > 1) {
      findings.push(makeFinding('host-facts-differ', null,
        `The ${hosts.length} host(s) in scope are declared with different ${key}: ${[...byValue.entries()].map(([v, names]) => `${v} on ${names.join(', ')}`).join('; ')}. The answer assumes ${chosen![0]}.`,
        [...byValue.entries()].map(([v, names]) => hostFactEvidence(key, `${v} on ${names.length} host(s)`))));
    }
  }
  if (origins.size > 0) {
    findings.push(makeFinding('host-facts-overridden', null,
      `Declared host facts for the hosts in scope come from the host facts file: ${[...origins].sort().join('; ')}.`,
      [...origins].sort().map((o) => ({ source: 'declared-host-fact' as const, ref: o.split('=')[0]!, value: o }))));
  }
  return { facts, findings, from };
}
