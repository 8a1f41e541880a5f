// Side by side with Placement (issue 5): loads the lab's real Placement (../shared/openstack-lab) with a few
// hundred synthetic hosts and their PCI providers through its API, reads them back with the real client as a
// sync would, then for the same flavors translates each into the query Nova sends (src/rules placementQuery),
// and compares the hosts our capacity answer (computeCapacity) says fit with those Placement's
// GET /allocation_candidates returns for exactly that query: the same hosts, and the time of each, as a ratio.
//   npx tsx bench/placement-compare.ts [--hosts 300] [--flavors 42] [--seed 1] [--max-pci-groups 2]
//       [--cloud lab-admin] [--clouds-yaml /var/lib/openstack-lab/clouds.yaml] [--keep] [--json FILE]
// The providers it creates are named `bench-…` and removed with their allocations at the end (and at the
// start, after an interrupted run); the lab's own providers are only read. Custom traits and resource
// classes (CUSTOM_RACK_n, CUSTOM_PCI_…) are created when missing and left. At most 4 calls at a time.
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pLimit from 'p-limit';
import { pino } from 'pino';
import { normaliseCloud, normaliseFlavor } from '../src/sync/normalise.ts';
import { createClient, type OpenStackClient } from '../src/openstack/client.ts';
import { loadCloudConfigs } from '../src/openstack/config.ts';
import type { RawCloud } from '../src/openstack/schemas.ts';
import { computeCapacity, type CapacityRequest, type PciDemand } from '../src/rules/placement/capacity.ts';
import { parseAliasSpec } from '../src/rules/pci/devices.ts';
import { placementQuery, type PlacementQueryContext } from '../src/rules/placement/query.ts';
import type { Capacity, Flavor, Host, Image } from '../src/model/index.ts';
import { finishReport, formatCount, formatMs, intFlag, newReport, type BenchReport } from './common.ts';
import { ALIAS_RESOURCE_CLASSES, generateSyntheticCloud } from './synthetic-cloud.ts';

const PREFIX = 'bench-';
const MAX_HOSTS = 300;
const CONCURRENCY = 4;
const MICROVERSION = 'placement 1.39';
/** Repeats of our (sub-millisecond) answer, to time it above the clock's resolution; the median is kept. */
const OUR_REPEATS = 15;
const LAB_CLOUDS_YAML = '/var/lib/openstack-lab/clouds.yaml';
/** Issue 16: Placement's allocation_candidates ÷ our answer for the same query, for every flavor that fits somewhere. */
const TARGET_RATIO = 1000;

/** The guest every compared request uses: virtio NIC and disk, so the device traits are the common ones. */
const IMAGE: Pick<Image, 'properties'> = { properties: { hw_vif_model: 'virtio', hw_disk_bus: 'virtio' } };
/**
 * pci_in_placement, so each PCI device is a request group Placement itself checks (as the lab acceptance test
 * does); the image prefilter, so the NIC model and disk bus are root traits of the query too, and our side
 * needs no device traits beyond it.
 */
const FACTS: PlacementQueryContext['facts'] = { imageMetadataPrefilter: true, pciInPlacement: true };
/**
 * Nova's limit (1000) would cut a flavor with two VF groups to part of its hosts (8,826 candidates at 300 hosts);
 * the comparison is of every host that fits. Placement builds every candidate and only then slices the list
 * (research_context.py limit_results), so a limit no answer reaches costs it nothing.
 */
const CANDIDATE_LIMIT = Number.MAX_SAFE_INTEGER;

class PlacementError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
    message: string,
  ) {
    super(message);
  }
}

/** Placement writes (the client library only reads): the session's token and endpoint, plain fetch. */
class PlacementWriter {
  calls = 0;

  constructor(
    private readonly client: OpenStackClient,
    readonly endpoint: string,
  ) {}

