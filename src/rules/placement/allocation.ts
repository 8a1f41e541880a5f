// The allocation of one instance on one host: which providers of its tree get how many units of each class, as
// Placement would record it (`GET /allocations/{consumer}`, domain.md §4.6, §4.7, §5.5). Computed for the host an
// answer shows only, never in the capacity scan.
//
// What is decided and what is not (PLACEMENT 8.0 Zed `placement/objects/allocation_candidate.py`):
// - the unsuffixed group lands on the root: here only the root holds VCPU / PCPU / MEMORY_MB / DISK_GB;
// - each numbered group (one per PCI device, §4.6) lands whole on one provider with the class, its traits and room
//   (`use_same_provider`); `_merge_candidates` combines one candidate per group with `itertools.product`, drops
//   combinations that break group_policy=isolate (`_satisfies_group_policy`: numbered groups on pairwise different
//   providers) or exceed capacity once consolidated (`exceeds_capacity`), and returns the rest from a `set`: an order
//   that is deterministic per Placement process but undefined (`[placement] randomize_allocation_candidates` shuffles
//   it, `research_context.py` `limit_results`). Nova's scheduler claims the first candidate of the host it picks
//   (NOVA `nova/scheduler/manager.py` `alloc_reqs[0]`). So the allocation is predictable only when the host allows one;
//   otherwise it is one of several, and `unique` says so.
// - without pci_in_placement the devices are not in the query: the PciPassthroughFilter passes the host, the compute's
//   PCI claim takes them from its pools (NOVA `nova/pci/stats.py` `consume_requests`: pools by vendor, product, NUMA
//   node and tags, filled one after the other, not per provider) and, with report_in_placement, the resource tracker
//   writes them into the instance's allocation on their parent PF providers (§4.5). Same rule: unique or one of several.
import type { IndexedHost, IndexedProvider } from './host-index.ts';
import type { InstanceAllocation, PlacementQuery, PlacementRequestGroup, ProviderAllocation } from '../../model/index.ts';

/** Distinct allocations looked for: the first is shown, a second one makes it not unique. */
const DISTINCT_WANTED = 2;
/** Bound on the search's steps, so a wide tree with many devices stays cheap; reaching it leaves `unique` false. */
const SEARCH_STEPS = 20_000;

/** The numbered groups that ask the same, one after the other: interchangeable, so tried in provider order only. */
interface Slot {
  group: PlacementRequestGroup;
  /** Groups before it asking the same thing share this key. */
  key: string;
  /** Pairwise different providers (group_policy=isolate; Placement applies it to the groups it is sent only). */
  isolate: boolean;
  eligible: readonly IndexedProvider[];
}

/** The provider can hold the group as a whole: its traits, every class with min_unit / max_unit / step_size (§4.7). */
function canServe(provider: IndexedProvider, group: PlacementRequestGroup): boolean {
  if (group.required.some((t) => !provider.traits.has(t)) || group.forbidden.some((t) => provider.traits.has(t))) return false;
  return Object.entries(group.resources).every(([rc, amount]) => {
    const inventory = provider.inventories[rc];
    return inventory !== undefined && amount >= inventory.minUnit && amount <= inventory.maxUnit && amount % inventory.stepSize === 0;
  });
}

function slotsOf(ih: IndexedHost, query: PlacementQuery, skip: ReadonlySet<string>): Slot[] {
  const numbered = query.groups.filter((g) => g.suffix !== '' && !Object.keys(g.resources).some((rc) => skip.has(rc)));
  const keyOf = (g: PlacementRequestGroup) => JSON.stringify([g.resources, g.required, g.forbidden, g.checkedBy]);
  // Same asks next to each other, in the order they first appear.
  const order = [...new Set(numbered.map(keyOf))];
  // Read once: the search keys on the providers' identity, and each call makes new ones (IndexedHost.providers).
  const providers = ih.providers();
  return numbered
    .map((group) => ({ group, key: keyOf(group), isolate: query.groupPolicy === 'isolate' && group.checkedBy === 'placement',
      eligible: providers.filter((p) => canServe(p, group)).sort((a, b) => a.name.localeCompare(b.name)) }))
    .sort((a, b) => order.indexOf(a.key) - order.indexOf(b.key));
}

