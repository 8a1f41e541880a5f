// What every answer rests on, fact by fact: observed from the cloud, declared in HOST_FACTS_FILE or assumed by
// default, and what changes if it is wrong (docs/host-facts.md "What answers assume"; domain.md §2.6, §5.3, §7).
import { canonicalJson } from '../../lib/canonical-json.ts';
import { KeyedWeakMemo, WeakMemo } from '../../lib/memo.ts';
import { NAMED_HOSTS, makeFinding } from '../findings/catalog.ts';
import { releaseName } from '../release/release.ts';
import type { FactAssumption, Finding, Host, HostFacts, NovaConfReport, ReleaseAssumption } from '../../model/index.ts';

/** The answer-level note on the nova.conf files read for this cloud: every option read and every one not understood. */
export function novaConfFindings(reports: readonly NovaConfReport[] | undefined, cloud: string): Finding[] {
  const mine = (reports ?? []).filter((r) => r.cloud === undefined || r.cloud === cloud);
  if (mine.length === 0) return [];
  const describe = (r: NovaConfReport) => `${r.label}: read ${r.read.length ? r.read.join('; ') : 'nothing'}${r.notUnderstood.length ? `; not understood ${r.notUnderstood.join('; ')}` : ''}`;
  return [makeFinding('nova-conf-read', null, `Declared facts come partly from nova.conf - ${mine.map(describe).join(' | ')}.`,
    mine.map((r) => ({ source: 'declared-host-fact' as const, ref: r.label, value: `${r.read.length} read, ${r.notUnderstood.length} not understood` })))];
}

/** What the libvirt driver reports as `hypervisor_type` for kvm and qemu alike (§5.3). */
const LIBVIRT_HYPERVISOR_TYPE = 'QEMU';

/**
 * Hosts whose observed hypervisor_type is not libvirt's (e.g. the fake driver): the libvirt-specific advice for them
 * rests on the declared virt_type only (§2, §5.3).
 */
export function hypervisorFindings(hosts: readonly Host[], facts: HostFacts): Finding[] {
  return [...notLibvirt.get(hosts, facts.virtType, () => {
    const other = hosts.filter((h) => h.hypervisorType !== null && h.hypervisorType.toUpperCase() !== LIBVIRT_HYPERVISOR_TYPE);
    if (other.length === 0) return [];
    return [makeFinding('hypervisor-not-libvirt', null,
      `${other.length} of ${hosts.length} host(s) report hypervisor_type ${[...new Set(other.map((h) => h.hypervisorType))].sort().join(', ')}, not libvirt's ${LIBVIRT_HYPERVISOR_TYPE}: NIC, disk, queue and machine-type advice for them rests on the declared virt_type=${facts.virtType}, not on what they run.`,
      other.slice(0, NAMED_HOSTS).map((h) => ({ source: 'nova-api' as const, ref: `hypervisor_type ${h.name}`, value: h.hypervisorType })))];
  })];
}

// Walks every host, and a host list never changes: once per list and declared virt_type, not per answer.
const notLibvirt = new KeyedWeakMemo<readonly Host[], string, Finding[]>();

/** Per fact, where it was declared (a HOST_FACTS_FILE label); absent ⇒ the built-in default. */
export type FactSources = Partial<Record<keyof HostFacts, string>>;

/** One sentence when the fact holds, the other when it does not. */
function either(holds: (facts: HostFacts) => boolean, ifHolds: string, otherwise: string): (facts: HostFacts) => string {
  return (facts) => (holds(facts) ? ifHolds : otherwise);
}

