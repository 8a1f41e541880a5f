// Public entry of the rules: pure, deterministic functions over a CloudSnapshot (design.md "Rules").
import { adviseWith } from './advise.ts';
import { preview as previewWith, type PreviewInput } from './preview/preview.ts';
import { verdictOf } from './findings/catalog.ts';
import { BUILTIN_GUEST_KNOWLEDGE } from './guest/builtin-table.ts';
import { hostIndexSteps } from './placement/host-index.ts';
import { DEFAULT_HOST_FACTS, hostsInScope, resolveHostFacts, scopeTraits } from './facts/host-facts.ts';
import type { Advice, AdviceRequest, CloudSnapshot, Finding, Flavor, Host, HostFacts, NovaPreview, ReleaseAssumption, Validation, ValidationInput } from '../model/index.ts';
import { adviceScope, buildScope, declaredRelease, type RuleContext } from './scope.ts';
import { uniqueFindings, validateScope } from './validate.ts';
import { factsForRelease, releaseName, releaseOf } from './release/release.ts';
import { factAssumptions, hypervisorFindings, novaConfFindings, type FactSources } from './facts/assumptions.ts';
import { pciDeviceClassSteps } from './pci/devices.ts';
import { prepareHostSupport } from './devices/host-traits.ts';
import { computeServiceFindings } from './placement/compute-service.ts';
import { flavorCapacityWith, type FlavorCapacity } from './flavor-capacity.ts';
import { KeyedWeakMemo, WeakMemo } from '../lib/memo.ts';
import { extend } from '../lib/objects.ts';

export { FINDINGS, NAMED_HOSTS, verdictOf } from './findings/catalog.ts';
export { WORKLOAD_PROFILES } from './profiles/profiles.ts';
export { placementQuery } from './placement/query.ts';
export { DEFAULT_CAPACITY_HOSTS } from './placement/capacity.ts';
export { checkPciConfig } from './pci/config/check.ts';
export { inventoryCapacity, providerFree } from './pci/devices.ts';
export type { PciConfigInput } from './pci/config/check.ts';
export type * from '../model/index.ts';
export type { RuleContext } from './scope.ts';
export type { FlavorCapacity, HostInstances } from './flavor-capacity.ts';

type ScopedFacts = { facts: HostFacts; findings: Finding[]; from: FactSources };

/**
 * Per rule context and host list, the declared facts by the traits that pick the hosts in scope: resolving them
 * reads every host, and the answer depends on nothing else (a snapshot never changes). Proposed images may name
 * any trait; a bound keeps odd requests from growing the memo without end.
 */
const SCOPED_FACTS_MEMO_SIZE = 1_000;
const scopedFactsMemo = new WeakMemo<RuleContext, KeyedWeakMemo<readonly Host[], string, ScopedFacts>>(
  () => new KeyedWeakMemo({ max: SCOPED_FACTS_MEMO_SIZE }),
);

/** The declared facts of the hosts this image + flavor can land on, and what to say when they differ. */
function scopeFacts(snapshot: CloudSnapshot, flavor: Flavor | null, properties: Record<string, string>, ctx: RuleContext): ScopedFacts {
  // Without overrides every host has the cloud-wide facts: no need to find the hosts in scope.
  const overrides = ctx.hostFactOverrides;
  if (!overrides?.length) return { facts: ctx.hostFacts, findings: [], from: {} };
  const traits = scopeTraits(flavor, properties);
  return scopedFactsMemo.get(ctx).get(snapshot.hosts, JSON.stringify(traits),
    () => resolveHostFacts(ctx.hostFacts, overrides, snapshot.cloud, hostsInScope(snapshot.hosts, traits)));
}

/**
 * Builds what answers read about the hosts and that depends on the snapshot alone, ahead of the first request after
 * a start or a sync, one step per `next()`, so the caller can let requests run between steps: the host index, the
 * PCI device classes (a walk of every PCI provider) and the per-host-list facts below, each a walk of every host
 * (at 15,000 hosts the first answers spent ~0.1 s of CPU on them when they were built on first use, issue 16).
 */
