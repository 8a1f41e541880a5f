// What a recommendation or validation does, independent of HTTP: the routes and the CLI both call these,
// so `nova-advisor validate` and POST /v1/validations cannot disagree.
import { z } from 'zod';
import { advise, checkPciConfig, preview, validate, type RuleContext } from '../rules/index.ts';
import type { CloudSnapshot, Flavor, Image } from '../model/index.ts';
import type { SnapshotRegistry } from './registry.ts';
import type { SnapshotStore } from '../store/types.ts';
import { ApiError, noSnapshot } from '../api/errors.ts';
import { namedItems, positionOf } from './lookup.ts';
import type { FlavorRef } from '../schemas/flavor.ts';
import type { ImageRef } from '../schemas/image.ts';
import type { PciConfigCheck, PciConfigCheckRequest } from '../schemas/pci-config.ts';
import type { PreviewRequest, PreviewResult } from '../schemas/preview.ts';
import { AdviceBody, type RecommendationRequest } from '../schemas/recommendation.ts';
import { type ValidationRequest, ValidationBody } from '../schemas/validation.ts';

export interface CoreDeps {
  store: SnapshotStore;
  registry: SnapshotRegistry;
  ruleContext: RuleContext;
}

/** Stands for the image or flavor a request proposes rather than names. */
export const PROPOSED_ID = 'proposed';

/** The snapshot answers come from; 503 while none is loaded, so clients retry rather than give up. */
export function currentSnapshot(registry: SnapshotRegistry, cloud: string | undefined): CloudSnapshot {
  const snapshot = registry.current(cloud);
  if (snapshot) return snapshot;
  // A cloud nobody has a snapshot of, while others are loaded, is a misspelt name rather than a wait.
  if (cloud !== undefined && registry.clouds().length > 0) {
    throw new ApiError('not_found', `unknown cloud "${cloud}"; known: ${registry.clouds().join(', ')}`);
  }
  throw noSnapshot(cloud);
}

export function snapshotRef(snapshot: CloudSnapshot, now: Date = new Date()) {
  return {
    id: snapshot.id,
    cloud: snapshot.cloud,
    source: snapshot.source,
    takenAt: snapshot.takenAt,
    ageSeconds: Math.max(0, Math.floor((now.getTime() - Date.parse(snapshot.takenAt)) / 1000)),
  };
}

function findOne<T extends { id: string; name: string | null }>(items: T[], kind: string, ref: { id?: string; name?: string }): T {
  if (ref.id !== undefined) {
    const at = positionOf(items, 'id', ref.id);
    if (at === undefined) throw new ApiError('not_found', `no ${kind} with id "${ref.id}" in the snapshot`);
    return items[at]!;
  }
  const named = namedItems(items, ref.name ?? '');
  const [first] = named;
  if (!first) throw new ApiError('not_found', `no ${kind} named "${ref.name}" in the snapshot`);
  // Glance image names are not unique; picking one silently could advise on the wrong image.
  if (named.length > 1) {
    throw new ApiError('conflict', `${named.length} ${kind}s are named "${ref.name}"; name one by id: ${named.map((i) => i.id).join(', ')}`);
  }
  return first;
}

export function resolveImage(snapshot: CloudSnapshot, ref: ImageRef): Image {
  if (ref.properties === undefined) return findOne(snapshot.images, 'image', ref);
  return {
    id: PROPOSED_ID,
    name: ref.name ?? null,
    status: PROPOSED_ID,
    visibility: null,
    diskFormat: null,
    minDiskGb: 0,
    minRamMb: 0,
    properties: ref.properties,
  };
}

export function resolveFlavor(snapshot: CloudSnapshot, ref: FlavorRef | undefined): Flavor | null {
  if (ref === undefined) return null;
  if (ref.vcpus === undefined || ref.ram === undefined) return findOne(snapshot.flavors, 'flavor', ref);
  return {
    id: PROPOSED_ID,
    name: ref.name ?? PROPOSED_ID,
    vcpus: ref.vcpus,
    ramMb: ref.ram,
    diskGb: ref.disk ?? 0,
    ephemeralGb: ref.ephemeral ?? 0,
    swapMb: ref.swap ?? 0,
    isPublic: true,
    extraSpecs: ref.extra_specs ?? {},
  };
}

/** JSON with object keys sorted, so requests that differ only in key order share a cache entry. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** An answer without its snapshot reference, and its JSON once some HTTP response needed it. */
interface CachedAnswer<T> {
  body: T;
  json: string | null;
}

/** Answers kept per snapshot and kind; enough for the requests a cloud's tooling repeats, bounded in memory (~1–50 KB each). */
const ANSWER_CACHE_SIZE = 500;

