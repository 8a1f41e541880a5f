// Which Nova release an answer assumes (domain.md §5.3 microversions, §7 timeline): declared by the operator,
// else told by the compute API's maximum microversion or the OWNER_NOVA trait, else master. Rules that changed
// between releases ask `releaseHas` with the feature's first release (domain.md §7, checked in Nova's source).
import { KeyedWeakMemo, WeakMemo } from '../../lib/memo.ts';
import { makeFinding } from '../findings/catalog.ts';
import { hostFactEvidence } from '../vocabulary/nova.ts';
import type { CloudApis, CloudSnapshot, Finding, Host, HostFacts, NovaRelease, ReleaseAssumption } from '../../model/index.ts';

/** Oldest first: the order `releaseHas` compares in. */
export const NOVA_RELEASES: readonly NovaRelease[] = [
  'wallaby', 'xena', 'yoga', 'zed', '2023.1', '2023.2', '2024.1', '2024.2', '2025.1', '2025.2', '2026.1', 'master',
];

/**
 * Compute API maximum microversion → the releases that end there (domain.md §5.3; NOVA
 * `nova/api/openstack/api_version_request.py` `_MAX_API_VERSION` per stable branch; Zed 26.2.2 installed here: 2.93).
 */
const MICROVERSION_RELEASES: Readonly<Record<string, readonly NovaRelease[]>> = {
  '2.88': ['wallaby'],
  '2.90': ['xena', 'yoga'],
  '2.93': ['zed'],
  '2.95': ['2023.1', '2023.2'],
  '2.96': ['2024.1', '2024.2'],
  '2.100': ['2025.1', '2025.2'],
  '2.103': ['2026.1'],
  '2.104': ['master'],
};

/** The first release with each release-dependent behaviour the rules follow (domain.md §7; README "Releases"). */
export const FIRST_RELEASE = {
  /** `hw:vif_multiqueue_enabled` flavor extra spec (§7 Yoga). */
  flavorMultiqueue: 'yoga',
  /** `[pci] report_in_placement` (§4.5, §7 Zed; NOVA `nova/conf/pci.py`). */
  reportInPlacement: 'zed',
  /** `[filter_scheduler] pci_in_placement` and alias `resource_class` / `traits` (§4.2, §7 2023.1; absent from Zed's `nova/pci/request.py` `_ALIAS_SCHEMA`). */
  pciInPlacement: '2023.1',
  /** `hw_virtio_packed_ring` / `hw:virtio_packed_ring` (§7 2024.1). */
  packedRing: '2024.1',
  /** `hw_vif_model=igb` (§7 2025.1, `image_meta.py` 1.39). */
  igb: '2025.1',
  /** device_spec `managed`, `live_migratable`; alias `live_migratable` (§4.1, §4.2, §7 2025.1). */
  pciLiveMigratable: '2025.1',
  /** device_spec `one_time_use` (§4.1, §7 2025.2). */
  oneTimeUse: '2025.2',
} as const satisfies Record<string, NovaRelease>;

/**
 * The last release whose scheduler retries a pinned request with VCPU instead of PCPU
 * (`[workarounds] disable_fallback_pcpu_query`, default False). Checked in Zed: NOVA `nova/scheduler/manager.py`
 * `SchedulerManager._select_destinations` (the "fallback allocation candidates" query) and
 * `nova/conf/workarounds.py`. Later releases were not checked against their source, so they keep the PCPU-only
 * answer the rules gave before (inference, not verified: see docs/rules.md "Releases").
 */
const LAST_PCPU_FALLBACK_RELEASE: NovaRelease = 'zed';

function releaseIndex(release: NovaRelease): number {
  return NOVA_RELEASES.indexOf(release);
}

/** True when `release` is `first` or later. */
export function releaseHas(release: NovaRelease, first: NovaRelease): boolean {
  return releaseIndex(release) >= releaseIndex(first);
}

export function hasPcpuFallback(release: NovaRelease): boolean {
  return releaseIndex(release) <= releaseIndex(LAST_PCPU_FALLBACK_RELEASE);
}

/** How a release is named in messages: `Zed`, `2023.1`, `master`. */
export function releaseName(release: NovaRelease): string {
  return /^[a-z]+$/.test(release) && release !== 'master' ? release[0]!.toUpperCase() + release.slice(1) : release;
}

/** `2.93` → [2, 93]; null when it is not `major.minor`. */
function parseMicroversion(value: string): [number, number] | null {
  const match = /^(\d+)\.(\d+)$/.exec(value.trim());
  return match ? [Number(match[1]), Number(match[2])] : null;
}

/** Every release consistent with a maximum microversion; one past the table's newest is master, in between the nearest older. */
function releasesOf(microversion: string): readonly NovaRelease[] | null {
  const parsed = parseMicroversion(microversion);
  if (!parsed) return null;
  const exact = MICROVERSION_RELEASES[`${parsed[0]}.${parsed[1]}`];
  if (exact) return exact;
  const known = Object.entries(MICROVERSION_RELEASES)
    .map(([v, releases]) => ({ minor: parseMicroversion(v)![1], releases }))
    .sort((a, b) => a.minor - b.minor);
  if (parsed[0] !== 2 || parsed[1] < known[0]!.minor) return null;
  // A microversion between two releases' maxima can only come from the development branch after the older one.
  return [...known].reverse().find((k) => k.minor <= parsed[1])!.releases.slice(-1);
}

