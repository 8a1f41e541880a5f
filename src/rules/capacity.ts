// Where a flavor (+ PCI devices) fits and how many instances, per host and in total (domain.md §4.6, §4.7).
import { makeFinding } from './findings.ts';
import { inventoryCapacity, providerFree } from './pci.ts';
import type { Capacity, Finding, Flavor, Host, HostFit, PciProviderFree } from './types.ts';

export interface PciDemand {
  resourceClass: string;
  /** Devices per instance; each is its own request group of amount 1 (§4.6). */
  count: number;
  /** Alias traits every chosen provider must have. */
  requiredTraits: string[];
}

export interface CapacityRequest {
  flavor: Flavor;
  pci: PciDemand[];
  groupPolicy: 'none' | 'isolate';
  /** Traits the root provider must have: flavor/image `trait:X=required`. */
  requiredTraits: string[];
  forbiddenTraits: string[];
  /** Device-model traits (NIC model, disk bus), checked only on hosts reporting that trait family (§2.6). */
  deviceTraits: { trait: string; familyPrefix: string; property: string }[];
}

/**
 * What one instance asks of the root provider (Nova's flavor → resources translation):
 * VCPU (PCPU with hw:cpu_policy=dedicated), MEMORY_MB, DISK_GB = root + ephemeral + swap rounded up to
 * GB; unsuffixed `resources:RC=N` extra specs override or add (§1.5).
 */
export function flavorResources(flavor: Flavor): Record<string, number> {
  const cpuClass = flavor.extraSpecs['hw:cpu_policy']?.toLowerCase() === 'dedicated' ? 'PCPU' : 'VCPU';
  const resources: Record<string, number> = {
    [cpuClass]: flavor.vcpus,
    MEMORY_MB: flavor.ramMb,
    DISK_GB: flavor.diskGb + flavor.ephemeralGb + Math.ceil(flavor.swapMb / 1024),
  };
  for (const [key, value] of Object.entries(flavor.extraSpecs)) {
    const match = /^resources:([A-Z0-9_]+)$/.exec(key);
    if (match && /^\d+$/.test(value.trim())) resources[match[1]!] = Number(value);
  }
  return Object.fromEntries(Object.entries(resources).filter(([, amount]) => amount > 0));
}

/** Instances whose N devices must come from N different providers: largest k with Σ min(free_i, k) ≥ k·N. */
export function isolatedFit(free: number[], perInstance: number): number {
  for (let k = Math.floor(free.reduce((a, b) => a + b, 0) / perInstance); k > 0; k--) {
    if (free.reduce((sum, f) => sum + Math.min(f, k), 0) >= k * perInstance) return k;
  }
  return 0;
}

