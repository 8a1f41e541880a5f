// Image properties and flavor extra specs the assumed Nova release does not have (domain.md §1.2, §1.3, §1.5, §7):
// refused where Nova validates them, ignored where it does not.
import { makeFinding } from '../findings/catalog.ts';
import { flavorEvidence, imageEvidence } from '../vocabulary/nova.ts';
import { FIRST_RELEASE, releaseHas, releaseName } from './release.ts';
import type { RuleScope } from '../scope.ts';
import type { Evidence, Finding, NovaRelease } from '../../model/index.ts';

export function releaseEvidence(scope: Pick<RuleScope, 'release'>): Evidence {
  return { source: 'nova-release', ref: scope.release.release, value: scope.release.evidence };
}

/**
 * `hw_vif_model=igb` (2025.1) is outside older releases' VIFModel enum, so server create fails (invalid image
 * metadata); `hw:virtio_packed_ring` (2024.1) and `hw:vif_multiqueue_enabled` (Yoga) are unknown to older
 * releases' extra spec validators (NOVA `nova/api/validation/extra_specs/hw.py`, enforced since microversion
 * 2.86, which every release here has), and the image property `hw_virtio_packed_ring` is not in their ImageMetaProps
 * (`nova/objects/image_meta.py`), so it is dropped.
 */
export function checkRelease(scope: RuleScope): Finding[] {
  const { release } = scope.release;
  const name = releaseName(release);
  const findings: Finding[] = [];
  const specs = scope.flavor?.extraSpecs ?? {};
  if (scope.properties['hw_vif_model']?.toLowerCase() === 'igb' && !releaseHas(release, FIRST_RELEASE.igb)) {
    findings.push(makeFinding('release-setting-refused', 'hw_vif_model',
      `hw_vif_model=igb is new in Nova 2025.1; ${name} does not know the model, so server create fails (invalid image metadata).`,
      [imageEvidence('hw_vif_model', scope.properties['hw_vif_model']!), releaseEvidence(scope)]));
  }
  const flavorSpecs: [string, NovaRelease][] = [['hw:virtio_packed_ring', FIRST_RELEASE.packedRing], ['hw:vif_multiqueue_enabled', FIRST_RELEASE.flavorMultiqueue]];
  for (const [key, first] of flavorSpecs) {
    if (specs[key] !== undefined && !releaseHas(release, first)) {
      findings.push(makeFinding('release-setting-refused', key,
        `${key} is new in Nova ${releaseName(first)}; ${name}'s extra spec validation (microversion 2.86+) refuses it with HTTP 400, and a flavor that has it gets no effect${key === 'hw:vif_multiqueue_enabled' ? ': use the image property hw_vif_multiqueue_enabled' : ''}.`,
        [flavorEvidence(key, specs[key]!), releaseEvidence(scope)]));
    }
  }
  if (scope.properties['hw_virtio_packed_ring'] !== undefined && !releaseHas(release, FIRST_RELEASE.packedRing)) {
    findings.push(makeFinding('release-setting-ignored', 'hw_virtio_packed_ring',
      `hw_virtio_packed_ring is new in Nova 2024.1; ${name} ignores the property (no packed ring, no COMPUTE_NET_VIRTIO_PACKED filter).`,
      [imageEvidence('hw_virtio_packed_ring', scope.properties['hw_virtio_packed_ring']!), releaseEvidence(scope)]));
  }
  return findings;
}
