// `[pci] alias` entries read and checked as Nova does (domain.md §4.2): the JSON schema of an entry, how entries
// sharing a name must agree, and what pci_in_placement does with resource_class / traits.
import { osloBoolStrict } from '../../../lib/oslo-bool.ts';
import { makeFinding } from '../../findings/catalog.ts';
import { hostFactEvidence } from '../../vocabulary/nova.ts';
import { normalisePciResourceClass, normalisePciTraits } from './placement.ts';
import { FIRST_RELEASE, NOVA_RELEASES, releaseHas, releaseName } from '../../release/release.ts';
import type { Evidence, Finding, NovaRelease } from '../../../model/index.ts';

const HEX4 = /^[0-9a-fA-F]{4}$/;
const DEVICE_TYPES = ['type-PCI', 'type-PF', 'type-VF'];
const NUMA_POLICIES = ['required', 'legacy', 'preferred', 'socket'];
/**
 * The alias keys each release's `_ALIAS_SCHEMA` allows (NOVA `nova/pci/request.py`, additionalProperties false):
 * Zed has name, capability_type, vendor_id, product_id, device_type, numa_policy; resource_class and traits come
 * with 2023.1, live_migratable with 2025.1 (§4.2, §7).
 */
const ALIAS_KEYS_SINCE: readonly [string, NovaRelease][] = [
  ['name', 'wallaby'], ['capability_type', 'wallaby'], ['vendor_id', 'wallaby'], ['product_id', 'wallaby'], ['device_type', 'wallaby'],
  ['numa_policy', 'wallaby'], ['resource_class', FIRST_RELEASE.pciInPlacement], ['traits', FIRST_RELEASE.pciInPlacement],
  ['live_migratable', FIRST_RELEASE.pciLiveMigratable],
];

/**
 * The first release whose `get_alias_from_config` checks each entry's ids (`_validate_required_ids`): vendor_id +
 * product_id, or with pci_in_placement resource_class; it also parses the aliases when nova-api and nova-compute
 * start (NOVA commits acc62216 and ae064caf, tag 32.0.0; backported to 2025.1 in 31.3.1, which a release name
 * cannot tell apart, so 2025.1 keeps the earlier behaviour here). Before it, Zed accepts an alias without ids, and
 * 2023.1–2025.1 also one with only resource_class, which the PciPassthroughFilter then matches as any device
 * (`nova/pci/stats.py` ignores resource_class / traits in the spec).
 */
const ALIAS_IDS_CHECKED: NovaRelease = '2025.2';

/** Nova's exception for a refused `[pci] alias`, where it is raised, and when the user meets it (§2.7, §4.2). */
export function aliasRefusal(release: NovaRelease): string {
  return releaseHas(release, ALIAS_IDS_CHECKED)
    ? 'Nova raises PciInvalidAlias (nova.pci.request.get_alias_from_config) when nova-api or nova-compute starts: the service does not start.'
    : 'Nova raises PciInvalidAlias (nova.pci.request._get_alias_from_config) at the first server create or resize asking any alias: HTTP 400.';
}

export function aliasKeys(release: NovaRelease): Set<string> {
  return new Set(ALIAS_KEYS_SINCE.filter(([, first]) => releaseHas(release, first)).map(([key]) => key));
}

export interface ParsedAlias {
  field: string;
  name: string;
  object: Record<string, unknown>;
  vendorId: string | null;
  productId: string | null;
  deviceType: string | null;
  numaPolicy: string;
  resourceClass: string | null;
  traits: string[];
}

