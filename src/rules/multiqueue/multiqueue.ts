// virtio-net multiqueue, vhost / vhost-user, packed ring and huge pages (domain.md §1.3, §2.2).
import { osloBool, osloBoolStrict } from '../../lib/oslo-bool.ts';
import { makeFinding, type FindingId } from '../findings/catalog.ts';
import { PASSTHROUGH_VNIC_TYPES, flavorEvidence, hostFactEvidence, imageBool, imageEvidence, normaliseVifModel } from '../vocabulary/nova.ts';
import { FIRST_RELEASE, releaseHas } from '../release/release.ts';
import type { AdviceScope, RuleScope } from '../scope.ts';
import type { Evidence, Finding, HostFacts, Recommendation } from '../../model/index.ts';

const MQ_IMAGE = 'hw_vif_multiqueue_enabled';
const MQ_FLAVOR = 'hw:vif_multiqueue_enabled';

/**
 * Queue cap of a compute: `[libvirt] max_queues` when set, else by host kernel major version:
 * ≤2 ⇒ 1, 3 ⇒ 8, 4 ⇒ 256, ≥5 ⇒ no cap (null) (domain.md §2.2).
 */
export function queueCap(facts: Pick<HostFacts, 'maxQueues' | 'kernelMajor'>): number | null {
  if (facts.maxQueues !== null) return facts.maxQueues;
  if (facts.kernelMajor <= 2) return 1;
  if (facts.kernelMajor === 3) return 8;
  if (facts.kernelMajor === 4) return 256;
  return null;
}

/** Queues Nova gives each virtio NIC when multiqueue is on: min(vCPUs, cap) (domain.md §2.2). */
export function expectedQueues(vcpus: number, facts: Pick<HostFacts, 'maxQueues' | 'kernelMajor'>): number {
  const cap = queueCap(facts);
  return cap === null ? vcpus : Math.min(vcpus, cap);
}

function queueEvidence(facts: HostFacts): Evidence {
  return facts.maxQueues !== null
    ? hostFactEvidence('maxQueues', facts.maxQueues)
    : hostFactEvidence('kernelMajor', facts.kernelMajor);
}

/** Flavor and image booleans that must agree, else FlavorImageConflict (400) at create (§1.3, §2.7). */
function checkBoolPair(scope: RuleScope, flavorKey: string, imageKey: string, conflictId: FindingId): { value: boolean | null; findings: Finding[] } {
  const findings: Finding[] = [];
  const rawFlavor = scope.flavor?.extraSpecs[flavorKey];
  const flavorValue = osloBoolStrict(rawFlavor);
  if (rawFlavor !== undefined && flavorValue === null) {
    findings.push(makeFinding('flavor-bool-invalid', flavorKey,
      `${flavorKey}=${rawFlavor} is not a boolean spelling Nova accepts for flavors.`, [flavorEvidence(flavorKey, rawFlavor)]));
  }
  const imageValue = imageBool(scope.properties, imageKey);
  if (flavorValue !== null && imageValue !== null && flavorValue !== imageValue) {
    findings.push(makeFinding(conflictId, imageKey,
      `Flavor ${flavorKey}=${rawFlavor} and image ${imageKey}=${scope.properties[imageKey]} disagree: server create fails with FlavorImageConflict (400).`,
      [flavorEvidence(flavorKey, rawFlavor ?? null), imageEvidence(imageKey, scope.properties[imageKey] ?? null)]));
  }
  return { value: flavorValue ?? imageValue, findings };
}

