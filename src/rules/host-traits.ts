// What hosts can do, read from the traits the libvirt driver reports on each root provider (domain.md §2.6).
import { makeFinding, type FindingId } from './findings.ts';
import type { Evidence, Finding, Host } from './types.ts';

export interface TraitSupport {
  /** Hosts that report the trait. */
  supporting: string[];
  /** Hosts that report other traits of the same family but not this one: they cannot do it. */
  lacking: string[];
}

/**
 * Hosts that report no trait of the family at all (non-libvirt drivers, §2.6) say nothing either
 * way and are left out of both lists.
 */
export function traitSupport(hosts: Host[], trait: string, familyPrefix: string): TraitSupport {
  const supporting: string[] = [];
  const lacking: string[] = [];
  for (const host of hosts) {
    if (host.traits.includes(trait)) supporting.push(host.name);
    else if (host.traits.some((t) => t.startsWith(familyPrefix))) lacking.push(host.name);
  }
  return { supporting, lacking };
}

export function traitEvidence(trait: string, support: TraitSupport): Evidence {
  return {
    source: 'host-trait',
    ref: trait,
    value: `${support.supporting.length} host(s) report it, ${support.lacking.length} lack it${support.lacking.length ? ` (${support.lacking.join(', ')})` : ''}`,
  };
}

/** Findings for a device model (NIC model / disk bus) that all or some reporting hosts cannot provide. */
export function deviceSupportFindings(
  field: string,
  value: string,
  trait: string,
  familyPrefix: string,
  hosts: Host[],
  ids: { all: FindingId; some: FindingId },
): Finding[] {
  const support = traitSupport(hosts, trait, familyPrefix);
  const evidence = [{ source: 'image-property' as const, ref: field, value }, traitEvidence(trait, support)];
  if (support.lacking.length === 0) return [];
  if (support.supporting.length === 0) {
    return [makeFinding(ids.all, field, `${field}=${value}: no host reports ${trait}.`, evidence)];
  }
  return [makeFinding(ids.some, field,
    `${field}=${value}: ${support.lacking.length} host(s) lack ${trait} (${support.lacking.join(', ')}).`, evidence)];
}
