// What Nova and libvirt will actually produce for an image + flavor + vNIC type, and where Nova would fail
// or silently ignore a setting (domain.md §1.1–§2.7, §4.6). Pure: the snapshot and declared host facts only.
// The NIC (nic.ts) and the disks (storage.ts) are worked out in their own files; this one assembles.
import { candidateHosts, computeCapacity, instanceAllocation, type PciDemand } from '../placement/capacity.ts';
import { ARCHITECTURES, flavorEvidence, hostFactEvidence, imageEvidence, normaliseArchitecture } from '../vocabulary/nova.ts';
import { placementQuery, prefilterTraits } from '../placement/query.ts';
import { candidatesWithFallback, capacityWithFallback, pcpuFallbackQuery } from '../placement/pcpu-fallback.ts';
import { planPci } from '../pci/plan.ts';
import { checkExtraSpecs } from '../flavor/extra-specs.ts';
import { pciRequestsOf } from '../pci/requests.ts';
import { factAssumptions } from '../facts/assumptions.ts';
import { resolveProfile } from '../profiles/profiles.ts';
import { buildScope, effectiveMachineType, guestArchitecture, type RuleContext, type RuleScope } from '../scope.ts';
import type { CloudSnapshot, Finding, Flavor, Image, NovaPreview, PciAliasAdvice, PreviewValue, ReleaseAssumption, VnicBackend, VnicType } from '../../model/index.ts';
import { Outcome, enumProperty, value } from './outcome.ts';
import { previewNic } from './nic.ts';
import { previewStorage, type DiskRequest } from './storage.ts';
import { previewGuestFeatures } from './guest-features.ts';
import { previewLibosinfo } from './libosinfo.ts';
import { extend } from '../../lib/objects.ts';

export interface PreviewInput {
  image: Image;
  flavor: Flavor;
  vnicType: VnicType;
  /** Backend of normal ports; default from the declared host facts (nic.ts). */
  vnicBackend?: VnicBackend;
  /** `[pci] alias` name → resource class, for aliases the heuristics cannot map (§4.2). */
  aliasResourceClasses?: Record<string, string>;
  /** nova-api's `[pci] alias` values: the flavor's PCI requests are read from them (pci/requests.ts), else inferred. */
  pciAliases?: string[];
  /** Disk devices on the disk bus at boot (local disks + volumes); default root + ephemeral + swap. */
  disks?: number;
  /** Server create with `config_drive: true`. */
  configDrive?: boolean;
  /** The root disk is a volume. */
  bootFromVolume?: boolean;
}

function previewMachineType(scope: RuleScope): PreviewValue<string> {
  const machine = effectiveMachineType(scope);
  const arch = guestArchitecture(scope);
  const archEvidence = arch.fromImage ? imageEvidence('hw_architecture', arch.value) : hostFactEvidence('architecture', arch.value);
  if (!machine.declared) return value(machine.value, `hw_machine_type=${machine.value}`, 'domain.md §2.3', [imageEvidence('hw_machine_type', machine.value)]);
  if (machine.builtin) return value(machine.value, `hw_machine_type unset, guest arch ${arch.value}: Nova's built-in default`, 'domain.md §2.3', [archEvidence]);
  return scope.facts.machineTypes?.[arch.value]
    ? value(machine.value, `hw_machine_type unset: [libvirt] hw_machine_type ${arch.value}=${machine.value} (declared)`, 'domain.md §2.3', [archEvidence, hostFactEvidence('machineTypes', `${arch.value}=${machine.value}`)])
    : value(machine.value, `hw_machine_type unset: [libvirt] hw_machine_type (declared; Nova's own x86 default is pc)`, 'domain.md §2.3', [hostFactEvidence('defaultMachineType', machine.value)]);
}

/**
 * Extra specs Nova's validators refuse (§1.5): `openstack flavor set --property` fails with 400 from microversion
 * 2.86 on, so the flavor cannot be given them; one that already holds them (set with an older microversion) boots.
 */
function previewFlavorValidation(scope: RuleScope, out: Outcome): void {
  for (const finding of checkExtraSpecs(scope)) {
    if (finding.severity === 'error') out.fail('flavor-validation', 'ValidationError', finding.field, finding.message, 'domain.md §1.5', finding.evidence);
  }
}

