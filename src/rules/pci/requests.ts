// The PCI requests Nova records for a server (instance_extra.pci_requests, domain.md §4.3, §1.6): one per alias
// of the flavor's `pci_passthrough:alias` (NOVA `nova/pci/request.py` `get_pci_requests_from_flavor`), and one
// for an SR-IOV port (NOVA `nova/network/neutron.py` `create_resource_requests`), with the PCI NUMA affinity
// policy NOVA `nova/virt/hardware.py` `get_pci_numa_policy_constraint` picks, and the errors raised on the way.
import { parseAlias, groupFindings, type ParsedAlias } from './config/alias.ts';
import { parseAliasSpec } from './devices.ts';
import { flavorEvidence, imageEvidence } from '../vocabulary/nova.ts';
import type { Evidence, Flavor, NovaRelease, PciAliasAdvice, PreviewPciRequest, VnicType } from '../../model/index.ts';
import { mergeRecords } from '../../lib/objects.ts';

/** NOVA `nova/objects/fields.py` `PCINUMAAffinityPolicy.ALL`. */
const NUMA_POLICIES = ['required', 'legacy', 'preferred', 'socket'];
/** NOVA `nova/network/model.py` `VNIC_TYPES_SRIOV`: the vnic_types that get a PCI request (§1.6). */
const SRIOV_VNIC_TYPES: readonly VnicType[] = ['direct', 'macvtap', 'direct-physical', 'virtio-forwarder', 'vdpa', 'remote-managed'];
/** NOVA `nova/pci/request.py` `DEVICE_TYPE_FOR_VNIC_TYPE`. */
const DEVICE_TYPE_FOR_VNIC_TYPE: Partial<Record<VnicType, string>> = { 'direct-physical': 'type-PF', vdpa: 'vdpa' };

/** A server-create failure on the way to the PCI requests (the preview adds it with Outcome.fail). */
export interface PciRequestFailure {
  error: 'PciInvalidAlias' | 'PciRequestAliasNotDefined' | 'ImagePCINUMAPolicyForbidden' | 'InvalidPCINUMAAffinity' | 'InvalidRequest';
  field: string;
  message: string;
  source: string;
  evidence: Evidence[];
}

export interface PciRequestsInput {
  flavor: Flavor;
  properties: Record<string, string>;
  vnicType: VnicType;
  /** `[pci] alias` values of nova-api's nova.conf; absent: the aliases the advisor infers (`advised`). */
  aliasConfig?: string[];
  advised: PciAliasAdvice[];
  pciInPlacement: boolean;
  release: NovaRelease;
}

/** The `[pci] alias` values as `_get_alias_from_config` reads them: name → entries, or the refusal (§4.2). */
function readAliasConfig(values: string[], pciInPlacement: boolean, release: NovaRelease): Map<string, ParsedAlias[]> | PciRequestFailure {
  const byName = new Map<string, ParsedAlias[]>();
  const refuse = (why: string): PciRequestFailure => ({
    error: 'PciInvalidAlias', field: '[pci] alias', message: `${why} (nova-api refuses the whole [pci] alias configuration).`, source: 'domain.md §4.2, §2.7',
    evidence: values.map((v, i) => ({ source: 'request', ref: `pci_alias[${i}]`, value: v })),
  });
  for (const [index, raw] of values.entries()) {
    let object: unknown;
    try {
      object = JSON.parse(raw);
    } catch {
      return refuse(`pci_alias[${index}] is not JSON`);
    }
    if (typeof object !== 'object' || object === null || Array.isArray(object)) return refuse(`pci_alias[${index}] is not a JSON object`);
    const parsed = parseAlias(object as Record<string, unknown>, `pci_alias[${index}]`, pciInPlacement, release);
    const error = parsed.findings.find((f) => f.severity === 'error');
    if (error || !parsed.alias) return refuse(error?.message ?? `pci_alias[${index}] is invalid`);
    byName.set(parsed.alias.name, [...(byName.get(parsed.alias.name) ?? []), parsed.alias]);
  }
  for (const entries of byName.values()) {
    const error = groupFindings(entries, pciInPlacement, release).find((f) => f.severity === 'error');
    if (error) return refuse(error.message);
  }
  return byName;
}

/** An alias entry as Nova keeps it in the request's spec: name and numa_policy popped, device_type as dev_type. */
function specOf(alias: ParsedAlias): Record<string, string> {
  const { name: _name, numa_policy: _policy, device_type: deviceType, ...rest } = alias.object;
  const spec = Object.fromEntries(Object.entries(rest).map(([k, v]) => [k, String(v)]));
  return deviceType ? mergeRecords(spec, { dev_type: String(deviceType) }) : spec;
}

/** The advised alias as the spec Nova would keep for it. */
function specOfAdvice(advice: PciAliasAdvice): Record<string, string> {
  const { name: _name, numa_policy: _policy, device_type: deviceType, ...rest } = advice.alias;
  return Object.fromEntries([...Object.entries(rest).filter(([, v]) => v !== undefined).map(([k, v]): [string, string] => [k, String(v)]), ['dev_type', deviceType]]);
}

