// Every flavor extra spec checked as Nova's API validates it (domain.md §1.5; since microversion 2.86, §7): keys in
// the namespaces Nova validates (`hw:`, `hw_rng:`, `hw_video:`, `os:`, `quota:`, `resources*:`, `trait*:`,
// `accel:`, `aggregate_instance_extra_specs:`, `capabilities:`, `vmware:`, `pci_passthrough:`) must name a
// validator and carry a value it accepts (NOVA `nova/api/validation/extra_specs/validators.py` `validate`).
// The facts are the table read from Nova 26 (Zed) (`vocabulary/nova-extra-specs.json`).
import { makeFinding } from '../findings/catalog.ts';
import { EXTRA_SPEC_TABLE, validateExtraSpec } from '../vocabulary/extra-specs.ts';
import { flavorEvidence } from '../vocabulary/nova.ts';
import { releaseHas, releaseName } from '../release/release.ts';
import { releaseEvidence } from '../release/checks.ts';
import type { RuleScope } from '../scope.ts';
import type { Finding } from '../../model/index.ts';

/**
 * Keys a more specific finding already covers: the device-model keys that do not exist
 * (`flavor-device-model-extra-spec`), `pci_passthrough:alias` (`pci-alias-syntax-invalid`), `group_policy`
 * (`group-policy-invalid`), and the keys newer than some release (`release-setting-refused`, release/checks.ts).
 */
const COVERED = new Set(['hw:vif_model', 'hw:disk_bus', 'hw:scsi_model', 'pci_passthrough:alias', 'group_policy', 'hw:virtio_packed_ring']);

/**
 * From the table's release on: a key Nova's validators refuse is an error. On a release newer than the table's, a
 * key unknown to the table is a warning (newer Novas add validators); older releases are not checked against it.
 */
export function checkExtraSpecs(scope: RuleScope): Finding[] {
  const { release } = scope.release;
  const flavor = scope.flavor;
  if (!flavor || !releaseHas(release, EXTRA_SPEC_TABLE.release)) return [];
  const tableName = `Nova ${EXTRA_SPEC_TABLE.novaVersion} (${releaseName(EXTRA_SPEC_TABLE.release)})`;
  const newer = release !== EXTRA_SPEC_TABLE.release;
  const findings: Finding[] = [];
  for (const [key, value] of Object.entries(flavor.extraSpecs).sort(([a], [b]) => a.localeCompare(b))) {
    if (COVERED.has(key)) continue;
    const verdict = validateExtraSpec(key, value);
    const evidence = [flavorEvidence(key, value), releaseEvidence(scope)];
    if (verdict.kind === 'invalid') {
      findings.push(makeFinding('flavor-extra-spec-invalid', key,
        `Flavor ${flavor.name} has ${key}=${value}: ${verdict.why}; Nova's validator ${verdict.validator} refuses it (HTTP 400 since microversion 2.86; checked against ${tableName}).`, evidence));
    } else if (verdict.kind === 'unknown') {
      findings.push(makeFinding(newer ? 'flavor-extra-spec-unknown' : 'flavor-extra-spec-invalid', key, newer
        ? `Flavor ${flavor.name} has ${key}, in the ${verdict.namespace} namespace Nova validates, which ${tableName} does not know; ${releaseName(release)} may (newer Novas add extra specs), else it refuses it with HTTP 400.`
        : `Flavor ${flavor.name} has ${key}: no extra spec of the ${verdict.namespace} namespace has this name, so Nova refuses it (HTTP 400 "does not appear to be a valid extra spec" since microversion 2.86; ${tableName}).`,
      evidence));
    }
  }
  return findings;
}
