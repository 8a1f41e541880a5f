// The GET /allocation_candidates request Nova's scheduler builds for a flavor + image: the one source of
// truth for both the query shown to operators and the hosts capacity says fit (domain.md §2.5, §4.6, §5.5).
// Verified against NOVA `nova/scheduler/utils.py` (ResourceRequest.from_request_spec,
// _translate_pinning_policies, resources_from_request_spec) and `nova/scheduler/request_filter.py`.
import { osloBoolStrict } from '../../lib/oslo-bool.ts';
import type { PciDemand } from './capacity.ts';
import { EMULATION_ARCHITECTURES_WITH_TRAIT, imageBool, normaliseArchitecture } from '../vocabulary/nova.ts';
import { FIRST_RELEASE, releaseHas } from '../release/release.ts';
import type { Flavor, HostFacts, Image, NovaRelease, PlacementQuery, PlacementRequestGroup, PreviewNote } from '../../model/index.ts';

/** `[scheduler] max_placement_results` default: the `limit` Nova sends. */
export const DEFAULT_PLACEMENT_LIMIT = 1000;

export interface PlacementQueryContext {
  facts: Pick<HostFacts, 'imageMetadataPrefilter' | 'pciInPlacement' | 'disableFallbackPcpuQuery'>;
  /** The flavor's PCI devices as Placement classes; `[pci] alias` is nova.conf, so the caller resolves it (§4.2). */
  pci: PciDemand[];
  /**
   * false: the scheduler's fallback query for a pinned request, without the PCPU translation (NOVA
   * `nova/scheduler/manager.py` `_select_destinations`, `resources_from_request_spec(enable_pinning_translate=False)`).
   */
  pinningTranslate?: boolean;
  /** The release: packed_virtqueue_filter exists from 2024.1 (release/release.ts FIRST_RELEASE). Default master. */
  release?: NovaRelease;
  /** Boot from volume: the root disk is not local, so no root_gb in DISK_GB. */
  bootFromVolume?: boolean;
  limit?: number;
}

// Nova's extra spec key pattern: `resources` / `trait` with an optional suffix of up to 64 characters (§1.5).
const GROUP_KEY = /^(resources|trait)([a-zA-Z0-9_-]{1,64})?:(.+)$/;
/** `int()` accepts surrounding blanks and a plus sign; negatives are skipped with a warning. */
const AMOUNT = /^\s*\+?\d+\s*$/;

interface Group {
  resources: Map<string, number>;
  required: Set<string>;
  forbidden: Set<string>;
  reasons: string[];
}

class Request {
  readonly groups = new Map<string, Group>();
  readonly notes: PreviewNote[] = [];

  group(suffix: string): Group {
    let group = this.groups.get(suffix);
    if (!group) {
      group = { resources: new Map(), required: new Set(), forbidden: new Set(), reasons: [] };
      this.groups.set(suffix, group);
    }
    return group;
  }

  add(suffix: string, resourceClass: string, amount: number, reason: string): void {
    const group = this.group(suffix);
    group.resources.set(resourceClass, amount);
    group.reasons.push(reason);
  }

  trait(suffix: string, trait: string, kind: 'required' | 'forbidden', reason: string): void {
    const group = this.group(suffix);
    (kind === 'required' ? group.required : group.forbidden).add(trait);
    group.reasons.push(reason);
  }

  merged(): Map<string, number> {
    const merged = new Map<string, number>();
    for (const group of this.groups.values()) {
      for (const [rc, amount] of group.resources) merged.set(rc, (merged.get(rc) ?? 0) + amount);
    }
    return merged;
  }
}

/** Nova's parse_cpu_spec: `0-3,^2,5` → {0,1,3,5}. */
export function parseCpuSpec(spec: string): Set<number> {
  const include = new Set<number>();
  const exclude = new Set<number>();
  for (const raw of spec.split(',').map((p) => p.trim()).filter((p) => p !== '')) {
    const target = raw.startsWith('^') ? exclude : include;
    const [from, to] = raw.replace(/^\^/, '').split('-').map(Number);
    for (let cpu = from!; cpu <= (to ?? from!); cpu++) target.add(cpu);
  }
  return new Set([...include].filter((cpu) => !exclude.has(cpu)));
}