function previewImageChecks(scope: RuleScope, out: Outcome): void {
  const { properties, flavor } = scope;
  const archKey = properties['hw_architecture'] !== undefined ? 'hw_architecture' : 'architecture';
  enumProperty(scope, out, archKey, (raw) => (ARCHITECTURES.includes(normaliseArchitecture(raw)) ? normaliseArchitecture(raw) : null), ARCHITECTURES);
  const imagePageSize = properties['hw_mem_page_size'];
  const flavorPageSize = flavor?.extraSpecs['hw:mem_page_size']?.trim().toLowerCase();
  if (imagePageSize !== undefined && flavorPageSize !== 'any' && flavorPageSize !== 'large') {
    out.fail('api', 'MemoryPageSizeForbidden', 'hw_mem_page_size', `Image hw_mem_page_size=${imagePageSize} needs flavor hw:mem_page_size any or large (it has ${flavorPageSize ?? 'none'}).`,
      'domain.md §1.3', [imageEvidence('hw_mem_page_size', imagePageSize), flavorEvidence('hw:mem_page_size', flavorPageSize ?? null)]);
  }
  if (properties['hw_rng_model'] !== undefined) out.ignore('hw_rng_model', properties['hw_rng_model'], 'Nova adds a virtio RNG to every guest since Ussuri.', 'domain.md §1.2, §7');
  if (properties['os_version'] !== undefined) out.ignore('os_version', properties['os_version'], 'not an ImageMetaProps field: Nova never reads it.', 'domain.md §1.1');
  for (const [key, v] of Object.entries(properties)) {
    if (key.startsWith('trait:') && v !== 'required') out.ignore(key, v, 'only the value required counts for image traits.', 'domain.md §1.1');
  }
  for (const key of ['hw:vif_model', 'hw:disk_bus', 'hw:scsi_model']) {
    const v = flavor?.extraSpecs[key];
    if (v !== undefined) out.ignore(key, v, `no such flavor extra spec (rejected since microversion 2.86); use the image property hw_${key.slice(3)}.`, 'domain.md §1.5, §7 surprise 3');
  }
}

/** Names of candidate hosts listed in a preview; the count is always complete (answers stay small at 15,000 hosts). */
export const PREVIEW_CANDIDATE_NAMES = 50;

/** The preview for a scope whose PCI devices are already resolved to Placement demands. */