export function* prepareSnapshot(snapshot: CloudSnapshot): Generator<void, void> {
  const { hosts } = snapshot;
  for (const steps of [hostIndexSteps(hosts), pciDeviceClassSteps(hosts)]) while (!steps.next().done) yield;
  prepareHostSupport(hosts);
  yield;
  const { release } = releaseOf(snapshot, undefined);
  // With the built-in facts: an answer on other declared facts (virt_type) words its finding once more, cheaply.
  hypervisorFindings(hosts, DEFAULT_HOST_FACTS);
  factAssumptions({ release, facts: DEFAULT_HOST_FACTS, hosts });
  computeServiceFindings(hosts);
}

export function defaultRuleContext(): RuleContext {
  return { knowledge: BUILTIN_GUEST_KNOWLEDGE, hostFacts: { ...DEFAULT_HOST_FACTS } };
}

/**
 * What every answer rests on besides the request: the release it assumes (release/release.ts) and the declared facts
 * of the hosts in scope as that release can have them, with the findings both raise.
 */
function answerBasis(snapshot: CloudSnapshot, flavor: Flavor | null, properties: Record<string, string>, ctx: RuleContext): { release: ReleaseAssumption; facts: HostFacts; sources: FactSources; findings: Finding[] } {
  const release = releaseOf(snapshot, declaredRelease(ctx, snapshot.cloud));
  const declared = scopeFacts(snapshot, flavor, properties, ctx);
  const gated = factsForRelease(declared.facts, release.release);
  const sources: FactSources = extend(ctx.hostFactsDeclared ?? {}, declared.from);
  if (gated.facts.pciInPlacement !== declared.facts.pciInPlacement) {
    sources.pciInPlacement = `Nova ${releaseName(release.release.release)} has no [filter_scheduler] pci_in_placement (new in 2023.1); declared true is not applied`;
  }
  return { release: release.release, facts: gated.facts, sources,
    findings: [...release.findings, ...declared.findings, ...gated.findings, ...hypervisorFindings(snapshot.hosts, gated.facts), ...novaConfFindings(ctx.novaConfReport, snapshot.cloud)] };
}

export function advise(snapshot: CloudSnapshot, request: AdviceRequest, ctx: RuleContext): Advice {
  const basis = answerBasis(snapshot, request.flavor, request.image.properties, ctx);
  const advice = adviseWith(snapshot, request, ctx.knowledge, basis.facts, basis.release, basis.sources);
  // Capacity leaves out hosts whose compute service is down (placement/compute-service.ts): say how many.
  const findings = [...basis.findings, ...(advice.capacity ? computeServiceFindings(snapshot.hosts) : [])];
  return findings.length === 0 ? advice : { ...advice, findings: uniqueFindings([...advice.findings, ...findings]) };
}

/** What Nova will do with this image + flavor, on the declared facts of the hosts they can land on. */
export function preview(snapshot: CloudSnapshot, input: PreviewInput, ctx: RuleContext): NovaPreview {
  const basis = answerBasis(snapshot, input.flavor, input.image.properties, ctx);
  return previewWith(snapshot, input, extend(ctx, { hostFacts: basis.facts, hostFactsDeclared: basis.sources }), basis.release);
}

/**
 * Where a flavor fits as it is and how many instances, for an image without properties (flavor-capacity.ts): the
 * metrics' and the web page's capacity per flavor. The `capacityHosts` hosts that take the most are listed, and
 * every host's instances are given by position.
 */
export function flavorCapacity(snapshot: CloudSnapshot, flavor: Flavor, ctx: RuleContext, capacityHosts: number): FlavorCapacity {
  const basis = answerBasis(snapshot, flavor, {}, ctx);
  return flavorCapacityWith(snapshot, flavor, ctx.knowledge, basis.facts, basis.release, capacityHosts);
}

/** Proposed image properties checked for the instance the input describes (workload, ports, disks, drivers, devices). */
export function validate(snapshot: CloudSnapshot, input: ValidationInput, ctx: RuleContext): Validation {
  const basis = answerBasis(snapshot, input.flavor, input.properties, ctx);
  const scope = adviceScope(buildScope(input.properties, null, input.flavor, snapshot.hosts, ctx.knowledge, basis.facts, basis.release, input.virtioDrivers), input);
  const checked = validateScope(scope, input);
  const findings = uniqueFindings([...checked.findings, ...basis.findings]);
  return { verdict: verdictOf(findings), findings, guest: scope.guest.identity, release: basis.release,
    assumptions: factAssumptions({ release: basis.release, facts: basis.facts, sources: basis.sources, hosts: snapshot.hosts }),
    properties: checked.properties };
}