/** Flavor extra spec wins over the image property, as in hardware.get_cpu_*_constraint. */
function flavorOrImage(flavor: Flavor, properties: Record<string, string>, spec: string, property: string): string | undefined {
  return flavor.extraSpecs[spec] ?? properties[property];
}

/**
 * `hw:cpu_policy=dedicated` ⇒ PCPU = vCPUs (+1 with `hw:emulator_threads_policy=isolate`); `mixed` ⇒ PCPU =
 * the dedicated mask, VCPU = the rest; thread policy isolate / require ⇒ HW_CPU_HYPERTHREADING forbidden /
 * required (NOVA `_translate_pinning_policies`).
 */
function translatePinning(request: Request, flavor: Flavor, properties: Record<string, string>): void {
  const policy = flavorOrImage(flavor, properties, 'hw:cpu_policy', 'hw_cpu_policy');
  const emulatorIsolate = flavor.extraSpecs['hw:emulator_threads_policy'] === 'isolate';
  let pcpus: number | null = null;
  if (policy === 'dedicated') pcpus = flavor.vcpus;
  if (policy === 'mixed') {
    const mask = flavor.extraSpecs['hw:cpu_dedicated_mask']?.trim() ?? '';
    pcpus = parseCpuSpec(mask.startsWith('^') ? `0-${flavor.vcpus - 1},${mask}` : mask).size;
    request.add('', 'VCPU', flavor.vcpus - pcpus, `hw:cpu_policy=mixed: ${flavor.vcpus - pcpus} shared vCPUs`);
  }
  if (pcpus !== null) {
    const total = pcpus + (emulatorIsolate ? 1 : 0);
    request.add('', 'PCPU', total, `hw:cpu_policy=${policy}: ${pcpus} pinned vCPUs${emulatorIsolate ? ' + 1 for the isolated emulator threads' : ''} ask PCPU`);
  }
  const threads = flavorOrImage(flavor, properties, 'hw:cpu_thread_policy', 'hw_cpu_thread_policy');
  if (threads === 'isolate') request.trait('', 'HW_CPU_HYPERTHREADING', 'forbidden', 'hw:cpu_thread_policy=isolate: no SMT siblings');
  if (threads === 'require') request.trait('', 'HW_CPU_HYPERTHREADING', 'required', 'hw:cpu_thread_policy=require: SMT siblings');
}

/** Image properties the image prefilter turns into traits: `<PREFIX>_<VALUE>` (§2.5). */
const PREFILTER_PREFIXES: Record<string, string> = {
  hw_cdrom_bus: 'COMPUTE_STORAGE_BUS',
  hw_disk_bus: 'COMPUTE_STORAGE_BUS',
  hw_video_model: 'COMPUTE_GRAPHICS_MODEL',
  hw_vif_model: 'COMPUTE_NET_VIF_MODEL',
  hw_architecture: 'HW_ARCH',
  hw_emulation_architecture: 'COMPUTE_ARCH',
  hw_viommu_model: 'COMPUTE_VIOMMU',
};

/** Computed names os-traits lacks (§2.5): viommu (os-traits says COMPUTE_VIOMMU_MODEL_*), armv7l, most emulated arches. */
function traitExists(property: string, value: string): boolean {
  if (property === 'hw_viommu_model') return false;
  if (property === 'hw_architecture') return normaliseArchitecture(value) !== 'armv7l';
  if (property === 'hw_emulation_architecture') return EMULATION_ARCHITECTURES_WITH_TRAIT.includes(normaliseArchitecture(value));
  return true;
}

export interface PrefilterTraits {
  traits: string[];
  /** Computed names os-traits does not define: any one makes Nova add none of `traits` (§2.5). */
  invalid: string[];
}