/** Provider → class → units of one way to place every slot, consolidated as Placement does. */
type Placed = Map<IndexedProvider, Map<string, number>>;

function consolidate(root: IndexedProvider, rootResources: Record<string, number>, slots: readonly Slot[], chosen: readonly IndexedProvider[]): { placed: Placed; groups: Map<IndexedProvider, string[]> } {
  const placed: Placed = new Map();
  const groups = new Map<IndexedProvider, string[]>();
  const add = (p: IndexedProvider, resources: Record<string, number>, suffix: string) => {
    const units = placed.get(p) ?? new Map<string, number>();
    for (const [rc, n] of Object.entries(resources)) units.set(rc, (units.get(rc) ?? 0) + n);
    placed.set(p, units);
    groups.set(p, [...(groups.get(p) ?? []), suffix]);
  };
  if (Object.keys(rootResources).length > 0) add(root, rootResources, '');
  slots.forEach((slot, i) => add(chosen[i]!, slot.group.resources, slot.group.suffix));
  return { placed, groups };
}

function keyOfPlaced(placed: Placed): string {
  return [...placed].map(([p, units]) => `${p.uuid}:${[...units].sort(([a], [b]) => a.localeCompare(b)).join(',')}`).sort().join(' ');
}

/**
 * Depth-first over the slots, providers by name: collects up to DISTINCT_WANTED distinct consolidated allocations.
 * Same asks take providers in non-decreasing order (strictly increasing under isolate), so each way is tried once.
 */
function search(ih: IndexedHost, rootResources: Record<string, number>, slots: readonly Slot[]): { found: Placed[]; groups: Map<IndexedProvider, string[]> | null; cutShort: boolean } {
  // Only the root's resources (a flavor without devices): one way to place them, what the search would find alone.
  if (slots.length === 0) {
    const { placed, groups } = consolidate(ih.root, rootResources, slots, []);
    return { found: [placed], groups, cutShort: false };
  }
  // Units left on the root and on the providers some slot may take, the only ones the search reads (a host has
  // dozens of PCI providers, a plain flavor's search none of them).
  const left = new Map<IndexedProvider, Map<string, number>>([ih.root, ...slots.flatMap((slot) => slot.eligible)].map((p) => [p, new Map(Object.entries(p.free))]));
  const rootLeft = left.get(ih.root)!;
  for (const [rc, n] of Object.entries(rootResources)) rootLeft.set(rc, (rootLeft.get(rc) ?? 0) - n);
  const chosen: IndexedProvider[] = [];
  const isolated = new Set<IndexedProvider>();
  const found: Placed[] = [];
  const seen = new Set<string>();
  let groups: Map<IndexedProvider, string[]> | null = null;
  let steps = 0;

  const visit = (i: number): boolean => {
    if (++steps > SEARCH_STEPS) return false;
    if (i === slots.length) {
      const { placed, groups: served } = consolidate(ih.root, rootResources, slots, chosen);
      const key = keyOfPlaced(placed);
      if (!seen.has(key)) {
        seen.add(key);
        found.push(placed);
        groups ??= served;
      }
      return found.length < DISTINCT_WANTED;
    }
    const slot = slots[i]!;
    const previous = i > 0 && slots[i - 1]!.key === slot.key ? slot.eligible.indexOf(chosen[i - 1]!) : -1;
    for (let at = Math.max(0, previous); at < slot.eligible.length; at++) {
      const p = slot.eligible[at]!;
      if (slot.isolate && isolated.has(p)) continue;
      const room = left.get(p)!;
      if (Object.entries(slot.group.resources).some(([rc, n]) => (room.get(rc) ?? 0) < n)) continue;
      for (const [rc, n] of Object.entries(slot.group.resources)) room.set(rc, room.get(rc)! - n);
      if (slot.isolate) isolated.add(p);
      chosen.push(p);
      const more = visit(i + 1);
      chosen.pop();
      if (slot.isolate) isolated.delete(p);
      for (const [rc, n] of Object.entries(slot.group.resources)) room.set(rc, room.get(rc)! + n);
      if (!more) return false;
    }
    return true;
  };
  visit(0);
  return { found, groups, cutShort: steps > SEARCH_STEPS };
}

