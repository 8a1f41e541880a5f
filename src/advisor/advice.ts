// What recommendations, validations, previews and PCI config checks do, independent of HTTP: the routes and the
// CLI both call these, so `nova-advisor validate` and POST /v1/validations cannot disagree.
import { advise, checkPciConfig, preview, validate, type RuleContext } from '../rules/index.ts';
import type { SnapshotStore } from '../store/types.ts';
import { PciConfigCheckBody, type PciConfigCheckRequest } from '../schemas/pci-config.ts';
import type { PreviewRequest } from '../schemas/preview.ts';
import { AdviceBody, NovaPreview, type RecommendationRequest } from '../schemas/recommendation.ts';
import { type ValidationRequest, ValidationBody } from '../schemas/validation.ts';
import { AnswerCache, answerOf, freshAnswer, type Answer } from './answers.ts';
import type { SnapshotRegistry } from './registry.ts';
import { PROPOSED_ID, resolveFlavor, resolveImage } from './resolve.ts';

export interface AdvisorDeps {
  store: SnapshotStore;
  registry: SnapshotRegistry;
  ruleContext: RuleContext;
}

const adviceCache = new AnswerCache<AdviceBody>();

export function recommend(deps: AdvisorDeps, body: RecommendationRequest): Answer<AdviceBody> {
  const snapshot = deps.registry.answering(body.cloud);
  const computed = adviceCache.get(deps.ruleContext, snapshot, body, () => advise(
    snapshot,
    {
      image: resolveImage(snapshot, body.image),
      flavor: resolveFlavor(snapshot, body.flavor),
      workload: body.workload,
      vnicType: body.vnic_type,
      nics: body.nics,
      disks: body.disks,
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
      capacityHosts: body.capacity_hosts,
    },
    deps.ruleContext,
  ));
  return answerOf(snapshot, computed, AdviceBody);
}

const validationCache = new AnswerCache<ValidationBody>();

/** Validates proposed image properties and records the verdict for audit (every request, cached answer or not). */
export function validateImage(deps: AdvisorDeps, body: ValidationRequest): Answer<ValidationBody> {
  const snapshot = deps.registry.answering(body.cloud);
  const flavor = resolveFlavor(snapshot, body.flavor);
  // The name is only recorded; leaving it out of the key lets differently named uploads share an answer.
  const computed = validationCache.get(deps.ruleContext, snapshot, { ...body, name: undefined }, () => validate(snapshot, { properties: body.properties, flavor }, deps.ruleContext));
  // Not awaited: the audit row goes in the store's next batch, so the answer does not wait for the database.
  // A failed batch is logged by the store; the caught rejection only keeps it from being unhandled.
  deps.store.recordValidation({
    cloud: snapshot.cloud,
    snapshotId: snapshot.id,
    imageRef: body.name ?? null,
    flavorRef: flavor ? (flavor.id === PROPOSED_ID ? flavor.name : flavor.id) : null,
    verdict: computed.body.verdict,
    findingIds: computed.body.findings.map((f) => f.id),
  }).catch(() => undefined);
  return answerOf(snapshot, computed, ValidationBody);
}

/** Checks a proposed [pci] device_spec / alias against the current snapshot (domain.md §4.1–§4.5). */
export function checkPciConfiguration(deps: AdvisorDeps, body: PciConfigCheckRequest): Answer<PciConfigCheckBody> {
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
export function previewServer(deps: AdvisorDeps, body: PreviewRequest): Answer<NovaPreview> {
  const snapshot = deps.registry.answering(body.cloud);
  const result = preview(
    snapshot,
    {
      image: resolveImage(snapshot, body.image),
      flavor: resolveFlavor(snapshot, body.flavor)!,
      vnicType: body.vnic_type,
      disks: body.disks,
      aliasResourceClasses: body.alias_resource_classes,
    },
    deps.ruleContext,
  );
  return freshAnswer(snapshot, result, NovaPreview);
}
