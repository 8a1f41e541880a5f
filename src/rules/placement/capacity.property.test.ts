// The capacity scan (columns, trait verdicts per trait set, reasons counted by number, top-N selection) against a
// straightforward per-host check written from domain.md §4.7's recipe, on random small clouds.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { candidateHosts, computeCapacity, type CapacityRequest } from './capacity.ts';
import { inventoryCapacity } from '../pci/devices.ts';
import { host, pciProvider } from '../test-fixtures.ts';
import type { Host, Inventory, PlacementQuery, PlacementRequestGroup } from '../../model/index.ts';

const ROOT_TRAITS = ['CUSTOM_A', 'CUSTOM_B', 'COMPUTE_STATUS_DISABLED', 'COMPUTE_NET_VIF_MODEL_VIRTIO', 'COMPUTE_NET_VIF_MODEL_E1000'];
const ROOT_CLASSES = ['VCPU', 'MEMORY_MB'];
const PCI_CLASSES = ['CUSTOM_PCI_A', 'CUSTOM_PCI_B', 'CUSTOM_PCI_UNSEEN'];
const PCI_TRAIT = 'CUSTOM_PORT';
const DEVICE_TRAIT = { trait: 'COMPUTE_NET_VIF_MODEL_E1000', familyPrefix: 'COMPUTE_NET_VIF_MODEL_', property: 'hw_vif_model' };

const inventoryArb = fc.record({
  total: fc.integer({ min: 0, max: 12 }), reserved: fc.integer({ min: 0, max: 2 }), allocationRatio: fc.constantFrom(1, 1.5, 2),
  minUnit: fc.integer({ min: 1, max: 2 }), maxUnit: fc.integer({ min: 1, max: 12 }), stepSize: fc.constantFrom(1, 1, 2),
}).chain((inv) => fc.record({ inventory: fc.constant<Inventory>(inv), used: fc.integer({ min: 0, max: Math.max(0, inv.total) }) }));

const hostArb = (name: string) => fc.record({
  traits: fc.subarray(ROOT_TRAITS),
  root: fc.dictionary(fc.constantFrom(...ROOT_CLASSES), inventoryArb),
  pci: fc.array(fc.record({
    resourceClass: fc.constantFrom(...PCI_CLASSES.slice(0, 2)), total: fc.integer({ min: 0, max: 4 }), reserved: fc.integer({ min: 0, max: 1 }),
    used: fc.integer({ min: 0, max: 4 }), port: fc.boolean(),
  }), { maxLength: 3 }),
}).map(({ traits, root, pci }): Host => host(name, {
  traits,
  inventories: Object.fromEntries(Object.entries(root).map(([rc, { inventory: inv }]) => [rc, inv])),
  usages: Object.fromEntries(Object.entries(root).map(([rc, { used }]) => [rc, used])),
  pci: pci.map((p, i) => pciProvider(name, `0000:0${i}:00.0`, p.resourceClass, p.total, Math.min(p.used, p.total), p.port ? [PCI_TRAIT] : [], { reserved: p.reserved })),
}));

/** A cloud of 1–12 hosts, names in random order. */
const hostsArb = fc.integer({ min: 1, max: 12 }).chain((n) => fc.shuffledSubarray(Array.from({ length: n }, (_, i) => `h${String(i).padStart(2, '0')}`), { minLength: n, maxLength: n }))
  .chain((names) => fc.tuple(...names.map(hostArb)));

/** One ask per PCI class (distinct classes: a provider has one, so per-ask isolation is Placement's pairwise one). */
const requestArb = fc.record({
  root: fc.dictionary(fc.constantFrom(...ROOT_CLASSES), fc.integer({ min: 1, max: 4 })),
  required: fc.subarray(ROOT_TRAITS, { maxLength: 2 }),
  forbidden: fc.subarray(['CUSTOM_B', 'COMPUTE_STATUS_DISABLED'], { maxLength: 2 }),
  asks: fc.uniqueArray(fc.record({
    resourceClass: fc.constantFrom(...PCI_CLASSES), groups: fc.integer({ min: 1, max: 3 }), amount: fc.constantFrom(1, 1, 2),
    port: fc.boolean(), checkedBy: fc.constantFrom('placement' as const, 'pci-passthrough-filter' as const),
  }), { maxLength: 2, selector: (a) => a.resourceClass }),
  isolate: fc.boolean(),
  deviceTraits: fc.boolean(),
  capacityHosts: fc.integer({ min: 0, max: 14 }),
}).map(({ root, required, forbidden, asks, isolate, deviceTraits, capacityHosts }): CapacityRequest => {
  let suffix = 0;
  const groups: PlacementRequestGroup[] = [
    { suffix: '', resources: root, required, forbidden, checkedBy: 'placement', reason: '' },
    ...asks.flatMap((ask) => Array.from({ length: ask.groups }, (): PlacementRequestGroup => ({
      suffix: String(++suffix), resources: { [ask.resourceClass]: ask.amount }, required: ask.port ? [PCI_TRAIT] : [], forbidden: [], checkedBy: ask.checkedBy, reason: '',
    }))),
  ];
  const query: PlacementQuery = { groups, rootRequired: [], rootForbidden: [], groupPolicy: isolate ? 'isolate' : 'none', limit: 1000, query: '', notes: [] };
  return { query, deviceTraits: deviceTraits ? [DEVICE_TRAIT] : [], capacityHosts };
});

interface Provider { traits: string[]; inventories: Record<string, Inventory>; used: Record<string, number> }

