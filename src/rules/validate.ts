// Validation of image properties (+ flavor) as they are, for the instance the request describes: the findings, and per
// device property the hosts that support it and what to set instead.
import { checkDisk } from './devices/disk.ts';
import { makeFinding, sortFindings } from './findings/catalog.ts';
import { checkVirtioNet } from './multiqueue/multiqueue.ts';
import { adviseNic, checkNic, checkVhostUser } from './devices/nic.ts';
import { propertyChecks } from './devices/properties.ts';
import { planPci } from './pci/plan.ts';
import {
  ARCHITECTURES, EMULATION_ARCHITECTURES_WITH_TRAIT, flavorEvidence, hostFactEvidence, imageEvidence, normaliseArchitecture,
} from './vocabulary/nova.ts';
import { parseAliasSpec } from './pci/devices.ts';
import { checkRelease } from './release/checks.ts';
import { checkExtraSpecs } from './flavor/extra-specs.ts';
import type { AdviceScope, RuleScope } from './scope.ts';
import type { Finding, Flavor, PropertyCheck, ValidationInput } from '../model/index.ts';

/** Architecture enum, hw_rng_model, and properties that silently switch the image prefilter off (§1.2, §1.4, §2.5). */
function checkImageMisc(scope: RuleScope): Finding[] {
  const { properties, facts } = scope;
  const findings: Finding[] = [];
  const archKey = properties['hw_architecture'] !== undefined ? 'hw_architecture' : 'architecture';
  const rawArch = properties[archKey];
  const arch = rawArch === undefined ? null : normaliseArchitecture(rawArch);
  if (rawArch !== undefined && arch !== null && !ARCHITECTURES.includes(arch)) {
    findings.push(makeFinding('image-property-invalid-value', archKey,
      `${archKey}=${rawArch} is not a Nova architecture: server create fails with HTTP 400.`, [imageEvidence(archKey, rawArch)]));
  }
  const legacy = Object.entries(scope.legacy);
  if (legacy.length > 0) {
    const adapter = properties['vmware_adaptertype'] ?? null;
    findings.push(makeFinding('legacy-property-read', 'vmware_adaptertype',
      `vmware_adaptertype=${adapter} is a VMware-era name Nova still reads: it sets ${legacy.map(([k, v]) => `${k}=${v}`).join(' and ')} for this image.`,
      [imageEvidence('vmware_adaptertype', adapter)]));
  }
  if (properties['hw_rng_model'] !== undefined) {
    findings.push(makeFinding('rng-model-no-effect', 'hw_rng_model',
      'hw_rng_model has no effect: Nova adds a virtio RNG to every guest since Ussuri.',
      [imageEvidence('hw_rng_model', properties['hw_rng_model'])]));
  }
  if (facts.imageMetadataPrefilter) {
    const emulation = properties['hw_emulation_architecture'];
    const culprit = properties['hw_viommu_model'] !== undefined ? 'hw_viommu_model'
      : arch === 'armv7l' ? archKey
        : emulation !== undefined && !EMULATION_ARCHITECTURES_WITH_TRAIT.includes(normaliseArchitecture(emulation)) ? 'hw_emulation_architecture'
          : null;
    if (culprit) {
      findings.push(makeFinding('prefilter-disabled-by-property', culprit,
        `${culprit}=${properties[culprit]} computes a trait os-traits does not define, so the image prefilter adds no trait at all for this image (NIC / disk traits are not required).`,
        [imageEvidence(culprit, properties[culprit] ?? null), hostFactEvidence('imageMetadataPrefilter', true)]));
    }
  }
  return findings;
}

/** Flavor extra specs that Nova rejects or that make the PCI request fail (§1.5, §4.6). */
function checkFlavor(flavor: Flavor | null): Finding[] {
  if (!flavor) return [];
  const findings: Finding[] = [];
  for (const key of ['hw:vif_model', 'hw:disk_bus', 'hw:scsi_model']) {
    const value = flavor.extraSpecs[key];
    if (value !== undefined) {
      findings.push(makeFinding('flavor-device-model-extra-spec', key,
        `Flavor ${flavor.name} has ${key}=${value}: there is no such extra spec (rejected since microversion 2.86, ignored before); use the image property hw_${key.slice(3)}.`,
        [flavorEvidence(key, value)]));
    }
  }
  const alias = flavor.extraSpecs['pci_passthrough:alias'];
  if (alias !== undefined && parseAliasSpec(alias) === null) {
    findings.push(makeFinding('pci-alias-syntax-invalid', 'pci_passthrough:alias',
      `pci_passthrough:alias=${alias} does not match name:count[,name:count...].`, [flavorEvidence('pci_passthrough:alias', alias)]));
  }
  const policy = flavor.extraSpecs['group_policy'];
  if (policy !== undefined && policy !== 'none' && policy !== 'isolate') {
    findings.push(makeFinding('group-policy-invalid', 'group_policy',
      `group_policy=${policy} is neither none nor isolate.`, [flavorEvidence('group_policy', policy)]));
  }
  return findings;
}

/** Every check on the current image and flavor for these ports and disks, deduplicated and sorted. */
export function checkAll(scope: AdviceScope): Finding[] {
  return uniqueFindings([
    ...scope.guest.findings,
    ...checkNic(scope),
    ...checkVhostUser(scope),
    ...checkDisk(scope),
    ...checkVirtioNet(scope),
    ...checkImageMisc(scope),
    ...checkFlavor(scope.flavor),
    ...checkRelease(scope),
    ...checkExtraSpecs(scope),
  ]);
}

export function uniqueFindings(findings: Finding[]): Finding[] {
  const seen = new Set<string>();
  return sortFindings(findings).filter((f) => {
    const key = `${f.id}\u0000${f.field ?? ''}\u0000${f.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * A validation on the scope of its request (workload, ports, disks, guest drivers): every check, what PCI devices the
 * request asks (only when it asks: vfs, pci or alias_resource_classes), and the per-property host support.
 */
export function validateScope(scope: AdviceScope, input: ValidationInput): { findings: Finding[]; properties: PropertyCheck[] } {
  const nic = adviseNic(scope);
  const asksDevices = input.vfs !== undefined || input.pci !== undefined || input.aliasResourceClasses !== undefined;
  const findings = uniqueFindings([
    ...checkAll(scope),
    // Without a recommendation the NIC advice says why: passthrough ports, or a virt_type without NIC models (§1.6, §1.2).
    ...(nic.recommendation === null ? nic.findings : []),
    ...(asksDevices ? planPci(scope, input).findings : []),
  ]);
  return { findings, properties: propertyChecks(scope, findings) };
}
