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
  if (rawName === null || rawName.length < 1 || rawName.length > 256) errors.push('name is required, 1–256 characters');
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
  // Before 2023.1 an alias needs no ids: Zed's `_get_alias_from_config` checks the schema only (§4.2, §7 2023.1).
  const idsRequired = releaseHas(release, FIRST_RELEASE.pciInPlacement);
  if (!hasIds && rc === null && idsRequired) errors.push(traits !== null ? 'a traits-only alias is not allowed: give resource_class or vendor_id + product_id' : 'give vendor_id + product_id, or resource_class');
  if (errors.length > 0) {
    return { alias: null, findings: [makeFinding('pci-alias-invalid', field, `${field}${name ? ` ("${name}")` : ''}: ${errors.join('; ')}.`, evidence)] };
  }
  const findings: Finding[] = [];
  if (!hasIds && rc === null) {
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
    problems.push(`an entry has no device_type, which ${releaseName(release)} cannot read when several entries share a name (KeyError 'dev_type' ⇒ PciInvalidAlias)`);
  }
  if (pciInPlacement) problems.push('pci_in_placement allows one entry per alias name');
  return problems.length === 0 ? [] : [makeFinding('pci-alias-entries-inconsistent', fields,
    `Alias "${first.name}" has ${entries.length} entries (${fields}): ${problems.join('; ')}.`, evidence)];
}