/** The PCI requests of a server create with this flavor, image and port, and the errors Nova raises on the way. */
export function pciRequestsOf(input: PciRequestsInput): { requests: PreviewPciRequest[]; failures: PciRequestFailure[] } {
  const { flavor, properties, vnicType } = input;
  const failures: PciRequestFailure[] = [];
  // get_pci_numa_policy_constraint: the flavor's and the image's policy must agree; the one set must be valid.
  const flavorPolicy = flavor.extraSpecs['hw:pci_numa_affinity_policy'] || null;
  const imagePolicy = properties['hw_pci_numa_affinity_policy'] || null;
  const policyEvidence = [flavorEvidence('hw:pci_numa_affinity_policy', flavorPolicy), imageEvidence('hw_pci_numa_affinity_policy', imagePolicy)];
  if (imagePolicy !== null && !NUMA_POLICIES.includes(imagePolicy)) {
    // An ImageMetaProps enum: ImageMeta.from_dict refuses it before any PCI code runs (§1.1).
    failures.push({ error: 'InvalidRequest', field: 'hw_pci_numa_affinity_policy', message: `hw_pci_numa_affinity_policy=${imagePolicy} is not one of ${NUMA_POLICIES.join(', ')}: ImageMeta.from_dict raises, the API answers 400 "Invalid image metadata".`, source: 'domain.md §1.1, §2.7', evidence: policyEvidence });
  } else if (flavorPolicy !== null && imagePolicy !== null && flavorPolicy !== imagePolicy) {
    failures.push({ error: 'ImagePCINUMAPolicyForbidden', field: 'hw_pci_numa_affinity_policy', message: `Image hw_pci_numa_affinity_policy=${imagePolicy} may not override the flavor's hw:pci_numa_affinity_policy=${flavorPolicy}: the API answers 403.`, source: 'domain.md §1.5, §2.7', evidence: policyEvidence });
  } else if (flavorPolicy !== null && !NUMA_POLICIES.includes(flavorPolicy)) {
    failures.push({ error: 'InvalidPCINUMAAffinity', field: 'hw:pci_numa_affinity_policy', message: `hw:pci_numa_affinity_policy=${flavorPolicy} is not one of ${NUMA_POLICIES.join(', ')}.`, source: 'domain.md §1.5, §2.7', evidence: policyEvidence });
  }
  const policy = flavorPolicy ?? imagePolicy;
  const policyFrom = flavorPolicy !== null ? 'flavor' as const : imagePolicy !== null ? 'image' as const : null;

  const requests: PreviewPciRequest[] = [];
  const aliasSpec = flavor.extraSpecs['pci_passthrough:alias'];
  const entries = aliasSpec === undefined ? [] : parseAliasSpec(aliasSpec) ?? [];
  const config = input.aliasConfig === undefined ? null : readAliasConfig(input.aliasConfig, input.pciInPlacement, input.release);
  if (config !== null && !(config instanceof Map) && entries.length > 0) {
    // Nova reads the aliases only when a flavor asks one (before 2025.2, at each server create).
    failures.push(config);
  } else {
    for (const { name, count } of entries) {
      const known = config instanceof Map ? config.get(name) : undefined;
      if (config instanceof Map && !known) {
        failures.push({ error: 'PciRequestAliasNotDefined', field: 'pci_passthrough:alias', message: `Alias "${name}" is not defined in the [pci] alias given: the API answers 400.`, source: 'domain.md §1.5, §4.3', evidence: [flavorEvidence('pci_passthrough:alias', aliasSpec ?? null)] });
        continue;
      }
      const advice = known ? undefined : input.advised.find((a) => a.alias.name === name);
      // `spec.pop('numa_policy', None)`, legacy when absent or empty; the flavor / image policy wins over it.
      const aliasPolicy = (known ? (known[0]!.object['numa_policy'] as string | undefined) : advice?.alias.numa_policy) || null;
      requests.push({
        requestedBy: 'flavor-alias', aliasName: name, count,
        spec: known ? known.map(specOf) : advice ? [specOfAdvice(advice)] : [],
        specFrom: known ? 'alias-config' : advice ? 'advised' : 'unknown',
        numaPolicy: policy ?? aliasPolicy ?? 'legacy',
        numaPolicyFrom: policyFrom ?? (aliasPolicy !== null ? 'alias' : 'alias-default'),
        requesterId: null, requestId: 'generated',
        reason: `pci_passthrough:alias asks ${name}:${count}; ${known ? 'the spec is the [pci] alias given' : advice ? 'the spec is the alias the advisor infers from Placement (pass pci_alias for nova-api\'s own)' : 'no [pci] alias given and none inferred: the spec is unknown'}.`,
        source: 'domain.md §4.3',
      });
    }
  }
  if (SRIOV_VNIC_TYPES.includes(vnicType)) {
    const devType = DEVICE_TYPE_FOR_VNIC_TYPE[vnicType];
    requests.push({
      requestedBy: 'neutron-port', aliasName: null, count: 1,
      // physical_network is the port's network's provider:physical_network, which only Neutron knows.
      spec: [{ physical_network: null, remote_managed: vnicType === 'remote-managed' ? 'True' : 'False', ...(devType ? { dev_type: devType } : {}) }],
      specFrom: 'port', numaPolicy: policy, numaPolicyFrom: policyFrom ?? 'unset', requesterId: null, requestId: 'generated',
      reason: `a vnic_type=${vnicType} port asks one device on its network's physical_network (unknown here; null for a tunnelled network)${devType ? `, dev_type ${devType}` : ''}; requester_id is the port id and a port numa_affinity_policy would win.`,
      source: 'domain.md §1.6, §4.3',
    });
  }
  return { requests, failures };
}
