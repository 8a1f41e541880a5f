// PCI / SR-IOV devices as Placement shows them (nested providers, domain.md §4.5, §4.7) and the
// `[pci] alias` entries that request them (§4.2, §4.3).
import { SteppedMemo } from '../../lib/memo.ts';
import { makeFinding } from '../findings/catalog.ts';
import { hostFactEvidence } from '../vocabulary/nova.ts';
import { KNOWN_PCI_DEVICES, knownPciDevice, type KnownPciDevice } from './known-devices.ts';
import { FIRST_RELEASE, releaseHas, releaseName } from '../release/release.ts';
import type { Evidence, Finding, Host, HostFacts, Inventory, PciAlias, PciAliasAdvice, PciProvider, ReleaseAssumption } from '../../model/index.ts';

/** Placement's own capacity rule: int((total − reserved) × allocation_ratio) (§4.7). */
export function inventoryCapacity(inventory: Inventory): number {
  return Math.floor((inventory.total - inventory.reserved) * inventory.allocationRatio);
}

export function providerFree(provider: PciProvider): number {
  return Math.max(0, inventoryCapacity(provider.inventory) - provider.used);
}

/** Traits Nova puts on every PCI provider; they say nothing about the device (§4.5). */
const NOVA_PCI_TRAITS = new Set(['COMPUTE_MANAGED_PCI_DEVICE', 'OWNER_NOVA']);

/** Nova's default resource class for a device without `resource_class`: CUSTOM_PCI_<VENDOR>_<PRODUCT> (§4.5). */
export function defaultPciResourceClass(vendorId: string, productId: string): string {
  return `CUSTOM_PCI_${vendorId.toUpperCase()}_${productId.toUpperCase()}`;
}

export function parsePciResourceClass(resourceClass: string): { vendorId: string; productId: string } | null {
  const match = /^CUSTOM_PCI_([0-9A-F]{4})_([0-9A-F]{4})$/.exec(resourceClass);
  return match ? { vendorId: match[1]!.toLowerCase(), productId: match[2]!.toLowerCase() } : null;
}

/** All providers of one resource class across the cloud, with what the alias needs to know. */
export interface PciDeviceClass {
  resourceClass: string;
  vendorId: string | null;
  productId: string | null;
  device: KnownPciDevice | null;
  deviceType: PciAlias['device_type'];
  kind: 'nic' | 'gpu' | 'unknown';
  /** Traits every provider of the class has, without the ones Nova adds to all PCI providers. */
  traits: string[];
  providers: number;
  free: number;
}

/** A class of unknown ids holds VFs when its name has a `VF` word, or its providers are SR-IOV NICs without a `PF` word. */
export function looksLikeVfs(resourceClass: string, traits: readonly string[]): boolean {
  const words = resourceClass.split('_');
  return words.includes('VF') || (traits.includes('HW_NIC_SRIOV') && !words.includes('PF'));
}

function classify(resourceClass: string, traits: string[], device: KnownPciDevice | null): Pick<PciDeviceClass, 'deviceType' | 'kind'> {
  if (device) return { deviceType: device.deviceType, kind: device.kind };
  const words = resourceClass.split('_');
  const sriov = traits.includes('HW_NIC_SRIOV');
  const kind = resourceClass === 'PGPU' || words.includes('GPU') ? 'gpu' : words.includes('NIC') || words.includes('NET') || sriov ? 'nic' : 'unknown';
  if (looksLikeVfs(resourceClass, traits)) return { deviceType: 'type-VF', kind };
  if (words.includes('PF')) return { deviceType: 'type-PF', kind };
  return { deviceType: 'type-PCI', kind };
}

/**
 * Per host list: the classes depend on the snapshot only, and every PCI answer needs them. A walk of every PCI
 * provider (150,000 in a 15,000-host cloud), so the registry builds it in steps when the snapshot becomes current
 * (`pciDeviceClassSteps`), before any answer needs it.
 */
const deviceClasses = new SteppedMemo<readonly Host[], readonly PciDeviceClass[]>(computeDeviceClasses);

export function pciDeviceClasses(hosts: readonly Host[]): readonly PciDeviceClass[] {
  return deviceClasses.get(hosts);
}

export function pciDeviceClassSteps(hosts: readonly Host[]): Iterator<void, unknown> {
  return deviceClasses.steps(hosts);
}

/** Hosts walked between two steps of the build: about a millisecond of work at 10 PCI providers a host. */
const HOSTS_PER_STEP = 1_000;