/**
 * Answers are a pure function of (rule context, snapshot, request) and a snapshot never changes (a sync makes a
 * new one), so they are memoized per rule context and snapshot object, least recently used out first. The
 * snapshot reference (its age changes every second) is added per response.
 */
class AnswerCache<T> {
  private readonly perContext = new WeakMap<RuleContext, WeakMap<CloudSnapshot, Map<string, CachedAnswer<T>>>>();

  get(ctx: RuleContext, snapshot: CloudSnapshot, request: unknown, compute: () => T): CachedAnswer<T> {
    let perSnapshot = this.perContext.get(ctx);
    if (!perSnapshot) {
      perSnapshot = new WeakMap();
      this.perContext.set(ctx, perSnapshot);
    }
    let entries = perSnapshot.get(snapshot);
    if (!entries) {
      entries = new Map();
      perSnapshot.set(snapshot, entries);
    }
    const key = canonicalJson(request);
    let answer = entries.get(key);
    if (answer) {
      // Map keeps insertion order: re-inserting marks it most recently used.
      entries.delete(key);
    } else {
      answer = { body: compute(), json: null };
      if (entries.size >= ANSWER_CACHE_SIZE) entries.delete(entries.keys().next().value!);
    }
    entries.set(key, answer);
    return answer;
  }
}

/** An answer as the CLI prints it (an object) or as an HTTP response sends it (JSON), with the snapshot it rests on. */
export interface Answer<T> {
  object(): T & { snapshot: ReturnType<typeof snapshotRef> };
  /** The body encoded through its schema (checked as the route serializer would) once per cached answer; the snapshot reference spliced in. */
  json(): string;
}

function answerOf<T extends object>(snapshot: CloudSnapshot, cached: CachedAnswer<T>, schema: z.ZodType<T>): Answer<T> {
  return {
    object: () => ({ ...cached.body, snapshot: snapshotRef(snapshot) }),
    json: () => {
      cached.json ??= JSON.stringify(z.encode(schema, cached.body));
      const rest = cached.json.slice(1);
      return `{"snapshot":${JSON.stringify(snapshotRef(snapshot))}${rest === '}' ? '' : ','}${rest}`;
    },
  };
}

const adviceCache = new AnswerCache<AdviceBody>();

export function recommend(deps: CoreDeps, body: RecommendationRequest): Answer<AdviceBody> {
  const snapshot = currentSnapshot(deps.registry, body.cloud);
  const cached = adviceCache.get(deps.ruleContext, snapshot, body, () => advise(
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
  return answerOf(snapshot, cached, AdviceBody);
}

const validationCache = new AnswerCache<ValidationBody>();

/** Validates proposed image properties and records the verdict for audit (every request, cached answer or not). */
export function validateImage(deps: CoreDeps, body: ValidationRequest): Answer<ValidationBody> {
  const snapshot = currentSnapshot(deps.registry, body.cloud);
  const flavor = resolveFlavor(snapshot, body.flavor);
  // The name is only recorded; leaving it out of the key lets differently named uploads share an answer.
  const cached = validationCache.get(deps.ruleContext, snapshot, { ...body, name: undefined }, () => validate(snapshot, { properties: body.properties, flavor }, deps.ruleContext));
  // Not awaited: the audit row goes in the store's next batch, so the answer does not wait for the database.
  // A failed batch is logged by the store; the caught rejection only keeps it from being unhandled.
  deps.store.recordValidation({
    cloud: snapshot.cloud,
    snapshotId: snapshot.id,
    imageRef: body.name ?? null,
    flavorRef: flavor ? (flavor.id === PROPOSED_ID ? flavor.name : flavor.id) : null,
    verdict: cached.body.verdict,
    findingIds: cached.body.findings.map((f) => f.id),
  }).catch(() => undefined);
  return answerOf(snapshot, cached, ValidationBody);
}

/** Checks a proposed [pci] device_spec / alias against the current snapshot (domain.md §4.1–§4.5). */
export function checkPciConfiguration(deps: CoreDeps, body: PciConfigCheckRequest): PciConfigCheck {
  const snapshot = currentSnapshot(deps.registry, body.cloud);
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
  return { ...check, snapshot: snapshotRef(snapshot) };
}

/** What Nova will do with an image + flavor (+ vNIC type), as they are (domain.md §2, §4.6). */
export function previewServer(deps: CoreDeps, body: PreviewRequest): PreviewResult {
  const snapshot = currentSnapshot(deps.registry, body.cloud);
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
  return { ...result, snapshot: snapshotRef(snapshot) };
}