/** The host facts every answer lists, in host-facts spelling, with why the default is what it is and what a wrong value changes. */
const HOST_FACTS: readonly { key: keyof HostFacts; fact: string; basis: string; ifWrong: (facts: HostFacts) => string }[] = [
  { key: 'virtType', fact: 'virt_type', basis: 'a typical current KVM compute', ifWrong: either((f) => f.virtType === 'kvm', 'if the hosts run virt_type=qemu, there is no vhost: multiqueue and rx_queue_size are silently ignored and the NIC model list is QEMU\'s (§1.2, §2.2)', 'if the hosts run virt_type=kvm, vhost-net and multiqueue apply and the advice on queues is too cautious (§2.2)') },
  { key: 'vhostNet', fact: 'vhost_net', basis: 'a typical current KVM compute', ifWrong: either((f) => f.vhostNet, 'if vhost_net is not loaded, a multiqueue guest fails to start on kvm (libvirt demands vhost for queues > 1) (§2.2)', 'if vhost_net is loaded, multiqueue is available and the advice leaves throughput unused (§2.2)') },
  { key: 'ovsDpdk', fact: 'ovs_dpdk', basis: 'a typical current KVM compute', ifWrong: either((f) => f.ovsDpdk, 'if the ports are not vhost-user, huge pages are advised where they are not needed (§2.2)', 'if the ports are vhost-user (OVS-DPDK), a flavor without huge pages gets an interface that passes no traffic (§2.2)') },
  { key: 'kernelMajor', fact: 'kernel_major', basis: 'a typical current KVM compute', ifWrong: () => 'when max_queues is unset, the queue cap follows the host kernel major (3 => 8, 4 => 256, >= 5 => none, §2.2): a wrong kernel gives a wrong queue count' },
  { key: 'defaultMachineType', fact: 'default_machine_type', basis: "Nova's x86 default", ifWrong: (f) => `if [libvirt] hw_machine_type is not ${f.defaultMachineType}, images without hw_machine_type get another machine type, and with it other CD-ROM / disk buses (IDE only on pc, SATA on q35) (§2.3)` },
  { key: 'architecture', fact: 'architecture', basis: 'x86_64 computes', ifWrong: (f) => `if the computes are not ${f.architecture ?? 'x86_64'}, images without hw_architecture get another built-in machine type (aarch64 virt, ppc64le pseries, s390x s390-ccw-virtio) and a scsi CD-ROM on aarch64 / ppc / s390 (§2.3)` },
  { key: 'useVirtioForBridges', fact: 'use_virtio_for_bridges', basis: "Nova's default", ifWrong: either((f) => f.useVirtioForBridges === false, 'if [libvirt] use_virtio_for_bridges is on (Nova\'s default), images without hw_vif_model get virtio (§2.1 step 3)', 'if [libvirt] use_virtio_for_bridges is off, images without hw_vif_model (and no libosinfo answer) get no <model>: the hypervisor\'s default NIC, not virtio (§2.1 step 3)') },
  { key: 'pciInPlacement', fact: 'pci_in_placement', basis: "Nova's default", ifWrong: either((f) => f.pciInPlacement, 'if [filter_scheduler] pci_in_placement is off, flavor PCI devices are not in the Placement query: only the PciPassthroughFilter checks them and alias resource_class / traits are refused (§4.5, §4.6)', 'if [filter_scheduler] pci_in_placement is on, flavor PCI devices go into the Placement query and capacity counts them there (§4.5, §4.6)') },
];

function countBy(values: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([v, n]) => `${v} on ${n} host(s)`).join(', ');
}

/** The hypervisor facts Nova's os-hypervisors reported (§5.3), when the sync read them: observed. */
export function hypervisorAssumptions(hosts: readonly Host[]): FactAssumption[] {
  return [...hypervisorFacts.get(hosts)];
}