function* computeDeviceClasses(hosts: readonly Host[]): Generator<void, PciDeviceClass[]> {
  // Per class, as the providers are walked: the traits all of them have so far (none kept per provider).
  const byClass = new Map<string, { traits: Set<string>; providers: number; free: number }>();
  for (const [at, host] of hosts.entries()) {
    for (const provider of host.pciProviders) {
      const known = byClass.get(provider.resourceClass);
      if (!known) {
        byClass.set(provider.resourceClass, { traits: new Set(provider.traits.filter((t) => !NOVA_PCI_TRAITS.has(t))), providers: 1, free: providerFree(provider) });
        continue;
      }
      for (const trait of known.traits) if (!provider.traits.includes(trait)) known.traits.delete(trait);
      known.providers += 1;
      known.free += providerFree(provider);
    }
    if ((at + 1) % HOSTS_PER_STEP === 0) yield;
  }
  return [...byClass.entries()]
    .map(([resourceClass, { traits: common, providers, free }]): PciDeviceClass => {
      const ids = parsePciResourceClass(resourceClass);
      const device = ids ? (knownPciDevice(ids.vendorId, ids.productId) ?? null) : null;
      const traits = [...common].sort();
      return {
        resourceClass, vendorId: ids?.vendorId ?? null, productId: ids?.productId ?? null, device,
        ...classify(resourceClass, traits, device), traits, providers, free,
      };
    })
    .sort((a, b) => a.resourceClass.localeCompare(b.resourceClass));
}

function classEvidence(deviceClass: PciDeviceClass): Evidence {
  const ids = deviceClass.vendorId ? ` ${deviceClass.vendorId}:${deviceClass.productId}` : '';
  return {
    source: 'placement',
    ref: deviceClass.resourceClass,
    value: `${deviceClass.deviceType}${ids}${deviceClass.device ? ` (${deviceClass.device.name})` : ''}, ${deviceClass.free} free on ${deviceClass.providers} provider(s)${deviceClass.traits.length ? `, traits ${deviceClass.traits.join(',')}` : ''}`,
  };
}

// ---------------------------------------------------------------- the flavor's pci_passthrough:alias

export interface AliasCount {
  name: string;
  count: number;
}

const ALIAS_SPEC = /^[^:]+:\d+(?:\s*,\s*[^:]+:\d+)*$/; // domain.md §1.5

/** `"a1:2, a2:1"` → entries; null when the value does not match Nova's regex. */
export function parseAliasSpec(value: string): AliasCount[] | null {
  if (!ALIAS_SPEC.test(value.trim())) return null;
  return value.split(',').map((part) => {
    const [name, count] = part.trim().split(':');
    return { name: name!.trim(), count: Number(count) };
  });
}

export function formatAliasSpec(entries: AliasCount[]): string {
  return entries.map((e) => `${e.name}:${e.count}`).join(',');
}

// ---------------------------------------------------------------- alias name → resource class

export interface AliasResolution {
  deviceClass: PciDeviceClass | null;
  /** Resource class asked by the request mapping even when no provider has it. */
  resourceClass: string | null;
  findings: Finding[];
}

function words(name: string): string[] {
  return name.toLowerCase().split(/[^a-z0-9]+/).filter((w) => w.length > 0);
}

/** Most free devices first, then by name: the class an ambiguous request most likely means. */
function byFreeThenName(a: PciDeviceClass, b: PciDeviceClass): number {
  return b.free - a.free || a.resourceClass.localeCompare(b.resourceClass);
}

/**
 * Aliases are nova.conf, not readable through any API (§4.2), so the name is mapped by heuristics:
 * a request mapping wins; else words in the name narrow the classes — a known device hint (`x710`),
 * `vf`/`sriov` ⇒ type-VF, `pf` ⇒ type-PF, `gpu` ⇒ GPUs, `nic` ⇒ NICs; a name with no hint maps only
 * when the cloud has exactly one PCI class. Several left ⇒ the one with the most free devices.
 */
export function resolveAlias(name: string, classes: readonly PciDeviceClass[], explicit: Record<string, string> | undefined): AliasResolution {
  const mapped = explicit?.[name];
  if (mapped !== undefined) {
    return { deviceClass: classes.find((c) => c.resourceClass === mapped) ?? null, resourceClass: mapped, findings: [] };
  }
  const nameWords = words(name);
  const filters: ((c: PciDeviceClass) => boolean)[] = [];
  const hinted = KNOWN_PCI_DEVICES.filter((d) => d.hints.some((h) => nameWords.includes(h)));
  if (hinted.length > 0) filters.push((c) => c.device !== null && hinted.includes(c.device));
  if (nameWords.some((w) => ['vf', 'vfs', 'sriov'].includes(w))) filters.push((c) => c.deviceType === 'type-VF');
  if (nameWords.includes('pf')) filters.push((c) => c.deviceType === 'type-PF');
  if (nameWords.some((w) => ['gpu', 'gpus'].includes(w))) filters.push((c) => c.kind === 'gpu');
  if (nameWords.some((w) => ['nic', 'net'].includes(w))) filters.push((c) => c.kind === 'nic');
  const candidates = (filters.length > 0 || classes.length === 1
    ? filters.reduce((left, keep) => left.filter(keep), classes)
    : []).slice().sort(byFreeThenName);
  const chosen = candidates[0];
  if (!chosen) {
    return { deviceClass: null, resourceClass: null, findings: [makeFinding('pci-alias-unresolved', 'pci_passthrough:alias',
      `Alias "${name}" could not be mapped to a Placement resource class (classes: ${classes.map((c) => c.resourceClass).join(', ') || 'none'}).`,
      classes.map(classEvidence))] };
  }
  const findings = [makeFinding('pci-alias-heuristic', 'pci_passthrough:alias',
    `Alias "${name}" is taken to mean ${chosen.resourceClass} (${chosen.deviceType}), by its name; [pci] alias in nova.conf is not readable through the API.`,
    [classEvidence(chosen)])];
  if (candidates.length > 1) {
    findings.push(makeFinding('pci-alias-ambiguous', 'pci_passthrough:alias',
      `Alias "${name}" matches ${candidates.map((c) => c.resourceClass).join(', ')}; ${chosen.resourceClass} has the most free devices.`,
      candidates.map(classEvidence)));
  }
  return { deviceClass: chosen, resourceClass: chosen.resourceClass, findings };
}