export interface ReleaseInput {
  /** `RuleContext.novaRelease`: declared by the operator (HOST_FACTS_FILE `nova_release`); wins over what is observed. */
  declared?: NovaRelease;
  apis: CloudApis;
  /** Some provider carries `OWNER_NOVA` (§4.5: master only). */
  ownerNova: boolean;
}

/** On every Nova provider on master only (§4.5, §7): seeing it tells the release. */
const OWNER_NOVA = 'OWNER_NOVA';

/** Per host list (a snapshot never changes): reading every provider's traits once is enough. */
const ownerNovaMemo = new WeakMemo<readonly Host[], boolean>((hosts) =>
  hosts.some((h) => h.traits.includes(OWNER_NOVA) || h.pciProviders.some((p) => p.traits.includes(OWNER_NOVA))));

/** The release answers about this snapshot assume, the declaration first. */
export function releaseOf(snapshot: Pick<CloudSnapshot, 'apis' | 'hosts'>, declared: NovaRelease | undefined): { release: ReleaseAssumption; findings: Finding[] } {
  const ownerNova = ownerNovaMemo.get(snapshot.hosts);
  return assumedReleases.get(snapshot.apis, `${declared ?? ''}\u0000${ownerNova}`, () => assumeRelease({ declared, apis: snapshot.apis, ownerNova }));
}

/**
 * One assumption per snapshot's APIs, declared release and OWNER_NOVA: every answer carries it, so it is worked out
 * once, not per answer (issue 16). Never changed once made.
 */
const assumedReleases = new KeyedWeakMemo<CloudApis, string, { release: ReleaseAssumption; findings: Finding[] }>();

/**
 * The declared facts as the release can have them: `[filter_scheduler] pci_in_placement` exists from 2023.1
 * (absent from Zed's `nova/conf/scheduler.py`), so before it flavor PCI devices are only checked by the
 * PciPassthroughFilter, whatever is declared.
 */
export function factsForRelease(facts: HostFacts, release: ReleaseAssumption): { facts: HostFacts; findings: Finding[] } {
  if (!facts.pciInPlacement || releaseHas(release.release, FIRST_RELEASE.pciInPlacement)) return { facts, findings: [] };
  return {
    facts: { ...facts, pciInPlacement: false },
    findings: [makeFinding('pci-in-placement-unavailable', null,
      `pci_in_placement is declared on, but Nova ${releaseName(release.release)} has no [filter_scheduler] pci_in_placement (new in 2023.1): flavor PCI devices are scheduled by the PciPassthroughFilter, not Placement.`,
      [hostFactEvidence('pciInPlacement', true), { source: 'nova-release', ref: release.release, value: release.evidence }])],
  };
}

/**
 * The release an answer assumes and the findings that go with it: declared wins; else the compute API's max
 * microversion (an ambiguous one ⇒ the older candidate, and a finding asking to declare it); `OWNER_NOVA` on a
 * provider means master (§4.5); nothing observed (the demo cloud) ⇒ master by default.
 */
export function assumeRelease({ declared, apis, ownerNova: owner }: ReleaseInput): { release: ReleaseAssumption; findings: Finding[] } {
  const microversion = apis.computeMaxMicroversion;
  const observed = microversion === null ? null : releasesOf(microversion);
  const candidates: NovaRelease[] = owner ? ['master'] : observed ? [...observed] : [];
  if (declared) {
    const agrees = candidates.length === 0 || candidates.includes(declared);
    return {
      release: { release: declared, from: 'declared', candidates: candidates.length ? candidates : [declared],
        evidence: `declared nova_release ${declared}${microversion ? ` (compute API max microversion ${microversion})` : ''}` },
      findings: agrees ? [] : [makeFinding('nova-release-declared-differs', null,
        `nova_release is declared ${declared}, but the cloud shows ${candidates.join(' / ')}${microversion ? ` (compute API max microversion ${microversion})` : ''}${owner ? ' and OWNER_NOVA on its providers' : ''}; the answer follows the declaration.`,
        [{ source: 'nova-release', ref: 'compute API max microversion', value: microversion }])],
    };
  }
  if (owner) {
    return { release: { release: 'master', from: 'observed', candidates, evidence: `OWNER_NOVA trait on Placement providers: master${microversion ? ` (compute API max microversion ${microversion})` : ''}` }, findings: [] };
  }
  if (observed) {
    const release = observed[0]!;
    const evidence = `compute API max microversion ${microversion}: ${observed.map(releaseName).join(' or ')}`;
    return {
      release: { release, from: 'observed', candidates, evidence },
      findings: observed.length === 1 ? [] : [makeFinding('nova-release-ambiguous', null,
        `Compute API max microversion ${microversion} is the same in ${observed.join(' and ')}: the answer assumes the older, ${release}. Declare nova_release in the host facts file to be exact.`,
        [{ source: 'nova-release', ref: 'compute API max microversion', value: microversion }])],
    };
  }
  return {
    release: { release: 'master', from: 'default', candidates: ['master'],
      evidence: microversion ? `compute API max microversion ${microversion} is not in the release table: master assumed` : 'no release observed or declared: master assumed' },
    findings: [],
  };
}
