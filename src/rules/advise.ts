// advise(): recommendations for one workload, with the findings on what the image/flavor have now
// and the capacity of the advised configuration.
import { computeCapacity } from './placement/capacity.ts';
import { capacityWithFallback, fallbackHostsThatFit, pcpuFallbackQuery, totalInstancesWithFallback } from './placement/pcpu-fallback.ts';
import { releaseName } from './release/release.ts';
import { releaseEvidence } from './release/checks.ts';
import { adviseDisk } from './devices/disk.ts';
import { makeFinding } from './findings/catalog.ts';
import { adviseMultiqueue } from './multiqueue/multiqueue.ts';
import { adviseNic, givesHugePages, instancesByModel, vhostUserBasis, vhostUserNeedsHugePages } from './devices/nic.ts';
import { imageEvidence, flavorEvidence, storageBusTrait, vifModelTrait, STORAGE_BUS_TRAITS, VIF_MODEL_TRAITS } from './vocabulary/nova.ts';
import { planPci } from './pci/plan.ts';
import { previewOf } from './preview/preview.ts';
import { factAssumptions, type FactSources } from './facts/assumptions.ts';
import { adviceScope, buildScope, type AdviceScope } from './scope.ts';
import type { Advice, AdviceRequest, CloudSnapshot, Finding, Flavor, HostFacts, GuestKnowledge, NovaPreview, Recommendation, ReleaseAssumption } from '../model/index.ts';
import { checkAll, uniqueFindings } from './validate.ts';
import { mergeRecords } from '../lib/objects.ts';

function byKey(a: Recommendation, b: Recommendation): number {
  return a.key.localeCompare(b.key);
}

function adviseFlavorSpecs(scope: AdviceScope): Recommendation[] {
  const recommendations: Recommendation[] = [];
  const specs = scope.flavor?.extraSpecs ?? {};
  // vhost-user needs shared guest memory: huge pages, unless [libvirt] file_backed_memory already gives it (§2.2).
  const vhostUser = vhostUserNeedsHugePages(scope);
  if (scope.profile.hugepages || vhostUser) {
    const current = specs['hw:mem_page_size'] ?? null;
    const value = givesHugePages(current ?? undefined) ? current! : 'large';
    const why = vhostUser
      ? `${vhostUserBasis(scope).why} and need shared guest memory (no file_backed_memory declared); without huge pages the interface passes no traffic`
      : `the ${scope.workload} profile wants huge pages for packet buffers and TLB reach`;
    recommendations.push({ key: 'hw:mem_page_size', value, current, reason: `Set hw:mem_page_size=${value}: ${why}.`,
      evidence: [flavorEvidence('hw:mem_page_size', current), ...(vhostUser ? vhostUserBasis(scope).evidence : [])] });
  }
  if (scope.profile.cpuPinning) {
    const current = specs['hw:cpu_policy'] ?? null;
    recommendations.push({ key: 'hw:cpu_policy', value: 'dedicated', current,
      reason: `Set hw:cpu_policy=dedicated: the ${scope.workload} profile needs pinned vCPUs for steady packet rates; the instance then consumes PCPU instead of VCPU, so hosts need cpu_dedicated_set.`,
      evidence: [flavorEvidence('hw:cpu_policy', current)] });
  }
  return recommendations;
}

function adviseGuestType(scope: AdviceScope): Recommendation | null {
  const current = scope.properties['os_type'] ?? null;
  // Verbatim: the API accepts Windows, but the driver compares the instance's os_type with 'windows' (preview/guest-features.ts).
  if (scope.guest.identity.family !== 'windows' || current === 'windows') return null;
  return { key: 'os_type', value: 'windows', current,
    reason: 'Set os_type=windows: it does not change NIC or disk, but gives Windows a localtime RTC, Hyper-V enlightenments and the hypervclock timer.',
    evidence: scope.guest.identity.evidence };
}