/** One `[pci] alias` object checked against the schema Nova reads aliases with (§4.2). */
export function parseAlias(object: Record<string, unknown>, field: string, pciInPlacement: boolean, release: NovaRelease): { alias: ParsedAlias | null; findings: Finding[] } {
  const errors: string[] = [];
  const evidence: Evidence[] = [{ source: 'request', ref: field, value: JSON.stringify(object) }];
  const str = (key: string): string | null => {
    const value = object[key];
    if (value === undefined) return null;
    if (typeof value !== 'string') {
      errors.push(`${key} must be a string`);
      return null;
    }
    return value;
  };
  const allowed = aliasKeys(release);
  for (const key of Object.keys(object).filter((k) => !allowed.has(k))) {
    const since = ALIAS_KEYS_SINCE.find(([k]) => k === key)?.[1];
    errors.push(`unknown key "${key}" (additionalProperties false${since ? `; new in Nova ${releaseName(since)}, ${releaseName(release)} refuses it` : ''})`);
  }
  const rawName = str('name');
  if (rawName === null || rawName.length < 1 || rawName.length > 256) errors.push('name is required, 1-256 characters');
  // The schema checks the name as written; Nova then strips it, so " vf" and "vf " are one alias (NOVA
  // `nova/pci/request.py` `_get_alias_from_config`: `spec.pop('name').strip()`).
  const name = rawName?.trim() ?? null;
  const ids = ['vendor_id', 'product_id'].map((key) => {
    const value = str(key);
    if (value !== null && !HEX4.test(value)) errors.push(`${key} "${value}" is not four hex digits`);
    return value === null ? null : value.toLowerCase();
  });
  const deviceType = str('device_type');
  if (deviceType !== null && !DEVICE_TYPES.includes(deviceType)) errors.push(`device_type "${deviceType}" is not one of ${DEVICE_TYPES.join(', ')} (vDPA cannot be requested by alias)`);
  const numaPolicy = str('numa_policy');
  if (numaPolicy !== null && !NUMA_POLICIES.includes(numaPolicy)) errors.push(`numa_policy "${numaPolicy}" is not one of ${NUMA_POLICIES.join(', ')}`);
  const rc = str('resource_class');
  const traits = str('traits');
  if (object['live_migratable'] !== undefined && osloBoolStrict(object['live_migratable']) === null) errors.push('live_migratable is not a strict boolean (yes / no)');
  if (object['capability_type'] !== undefined && object['capability_type'] !== 'pci') errors.push('capability_type can only be "pci"');
  const [vendorId = null, productId = null] = ids;
  const hasIds = vendorId !== null && productId !== null;
  if (releaseHas(release, ALIAS_IDS_CHECKED)) {
    // `_validate_required_ids`: with pci_in_placement ids or resource_class, without it ids only (§4.2).
    if (pciInPlacement && !hasIds && rc === null) errors.push(traits !== null ? 'a traits-only alias is not allowed: give resource_class or vendor_id + product_id' : 'give vendor_id + product_id, or resource_class');
    if (!pciInPlacement && !hasIds) {
      errors.push(rc !== null
        ? 'resource_class without vendor_id + product_id needs [filter_scheduler] pci_in_placement=True (declared off): give vendor_id + product_id'
        : 'give vendor_id + product_id ([filter_scheduler] pci_in_placement is off)');
    }
  } else if (pciInPlacement && !hasIds && rc === null && releaseHas(release, FIRST_RELEASE.pciInPlacement)) {
    // 2023.1–2025.1 parse it, then the scheduler cannot name a resource class for it (bug 2111440).
    errors.push('with pci_in_placement an alias needs vendor_id + product_id or resource_class: without, the Placement query cannot be built and server create fails in the scheduler');
  }
  if (errors.length > 0) {
    return { alias: null, findings: [makeFinding('pci-alias-invalid', field, `${field}${name ? ` ("${name}")` : ''}: ${errors.join('; ')}. ${aliasRefusal(release)}`, evidence)] };
  }
  const findings: Finding[] = [];
  // Without pci_in_placement the PciPassthroughFilter ignores resource_class (NOVA `nova/pci/stats.py`
  // ignored_spec_tags): an alias without ids then matches by device type alone.
  if (!hasIds && (rc === null || !pciInPlacement)) {
    findings.push(makeFinding('pci-alias-matches-any-device', field,
      `Alias "${name}" has no vendor_id / product_id: ${releaseName(release)} accepts it, and it takes any ${deviceType ?? 'type-PCI or type-VF'} device a device_spec allows.`, evidence));
  }
  if (deviceType === null) {
    findings.push(makeFinding('pci-alias-without-device-type', field,
      `Alias "${name}" has no device_type: it never matches PFs and takes type-PCI devices and VFs alike.`, evidence));
  }
  if ((rc !== null || traits !== null) && !pciInPlacement) {
    findings.push(makeFinding('pci-alias-placement-fields-ignored', field,
      `Alias "${name}" uses resource_class / traits, which Nova only honours with [filter_scheduler] pci_in_placement=True (declared off)${hasIds ? '; it matches by vendor_id / product_id only' : ''}.`,
      [...evidence, hostFactEvidence('pciInPlacement', false)]));
  }
  return {
    alias: {
      field, name: name!, object, vendorId, productId, deviceType, numaPolicy: numaPolicy ?? 'legacy',
      resourceClass: rc === null ? null : normalisePciResourceClass(rc), traits: traits === null ? [] : normalisePciTraits(traits),
    },
    findings,
  };
}

/**
 * The last release whose `_get_alias_from_config` indexes `spec['dev_type']` when a second entry shares a name, so
 * that any entry without device_type in such a group fails with KeyError → `PciInvalidAlias: 'dev_type'` (checked
 * in Zed 26, NOVA `nova/pci/request.py`; later releases were not checked against their source and keep the
 * `pci-alias-without-device-type` warning only).
 */
const LAST_DEV_TYPE_KEYERROR_RELEASE: NovaRelease = 'zed';

/** Entries sharing one alias name (stripped) must agree (§4.2). */
export function groupFindings(entries: ParsedAlias[], pciInPlacement: boolean, release: NovaRelease): Finding[] {
  if (entries.length < 2) return [];
  const first = entries[0]!;
  const fields = entries.map((e) => e.field).join(', ');
  const evidence: Evidence[] = entries.map((e) => ({ source: 'request', ref: e.field, value: JSON.stringify(e.object) }));
  const problems: string[] = [];
  if (entries.some((e) => e.numaPolicy !== first.numaPolicy)) problems.push('numa_policy differs');
  if (entries.some((e) => e.deviceType !== first.deviceType)) problems.push('device_type differs');
  if (NOVA_RELEASES.indexOf(release) <= NOVA_RELEASES.indexOf(LAST_DEV_TYPE_KEYERROR_RELEASE) && entries.some((e) => e.deviceType === null)) {
    problems.push(`an entry has no device_type, which ${releaseName(release)} cannot read when several entries share a name (KeyError 'dev_type' => PciInvalidAlias)`);
  }
  const refused = problems.length > 0;
  if (pciInPlacement) problems.push('pci_in_placement allows one entry per alias name');
  // Before 2025.2 (`_validate_multispec`) only the scheduler finds several entries: NOVA `nova/objects/request_spec.py`
  // `generate_request_groups_from_pci_requests` raises ValueError and server create fails with NoValidHost.
  const raised = refused || releaseHas(release, ALIAS_IDS_CHECKED) ? aliasRefusal(release)
    : 'Nova raises ValueError (nova.objects.request_spec.RequestSpec.generate_request_groups_from_pci_requests) when the scheduler builds the query: the server goes to ERROR.';
  return problems.length === 0 ? [] : [makeFinding('pci-alias-entries-inconsistent', fields,
    `Alias "${first.name}" has ${entries.length} entries (${fields}): ${problems.join('; ')}. ${raised}`, evidence)];
}