/** Checks multiqueue, packed ring, huge pages and vhost-user as the image and flavor have them (validate path). */
export function checkVirtioNet(scope: RuleScope): Finding[] {
  const { facts, flavor, properties } = scope;
  const mq = checkBoolPair(scope, MQ_FLAVOR, MQ_IMAGE, 'multiqueue-flavor-image-conflict');
  const packed = checkBoolPair(scope, 'hw:virtio_packed_ring', 'hw_virtio_packed_ring', 'packed-ring-flavor-image-conflict');
  const findings = [...mq.findings, ...packed.findings];
  if (mq.value === true) {
    const field = properties[MQ_IMAGE] !== undefined ? MQ_IMAGE : MQ_FLAVOR;
    const model = properties['hw_vif_model'] === undefined ? null : normaliseVifModel(properties['hw_vif_model']);
    if (flavor && flavor.vcpus < 2) {
      findings.push(makeFinding('multiqueue-single-vcpu', field,
        `Multiqueue is requested but flavor ${flavor.name} has ${flavor.vcpus} vCPU: Nova ignores it below 2 vCPUs.`,
        [flavorEvidence('vcpus', flavor.vcpus)]));
    }
    if (facts.virtType === 'qemu') {
      findings.push(makeFinding('multiqueue-on-qemu', field,
        'Multiqueue is requested but virt_type=qemu (declared): Nova forces the user-space backend and ignores it.',
        [hostFactEvidence('virtType', 'qemu')]));
    } else if (!facts.vhostNet && !facts.ovsDpdk) {
      findings.push(makeFinding('multiqueue-needs-vhost-net', field,
        'Multiqueue on kvm makes Nova set driver name=vhost, but the hosts are declared without vhost-net: the guest fails to start.',
        [hostFactEvidence('virtType', 'kvm'), hostFactEvidence('vhostNet', false)]));
    }
    if (model !== null && model !== 'virtio') {
      findings.push(makeFinding('multiqueue-non-virtio', field,
        `Multiqueue only applies to virtio NICs; hw_vif_model=${model}.`, [imageEvidence('hw_vif_model', model)]));
    }
  }
  const imagePageSize = properties['hw_mem_page_size'];
  const flavorPageSize = flavor?.extraSpecs['hw:mem_page_size']?.trim().toLowerCase();
  if (imagePageSize !== undefined && flavorPageSize !== 'any' && flavorPageSize !== 'large') {
    findings.push(makeFinding('mem-page-size-forbidden', 'hw_mem_page_size',
      `Image hw_mem_page_size=${imagePageSize} is only honoured when the flavor sets hw:mem_page_size to any or large (it has ${flavorPageSize ?? 'none'}): MemoryPageSizeForbidden (400).`,
      [imageEvidence('hw_mem_page_size', imagePageSize), flavorEvidence('hw:mem_page_size', flavorPageSize ?? null)]));
  }
  return findings;
}

/** Recommends multiqueue on (or off when it would break the guest), with the queue count to expect. */
export function adviseMultiqueue(scope: AdviceScope, nicModel: string | null): Recommendation | null {
  if (nicModel === null || PASSTHROUGH_VNIC_TYPES.includes(scope.vnicType)) return null;
  const { facts, flavor } = scope;
  // The flavor spec exists since Yoga (release/release.ts FIRST_RELEASE): before, only the image property works.
  const onFlavor = releaseHas(scope.release.release, FIRST_RELEASE.flavorMultiqueue)
    && flavor?.extraSpecs[MQ_FLAVOR] !== undefined && scope.properties[MQ_IMAGE] === undefined;
  const key = onFlavor ? MQ_FLAVOR : MQ_IMAGE;
  const current = onFlavor ? (flavor?.extraSpecs[MQ_FLAVOR] ?? null) : (scope.properties[MQ_IMAGE] ?? null);
  const backendOk = facts.virtType === 'kvm' && (facts.vhostNet || facts.ovsDpdk);
  const evidence: Evidence[] = [
    hostFactEvidence('virtType', facts.virtType),
    facts.ovsDpdk ? hostFactEvidence('ovsDpdk', true) : hostFactEvidence('vhostNet', facts.vhostNet),
  ];
  if (osloBool(current) && facts.virtType === 'kvm' && !backendOk) {
    return { key, value: 'false', current, evidence,
      reason: `Set ${key}=false: on kvm multiqueue forces the vhost-net backend, which the hosts are declared not to have, so the guest would not start.` };
  }
  if (!scope.profile.multiqueue || nicModel !== 'virtio' || !backendOk) return null;
  if (flavor) {
    evidence.push(flavorEvidence('vcpus', flavor.vcpus), queueEvidence(facts));
    if (flavor.vcpus < 2) return null;
    const queues = expectedQueues(flavor.vcpus, facts);
    const cap = queueCap(facts);
    return { key, value: 'true', current, evidence,
      reason: `Set ${key}=true: the ${scope.workload} profile wants NIC throughput, the flavor has ${flavor.vcpus} vCPUs and the kvm hosts have ${facts.ovsDpdk ? 'vhost-user' : 'vhost-net'}; expect ${queues} queues per NIC (min(vCPUs, ${cap === null ? 'no cap' : `cap ${cap}`})). Enable them in the guest with ethtool -L <dev> combined ${queues}.` };
  }
  evidence.push(queueEvidence(facts));
  return { key, value: 'true', current, evidence,
    reason: `Set ${key}=true: the ${scope.workload} profile wants NIC throughput; it takes effect only with flavors of >= 2 vCPUs (queues = min(vCPUs, ${queueCap(facts) ?? 'no cap'})).` };
}