/** What `transform_image_metadata` computes for an image, whether or not the prefilter is on (§2.5). */
export function prefilterTraits(properties: Record<string, string>): PrefilterTraits {
  const traits = new Set<string>();
  const invalid = new Set<string>();
  for (const [property, prefix] of Object.entries(PREFILTER_PREFIXES)) {
    // Nova reads `architecture` as hw_architecture (legacy name, §1.1).
    const value = properties[property] ?? (property === 'hw_architecture' ? properties['architecture'] : undefined);
    if (value === undefined) continue;
    const trait = `${prefix}_${value.replace(/-/g, '_').toUpperCase()}`;
    (traitExists(property, value) ? traits : invalid).add(trait);
  }
  return { traits: [...traits].sort(), invalid: [...invalid].sort() };
}

/** Flavor and image booleans: flavor strict, image non-strict; a conflict is refused at the API anyway (§1.3). */
export function flavorImageBool(flavor: Flavor, properties: Record<string, string>, spec: string, property: string): boolean {
  return osloBoolStrict(flavor.extraSpecs[spec]) ?? imageBool(properties, property) ?? false;
}

/** The translated request: groups, root traits, group_policy, limit and the exact query string. */
export function placementQuery(flavor: Flavor, image: Pick<Image, 'properties'>, ctx: PlacementQueryContext): PlacementQuery {
  const { properties } = image;
  const request = new Request();
  let groupPolicy: PlacementQuery['groupPolicy'] = null;

  // 1. Flavor extra specs: group_policy, resources{S}:RC, trait{S}:T (invalid values are logged and skipped).
  for (const [key, value] of Object.entries(flavor.extraSpecs)) {
    if (key === 'group_policy') {
      if (value === 'none' || value === 'isolate') groupPolicy = value;
      else request.notes.push({ subject: 'group_policy', reason: `group_policy=${value} is neither none nor isolate: Nova logs a warning and ignores it.`, source: 'NOVA scheduler/utils.py _add_group_policy' });
      continue;
    }
    const match = GROUP_KEY.exec(key);
    if (!match) continue;
    const [, prefix, suffix = '', name = ''] = match;
    if (prefix === 'resources' && AMOUNT.test(value) && /^[A-Z0-9_]+$/.test(name)) {
      request.add(suffix, name, Number(value), `flavor ${key}=${value.trim()}`);
    } else if (prefix === 'trait' && (value === 'required' || value === 'forbidden')) {
      request.trait(suffix, name, value, `flavor ${key}=${value}`);
    }
  }
  const flavorSuffixed = [...request.groups.keys()].filter((s) => s !== '').length;

  // 2. Image `trait:X=required` (only that value counts) always goes to the unsuffixed group (§1.1, §1.4).
  for (const [key, value] of Object.entries(properties)) {
    const trait = /^trait:(.+)$/.exec(key)?.[1];
    if (trait && value === 'required') request.trait('', trait, 'required', `image ${key}=required`);
  }

  // 3. CPU pinning, then VCPU / MEMORY_MB / DISK_GB unless some group already names them (even with 0).
  if (ctx.pinningTranslate !== false) translatePinning(request, flavor, properties);
  const merged = request.merged();
  if (!merged.has('VCPU') && !merged.has('PCPU')) request.add('', 'VCPU', flavor.vcpus, `flavor vcpus=${flavor.vcpus}`);
  if (!merged.has('MEMORY_MB')) request.add('', 'MEMORY_MB', flavor.ramMb, `flavor ram=${flavor.ramMb}`);
  if (!merged.has('DISK_GB')) {
    // Swap is MB, rounded up to whole GB; a volume-backed root disk is not local (NOVA convert_mb_to_ceil_gb, is_bfv).
    const disk = flavor.ephemeralGb + Math.ceil(flavor.swapMb / 1024) + (ctx.bootFromVolume ? 0 : flavor.diskGb);
    if (disk > 0) {
      request.add('', 'DISK_GB', disk, `flavor ${ctx.bootFromVolume ? '' : `disk ${flavor.diskGb} + `}ephemeral ${flavor.ephemeralGb} + swap ${flavor.swapMb} MB rounded up to GB${ctx.bootFromVolume ? ' (boot from volume: root disk not counted)' : ''}`);
    }
  }

  // 4. Other flavor / image translations of the same function.
  if (flavorImageBool(flavor, properties, 'hw:mem_encryption', 'hw_mem_encryption')) {
    request.add('', 'MEM_ENCRYPTION_CONTEXT', 1, 'memory encryption asks one encryption context');
  }
  const tpm = flavorOrImage(flavor, properties, 'hw:tpm_version', 'hw_tpm_version');
  if (tpm !== undefined) request.trait('', tpm === '1.2' ? 'COMPUTE_SECURITY_TPM_1_2' : 'COMPUTE_SECURITY_TPM_2_0', 'required', `vTPM version ${tpm}`);
  if (flavorOrImage(flavor, properties, 'os:secure_boot', 'os_secure_boot') === 'required') {
    request.trait('', 'COMPUTE_SECURITY_UEFI_SECURE_BOOT', 'required', 'secure boot required');
  }
  if (flavorOrImage(flavor, properties, 'hw:pci_numa_affinity_policy', 'hw_pci_numa_affinity_policy') === 'socket') {
    request.trait('', 'COMPUTE_SOCKET_PCI_NUMA_AFFINITY', 'required', 'hw:pci_numa_affinity_policy=socket (§1.3)');
  }

  const groups: PlacementRequestGroup[] = [...request.groups.entries()]
    .map(([suffix, g]) => ({
      suffix,
      resources: Object.fromEntries([...g.resources].filter(([, amount]) => amount > 0).sort(([a], [b]) => (a < b ? -1 : 1))),
      required: [...g.required].sort(),
      forbidden: [...g.forbidden].sort(),
      checkedBy: 'placement' as const,
      reason: g.reasons.join('; '),
    }))
    .filter((g) => Object.keys(g.resources).length > 0 || g.required.length > 0 || g.forbidden.length > 0)
    .sort((a, b) => (a.suffix === '' ? -1 : b.suffix === '' ? 1 : a.suffix < b.suffix ? -1 : 1));

  // 5. One group of amount 1 per PCI device (alias:3 ⇒ 3 groups), only with pci_in_placement (§4.6). Nova's
  // suffix is `<request_id>-<i>` with a fresh UUID; numbering after the flavor's numeric suffixes keeps the
  // query reproducible and just as unique.
  let next = Math.max(0, ...groups.map((g) => Number(g.suffix)).filter(Number.isInteger)) + 1;
  const checkedBy = ctx.facts.pciInPlacement ? 'placement' : 'pci-passthrough-filter';
  for (const demand of ctx.pci) {
    for (let i = 1; i <= demand.count; i++) {
      groups.push({
        suffix: String(next++), resources: { [demand.resourceClass]: 1 }, required: [...demand.requiredTraits].sort(), forbidden: [], checkedBy,
        reason: `PCI device ${i} of ${demand.count} (${demand.resourceClass}) from pci_passthrough:alias${ctx.facts.pciInPlacement ? '' : ': pci_in_placement is off, so only the PciPassthroughFilter checks it'}`,
      });
    }
  }

  // 6. Request filters: always-on ones and the image prefilter; all go to root_required (≥ 1.35).
  const rootRequired = new Set<string>();
  const rootForbidden = new Set(['COMPUTE_STATUS_DISABLED']);
  const notes = request.notes;
  notes.push({ subject: '!COMPUTE_STATUS_DISABLED', reason: 'compute_status_filter always forbids disabled computes.', source: 'domain.md §2.5' });
  const prefilter = prefilterTraits(properties);
  if (ctx.facts.imageMetadataPrefilter && prefilter.invalid.length === 0) {
    for (const trait of prefilter.traits) rootRequired.add(trait);
    if (prefilter.traits.length > 0) notes.push({ subject: prefilter.traits.join(','), reason: 'image_metadata_prefilter is on: each device property becomes a required trait.', source: 'domain.md §2.5' });
  } else if (ctx.facts.imageMetadataPrefilter) {
    notes.push({ subject: prefilter.invalid.join(','), reason: `os-traits has no ${prefilter.invalid.join(', ')}: the prefilter adds none of the image's traits.`, source: 'domain.md §2.5, §7 surprise 4' });
  }
  if (releaseHas(ctx.release ?? 'master', FIRST_RELEASE.packedRing) && flavorImageBool(flavor, properties, 'hw:virtio_packed_ring', 'hw_virtio_packed_ring')) {
    rootRequired.add('COMPUTE_NET_VIRTIO_PACKED');
    notes.push({ subject: 'COMPUTE_NET_VIRTIO_PACKED', reason: 'packed_virtqueue_filter runs always (not gated by image_metadata_prefilter).', source: 'domain.md §1.3, §2.2, §2.5' });
  }
  if (flavor.extraSpecs['accel:device_profile']) {
    rootRequired.add('COMPUTE_ACCELERATORS');
    notes.push({ subject: 'COMPUTE_ACCELERATORS', reason: 'accelerators_filter: the flavor names a Cyborg device profile.', source: 'domain.md §2.5' });
  }

  // 7. group_policy: Nova defaults it to none only when ≥ 2 suffixed groups exist and the flavor defines ≤ 1 (§4.6).
  const sent = groups.filter((g) => g.checkedBy === 'placement');
  const suffixed = sent.filter((g) => g.suffix !== '').length;
  if (groupPolicy === null && suffixed >= 2) {
    if (flavorSuffixed <= 1) {
      groupPolicy = 'none';
      notes.push({ subject: 'group_policy', reason: `${suffixed} numbered groups and the flavor sets no group_policy: Nova sends none, so devices may share a provider.`, source: 'domain.md §4.6' });
    } else {
      notes.push({ subject: 'group_policy', reason: `The flavor defines ${flavorSuffixed} numbered groups without group_policy: Nova only warns and Placement rejects the query (400), so no host is found.`, source: 'domain.md §4.6' });
    }
  }
  const limit = ctx.limit ?? DEFAULT_PLACEMENT_LIMIT;
  notes.push({ subject: 'limit', reason: `[scheduler] max_placement_results (default ${DEFAULT_PLACEMENT_LIMIT}).`, source: 'NOVA scheduler/utils.py ResourceRequest' });

  const sorted = { groups, rootRequired: [...rootRequired].sort(), rootForbidden: [...rootForbidden].sort(), groupPolicy, limit };
  // One literal in the schema's order (lib/objects.ts: a spread then a new field is promoted by every scavenge).
  return { groups, rootRequired: sorted.rootRequired, rootForbidden: sorted.rootForbidden, groupPolicy, limit, query: queryString(sorted), notes };
}

/** Nova's to_querystring: (key, value) pairs sorted, urlencoded; required lists the forbidden with `!`. */
function queryString(q: Omit<PlacementQuery, 'query' | 'notes'>): string {
  const params: [string, string][] = [['limit', String(q.limit)]];
  if (q.groupPolicy !== null) params.push(['group_policy', q.groupPolicy]);
  const traits = (required: string[], forbidden: string[]) => [...required, ...forbidden.map((t) => `!${t}`)].join(',');
  const root = traits(q.rootRequired, q.rootForbidden);
  if (root !== '') params.push(['root_required', root]);
  for (const group of q.groups.filter((g) => g.checkedBy === 'placement')) {
    params.push([`resources${group.suffix}`, Object.entries(group.resources).map(([rc, n]) => `${rc}:${n}`).sort().join(',')]);
    const required = traits(group.required, group.forbidden);
    if (required !== '') params.push([`required${group.suffix}`, required]);
  }
  params.sort(([a, va], [b, vb]) => (a < b ? -1 : a > b ? 1 : va < vb ? -1 : va > vb ? 1 : 0));
  return new URLSearchParams(params).toString();
}
