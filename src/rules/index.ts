// Public entry of the rules: pure, deterministic functions over a CloudSnapshot (design.md "Rules").
import { adviseWith } from './advise.ts';
import { verdictOf } from './findings.ts';
import { BUILTIN_GUEST_KNOWLEDGE } from './guest-table.ts';
import { DEFAULT_HOST_FACTS } from './host-facts.ts';
import type { Advice, AdviceRequest, CloudSnapshot, Finding, Flavor, GuestIdentity, GuestKnowledge, HostFacts, Verdict } from './types.ts';
import { buildScope, checkAll } from './validate.ts';

export { FINDINGS, verdictOf } from './findings.ts';
export { WORKLOAD_PROFILES } from './profiles.ts';
export type * from './types.ts';

export interface RuleContext {
  knowledge: GuestKnowledge;
  hostFacts: HostFacts;
}

export function defaultRuleContext(): RuleContext {
  return { knowledge: BUILTIN_GUEST_KNOWLEDGE, hostFacts: { ...DEFAULT_HOST_FACTS } };
}

export function advise(snapshot: CloudSnapshot, request: AdviceRequest, ctx: RuleContext): Advice {
  return adviseWith(snapshot, request, ctx.knowledge, ctx.hostFacts);
}

export function validate(
  snapshot: CloudSnapshot,
  input: { properties: Record<string, string>; flavor: Flavor | null },
  ctx: RuleContext,
): { verdict: Verdict; findings: Finding[]; guest: GuestIdentity } {
  const scope = buildScope(input.properties, null, input.flavor, snapshot.hosts, ctx.knowledge, ctx.hostFacts);
  const findings = checkAll(scope);
  return { verdict: verdictOf(findings), findings, guest: scope.guest.identity };
}