// ---------------------------------------------------------------- [pci] alias entries

/** A name for a new alias, from the device or the resource class, e.g. `intel-x710-vf`, `pci-nic-vf`. */
export function suggestedAliasName(deviceClass: PciDeviceClass): string {
  const base = deviceClass.device?.name ?? deviceClass.resourceClass.replace(/^CUSTOM_/, '');
  return base.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}

/** The alias as nova.conf wants it, keys in a fixed order (§4.2 schema, additionalProperties false). */
export function aliasJson(alias: PciAlias): string {
  const ordered: PciAlias = {
    name: alias.name,
    ...(alias.vendor_id ? { vendor_id: alias.vendor_id } : {}),
    ...(alias.product_id ? { product_id: alias.product_id } : {}),
    device_type: alias.device_type,
    ...(alias.numa_policy ? { numa_policy: alias.numa_policy } : {}),
    ...(alias.resource_class ? { resource_class: alias.resource_class } : {}),
    ...(alias.traits ? { traits: alias.traits } : {}),
  };
  return JSON.stringify(ordered);
}

/**
 * vendor/product ids when Placement's resource class carries them (the default
 * CUSTOM_PCI_<V>_<P>); a custom resource class is only reachable by `resource_class` (+ `traits`),
 * which Nova honours only with pci_in_placement (§4.2, §4.5) and whose keys exist only from 2023.1: before it
 * the alias keeps the keys the release's `_ALIAS_SCHEMA` allows and the missing ids are a finding
 * (NOVA `nova/pci/request.py`; release/release.ts FIRST_RELEASE).
 */
export function adviseAlias(name: string, count: number, deviceClass: PciDeviceClass, facts: HostFacts, why: string, release: ReleaseAssumption): { advice: PciAliasAdvice; findings: Finding[] } {
  const hasIds = deviceClass.vendorId !== null && deviceClass.productId !== null;
  const isDefaultClass = hasIds && deviceClass.resourceClass === defaultPciResourceClass(deviceClass.vendorId!, deviceClass.productId!);
  const placementKeys = releaseHas(release.release, FIRST_RELEASE.pciInPlacement);
  const useResourceClass = placementKeys && !isDefaultClass && (facts.pciInPlacement || !hasIds);
  const alias: PciAlias = {
    name,
    ...(hasIds ? { vendor_id: deviceClass.vendorId!, product_id: deviceClass.productId! } : {}),
    device_type: deviceClass.deviceType,
    ...(useResourceClass ? { resource_class: deviceClass.resourceClass } : {}),
    ...(useResourceClass && deviceClass.traits.length > 0 ? { traits: deviceClass.traits.join(',') } : {}),
  };
  const evidence = [classEvidence(deviceClass), hostFactEvidence('pciInPlacement', facts.pciInPlacement)];
  const findings: Finding[] = [];
  if (!hasIds && !placementKeys) {
    findings.push(makeFinding('pci-alias-ids-unknown', 'pci_passthrough:alias',
      `Alias "${name}": ${deviceClass.resourceClass} is a custom resource class, so Placement does not show the devices' vendor/product ids, and Nova ${releaseName(release.release)}'s [pci] alias has no resource_class (new in 2023.1). Add "vendor_id" and "product_id" from the [pci] device_spec that sets resource_class ${deviceClass.resourceClass} (or lspci -nn at its address); without them the alias takes any ${deviceClass.deviceType} device.`,
      [...evidence, { source: 'nova-release', ref: release.release, value: release.evidence }]));
  } else if (!hasIds && !facts.pciInPlacement) {
    findings.push(makeFinding('pci-alias-needs-pci-in-placement', 'pci_passthrough:alias',
      `Alias "${name}" can only name ${deviceClass.resourceClass} by resource_class (no vendor/product id in Placement), which needs [filter_scheduler] pci_in_placement=True; otherwise add vendor_id/product_id from lspci.`,
      evidence));
  }
  const how = useResourceClass
    ? `resource_class ${deviceClass.resourceClass}${alias.traits ? ` with traits ${alias.traits}` : ''}`
    : hasIds ? `vendor ${alias.vendor_id} product ${alias.product_id}` : 'any device (vendor_id / product_id to fill in)';
  return {
    advice: {
      alias, novaConf: aliasJson(alias), count,
      reason: `${why}; the alias selects ${how} as ${deviceClass.deviceType} (VFs need type-VF, whole SR-IOV NICs type-PF).`,
      evidence,
    },
    findings,
  };
}
