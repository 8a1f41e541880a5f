// What hosts can do, read from the traits the libvirt driver reports on each root provider (domain.md §2.6).
// Worked out per distinct root trait set, not per host: hosts with the same traits give the same verdict, and a
// cloud of 15,000 hosts has a few dozen trait sets (placement/host-index.ts).
import { KeyedWeakMemo, WeakMemo } from '../../lib/memo.ts';
import { NAMED_HOSTS, makeFinding, type FindingId } from '../findings/catalog.ts';
import { COMPUTE_STATUS_DISABLED } from '../placement/compute-service.ts';
import { hostIndex } from '../placement/host-index.ts';
import { UNNARROWED, scopeTraits, type ScopeTraits } from '../facts/host-facts.ts';
import { DEVICE_TRAIT_FAMILIES } from '../vocabulary/nova.ts';
import type { RuleScope } from '../scope.ts';
import type { Evidence, Finding, Host, HostSupport } from '../../model/index.ts';

/** The hosts of one distinct root trait set, by name. */
interface TraitSetGroup {
  traits: ReadonlySet<string>;
  names: string[];
  /** Whether the set has a trait with this prefix (a trait family), filled on first ask. */
  families: Map<string, boolean>;
}

const groupsMemo = new WeakMemo<readonly Host[], TraitSetGroup[]>((hosts) => {
  const groups: TraitSetGroup[] = [];
  // byName: each group's names come out sorted, which the examples rely on.
  for (const ih of hostIndex(hosts).byName) {
    const group = groups[ih.traitSet] ??= { traits: ih.traits, names: [], families: new Map() };
    group.names.push(ih.host.name);
  }
  return groups;
});

/**
 * Groups the hosts by trait set ahead of the first answer (the registry does, when a snapshot becomes current), and
 * works out the support of every device-model trait the hosts report, and of one none reports, per family for hosts
 * that no required or forbidden trait narrows (most images' and flavors' scope): 6-28 ms with the grouping at 15,000
 * hosts on a slow VM, which the first answers after a start otherwise spent on the traits of their own images (issue 16).
 */
export function prepareHostSupport(hosts: readonly Host[]): void {
  groupsMemo.get(hosts);
  const { traits } = hostIndex(hosts);
  for (const family of DEVICE_TRAIT_FAMILIES) {
    hostSupport(hosts, family, family, UNNARROWED);
    for (const trait of traits) if (trait.startsWith(family)) hostSupport(hosts, trait, family, UNNARROWED);
  }
}

function reportsFamily(group: TraitSetGroup, prefix: string): boolean {
  let reports = group.families.get(prefix);
  if (reports === undefined) {
    reports = [...group.traits].some((t) => t.startsWith(prefix));
    group.families.set(prefix, reports);
  }
  return reports;
}

/**
 * The trait sets of the hosts an image + flavor can land on: every required root trait, no forbidden one, and not
 * COMPUTE_STATUS_DISABLED, which Nova's compute_status_filter always forbids (§2.5). All hosts when none qualifies,
 * as facts/host-facts.ts `hostsInScope` does, so an unschedulable request still gets an answer.
 */
function groupsInScope(groups: readonly TraitSetGroup[], { required, forbidden }: ScopeTraits): readonly TraitSetGroup[] {
  const refused = [...forbidden, COMPUTE_STATUS_DISABLED];
  const inScope = groups.filter((g) => required.every((t) => g.traits.has(t)) && !refused.some((t) => g.traits.has(t)));
  return inScope.length > 0 ? inScope : groups;
}

/**
 * The first NAMED_HOSTS names of these groups, by name (as Array.prototype.sort orders strings). Each group's names
 * are sorted already, so a group is read only while its names would still be among the first: merging them, where
 * sorting up to NAMED_HOSTS names of each of hundreds of trait sets cost ~1.5 ms per trait and scope first asked at
 * 15,000 hosts, most of the first answer's checks after a start (issue 16).
 */
export function firstNames(groups: readonly { names: readonly string[] }[]): string[] {
  const first: string[] = [];
  for (const { names } of groups) {
    for (let i = 0; i < names.length && i < NAMED_HOSTS; i++) {
      const name = names[i]!;
      if (first.length === NAMED_HOSTS && !(name < first[NAMED_HOSTS - 1]!)) break;
      let at = first.length === NAMED_HOSTS ? NAMED_HOSTS - 1 : first.length;
      while (at > 0 && name < first[at - 1]!) {
        first[at] = first[at - 1]!;
        at--;
      }
      first[at] = name;
    }
  }
  return first;
}