export function previewOf(scope: RuleScope & { flavor: Flavor }, vnicType: VnicType, pci: { demands: PciDemand[]; findings: Finding[]; aliases?: PciAliasAdvice[]; aliasConfig?: string[] }, disks: DiskRequest = {}, vnicBackend?: VnicBackend): NovaPreview {
  const { facts, properties } = scope;
  const out = new Outcome();
  previewImageChecks(scope, out);
  previewFlavorValidation(scope, out);
  const machineType = previewMachineType(scope);
  const nic = previewNic(scope, vnicType, vnicBackend, out);
  const storage = previewStorage(scope, out, machineType.value, disks);
  const guestFeatures = previewGuestFeatures(scope, out);

  const computed = prefilterTraits(properties);
  const applied = facts.imageMetadataPrefilter && computed.invalid.length === 0;
  if (facts.imageMetadataPrefilter && !applied && computed.traits.length > 0) {
    out.ignore(computed.traits.join(','), 'required', `os-traits has no ${computed.invalid.join(', ')}, so the image prefilter adds none of these traits.`, 'domain.md §2.5, §7 surprise 4');
  }
  const imagePrefilter = {
    enabled: facts.imageMetadataPrefilter, applied, traits: computed.traits, invalidTraits: computed.invalid, source: 'domain.md §2.5',
    reason: !facts.imageMetadataPrefilter
      ? '[scheduler] image_metadata_prefilter is off (Nova default): device properties add no required traits.'
      : applied ? 'image_metadata_prefilter is on: these traits go to root_required.' : 'an invalid computed trait disables the whole prefilter for this image.',
  };

  const pciRequests = pciRequestsOf({ flavor: scope.flavor, properties, vnicType, aliasConfig: pci.aliasConfig, advised: pci.aliases ?? [], pciInPlacement: facts.pciInPlacement, release: scope.release.release });
  for (const f of pciRequests.failures) out.fail('api', f.error, f.field, f.message, f.source, f.evidence);
  // Without nova-api's [pci] alias, an alias the heuristics cannot map is taken as undefined there.
  const unresolved = pci.aliasConfig === undefined ? pci.findings.filter((f) => f.id === 'pci-alias-unresolved') : [];
  for (const finding of unresolved) {
    out.fail('api', 'PciRequestAliasNotDefined', 'pci_passthrough:alias', `${finding.message} Unless [pci] alias on nova-api defines it, server create fails.`, 'domain.md §1.5, §2.7', finding.evidence);
  }
  const queryContext = { facts, pci: pci.demands, release: scope.release.release };
  const placement = placementQuery(scope.flavor, { properties }, queryContext);
  const fallback = pcpuFallbackQuery(scope.hosts, scope.flavor, properties, queryContext, placement);
  const request = { query: placement, deviceTraits: [] };
  const candidates = fallback
    ? candidatesWithFallback(scope.hosts, request, fallback, PREVIEW_CANDIDATE_NAMES)
    : candidateHosts(scope.hosts, request, PREVIEW_CANDIDATE_NAMES);
  if (candidates.count === 0) {
    const capacity = fallback
      ? capacityWithFallback(scope.hosts, { capacityHosts: 0, ...request }, fallback)
      : computeCapacity(scope.hosts, { capacityHosts: 0, ...request });
    const why = Object.entries(capacity.blocked).map(([reason, hosts]) => `${reason} on ${hosts} host(s)`).join(', ');
    const examples = capacity.blockedExamples.flatMap((h) => h.blockers.slice(0, 1).map((b) => b.message)).join(' ');
    out.fail('scheduler', 'NoValidHost', null, `No host satisfies the allocation_candidates query (${scope.hosts.length} host(s) checked): ${why ? `blocked by ${why}. ${examples}` : 'no hosts'}`,
      'domain.md §4.7, §2.7', [{ source: 'placement', ref: 'GET /allocation_candidates', value: placement.query }]);
  }
  // One instance on the best candidate (placement/allocation.ts), read from the scan the candidates came from.
  const allocation = candidates.count === 0 ? null : fallback
    ? capacityWithFallback(scope.hosts, { capacityHosts: 0, ...request }, fallback).allocation
    : instanceAllocation(scope.hosts, request);
  return {
    vnicType, nic, storage, machineType, guestFeatures, libosinfo: previewLibosinfo(scope), imagePrefilter, placement,
    candidateHostCount: candidates.count,
    candidateHosts: candidates.names,
    allocation,
    pciRequests: pciRequests.requests,
    failures: out.failures, ignored: out.ignored, release: scope.release,
    assumptions: factAssumptions({ release: scope.release, facts: scope.facts, sources: scope.factSources, hosts: scope.hosts }),
  };
}

/** What Nova will do with this image, flavor and vNIC type (flavor PCI aliases resolved as in advise, §4.2). */
export function preview(snapshot: CloudSnapshot, input: PreviewInput, ctx: RuleContext, release: ReleaseAssumption): NovaPreview {
  // Own fields first, the spread after (lib/objects.ts), as advise.ts builds its scopes.
  const scope = { factSources: ctx.hostFactsDeclared ?? {}, ...buildScope(input.image.properties, input.image.name, input.flavor, snapshot.hosts, ctx.knowledge, ctx.hostFacts, release) };
  // The general profile asks no devices of its own, so the plan holds exactly the flavor's aliases.
  const request = { image: input.image, flavor: input.flavor, workload: 'general' as const, vnicType: input.vnicType, aliasResourceClasses: input.aliasResourceClasses };
  const pci = planPci({ workload: 'general', vnicType: input.vnicType, profile: resolveProfile(request, ctx.hostFacts), ...scope }, request);
  return previewOf({ ...scope, flavor: input.flavor }, input.vnicType, extend(pci, { aliasConfig: input.pciAliases }),
    { disks: input.disks, configDrive: input.configDrive, bootFromVolume: input.bootFromVolume, diskFormat: input.image.diskFormat }, input.vnicBackend);
}
