// What hosts can do, read from the traits the libvirt driver reports on each root provider (domain.md §2.6).
import { KeyedWeakMemo } from '../../lib/memo.ts';
import { NAMED_HOSTS, makeFinding, type FindingId } from '../findings/catalog.ts';
import { hostIndex } from '../placement/host-index.ts';
import type { Evidence, Finding, Host } from '../../model/index.ts';

export interface TraitSupport {
  /** Hosts that report the trait. */
  supporting: readonly string[];
  /** Hosts that report other traits of the same family but not this one: they cannot do it. */
  lacking: readonly string[];
}

/** Per host list, per family and trait; only traits some host reports get an entry, so request input cannot grow it. */
const supportMemo = new KeyedWeakMemo<readonly Host[], string, TraitSupport>();

/**
 * Hosts that report no trait of the family at all (non-libvirt drivers, §2.6) say nothing either
 * way and are left out of both lists.
 */
export function traitSupport(hosts: readonly Host[], trait: string, familyPrefix: string): TraitSupport {
  const index = hostIndex(hosts);
  // A trait no host reports has the same answer as any other such trait of the family: nobody supports it.
  const key = `${familyPrefix}\u0000${index.traits.has(trait) ? trait : ''}`;
  return supportMemo.get(hosts, key, () => {
    const supporting: string[] = [];
    const lacking: string[] = [];
    for (const ih of index.hosts) {
      if (ih.traits.has(trait)) supporting.push(ih.host.name);
      else if (ih.reportsFamily(familyPrefix)) lacking.push(ih.host.name);
    }
    return { supporting, lacking };
  });
}

export function traitEvidence(trait: string, support: TraitSupport): Evidence {
  return {
    source: 'host-trait',
    ref: trait,
    value: `${support.supporting.length} host(s) report it, ${support.lacking.length} lack it${support.lacking.length ? ` (${support.lacking.join(', ')})` : ''}`,
  };
}

/** Host names in a message: the first NAMED_HOSTS, then a count. */
function namedHosts(names: readonly string[]): string {
  const shown = names.slice(0, NAMED_HOSTS).join(', ');
  return names.length > NAMED_HOSTS ? `${shown} and ${names.length - NAMED_HOSTS} more` : shown;
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
    `${field}=${value}: ${support.lacking.length} host(s) lack ${trait} (${namedHosts(support.lacking)}).`, evidence)];
}
