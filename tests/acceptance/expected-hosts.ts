// Which hosts a flavor fits on, computed from a snapshot with Placement's own capacity rule
// (domain.md §4.7: capacity = int((total − reserved) × allocation_ratio); fits iff used + amount ≤ capacity
// and min_unit ≤ amount ≤ max_unit and amount % step_size == 0), and the Placement query that asks the same
// question (§4.6: one numbered group of 1 per PCI device, group_policy=none). The agreement test compares
// the two; src/rules `advise` can be added to it as a further predictor.
import type { CloudSnapshot, Flavor, Inventory } from '../../src/rules/types.ts';

/** `[pci] alias` name → what Placement holds for it (lab README: sriov-nic VF with HW_NIC_SRIOV, nic-pf PF). */
export type AliasMap = Record<string, { resourceClass: string; traits: string[] }>;

export const LAB_ALIASES: AliasMap = {
  'sriov-nic': { resourceClass: 'CUSTOM_PCI_NIC_VF', traits: ['HW_NIC_SRIOV'] },
  'nic-pf': { resourceClass: 'CUSTOM_PCI_NIC_PF', traits: [] },
};

export interface FlavorRequest {
  /** Unnumbered group, on the compute node itself. */
  root: Record<string, number>;
  /** One entry per requested PCI device (alias:N gives N entries). */
  devices: { resourceClass: string; traits: string[] }[];
}

/** `pci_passthrough:alias` = `name:N[,name:N]` (domain.md §4.3). */
export function flavorRequest(flavor: Flavor, aliases: AliasMap): FlavorRequest {
  const devices: FlavorRequest['devices'] = [];
  for (const part of (flavor.extraSpecs['pci_passthrough:alias'] ?? '').split(',').filter(Boolean)) {
    const [name = '', count = '1'] = part.trim().split(':');
    const alias = aliases[name];
    if (!alias) throw new Error(`flavor ${flavor.name}: unknown PCI alias ${name}`);
    for (let i = 0; i < Number(count); i++) devices.push(alias);
  }
  const disk = flavor.diskGb + flavor.ephemeralGb + Math.ceil(flavor.swapMb / 1024);
  const root = Object.fromEntries(
    Object.entries({ VCPU: flavor.vcpus, MEMORY_MB: flavor.ramMb, DISK_GB: disk }).filter(([, v]) => v > 0),
  );
  return { root, devices };
}

/** The same request as Placement query parameters (granular syntax, Placement ≥ 1.25). */
export function allocationCandidatesQuery(req: FlavorRequest): URLSearchParams {
  const q = new URLSearchParams({ resources: Object.entries(req.root).map(([rc, n]) => `${rc}:${n}`).join(',') });
  req.devices.forEach((d, i) => {
    q.set(`resources${i + 1}`, `${d.resourceClass}:1`);
    if (d.traits.length > 0) q.set(`required${i + 1}`, d.traits.join(','));
  });
  if (req.devices.length > 0) q.set('group_policy', 'none');
  return q;
}

export function capacity(inv: Inventory): number {
  return Math.floor((inv.total - inv.reserved) * inv.allocationRatio);
}

function fits(inv: Inventory | undefined, used: number, amount: number): boolean {
  if (!inv) return false;
  return used + amount <= capacity(inv) && amount >= inv.minUnit && amount <= inv.maxUnit && amount % inv.stepSize === 0;
}

/** Names of the hosts where the request fits, with group_policy=none (devices may share a provider). */
export function expectedHosts(snapshot: CloudSnapshot, req: FlavorRequest): string[] {
  return snapshot.hosts
    .filter((host) => {
      const rootFits = Object.entries(req.root).every(([rc, n]) => fits(host.inventories[rc], host.usages[rc] ?? 0, n));
      if (!rootFits) return false;
      // Devices are placed one at a time on any matching provider with room left (all amounts are 1).
      const used = new Map(host.pciProviders.map((p) => [`${p.uuid}/${p.resourceClass}`, p.used]));
      return req.devices.every((d) => {
        const rp = host.pciProviders.find(
          (p) => p.resourceClass === d.resourceClass && d.traits.every((t) => p.traits.includes(t)) && fits(p.inventory, used.get(`${p.uuid}/${p.resourceClass}`)!, 1),
        );
        if (rp) used.set(`${rp.uuid}/${rp.resourceClass}`, used.get(`${rp.uuid}/${rp.resourceClass}`)! + 1);
        return rp !== undefined;
      });
    })
    .map((h) => h.name)
    .sort();
}
