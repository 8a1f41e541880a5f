// The first answer after start used to cost 4–20 times a later one (issue 16: 75–93 ms at 15,000 hosts against a
// target of 20): zod compiles each schema's parser and encoder on its first use, and V8 runs the rules unoptimised
// until they have run a while. A process answers a few made-up requests of each kind itself before a snapshot
// becomes current (registry.ts `warmWith`, wired by src/api/app.ts before the service listens), so the first
// caller finds that done. The warm-up goes through the rules, the schemas and the answers' encoding (answers.ts),
// not the advisor's operations: it writes no audit row, fills no answer cache, and never reaches the HTTP layer or
// its metrics; the capacity scans of its made-up requests stay among the scans kept per host list (least recently
// used out), as any answer's do.
import type { CloudSnapshot } from '../model/index.ts';
import { advise, validate, type RuleContext } from '../rules/index.ts';
import { AdviceBody, RecommendationRequest, WORKLOADS } from '../schemas/recommendation.ts';
import { ValidationBody, ValidationRequest } from '../schemas/validation.ts';
import { adviceAggregate, validationAggregate } from './aggregate.ts';
import { instanceOf } from './advice.ts';
import { freshAnswer } from './answers.ts';
import { UNSCOPED } from './policy.ts';
import { resolveFlavor, resolveImage } from './resolve.ts';

/**
 * Rounds of made-up requests: V8 optimises a function only after it has run a while, and a capacity scan is kept per
 * request, so each round asks something new and the scan runs again. 8 rather than 24: the first answer after ready
 * measured the same (10-13 ms at 15,000 hosts), the start 0.25 s shorter.
 */
const ROUNDS = 8;
/** Flavors and images looked at for distinct extra specs and properties: the warm-up stays a few milliseconds. */
const SAMPLED = 500;

/** Up to `count` items of the first SAMPLED with distinct `key`s. */
function distinct<T>(items: readonly T[], key: (item: T) => unknown, count: number): T[] {
  const seen = new Set<string>();
  const kept: T[] = [];
  for (const item of items.slice(0, SAMPLED)) {
    const signature = JSON.stringify(key(item));
    if (seen.has(signature)) continue;
    seen.add(signature);
    kept.push(item);
    if (kept.length === count) break;
  }
  return kept;
}

/**
 * The requests of each round, shaped like this cloud's: the extra specs of one of its flavors (CPU pinning, huge
 * pages, PCI aliases take other paths through the rules) and the properties of one of its images, inline with an
 * odd size no flavor is likely to have, so no round is a request a caller sends by id (whose capacity scan, kept per
 * request, would then be ready for that caller); every other round with SR-IOV VFs.
 */
function roundsOf(snapshot: CloudSnapshot): { recommendation: unknown; validation: unknown }[] {
  const specs = distinct(snapshot.flavors, (f) => f.extraSpecs, ROUNDS).map((f) => f.extraSpecs);
  const properties = distinct(snapshot.images, (i) => i.properties, ROUNDS).map((i) => i.properties);
  return Array.from({ length: ROUNDS }, (_, round) => {
    const flavor = { vcpus: 3 + (round % 5), ram: 3000 + 8 * round, disk: 7, extra_specs: specs[round % specs.length] ?? {} };
    const image = properties[round % properties.length] ?? {};
    const workload = WORKLOADS[round % WORKLOADS.length];
    const ports = round % 2 === 1 ? { vnic_type: 'direct', vfs: 1 + (round % 3) } : {};
    return {
      recommendation: { image: { properties: image }, flavor, workload, ...ports },
      validation: { properties: image, ...(round % 4 !== 3 && { flavor }), workload, ...ports },
    };
  });
}

/**
 * Answers the made-up requests on `snapshot` as the routes would (request schema, rules, the full answer and the
 * aggregate one, each encoded as answers.ts encodes it) and drops the answers, a round a step (see lib/turns.ts);
 * a request this cloud's data makes invalid is skipped. Resolves an image and a flavor by id too (the lookups), with
 * no answer. Throws what an answer would.
 */
export function* warmUpSteps(snapshot: CloudSnapshot, ctx: RuleContext): Generator<void, void> {
  const [firstImage] = snapshot.images;
  const [firstFlavor] = snapshot.flavors;
  const byId = RecommendationRequest.safeParse({ image: { id: firstImage?.id ?? 'none' }, flavor: { id: firstFlavor?.id ?? 'none' } });
  if (byId.success && firstImage && firstFlavor) {
    resolveImage(snapshot, byId.data.image, UNSCOPED);
    resolveFlavor(snapshot, byId.data.flavor, UNSCOPED);
  }
  for (const bodies of roundsOf(snapshot)) {
    yield;
    const request = RecommendationRequest.safeParse(bodies.recommendation);
    const asked = ValidationRequest.safeParse(bodies.validation);
    if (!request.success || !asked.success) continue;
    const { data } = request;
    const image = resolveImage(snapshot, data.image, UNSCOPED);
    const flavor = resolveFlavor(snapshot, data.flavor, UNSCOPED);
    const advice = advise(snapshot, { image, flavor, ...instanceOf(data), capacityHosts: data.capacity_hosts }, ctx);
    for (const answer of [advice, adviceAggregate(snapshot, advice)]) freshAnswer(snapshot, answer, AdviceBody).json();
    const validation = validate(snapshot, { properties: asked.data.properties, flavor: resolveFlavor(snapshot, asked.data.flavor, UNSCOPED), ...instanceOf(asked.data) }, ctx);
    for (const answer of [validation, validationAggregate(snapshot, validation)]) freshAnswer(snapshot, answer, ValidationBody).json();
  }
}