function hostFit(host: Host, request: CapacityRequest, resources: Record<string, number>): HostFit {
  const blockers: Finding[] = [];
  const limits: number[] = [];
  for (const [rc, amount] of Object.entries(resources).sort(([a], [b]) => a.localeCompare(b))) {
    const inventory = host.inventories[rc];
    if (!inventory) {
      blockers.push(makeFinding('host-resource-missing', rc, `${host.name} has no ${rc} inventory; one instance needs ${amount}.`,
        [{ source: 'placement', ref: `${host.name} ${rc}`, value: null }]));
      limits.push(0);
      continue;
    }
    const capacity = inventoryCapacity(inventory);
    const used = host.usages[rc] ?? 0;
    const free = Math.max(0, capacity - used);
    const evidence = [{ source: 'placement' as const, ref: `${host.name} ${rc}`,
      value: `total ${inventory.total}, reserved ${inventory.reserved}, ratio ${inventory.allocationRatio} ⇒ capacity ${capacity}, used ${used}, free ${free}` }];
    if (amount < inventory.minUnit || amount > inventory.maxUnit || amount % inventory.stepSize !== 0) {
      blockers.push(makeFinding('host-resource-unit-mismatch', rc,
        `${host.name}: ${rc} ${amount} is outside min_unit ${inventory.minUnit} / max_unit ${inventory.maxUnit} or not a multiple of step_size ${inventory.stepSize}.`,
        evidence));
      limits.push(0);
      continue;
    }
    const fit = Math.floor(free / amount);
    if (fit === 0) {
      blockers.push(makeFinding('host-resource-insufficient', rc, `${host.name}: ${rc} needs ${amount}, ${free} free.`, evidence));
    }
    limits.push(fit);
  }

  const traitBlocked = (id: 'host-trait-missing' | 'host-trait-forbidden', field: string, message: string, trait: string) => {
    blockers.push(makeFinding(id, field, message, [{ source: 'host-trait', ref: trait, value: host.traits.includes(trait) }]));
    limits.push(0);
  };
  for (const trait of request.requiredTraits) {
    if (!host.traits.includes(trait)) traitBlocked('host-trait-missing', `trait:${trait}`, `${host.name} lacks required trait ${trait}.`, trait);
  }
  // compute_status_filter always forbids disabled computes (§2.5).
  for (const trait of [...request.forbiddenTraits, 'COMPUTE_STATUS_DISABLED']) {
    if (host.traits.includes(trait)) traitBlocked('host-trait-forbidden', `trait:${trait}`, `${host.name} has forbidden trait ${trait}.`, trait);
  }
  for (const { trait, familyPrefix, property } of request.deviceTraits) {
    if (!host.traits.includes(trait) && host.traits.some((t) => t.startsWith(familyPrefix))) {
      traitBlocked('host-trait-missing', property, `${host.name} does not report ${trait}, needed by ${property}.`, trait);
    }
  }

  const demandByClass = new Map<string, PciDemand>();
  for (const demand of request.pci.filter((d) => d.count > 0)) {
    const seen = demandByClass.get(demand.resourceClass);
    demandByClass.set(demand.resourceClass, seen
      ? { ...seen, count: seen.count + demand.count, requiredTraits: [...new Set([...seen.requiredTraits, ...demand.requiredTraits])] }
      : demand);
  }
  for (const demand of [...demandByClass.values()].sort((a, b) => a.resourceClass.localeCompare(b.resourceClass))) {
    // Each device is a group of amount 1, so a provider must allow 1 unit (§4.6, §4.7 step 4).
    const eligible = host.pciProviders.filter((p) => p.resourceClass === demand.resourceClass
      && demand.requiredTraits.every((t) => p.traits.includes(t))
      && p.inventory.minUnit <= 1 && p.inventory.maxUnit >= 1 && p.inventory.stepSize === 1);
    const free = eligible.map(providerFree);
    const total = free.reduce((a, b) => a + b, 0);
    const fit = request.groupPolicy === 'isolate' ? isolatedFit(free, demand.count) : Math.floor(total / demand.count);
    if (fit === 0) {
      const rule = request.groupPolicy === 'isolate'
        ? `needs ${demand.count} different providers with a free device (group_policy=isolate); ${free.filter((f) => f > 0).length} have one`
        : `needs ${demand.count}, ${total} free in total (group_policy=none)`;
      blockers.push(makeFinding('host-pci-insufficient', demand.resourceClass, `${host.name}: ${demand.resourceClass} ${rule}.`,
        eligible.map((p) => ({ source: 'placement' as const, ref: p.name,
          value: `capacity ${inventoryCapacity(p.inventory)}, used ${p.used}, free ${providerFree(p)}` }))));
    }
    limits.push(fit);
  }

  const pciProviders: PciProviderFree[] = host.pciProviders.map((p) => ({
    provider: p.name, resourceClass: p.resourceClass, capacity: inventoryCapacity(p.inventory), used: p.used, free: providerFree(p),
  }));
  const freePci: Record<string, number> = {};
  for (const p of pciProviders) freePci[p.resourceClass] = (freePci[p.resourceClass] ?? 0) + p.free;
  const instances = limits.length === 0 ? 0 : Math.min(...limits);
  return { host: host.name, uuid: host.uuid, instances, freePci, pciProviders, blockers: instances === 0 ? blockers : [] };
}

export function computeCapacity(hosts: Host[], request: CapacityRequest): Capacity {
  const resources = flavorResources(request.flavor);
  const fits = hosts.map((host) => hostFit(host, request, resources)).sort((a, b) => a.host.localeCompare(b.host));
  return {
    hosts: fits,
    hostsThatFit: fits.filter((f) => f.instances > 0).length,
    totalInstances: fits.reduce((sum, f) => sum + f.instances, 0),
  };
}