/** Per host list; the key holds the scope traits, which come from the request: bounded, least recently used out. */
const supportMemo = new KeyedWeakMemo<readonly Host[], string, HostSupport>({ max: 1_000 });

/**
 * Of the hosts this image + flavor can land on, those whose root provider reports `trait`, those that report other
 * traits of the family but not this one (they cannot do it), and those that report no trait of the family at all
 * (non-libvirt drivers, §2.6): they say nothing either way, so they are `unknown`, not lacking.
 */
export function hostSupport(hosts: readonly Host[], trait: string, familyPrefix: string, scope: ScopeTraits): HostSupport {
  const groups = groupsMemo.get(hosts);
  // A trait no host reports has the same answer as any other such trait of the family: nobody supports it.
  const known = hostIndex(hosts).traits.has(trait) ? trait : '';
  return supportMemo.get(hosts, `${familyPrefix}\u0000${known}\u0000${scope.required.join(' ')}\u0000${scope.forbidden.join(' ')}`, () => {
    const byVerdict = { supporting: [] as TraitSetGroup[], lacking: [] as TraitSetGroup[], unknown: [] as TraitSetGroup[] };
    for (const group of groupsInScope(groups, scope)) {
      const verdict = group.traits.has(trait) ? 'supporting' : reportsFamily(group, familyPrefix) ? 'lacking' : 'unknown';
      byVerdict[verdict].push(group);
    }
    const count = (gs: readonly TraitSetGroup[]) => gs.reduce((n, g) => n + g.names.length, 0);
    const supporting = count(byVerdict.supporting);
    const lacking = count(byVerdict.lacking);
    const unknown = count(byVerdict.unknown);
    return {
      hosts: supporting + lacking + unknown, supporting, lacking, unknown,
      examples: { supporting: firstNames(byVerdict.supporting), lacking: firstNames(byVerdict.lacking), unknown: firstNames(byVerdict.unknown) },
    };
  });
}

/** hostSupport for the hosts in this answer's scope (required / forbidden root traits of its image and flavor). */
export function scopedSupport(scope: Pick<RuleScope, 'hosts' | 'flavor' | 'properties'>, trait: string, familyPrefix: string): HostSupport {
  return hostSupport(scope.hosts, trait, familyPrefix, scopeTraits(scope.flavor, scope.properties));
}

/** Host names in a message: the examples, then how many more. */
function namedHosts(names: readonly string[], total: number): string {
  return total > names.length ? `${names.join(', ')} and ${total - names.length} more` : names.join(', ');
}

/** Counts as evidence, naming at most NAMED_HOSTS hosts that lack it (the answer stays small at 15,000 hosts). */
export function traitEvidence(trait: string, support: HostSupport): Evidence {
  const lacking = support.lacking ? ` (${namedHosts(support.examples.lacking, support.lacking)})` : '';
  const unknown = support.unknown ? `, ${support.unknown} report no trait of its family` : '';
  return {
    source: 'host-trait',
    ref: trait,
    value: `${support.supporting} of ${support.hosts} host(s) in scope report it, ${support.lacking} lack it${lacking}${unknown}`,
  };
}

/** Findings for a device model (NIC model / disk bus) that all or some reporting hosts in scope cannot provide. */
export function deviceSupportFindings(
  scope: RuleScope,
  field: string,
  value: string,
  trait: string,
  familyPrefix: string,
  ids: { all: FindingId; some: FindingId },
): Finding[] {
  const support = scopedSupport(scope, trait, familyPrefix);
  const evidence = [{ source: 'image-property' as const, ref: field, value }, traitEvidence(trait, support)];
  if (support.lacking === 0) return [];
  if (support.supporting === 0) {
    return [makeFinding(ids.all, field, `${field}=${value}: no host in scope reports ${trait}.`, evidence)];
  }
  return [makeFinding(ids.some, field,
    `${field}=${value}: ${support.lacking} host(s) lack ${trait} (${namedHosts(support.examples.lacking, support.lacking)}).`, evidence)];
}
