// What recommendations, validations, previews and PCI config checks do, independent of HTTP: the routes and the
// CLI both call these, so `nova-advisor validate` and POST /v1/validations cannot disagree. Each answers for a
// caller (policy.ts): the images and flavors it names must be ones the caller may see, and a caller without
// host-level access gets aggregates (aggregate.ts).
import type { AdviceRequest, CloudSnapshot, Flavor, Image } from '../model/index.ts';
import { advise, checkPciConfig, preview, validate, type RuleContext } from '../rules/index.ts';
import type { SnapshotStore } from '../store/types.ts';
import { PciConfigCheckBody, type PciConfigCheckRequest } from '../schemas/pci-config.ts';
import type { PreviewRequest } from '../schemas/preview.ts';
import { AdviceBody, NovaPreview, type RecommendationRequest } from '../schemas/recommendation.ts';
import { type ValidationRequest, ValidationBody } from '../schemas/validation.ts';
import { adviceAggregate, previewAggregateOf, validationAggregate } from './aggregate.ts';
import { extend } from '../lib/objects.ts';
import { AnswerCache, answerOf, freshAnswer, type Answer } from './answers.ts';
import { AdvisorError } from './errors.ts';
import type { Caller } from './policy.ts';
import type { SnapshotRegistry } from './registry.ts';
import { PROPOSED_ID, resolveFlavor, resolveImage } from './resolve.ts';

export interface AdvisorDeps {
  store: SnapshotStore;
  registry: SnapshotRegistry;
  ruleContext: RuleContext;
}

/**
 * The part of a request that picks the answer, once its image and flavor are resolved for the caller: a name
 * can mean different items to different projects, so the key holds what it resolved to, and whether the answer
 * is the full one or the aggregate.
 */
function answerKey(body: object, image: Image | null, flavor: Flavor | null, caller: Caller): object {
  const ref = (item: Image | Flavor | null, given: unknown) => (item === null || item.id === PROPOSED_ID ? given : { id: item.id });
  const { image: givenImage, flavor: givenFlavor, ...rest } = body as { image?: unknown; flavor?: unknown };
  return extend(rest, { image: ref(image, givenImage), flavor: ref(flavor, givenFlavor), hostDetail: caller.hostDetail });
}

const adviceCache = new AnswerCache(AdviceBody, () => undefined);

/** What a recommendation or a validation says about the instance (the same request fields), as the rules take it. */
export function instanceOf(body: Omit<RecommendationRequest, 'image' | 'capacity_hosts'>): Omit<AdviceRequest, 'image' | 'flavor' | 'capacityHosts'> {
  return {
    workload: body.workload,
    vnicType: body.vnic_type,
    vnicBackend: body.vnic_backend,
    nics: body.nics,
    disks: body.disks,
    configDrive: body.config_drive,
    bootFromVolume: body.boot_from_volume,
    vfs: body.vfs,
    pci: body.pci?.map((p) => ({
      vendorId: p.vendor_id,
      productId: p.product_id,
      resourceClass: p.resource_class,
      deviceType: p.device_type,
      count: p.count,
    })),
    virtioDrivers: body.virtio_drivers,
    aliasResourceClasses: body.alias_resource_classes,
  };
}

export function recommend(deps: AdvisorDeps, caller: Caller, body: RecommendationRequest): Answer<AdviceBody> {
  const snapshot = deps.registry.answering(body.cloud);
  const image = resolveImage(snapshot, body.image, caller);
  const flavor = resolveFlavor(snapshot, body.flavor, caller);
  const { computed, cached } = adviceCache.get(deps.ruleContext, snapshot, answerKey(body, image, flavor, caller), () => {
    const advice = advise(snapshot, { image, flavor, ...instanceOf(body), capacityHosts: body.capacity_hosts }, deps.ruleContext);
    return caller.hostDetail ? advice : adviceAggregate(snapshot, advice);
  });
  return answerOf<AdviceBody>(snapshot, computed, cached);
}

/** A validation's cached answer keeps what its audit row records, for the requests that reuse it. */
const validationCache = new AnswerCache(ValidationBody, (body) => ({ verdict: body.verdict, findingIds: body.findings.map((f) => f.id) }));

/** Validates proposed image properties and records the verdict for audit (every request, cached answer or not). */
export function validateImage(deps: AdvisorDeps, caller: Caller, body: ValidationRequest): Answer<ValidationBody> {
  const snapshot = deps.registry.answering(body.cloud);
  const flavor = resolveFlavor(snapshot, body.flavor, caller);
  // The name is only recorded; leaving it out of the key lets differently named uploads share an answer.
  const { name: _name, ...unnamed } = body;
  const key = answerKey(unnamed, null, flavor, caller);
  const { computed, cached } = validationCache.get(deps.ruleContext, snapshot, key, () => {
    const validation = validate(snapshot, { properties: body.properties, flavor, ...instanceOf(body) }, deps.ruleContext);
    return caller.hostDetail ? validation : validationAggregate(snapshot, validation);
  });
  // Not awaited: the audit row goes in the store's next batch, so the answer does not wait for the database.
  // A failed batch is logged by the store; the caught rejection only keeps it from being unhandled.
  deps.store.recordValidation({
    cloud: snapshot.cloud,
    snapshotId: snapshot.id,
    imageRef: body.name ?? null,
    flavorRef: flavor ? (flavor.id === PROPOSED_ID ? flavor.name : flavor.id) : null,
    ...computed.kept,
  }).catch(() => undefined);
  return answerOf<ValidationBody>(snapshot, computed, cached);
}

/**
 * Checks a proposed [pci] device_spec / alias against the current snapshot (domain.md §4.1–§4.5). The answer is
 * the cloud's PCI providers, by name, so only callers with host-level access may ask (Placement answers others 403).
 */
export function checkPciConfiguration(deps: AdvisorDeps, caller: Caller, body: PciConfigCheckRequest): Answer<PciConfigCheckBody> {
  if (!caller.hostDetail) throw hostDetailNeeded('a PCI configuration check');
  const snapshot = deps.registry.answering(body.cloud);
  const check = checkPciConfig(
    snapshot,
    {
      deviceSpecs: body.device_spec,
      aliases: body.alias,
      reportInPlacement: body.report_in_placement,
      pciInPlacement: body.pci_in_placement,
    },
    deps.ruleContext,
  );
  return freshAnswer(snapshot, check, PciConfigCheckBody);
}

/** What Nova will do with an image + flavor (+ vNIC type), as they are (domain.md §2, §4.6). */
export function previewServer(deps: AdvisorDeps, caller: Caller, body: PreviewRequest): Answer<NovaPreview> {
  const snapshot: CloudSnapshot = deps.registry.answering(body.cloud);
  const result = preview(
    snapshot,
    {
      image: resolveImage(snapshot, body.image, caller),
      flavor: resolveFlavor(snapshot, body.flavor, caller)!,
      vnicType: body.vnic_type,
      vnicBackend: body.vnic_backend,
      disks: body.disks,
      configDrive: body.config_drive,
      bootFromVolume: body.boot_from_volume,
      aliasResourceClasses: body.alias_resource_classes,
      pciAliases: body.pci_alias,
    },
    deps.ruleContext,
  );
  return freshAnswer(snapshot, caller.hostDetail ? result : previewAggregateOf(snapshot, result), NovaPreview);
}

/** Refused to a caller without host-level access, as Placement and Nova's os-hypervisors refuse it. */
export function hostDetailNeeded(what: string): AdvisorError {
  return new AdvisorError('forbidden', `${what} shows host-level data, which needs one of the host-detail roles (docs/security.md)`);
}