// Both walk every host (15,000 in a large cloud) and a host list never changes: worked out once per list, not per answer.
const hypervisorFacts = new WeakMemo<readonly Host[], FactAssumption[]>((hosts) => {
  const types = hosts.flatMap((h) => (h.hypervisorType === null ? [] : [h.hypervisorType]));
  const versions = hosts.flatMap((h) => (h.hypervisorVersion === null ? [] : [h.hypervisorVersion]));
  const out: FactAssumption[] = [];
  if (types.length > 0) {
    const distinct = [...new Set(types)].sort((a, b) => a.localeCompare(b));
    out.push({ fact: 'hypervisor_type', value: distinct.join(', '), origin: 'observed',
      source: `os-hypervisors hypervisor_type: ${countBy(types)}${types.length < hosts.length ? ` (${hosts.length - types.length} host(s) not reported)` : ''}`,
      ifWrong: 'libvirt reports QEMU for kvm and qemu alike (§5.3); another type means the host does not run the libvirt driver and libvirt-specific advice does not apply to it (§2)' });
  }
  if (versions.length > 0) {
    const min = Math.min(...versions);
    out.push({ fact: 'hypervisor_version', value: min, origin: 'observed',
      source: `os-hypervisors hypervisor_version, lowest of ${versions.length} host(s)`,
      ifWrong: 'the QEMU version bounds which device options libvirt can write (e.g. packed ring, queue sizes; §2.2)' });
  }
  return out;
});

/** What the hypervisor types observed say about virt_type: libvirt is seen, kvm vs qemu never is (§5.3). */
const libvirtSeen = new WeakMemo<readonly Host[], string>((hosts) => {
  const read = hosts.filter((h) => h.hypervisorType !== null);
  if (read.length === 0) return '';
  const libvirt = read.filter((h) => h.hypervisorType!.toUpperCase() === LIBVIRT_HYPERVISOR_TYPE).length;
  return `; libvirt observed on ${libvirt} of ${hosts.length} host(s) (hypervisor_type QEMU, the same for kvm and qemu)`;
});

/** The release as an assumption: the answer's `release`, restated. */
export function releaseAssumption(release: ReleaseAssumption): FactAssumption {
  return { fact: 'nova_release', value: release.release, origin: release.from, source: release.evidence,
    ifWrong: `release-dependent rules (flavor multiqueue, report_in_placement, pci_in_placement, packed ring, igb, the PCPU fallback: §7) follow ${releaseName(release.release)}; if the cloud runs another release, declare nova_release in HOST_FACTS_FILE` };
}

/**
 * Every fact an answer about these hosts rests on: the release, the host facts (declared where `sources` names
 * where, else the built-in default) and, when read, the hypervisor facts. `only` limits the host facts listed.
 */
export function factAssumptions(input: { release: ReleaseAssumption; facts: HostFacts; sources?: FactSources; hosts: readonly Host[] }, only?: readonly (keyof HostFacts)[]): FactAssumption[] {
  if (only !== undefined) return assumptionsOf(input, only);
  // By content: each answer works out its facts and sources afresh, as equal objects.
  const key = canonicalJson([input.release, input.facts, input.sources ?? {}]);
  return fullLists.get(input.hosts, key, () => assumptionsOf(input));
}

/**
 * The full list, one per host list and distinct release, facts and sources: every answer carries it (twice in a
 * recommendation, its preview restating it), so it is made once, not per answer (issue 16). Never changed once made.
 */
const fullLists = new KeyedWeakMemo<readonly Host[], string, FactAssumption[]>({ max: 64 });

function assumptionsOf(input: { release: ReleaseAssumption; facts: HostFacts; sources?: FactSources; hosts: readonly Host[] }, only?: readonly (keyof HostFacts)[]): FactAssumption[] {
  const sources = input.sources ?? {};
  const hostFacts = HOST_FACTS.filter((f) => only === undefined || only.includes(f.key)).map(({ key, fact, basis, ifWrong }): FactAssumption => {
    const declared = sources[key];
    const source = declared ?? `built-in default (${basis}; not declared in HOST_FACTS_FILE)`;
    const raw = input.facts[key] ?? null;
    const value = raw !== null && typeof raw === 'object' ? Object.entries(raw).map(([k, v]) => `${k}=${v}`).join(',') : raw;
    return { fact, value, origin: declared ? 'declared' : 'default',
      source: key === 'virtType' ? source + libvirtSeen.get(input.hosts) : source, ifWrong: ifWrong(input.facts) };
  });
  return [releaseAssumption(input.release), ...hostFacts, ...(only === undefined ? hypervisorAssumptions(input.hosts) : [])];
}