export function adviseWith(snapshot: CloudSnapshot, request: AdviceRequest, knowledge: GuestKnowledge, facts: HostFacts, release: ReleaseAssumption, factSources: FactSources = {}): Advice {
  // Scopes with their fields first (lib/objects.ts: a spread then new fields is promoted by every scavenge).
  const base = { factSources, ...buildScope(request.image.properties, request.image.name, request.flavor, snapshot.hosts, knowledge, facts, release, request.virtioDrivers) };
  const scope = adviceScope(base, request);
  const nic = adviseNic(scope);
  const disk = adviseDisk(scope);
  const multiqueue = adviseMultiqueue(scope, nic.model);
  const pci = planPci(scope, request);
  const findings: Finding[] = [...checkAll(scope), ...nic.findings, ...disk.findings, ...pci.findings];

  const imageProperties = [nic.recommendation, ...disk.recommendations, adviseGuestType(scope)]
    .filter((r): r is Recommendation => r !== null);
  if (pci.hasGpu) {
    imageProperties.push({ key: 'hw_video_model', value: 'none', current: scope.properties['hw_video_model'] ?? null,
      reason: 'Set hw_video_model=none: the passed-through GPU is the display; an emulated video device only gets in the way.',
      evidence: [imageEvidence('hw_video_model', scope.properties['hw_video_model'] ?? null)] });
  }
  const flavorExtraSpecs = adviseFlavorSpecs(scope);
  if (pci.spec) flavorExtraSpecs.push(pci.spec);
  if (multiqueue) (multiqueue.key.includes(':') ? flavorExtraSpecs : imageProperties).push(multiqueue);

  let capacity: Advice['capacity'] = null;
  let preview: NovaPreview | undefined;
  if (request.flavor) {
    // Capacity of the advised configuration: the flavor with the advised extra specs, the image with the advised
    // properties. It rests on the same allocation_candidates query the preview shows (placement/query.ts).
    const advisedFlavor: Flavor = {
      ...request.flavor,
      extraSpecs: mergeRecords(request.flavor.extraSpecs, Object.fromEntries(flavorExtraSpecs.map((r) => [r.key, r.value]))),
    };
    const advisedProperties = mergeRecords(request.image.properties, Object.fromEntries(imageProperties.map((r) => [r.key, r.value])));
    const advised = { factSources, ...buildScope(advisedProperties, request.image.name, advisedFlavor, snapshot.hosts, knowledge, facts, release, request.virtioDrivers, base) };
    preview = previewOf({ ...advised, flavor: advisedFlavor }, request.vnicType, pci,
      { disks: request.disks, configDrive: request.configDrive, bootFromVolume: request.bootFromVolume, diskFormat: request.image.diskFormat }, request.vnicBackend);
    const capacityRequest = {
      query: preview.placement,
      capacityHosts: request.capacityHosts,
      ports: { vnicType: request.vnicType, count: scope.profile.nics },
      deviceTraits: [
        ...(nic.model ? [{ trait: vifModelTrait(nic.model), familyPrefix: VIF_MODEL_TRAITS, property: 'hw_vif_model' }] : []),
        { trait: storageBusTrait(disk.bus), familyPrefix: STORAGE_BUS_TRAITS, property: 'hw_disk_bus' },
      ],
    };
    // The release's PCPU→VCPU fallback query (placement/pcpu-fallback.ts), for the hosts without PCPU inventory.
    const fallback = pcpuFallbackQuery(snapshot.hosts, advisedFlavor, advisedProperties,
      { facts, pci: pci.demands, release: release.release }, { ...preview.placement, notes: [] });
    capacity = fallback ? capacityWithFallback(snapshot.hosts, capacityRequest, fallback) : computeCapacity(snapshot.hosts, capacityRequest);
    // The emulated NIC went to the model most hosts report; the reason also says what each would fit (devices/nic.ts).
    if (nic.recommendation && nic.alternatives.length > 0) {
      const counts = [nic.model!, ...nic.alternatives].map((model) => ({ model, instances: totalInstancesWithFallback(snapshot.hosts, { ...capacityRequest,
        deviceTraits: capacityRequest.deviceTraits.map((d) => (d.property === 'hw_vif_model' ? { ...d, trait: vifModelTrait(model) } : d)) }, fallback) }));
      nic.recommendation.reason += ` ${instancesByModel(request.flavor.name, counts)}`;
    }
    const viaFallback = fallback ? fallbackHostsThatFit(snapshot.hosts, capacityRequest, fallback) : 0;
    if (viaFallback > 0) {
      findings.push(makeFinding('pcpu-fallback-vcpu', 'hw:cpu_policy',
        `Flavor ${request.flavor.name} is pinned, but ${viaFallback} host(s) that fit report no PCPU inventory: Nova ${releaseName(release.release)} schedules there by its fallback query with VCPU instead of PCPU ([workarounds] disable_fallback_pcpu_query=False), where the pinning comes from the legacy vcpu_pin_set, not cpu_dedicated_set.`,
        [flavorEvidence('hw:cpu_policy', advisedFlavor.extraSpecs['hw:cpu_policy'] ?? null), releaseEvidence({ release })]));
    }
    if (capacity.hostsThatFit === 0) {
      findings.push(makeFinding('no-host-fits', null,
        `No host can take one instance of flavor ${request.flavor.name} with the advised settings (${snapshot.hosts.length} host(s) checked).`,
        [{ source: 'placement', ref: 'hosts', value: snapshot.hosts.length }]));
    }
  }

  return {
    guest: scope.guest.identity,
    imageProperties: imageProperties.sort(byKey),
    flavorExtraSpecs: flavorExtraSpecs.sort(byKey),
    pciAliases: pci.aliases,
    capacity,
    findings: uniqueFindings(findings),
    ...(preview ? { preview } : {}),
    release,
    // The preview's list rests on the same release, facts, sources and hosts: computed once, not twice.
    assumptions: preview?.assumptions ?? factAssumptions({ release, facts, sources: factSources, hosts: snapshot.hosts }),
  };
}