/**
 * One instance's allocation on this host for the query, or null when the host cannot take one. Groups asking a class
 * in `notInPlacement` (devices Placement does not show, capacity.ts) are left out: nothing of theirs is recorded.
 */
export function allocationOn(ih: IndexedHost, query: PlacementQuery, notInPlacement: ReadonlySet<string> = new Set()): InstanceAllocation | null {
  const rootResources = query.groups.find((g) => g.suffix === '')?.resources ?? {};
  if (Object.entries(rootResources).some(([rc, n]) => (ih.root.free[rc] ?? 0) < n)) return null;
  const slots = slotsOf(ih, query, notInPlacement);
  const { found, groups, cutShort } = search(ih, rootResources, slots);
  const first = found[0];
  if (!first || !groups) return null;
  const unique = found.length === 1 && !cutShort;
  const allocations: ProviderAllocation[] = [...first]
    .map(([p, units]) => ({ provider: p.name, uuid: p.uuid, resources: Object.fromEntries([...units].sort(([a], [b]) => a.localeCompare(b))), groups: groups.get(p)! }))
    .sort((a, b) => (a.uuid === ih.root.uuid ? -1 : b.uuid === ih.root.uuid ? 1 : a.provider.localeCompare(b.provider)));
  return {
    host: ih.host.name, uuid: ih.host.uuid, allocations, groupPolicy: query.groupPolicy, unique,
    reason: reasonOf(slots, unique, found.length > 1, query, notInPlacement),
    source: 'domain.md §4.5, §4.6, §4.7; PLACEMENT placement/objects/allocation_candidate.py _merge_candidates; NOVA nova/scheduler/manager.py, nova/pci/stats.py consume_requests',
  };
}

function reasonOf(slots: readonly Slot[], unique: boolean, others: boolean, query: PlacementQuery, notInPlacement: ReadonlySet<string>): string {
  const parts = ['The unsuffixed group (VCPU or PCPU, MEMORY_MB, DISK_GB) is on the root provider.'];
  const placed = slots.filter((s) => s.group.checkedBy === 'placement').length;
  const claimed = slots.length - placed;
  if (placed > 0) {
    parts.push(`${placed} numbered group(s) each land whole on one provider${query.groupPolicy === 'isolate' ? ', pairwise different (group_policy=isolate)' : query.groupPolicy === 'none' ? '; group_policy=none lets them share one' : ''}.`);
  }
  if (claimed > 0) {
    parts.push(`${claimed} PCI device(s) are not in the query (pci_in_placement off): the compute's PCI claim takes them from its pools and, with report_in_placement, the resource tracker records them on their parent PF providers.`);
  }
  if (notInPlacement.size > 0) parts.push(`${[...notInPlacement].sort().join(', ')}: not in Placement, so not in the allocation.`);
  if (slots.length === 0) parts.push('Nothing else is asked: this is the only allocation.');
  else if (unique) parts.push('No other combination of this host\'s providers has room: this is the only allocation.');
  else {
    parts.push(`${others ? 'Other' : 'Possibly other'} combinations of this host's providers fit as well: Placement returns them in an undefined order and Nova claims the first for the host it picks${claimed > 0 ? ' (the PCI claim picks from its pools)' : ''}, so another one may be recorded. Shown: providers by name, ${query.groupPolicy === 'isolate' ? 'the first free ones' : 'the first filled first'}.`);
  }
  return parts.join(' ');
}
