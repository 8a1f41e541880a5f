// Public entry of the rules: pure, deterministic functions over a CloudSnapshot (design.md "Rules").
import { adviseWith } from './advise.ts';
import { preview as previewWith, type PreviewInput } from './preview/preview.ts';
import { verdictOf } from './findings/catalog.ts';
import { BUILTIN_GUEST_KNOWLEDGE } from './guest/builtin-table.ts';
import { hostIndexSteps } from './placement/host-index.ts';
import { DEFAULT_HOST_FACTS, hostsInScope, resolveHostFacts, scopeTraits } from './facts/host-facts.ts';
import type { Advice, AdviceRequest, CloudSnapshot, Finding, Flavor, GuestIdentity, GuestKnowledge, Host, HostFacts, HostFactsOverride, NovaPreview, Verdict } from '../model/index.ts';
import { buildScope, checkAll, uniqueFindings } from './validate.ts';

export { FINDINGS, verdictOf } from './findings/catalog.ts';
export { WORKLOAD_PROFILES } from './profiles/profiles.ts';
export { placementQuery } from './placement/query.ts';
export { DEFAULT_CAPACITY_HOSTS } from './placement/capacity.ts';
export { checkPciConfig } from './pci/config/check.ts';
export type { PciAliasModel, PciConfigCheck, PciConfigInput, PciExistingProvider, PciFlavorAliasUse, PciSpecModel } from './pci/config/check.ts';
export type * from '../model/index.ts';

export interface RuleContext {
  knowledge: GuestKnowledge;
  /** Declared for every host (cloud-wide). */
  hostFacts: HostFacts;
  /** Declared per cloud / aggregate / trait, on top of `hostFacts` (HOST_FACTS_FILE, docs/host-facts.md). */
  hostFactOverrides?: HostFactsOverride[];
}

type ScopedFacts = { facts: HostFacts; findings: Finding[] };

/**
 * Per rule context and host list, the declared facts by the traits that pick the hosts in scope: resolving them
 * reads every host, and the answer depends on nothing else (a snapshot never changes).
 */
const SCOPED_FACTS_MEMO_SIZE = 1_000;
const scopedFactsMemo = new WeakMap<RuleContext, WeakMap<readonly Host[], Map<string, ScopedFacts>>>();

/** The declared facts of the hosts this image + flavor can land on, and what to say when they differ. */
function scopeFacts(snapshot: CloudSnapshot, flavor: Flavor | null, properties: Record<string, string>, ctx: RuleContext): ScopedFacts {
  // Without overrides every host has the cloud-wide facts: no need to find the hosts in scope.
  if (!ctx.hostFactOverrides?.length) return { facts: ctx.hostFacts, findings: [] };
  let perHosts = scopedFactsMemo.get(ctx);
  if (!perHosts) {
    perHosts = new WeakMap();
    scopedFactsMemo.set(ctx, perHosts);
  }
  let byTraits = perHosts.get(snapshot.hosts);
  if (!byTraits) {
    byTraits = new Map();
    perHosts.set(snapshot.hosts, byTraits);
  }
  const traits = scopeTraits(flavor, properties);
  const key = JSON.stringify(traits);
  let scoped = byTraits.get(key);
  if (!scoped) {
    scoped = resolveHostFacts(ctx.hostFacts, ctx.hostFactOverrides, snapshot.cloud, hostsInScope(snapshot.hosts, traits));
    // Proposed images may name any trait; a bound keeps odd requests from growing the memo without end.
    if (byTraits.size >= SCOPED_FACTS_MEMO_SIZE) byTraits.clear();
    byTraits.set(key, scoped);
  }
  return scoped;
}

/**
 * Builds what every answer reads about the hosts (their index) ahead of the first request after a start or a sync
 * (~0.5 s at 15,000 hosts), one step per `next()`, so the caller can let requests run between steps.
 */
export function prepareSnapshot(snapshot: CloudSnapshot): Iterator<void, unknown> {
  return hostIndexSteps(snapshot.hosts);
}

export function defaultRuleContext(): RuleContext {
  return { knowledge: BUILTIN_GUEST_KNOWLEDGE, hostFacts: { ...DEFAULT_HOST_FACTS } };
}

export function advise(snapshot: CloudSnapshot, request: AdviceRequest, ctx: RuleContext): Advice {
  const declared = scopeFacts(snapshot, request.flavor, request.image.properties, ctx);
  const advice = adviseWith(snapshot, request, ctx.knowledge, declared.facts);
  return declared.findings.length === 0 ? advice : { ...advice, findings: uniqueFindings([...advice.findings, ...declared.findings]) };
}

/** What Nova will do with this image + flavor, on the declared facts of the hosts they can land on. */
export function preview(snapshot: CloudSnapshot, input: PreviewInput, ctx: RuleContext): NovaPreview {
  const declared = scopeFacts(snapshot, input.flavor, input.image.properties, ctx);
  return previewWith(snapshot, input, { ...ctx, hostFacts: declared.facts });
}

export function validate(
  snapshot: CloudSnapshot,
  input: { properties: Record<string, string>; flavor: Flavor | null },
  ctx: RuleContext,
): { verdict: Verdict; findings: Finding[]; guest: GuestIdentity } {
  const declared = scopeFacts(snapshot, input.flavor, input.properties, ctx);
  const scope = buildScope(input.properties, null, input.flavor, snapshot.hosts, ctx.knowledge, declared.facts);
  const findings = uniqueFindings([...checkAll(scope), ...declared.findings]);
  return { verdict: verdictOf(findings), findings, guest: scope.guest.identity };
}