  async call<T = unknown>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<{ data: T; ms: number }> {
    const token = await this.client.session.token();
    const send = () => {
      this.calls++;
      return fetch(`${this.endpoint}${path}`, {
        method,
        headers: {
          'X-Auth-Token': token, 'OpenStack-API-Version': MICROVERSION, Accept: 'application/json',
          ...(body !== undefined && { 'Content-Type': 'application/json' }),
        },
        ...(body !== undefined && { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(120_000),
      });
    };
    let started = performance.now();
    let res: Response;
    try {
      res = await send();
    } catch {
      // gunicorn closes idle keep-alive sockets after 2 s; a request sent on one just closed never reached
      // Placement, so it is sent again once (a POST that did arrive then answers 409, handled by the caller).
      started = performance.now();
      res = await send();
    }
    const text = await res.text();
    const ms = performance.now() - started;
    if (res.status >= 300) throw new PlacementError(res.status, text, `Placement ${method} ${path} → ${res.status}: ${text.slice(0, 400)}`);
    return { data: (text ? JSON.parse(text) : null) as T, ms };
  }
}

interface Provider {
  uuid: string;
  name: string;
  parent_provider_uuid: string | null;
}

/**
 * Waits for every call, then throws the first failure: Promise.all would reject while the other calls still
 * run, and a cleanup started then would race them.
 */
async function settle(calls: Promise<unknown>[]): Promise<void> {
  const failed = (await Promise.allSettled(calls)).find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

// ---------------------------------------------------------------- load and remove the synthetic hosts

/** Removes every `bench-` provider: first the allocations on them, then children, then roots. */
async function removeBenchProviders(placement: PlacementWriter): Promise<number> {
  const limit = pLimit(CONCURRENCY);
  const { data } = await placement.call<{ resource_providers: Provider[] }>('GET', '/resource_providers');
  const ours = data.resource_providers.filter((p) => p.name.startsWith(PREFIX));
  const consumers = new Set<string>();
  await settle(ours.map((p) => limit(async () => {
    const { data: held } = await placement.call<{ allocations: Record<string, unknown> }>('GET', `/resource_providers/${p.uuid}/allocations`);
    for (const consumer of Object.keys(held.allocations)) consumers.add(consumer);
  })));
  await settle([...consumers].map((c) => limit(() => placement.call('DELETE', `/allocations/${c}`))));
  for (const level of [ours.filter((p) => p.parent_provider_uuid !== null), ours.filter((p) => p.parent_provider_uuid === null)]) {
    await settle(level.map((p) => limit(() => placement.call('DELETE', `/resource_providers/${p.uuid}`))));
  }
  return ours.length;
}

/**
 * The synthetic hosts, renamed `bench-…`. Traits this Placement does not know (os-traits newer than the lab's
 * Zed) are dropped on both sides, since a sync can only read what Placement holds.
 */
async function loadHosts(placement: PlacementWriter, raw: RawCloud): Promise<{ droppedTraits: string[] }> {
  const limit = pLimit(CONCURRENCY);
  const { data: known } = await placement.call<{ traits: string[] }>('GET', '/traits');
  const { data: classes } = await placement.call<{ resource_classes: { name: string }[] }>('GET', '/resource_classes');
  const knownTraits = new Set(known.traits);
  const knownClasses = new Set(classes.resource_classes.map((c) => c.name));
  const allTraits = new Set(Object.values(raw.traits).flatMap((t) => t.traits));
  const allClasses = new Set(Object.values(raw.inventories).flatMap((i) => Object.keys(i.inventories)));
  // One at a time: on the lab, classes created 4 at a time answered 201 and were then missing (custom class
  // ids are allocated max + 1). They stay afterwards, as Nova's do.
  const traits = [...allTraits].filter((t) => t.startsWith('CUSTOM_') && !knownTraits.has(t));
  for (const t of traits) await placement.call('PUT', `/traits/${t}`);
  for (const c of [...allClasses].filter((rc) => rc.startsWith('CUSTOM_') && !knownClasses.has(rc))) {
    await placement.call('PUT', `/resource_classes/${c}`);
    await placement.call('GET', `/resource_classes/${c}`);
  }
  for (const t of traits) knownTraits.add(t);
  const droppedTraits = [...allTraits].filter((t) => !knownTraits.has(t));

  const roots = raw.resource_providers.filter((p) => p.parent_provider_uuid === null);
  const children = raw.resource_providers.filter((p) => p.parent_provider_uuid !== null);
  for (const level of [roots, children]) {
    await settle(level.map((p) => limit(async () => {
      const base = `/resource_providers/${p.uuid}`;
      const create = { uuid: p.uuid, name: `${PREFIX}${p.name}`, ...(p.parent_provider_uuid && { parent_provider_uuid: p.parent_provider_uuid }) };
      const created = await placement.call<{ generation: number }>('POST', '/resource_providers', create).catch((err: unknown) => {
        if (err instanceof PlacementError && err.status === 409) return placement.call<{ generation: number }>('GET', base);
        throw err;
      });
      let generation = created.data.generation;
      const put = async (what: string, body: Record<string, unknown>): Promise<void> => {
        const { data } = await placement.call<{ resource_provider_generation: number }>('PUT', `${base}/${what}`, { ...body, resource_provider_generation: generation });
        generation = data.resource_provider_generation;
      };
      await put('inventories', { inventories: raw.inventories[p.uuid]?.inventories ?? {} });
      await put('traits', { traits: (raw.traits[p.uuid]?.traits ?? []).filter((t) => knownTraits.has(t)) });
      const aggregates = raw.aggregates[p.uuid]?.aggregates ?? [];
      if (aggregates.length > 0) await put('aggregates', { aggregates });
    })));
  }

  // Usages come from allocations: one consumer per round, each taking at most max_unit of every class still
  // in use in the tree (a host's VCPU usage can be 8× its total with ratio 16).
  const trees = new Map<string, string[]>();
  for (const p of raw.resource_providers) trees.set(p.root_provider_uuid, [...(trees.get(p.root_provider_uuid) ?? []), p.uuid]);
  await settle([...trees.values()].map((members) => limit(async () => {
    const remaining = members.flatMap((uuid) =>
      Object.entries(raw.usages[uuid]?.usages ?? {}).filter(([, used]) => used > 0).map(([rc, used]) => ({ uuid, rc, used, maxUnit: raw.inventories[uuid]!.inventories[rc]!.max_unit })));
    while (remaining.some((r) => r.used > 0)) {
      const allocations: Record<string, { resources: Record<string, number> }> = {};
      for (const r of remaining.filter((x) => x.used > 0)) {
        const take = Math.min(r.used, r.maxUnit);
        (allocations[r.uuid] ??= { resources: {} }).resources[r.rc] = take;
        r.used -= take;
      }
      await placement.call('PUT', `/allocations/${randomUUID()}`, {
        allocations, project_id: 'bench-project', user_id: 'bench-user', consumer_generation: null, consumer_type: 'INSTANCE',
      });
    }
  })));
  return { droppedTraits };
}

// ---------------------------------------------------------------- one flavor, both ways

interface Comparison {
  flavor: string;
  pciGroups: number;
  ours: number;
  placement: number;
  onlyOurs: number;
  onlyPlacement: number;
  ourMs: number;
  placementMs: number;
  candidates: number;
  /** Why we refused a host Placement offers, for the first such host. */
  disagreement?: string;
}

/**
 * The flavor's devices, through the `[pci] alias` table nova.conf would hold for the synthetic cloud. Its
 * aliases name vendor and product (Nova's default CUSTOM_PCI_<V>_<P> class), so they carry no traits.
 */
function pciDemands(flavor: Flavor): PciDemand[] {
  return (parseAliasSpec(flavor.extraSpecs['pci_passthrough:alias'] ?? '') ?? []).map(({ name, count }) => {
    const resourceClass = ALIAS_RESOURCE_CLASSES[name];
    if (!resourceClass) throw new Error(`flavor ${flavor.name}: PCI alias ${name} is not in the synthetic cloud's alias table`);
    return { resourceClass, count, requiredTraits: [] };
  });
}

/**
 * computeCapacity keeps its scan per host list and request, so repeats on one list would time cache hits: each
 * repeat gets its own copy of the list, in the state of a snapshot that is serving: its host index built (the
 * registry prepares it before the snapshot answers), and one answer given on it, to a made-up flavor no compared one
 * asks like (1 VCPU, 1 MiB), listing every host that fits it (each host's PCI figures are built when an answer first
 * lists it, then kept for the snapshot's life). A timed call computes the scan and the answer.
 */
function hostListsToTime(hosts: readonly Host[], template: Flavor): (readonly Host[])[] {
  const madeUp: Flavor = { ...template, id: 'bench-made-up', name: 'bench-made-up', vcpus: 1, ramMb: 1, diskGb: 0, ephemeralGb: 0, swapMb: 0, extraSpecs: {} };
  const query = placementQuery(madeUp, IMAGE, { facts: FACTS, pci: [], limit: CANDIDATE_LIMIT });
  return Array.from({ length: OUR_REPEATS }, () => {
    const copy = [...hosts];
    computeCapacity(copy, { query, deviceTraits: [], capacityHosts: copy.length });
    return copy;
  });
}

/** Our sub-millisecond times, to the microsecond. */
function oursMs(ms: number): string {
  return `${ms.toFixed(3)} ms`;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

/** Our request for the flavor, or null when it has more PCI request groups than compared. */
function requestOf(flavor: Flavor, hostCount: number, maxGroups: number): { request: CapacityRequest; groups: number } | null {
  const query = placementQuery(flavor, IMAGE, { facts: FACTS, pci: pciDemands(flavor), limit: CANDIDATE_LIMIT });
  // The numbered groups are the PCI devices: the synthetic flavors have no resourcesN: extra specs.
  const groups = query.groups.filter((g) => g.suffix !== '').length;
  // capacityHosts = the host count: the comparison needs every fitting host, not the answer's default top 20.
  return groups > maxGroups ? null : { request: { query, deviceTraits: [], capacityHosts: hostCount }, groups };
}

/**
 * A running service has run the capacity code many times before an answer is timed; this process has not, and V8
 * runs a function unoptimised at first. So every compared request is answered once, untimed, on a copy of the
 * hosts of its own (no timed repeat reuses its scans), before any is timed.
 */
function warmUp(hosts: readonly Host[], flavors: readonly Flavor[], maxGroups: number): void {
  const copy = [...hosts];
  for (const flavor of flavors) {
    const asked = requestOf(flavor, copy.length, maxGroups);
    if (asked) computeCapacity(copy, asked.request);
  }
}

/** Our answer to one flavor, timed: its request, its capacity (the first repeat's) and the median of the repeats. */
interface OurAnswer {
  flavor: Flavor;
  request: CapacityRequest;
  groups: number;
  capacity: Capacity;
  ms: number;
}

/**
 * Times our answer to `flavor`, or null when it has more PCI request groups than compared. Every flavor is timed
 * before Placement is asked anything: timed right after the previous flavor's Placement call, the repeats fell among
 * the collections of that answer's garbage (up to 8,826 candidates of JSON parsed here) and Placement's own work
 * after it answered, and one flavor's median read 0.156 ms in one run and 0.244 in the next (sections 26 and 27).
 */
function timeOurs(hostLists: (readonly Host[])[], flavor: Flavor, maxGroups: number): OurAnswer | null {
  const asked = requestOf(flavor, hostLists[0]!.length, maxGroups);
  if (!asked) return null;
  const { request, groups } = asked;
  const runs = hostLists.map((list) => {
    const started = performance.now();
    const capacity = computeCapacity(list, request);
    return { capacity, ms: performance.now() - started };
  });
  return { flavor, request, groups, capacity: runs[0]!.capacity, ms: median(runs.map((r) => r.ms)) };
}

async function compare(placement: PlacementWriter, hosts: readonly Host[], { flavor, request, groups, capacity, ms: ourMs }: OurAnswer): Promise<Comparison> {
  const { query } = request;
  const ours = new Set(capacity.hosts.map((h) => h.uuid));
  type Candidates = { allocation_requests: { allocations: Record<string, unknown> }[]; provider_summaries: Record<string, { root_provider_uuid: string }> };
  let answer: { data: Candidates; ms: number };
  const asked = performance.now();
  try {
    answer = await placement.call<Candidates>('GET', `/allocation_candidates?${query.query}`);
  } catch (err) {
    // A trait or resource class this Placement has never heard of is a 400; Nova then finds no host.
    if (!(err instanceof PlacementError && err.status === 400 && /No such (trait|resource class)/.test(err.body))) throw err;
    answer = { data: { allocation_requests: [], provider_summaries: {} }, ms: performance.now() - asked };
  }
  const { data, ms } = answer;
  const theirs = new Set(data.allocation_requests.flatMap((r) => Object.keys(r.allocations).map((uuid) => data.provider_summaries[uuid]?.root_provider_uuid ?? uuid)));
  // The answer lists blockers for a few hosts only: a refused host Placement offers is asked about alone.
  const refused = hosts.find((h) => theirs.has(h.uuid) && !ours.has(h.uuid));
  const disagreement = refused && computeCapacity([refused], request).blockedExamples[0]?.blockers[0]?.message;
  return {
    flavor: flavor.name, pciGroups: groups, ...(disagreement !== undefined && { disagreement }), ours: ours.size, placement: theirs.size,
    onlyOurs: [...ours].filter((u) => !theirs.has(u)).length, onlyPlacement: [...theirs].filter((u) => !ours.has(u)).length,
    ourMs, placementMs: ms, candidates: data.allocation_requests.length,
  };
}

/** Each flavor as it is, and pinned ones also with shared CPUs: the synthetic hosts have no PCPU inventory,
 *  so a dedicated-CPU flavor fits nowhere, on either side, and would leave the PCI groups untested. */
function flavorsToCompare(raw: RawCloud): Flavor[] {
  return raw.flavors.map(normaliseFlavor).flatMap((f) => {
    if (f.extraSpecs['hw:cpu_policy'] !== 'dedicated') return [f];
    const { 'hw:cpu_policy': _policy, ...shared } = f.extraSpecs;
    return [f, { ...f, name: `${f.name} (shared CPUs)`, extraSpecs: shared }];
  });
}

export async function placementCompare(argv: string[]): Promise<BenchReport> {
  const { values } = parseArgs({
    args: argv,
    options: {
      hosts: { type: 'string' },
      flavors: { type: 'string' },
      seed: { type: 'string' },
      'max-pci-groups': { type: 'string' },
      cloud: { type: 'string' },
      'clouds-yaml': { type: 'string' },
      keep: { type: 'boolean' },
      json: { type: 'string' },
    },
  });
  const hosts = intFlag(values, 'hosts', MAX_HOSTS);
  if (hosts > MAX_HOSTS) throw new Error(`--hosts is at most ${MAX_HOSTS}: the lab is a small shared Placement`);
  const maxGroups = intFlag(values, 'max-pci-groups', 2);
  const report = newReport('placement-compare');
  const log = pino({ level: 'warn' });
  const [cloud] = loadCloudConfigs({ OS_CLIENT_CONFIG_FILE: values['clouds-yaml'] ?? LAB_CLOUDS_YAML, OS_CLOUD: values.cloud ?? 'lab-admin' });
  if (!cloud) throw new Error('no cloud in the lab clouds.yaml');
  const client = createClient(cloud, { log });
  const placement = new PlacementWriter(client, await client.session.endpoint('placement'));
  // Flavors come from the same generator, sized like the comparison cloud (one per family and size by default).
  const raw = generateSyntheticCloud({ hosts, flavors: intFlag(values, 'flavors', 42), images: 0, seed: intFlag(values, 'seed', 1) });

  const leftover = await removeBenchProviders(placement);
  if (leftover > 0) report.notes.push(`removed ${leftover} bench- providers left by an earlier run`);
  try {
    console.log(`placement-compare: loading ${hosts} hosts / ${raw.resource_providers.length} providers into ${placement.endpoint}…`);
    const loadStarted = performance.now();
    const loaded = await loadHosts(placement, raw);
    const loadMs = performance.now() - loadStarted;
    const writes = placement.calls;

    // Read back as a sync does, through the real client, so both sides answer from what Placement holds.
    const readStarted = performance.now();
    const tree = await client.placement.readProviders(pLimit(CONCURRENCY));
    const readMs = performance.now() - readStarted;
    const { snapshot } = normaliseCloud({ cloud: cloud.name, region: cloud.regionName, taken_at: new Date().toISOString(), flavors: [], images: [], image_members: {}, flavor_access: {}, ...tree }, 'compare', 'openstack');

    const results: Comparison[] = [];
    const flavors = flavorsToCompare(raw);
    const hostLists = hostListsToTime(snapshot.hosts, flavors[0]!);
    // After the copies are built, so that the collections their garbage starts fall in the warm-up, not in a timing.
    warmUp(snapshot.hosts, flavors, maxGroups);
    const timed = flavors.map((flavor) => timeOurs(hostLists, flavor, maxGroups));
    const skipped = timed.filter((ours) => ours === null).length;
    for (const ours of timed) if (ours) results.push(await compare(placement, hostLists[0]!, ours));
    const same = results.filter((r) => r.onlyOurs === 0 && r.onlyPlacement === 0);
    const withHosts = results.filter((r) => r.placement > 0);
    const ratios = withHosts.map((r) => r.placementMs / r.ourMs);
    const sum = (pick: (r: Comparison) => number) => results.reduce((s, r) => s + pick(r), 0);
    const add = (name: string, value: string, target?: string, met?: boolean): void => {
      report.figures.push({ name, value, ...(target !== undefined && { target, met: met ?? false }) });
    };
    add('hosts loaded into Placement', `${formatCount(hosts)} hosts, ${formatCount(raw.resource_providers.length)} providers (${formatCount(writes)} calls, ${formatMs(loadMs)})`);
    add('read back (real client, 4 calls per provider)', `${formatCount(snapshot.hosts.length)} hosts, ${formatMs(readMs)}`);
    add('flavors compared', `${results.length} (${withHosts.length} with at least one host; ${sum((r) => r.pciGroups > 0 ? 1 : 0)} with PCI groups)`);
    add('same hosts as allocation_candidates', `${same.length} / ${results.length}`, 'all', same.length === results.length);
    add('time, Placement (sum)', formatMs(sum((r) => r.placementMs)));
    add('time, ours (sum of medians)', formatMs(sum((r) => r.ourMs)));
    const lowest = withHosts.reduce((low, r) => (r.placementMs / r.ourMs < low.placementMs / low.ourMs ? r : low));
    const slowest = results.reduce((slow, r) => (r.ourMs > slow.ourMs ? r : slow));
    add('Placement ÷ ours, median (flavors with hosts)', `${formatCount(Math.round(median(ratios)))}×`);
    add('Placement ÷ ours, lowest (flavors with hosts; issue 16)', `${formatCount(Math.round(Math.min(...ratios)))}× (${lowest.flavor}: ${formatMs(lowest.placementMs)} vs ${oursMs(lowest.ourMs)})`,
      `≥ ${formatCount(TARGET_RATIO)}×`, Math.min(...ratios) >= TARGET_RATIO);
    add('ours, slowest flavor (median of its repeats)', `${oursMs(slowest.ourMs)} (${slowest.flavor})`);
    for (const r of results) {
      report.notes.push(`${r.flavor}: ${r.pciGroups} PCI group(s); hosts ours ${r.ours} / Placement ${r.placement}` +
        `${r.onlyOurs + r.onlyPlacement > 0 ? ` (DIFFER: ${r.onlyOurs} only ours, ${r.onlyPlacement} only Placement${r.disagreement ? `; we refuse: ${r.disagreement}` : ''})` : ''}; ` +
        `${oursMs(r.ourMs)} vs ${formatMs(r.placementMs)} (${formatCount(r.candidates)} candidates)`);
    }
    report.notes.push(`ours: computeCapacity listing every fitting host, the median of ${OUR_REPEATS} repeats per flavor, each on its own copy of the hosts (no scan reused) that has its index and has answered one made-up flavor (1 VCPU, 1 MiB) as a serving snapshot has, after one untimed answer to every compared flavor on another copy (V8 warm-up), every flavor timed before Placement is asked anything; Placement: one GET /allocation_candidates per flavor`);
    if (skipped > 0) report.notes.push(`${skipped} flavors skipped: more than --max-pci-groups ${maxGroups} PCI request groups (Placement enumerates every combination of providers)`);
    if (loaded.droppedTraits.length > 0) report.notes.push(`traits this Placement does not know, left out on both sides: ${loaded.droppedTraits.join(', ')}`);
  } finally {
    if (!values.keep) await removeBenchProviders(placement);
  }
  finishReport(report, values.json);
  return report;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await placementCompare(process.argv.slice(2));