/** §4.7: times the provider serves the group: its traits, then per class min_unit ≤ amount ≤ max_unit, step_size, free. */
function units(p: Provider, group: PlacementRequestGroup): number {
  if (group.required.some((t) => !p.traits.includes(t)) || group.forbidden.some((t) => p.traits.includes(t))) return 0;
  let n = Infinity;
  for (const [rc, amount] of Object.entries(group.resources)) {
    const inv = p.inventories[rc];
    if (!inv || amount < inv.minUnit || amount > inv.maxUnit || amount % inv.stepSize !== 0) return 0;
    n = Math.min(n, Math.floor(Math.max(0, inventoryCapacity(inv) - (p.used[rc] ?? 0)) / amount));
  }
  return n;
}

/** §4.7 step 4: N groups fit Σ free ≥ N (none), or N distinct providers with room (isolate), once per instance. */
function instancesOf(free: number[], groups: number, isolate: boolean): number {
  let k = 0;
  while (isolate ? free.reduce((s, f) => s + Math.min(f, k + 1), 0) >= (k + 1) * groups : free.reduce((s, f) => s + f, 0) >= (k + 1) * groups) k++;
  return k;
}

/** Per host, written out plainly: instances, and the reasons (field names) it is kept out for. */
function reference(hosts: readonly Host[], request: CapacityRequest) {
  const { query, deviceTraits } = request;
  const root = query.groups.find((g) => g.suffix === '')!;
  const anyProviderHas = (rc: string) => hosts.some((h) => h.inventories[rc] || h.pciProviders.some((p) => p.resourceClass === rc));
  // §4.5: devices only the PciPassthroughFilter checks and no provider shows are left out of the count.
  const numbered = query.groups.filter((g) => g.suffix !== '' && !(g.checkedBy === 'pci-passthrough-filter' && Object.keys(g.resources).some((rc) => !anyProviderHas(rc))));
  const asks = [...new Set(numbered.map((g) => Object.keys(g.resources)[0]!))].map((rc) => ({ rc, groups: numbered.filter((g) => g.resources[rc] !== undefined) }));
  return hosts.map((h) => {
    const traits = h.traits;
    const reasons = new Set<string>();
    for (const t of root.required) if (!traits.includes(t)) reasons.add(`trait:${t}`);
    for (const t of root.forbidden) if (traits.includes(t)) reasons.add(`trait:${t}`);
    for (const d of deviceTraits) if (!traits.includes(d.trait) && traits.some((t) => t.startsWith(d.familyPrefix))) reasons.add(d.property);
    let instances = Infinity;
    const rootProvider: Provider = { traits, inventories: h.inventories, used: h.usages };
    for (const [rc, amount] of Object.entries(root.resources)) {
      const n = units(rootProvider, { ...root, required: [], forbidden: [], resources: { [rc]: amount } });
      if (n === 0) reasons.add(rc);
      instances = Math.min(instances, n);
    }
    const providers: Provider[] = [rootProvider, ...h.pciProviders.map((p) => ({ traits: p.traits, inventories: { [p.resourceClass]: p.inventory }, used: { [p.resourceClass]: p.used } }))];
    let pciOnly = Infinity;
    for (const ask of asks) {
      const isolate = query.groupPolicy === 'isolate' && ask.groups[0]!.checkedBy === 'placement';
      const n = instancesOf(providers.map((p) => units(p, ask.groups[0]!)), ask.groups.length, isolate);
      if (n === 0) reasons.add(ask.rc);
      instances = Math.min(instances, n);
      if (!hosts.some((x) => x.inventories[ask.rc])) pciOnly = Math.min(pciOnly, n);
    }
    if (reasons.size > 0 || instances === Infinity) instances = 0;
    return { name: h.name, instances, reasons, pciOnly };
  });
}

describe('capacity scan', () => {
  it('§4.7 every host checked as the recipe says: hosts that fit, instances, the hosts listed and the reasons counted', () => {
    fc.assert(fc.property(hostsArb, requestArb, (hosts, request) => {
      const expected = reference(hosts, request);
      const fitting = expected.filter((h) => h.instances > 0)
        .sort((a, b) => b.instances - a.instances || a.name.localeCompare(b.name));
      const blocked: Record<string, number> = {};
      for (const h of expected) for (const r of h.reasons) blocked[r] = (blocked[r] ?? 0) + 1;
      const capacity = computeCapacity(hosts, request);
      expect(capacity.hostsThatFit).toBe(fitting.length);
      expect(capacity.totalInstances).toBe(fitting.reduce((s, h) => s + h.instances, 0));
      expect(capacity.hosts.map((h) => [h.host, h.instances])).toEqual(fitting.slice(0, request.capacityHosts).map((h) => [h.name, h.instances]));
      expect(Object.entries(capacity.blocked)).toEqual(Object.entries(blocked).sort(([a, x], [b, y]) => y - x || a.localeCompare(b)));
      const firstBlocked = expected.filter((h) => h.instances === 0).map((h) => h.name).sort().slice(0, 3);
      expect(capacity.blockedExamples.map((h) => h.host)).toEqual(firstBlocked);
      const pciHosts = expected.filter((h) => h.pciOnly !== Infinity && h.pciOnly > 0);
      if (capacity.pciOnly) expect(capacity.pciOnly).toEqual({ hostsThatFit: pciHosts.length, totalInstances: pciHosts.reduce((s, h) => s + h.pciOnly, 0) });
      expect(candidateHosts(hosts, request, 5)).toEqual({ count: fitting.length, names: fitting.map((h) => h.name).sort().slice(0, 5) });
    }), { numRuns: 400, seed: 16 });
  });
});
