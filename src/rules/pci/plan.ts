// Which PCI devices an instance asks for, from the flavor's aliases, the request and the profile,
// turned into `[pci] alias` entries, the flavor extra spec and Placement demands (domain.md §4).
import type { PciDemand } from '../placement/capacity.ts';
import { makeFinding } from '../findings/catalog.ts';
import { NEUTRON_SRIOV_VNIC_TYPES, flavorEvidence } from '../vocabulary/nova.ts';
import {
  adviseAlias, defaultPciResourceClass, formatAliasSpec, parseAliasSpec, pciDeviceClasses, resolveAlias,
  suggestedAliasName, type PciDeviceClass,
} from './devices.ts';
import type { AdviceScope } from '../scope.ts';
import type { AdviceRequest, Finding, PciAliasAdvice, Recommendation } from '../../model/index.ts';

export interface PciPlan {
  aliases: PciAliasAdvice[];
  demands: PciDemand[];
  /** `pci_passthrough:alias` for the flavor, or null when no device is asked for. */
  spec: Recommendation | null;
  /** Some device asked for is a GPU (then `hw_video_model=none` is advised, §1.2). */
  hasGpu: boolean;
  findings: Finding[];
}

interface PlannedAlias {
  name: string;
  count: number;
  deviceClass: PciDeviceClass | null;
  /** A resource class the request named that no provider has. */
  missingClass: string | null;
  why: string;
}

function mostFree(classes: readonly PciDeviceClass[]): PciDeviceClass | undefined {
  return [...classes].sort((a, b) => b.free - a.free || a.resourceClass.localeCompare(b.resourceClass))[0];
}

function notInPlacement(what: string, classes: readonly PciDeviceClass[]): Finding {
  return makeFinding('pci-device-not-in-placement', 'pci_passthrough:alias',
    `${what}: no nested Placement provider has such devices (classes: ${classes.map((c) => c.resourceClass).join(', ') || 'none'}).`,
    [{ source: 'placement', ref: 'PCI resource providers', value: classes.length }]);
}

export function planPci(scope: AdviceScope, request: Pick<AdviceRequest, 'aliasResourceClasses' | 'vfs' | 'pci'>): PciPlan {
  const classes = pciDeviceClasses(scope.hosts);
  const findings: Finding[] = [];
  const planned: PlannedAlias[] = [];
  const flavor = scope.flavor;
  const currentSpec = flavor?.extraSpecs['pci_passthrough:alias'] ?? null;

  for (const entry of (currentSpec === null ? null : parseAliasSpec(currentSpec)) ?? []) {
    const resolution = resolveAlias(entry.name, classes, request.aliasResourceClasses);
    findings.push(...resolution.findings);
    if (resolution.resourceClass !== null && resolution.deviceClass === null) {
      findings.push(notInPlacement(`Alias "${entry.name}" -> ${resolution.resourceClass}`, classes));
    }
    planned.push({ name: entry.name, count: entry.count, deviceClass: resolution.deviceClass,
      missingClass: resolution.deviceClass ? null : resolution.resourceClass,
      why: `flavor ${flavor?.name} asks ${entry.name}:${entry.count}` });
  }

  // VFs behind Neutron SR-IOV ports carry a physnet and never reach Placement (§4.5, §7 surprise 8).
  if (NEUTRON_SRIOV_VNIC_TYPES.includes(scope.vnicType)) {
    findings.push(makeFinding('neutron-sriov-not-in-placement', 'vnicType',
      `${scope.profile.nics} vnic_type=${scope.vnicType} port(s) take VFs from devices tagged with a physical_network: Placement and the Nova APIs do not show them, so their free count cannot be checked here.`,
      [{ source: 'request', ref: 'vnicType', value: scope.vnicType }, { source: 'request', ref: 'nics', value: scope.profile.nics }]));
  } else if (scope.profile.vfs > 0) {
    const flavorVf = planned.find((p) => p.deviceClass?.deviceType === 'type-VF');
    const why = request.vfs !== undefined ? `the request asks ${scope.profile.vfs} VFs` : `the ${scope.workload} profile asks ${scope.profile.vfs} VFs`;
    if (flavorVf) {
      if (request.vfs !== undefined) Object.assign(flavorVf, { count: request.vfs, why });
    } else {
      const vfClass = mostFree(classes.filter((c) => c.deviceType === 'type-VF'));
      if (vfClass) planned.push({ name: suggestedAliasName(vfClass), count: scope.profile.vfs, deviceClass: vfClass, missingClass: null, why });
      else findings.push(notInPlacement(`${scope.profile.vfs} SR-IOV VFs`, classes));
    }
  }

  for (const device of request.pci ?? []) {
    const resourceClass = device.resourceClass
      ?? (device.vendorId && device.productId ? defaultPciResourceClass(device.vendorId, device.productId) : null);
    const deviceClass = classes.find((c) => c.resourceClass === resourceClass
      || (c.vendorId === device.vendorId?.toLowerCase() && c.productId === device.productId?.toLowerCase()));
    const what = resourceClass ?? `${device.vendorId ?? '*'}:${device.productId ?? '*'}`;
    if (!deviceClass) findings.push(notInPlacement(`The request's ${what}`, classes));
    planned.push({ name: deviceClass ? suggestedAliasName(deviceClass) : what.toLowerCase().replace(/[^a-z0-9]+/g, '-'),
      count: device.count, deviceClass: deviceClass ?? null, missingClass: deviceClass ? null : resourceClass,
      why: `the request asks ${device.count} × ${what}` });
  }

  if (scope.profile.pciDevices > 0 && planned.length === 0) {
    const whole = classes.filter((c) => c.deviceType !== 'type-VF');
    const chosen = mostFree(whole.filter((c) => c.kind === 'gpu')) ?? mostFree(whole);
    const why = `the ${scope.workload} profile asks ${scope.profile.pciDevices} whole PCI device`;
    if (chosen) planned.push({ name: suggestedAliasName(chosen), count: scope.profile.pciDevices, deviceClass: chosen, missingClass: null, why });
    else findings.push(notInPlacement(`${scope.profile.pciDevices} whole PCI device`, classes));
  }

  const aliases: PciAliasAdvice[] = [];
  const demands: PciDemand[] = [];
  for (const entry of planned) {
    if (entry.deviceClass) {
      const { advice, findings: aliasFindings } = adviseAlias(entry.name, entry.count, entry.deviceClass, scope.facts, entry.why, scope.release);
      aliases.push(advice);
      findings.push(...aliasFindings);
      demands.push({ resourceClass: entry.deviceClass.resourceClass, count: entry.count,
        requiredTraits: advice.alias.traits?.split(',') ?? [] });
    } else if (entry.missingClass) {
      demands.push({ resourceClass: entry.missingClass, count: entry.count, requiredTraits: [] });
    }
  }

  const value = formatAliasSpec(planned.map(({ name, count }) => ({ name, count })));
  return {
    aliases: aliases.sort((a, b) => a.alias.name.localeCompare(b.alias.name)),
    demands,
    spec: planned.length === 0 ? null : {
      key: 'pci_passthrough:alias', value, current: currentSpec,
      reason: `Set pci_passthrough:alias=${value}: ${planned.map((p) => p.why).join('; ')}; each alias name must exist in [pci] alias on nova-api and the computes (else HTTP 400).`,
      evidence: [flavorEvidence('pci_passthrough:alias', currentSpec), ...aliases.flatMap((a) => a.evidence.slice(0, 1))],
    },
    hasGpu: planned.some((p) => p.deviceClass?.kind === 'gpu'),
    findings,
  };
}
