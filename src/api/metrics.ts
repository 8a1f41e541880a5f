// Prometheus metrics (docs/metrics.md), one registry per app so apps built side by side (tests, CLI) do not collide.
// HTTP, snapshot age and sync figures are prom-client metrics; capacity (instances per flavor, units per resource
// class, blocked hosts) is rendered to text once per snapshot from its capacity summary and appended, so a scrape
// costs the same at 15,000 hosts as at 12. Per-host families carry host names: they are served only to a scrape the
// policy lets see host-level data (AUTH_MODE=none, or an X-Auth-Token with a host-detail role), as /v1 serves hosts.
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { inWorker, shareWithPrimary, workersMetrics } from './worker-metrics.ts';
import { capacitySummarySteps, hostInstances, readySummary, type CapacitySummary } from '../advisor/capacity-summary.ts';
import type { Policy } from '../advisor/policy.ts';
import { extend } from '../lib/objects.ts';
import { endingOnError, runInBackground } from '../lib/turns.ts';
import type { CloudSnapshot } from '../model/index.ts';
import type { AppDeps } from './app.ts';
import type { TokenValidator } from './auth.ts';
import { ApiError } from './errors.ts';

/** Sync history is read from the store at most this often, however often Prometheus scrapes. */
const SYNC_HISTORY_TTL_MS = 10_000;
/** Recent syncs per cloud the failure count looks at. */
const RECENT_SYNCS = 20;

type Labels = Record<string, string>;

/** One metric family in the text exposition format (https://prometheus.io/docs/instrumenting/exposition_formats/). */
class Family {
  readonly lines: string[] = [];

  constructor(readonly name: string, readonly help: string) {}

  add(labels: Labels, value: number): void {
    const pairs = Object.entries(labels).map(([k, v]) => `${k}="${v.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n')}"`);
    this.lines.push(`${this.name}{${pairs.join(',')}} ${value}`);
  }

  text(): string {
    return `# HELP ${this.name} ${this.help}\n# TYPE ${this.name} gauge\n${this.lines.join('\n')}\n`;
  }
}

function cloudLabels(snapshot: CloudSnapshot): Labels {
  return { cloud: snapshot.cloud, region: snapshot.region ?? '' };
}

/**
 * The capacity families of one cloud; the per-host ones only with `hosts` (a caller with host-level access). Names
 * and labels follow os-capacity (stackhpc/os-capacity `os_capacity/prometheus.py`) where they mean the same, so its
 * dashboards port; `cloud`, `region` and `flavor_id` are added (flavor names need not be unique). A per-host or
 * per-aggregate family with more than `maxSeries` series is left out and counted in the dropped family.
 */
export function capacityFamilies(summary: CapacitySummary, maxSeries: number, hosts: boolean): Family[] {
  const cloud = cloudLabels(summary.snapshot);
  const byFlavor = new Family('openstack_free_capacity_by_flavor_total', 'Free capacity if you fill the cloud full of each flavor (image without properties)');
  const hostsFit = new Family('nova_advisor_flavor_hosts_fit', 'Hosts that take at least one instance of the flavor');
  const byAggregate = new Family('nova_advisor_free_capacity_aggregate_by_flavor', 'Instances of the flavor that fit in each Placement aggregate (uuid)');
  const blocked = new Family('nova_advisor_hosts_blocked', 'Hosts that cannot take one instance of the flavor, per reason (resource class or trait:NAME)');
  const capacity = new Family('nova_advisor_resource_capacity_units', 'Placement capacity per resource class: (total - reserved) * allocation_ratio, root and nested PCI providers');
  const used = new Family('nova_advisor_resource_used_units', 'Placement usage per resource class');
  const free = new Family('nova_advisor_resource_free_units', 'Free units per resource class: capacity - used, at least 0 per provider');
  const info = new Family('nova_advisor_capacity_info', 'The snapshot the capacity families come from');
  const seconds = new Family('nova_advisor_capacity_compute_seconds', 'Time the capacity summary of the snapshot took');
  const dropped = new Family('nova_advisor_capacity_series_dropped', 'Series of a per-host or per-aggregate family left out by METRICS_MAX_FAMILY_SERIES');
  const families = [byFlavor, hostsFit, byAggregate, blocked, capacity, used, free, info, seconds, dropped];
  /** Fills the families only when `count` series fit under the guard; else says how many were left out. */
  const guarded = (count: number, names: Family[], fill: () => void) => {
    if (count <= maxSeries) fill();
    else for (const family of names) dropped.add(extend(cloud, { family: family.name }), count);
  };
  // Label objects by extend (lib/objects.ts): one per series, made and dropped by the thousand per summary.
  const flavorLabels = (fit: CapacitySummary['flavors'][number]) => extend(cloud, { flavor_name: fit.flavor.name, flavor_id: fit.flavor.id });

  for (const fit of summary.flavors) {
    byFlavor.add(extend(flavorLabels(fit), { public: fit.flavor.isPublic ? 'True' : 'False' }), fit.instances);
    hostsFit.add(flavorLabels(fit), fit.hostsThatFit);
    for (const [reason, n] of Object.entries(fit.blocked)) blocked.add(extend(flavorLabels(fit), { reason }), n);
  }
  guarded(summary.flavors.reduce((n, fit) => n + fit.aggregateHosts.filter((hosts) => hosts > 0).length, 0), [byAggregate], () => {
    for (const fit of summary.flavors) {
      summary.aggregates.forEach((aggregate, a) => {
        if (fit.aggregateHosts[a]! > 0) byAggregate.add(extend(flavorLabels(fit), { aggregate }), fit.aggregateInstances[a]!);
      });
    }
  });
  for (const [rc, units] of Object.entries(summary.units).sort(([a], [b]) => a.localeCompare(b))) {
    const labels = extend(cloud, { resource: rc, pci: String(summary.pciClasses.includes(rc)) });
    capacity.add(labels, units.capacity);
    used.add(labels, units.used);
    free.add(labels, units.free);
  }
  info.add(extend(cloud, { snapshot_id: summary.snapshot.id, source: summary.snapshot.source }), 1);
  seconds.add(cloud, summary.seconds);
  if (!hosts) return families;

  const perHost = new Family('openstack_free_capacity_hypervisor_by_flavor',
    'Free capacity for each hypervisor if you fill remaining space full of each flavor (hosts that take none are left out)');
  const allocated = new Family('openstack_hypervisor_placement_allocated', 'Currently allocated resource for each host, its nested providers included');
  const allocatable = new Family('openstack_hypervisor_placement_allocatable_capacity', 'The total allocatable resource for each host, its nested providers included');
  const hostFree = new Family('nova_advisor_hypervisor_free_units', 'Free units per host and resource class, its nested providers included');
  // Placement aggregates have no availability zone or project filter names (Nova's aggregates are not read): empty.
  const hostLabels = { az_aggregate: '', project_aggregate: '' };
  guarded(summary.flavors.reduce((n, fit) => n + fit.hostsThatFit, 0), [perHost], () => {
    for (const fit of summary.flavors) {
      hostInstances(summary, fit).forEach((instances, at) => {
        if (instances > 0) perHost.add(extend(cloud, { hypervisor: summary.hosts[at]!.name, flavor_name: fit.flavor.name, flavor_id: fit.flavor.id, ...hostLabels }), instances);
      });
    }
  });
  guarded(summary.hosts.reduce((n, h) => n + h.classCount, 0), [allocated, allocatable, hostFree], () => {
    for (const host of summary.hosts) {
      for (const [rc, units] of Object.entries(host.units)) {
        const labels = extend(cloud, { hypervisor: host.name, resource: rc });
        allocated.add(labels, units.used);
        allocatable.add(labels, units.capacity);
        hostFree.add(labels, units.free);
      }
    }
  });
  return [...families, perHost, allocated, allocatable, hostFree];
}

function capacityText(summary: CapacitySummary, maxSeries: number, hosts: boolean): string {
  return capacityFamilies(summary, maxSeries, hosts).filter((f) => f.lines.length > 0).map((f) => f.text()).join('');
}

/** Merges families of several clouds: each family once, its series from every cloud. */
function mergeTexts(texts: string[]): string {
  if (texts.length <= 1) return texts[0] ?? '';
  const byFamily = new Map<string, string[]>();
  for (const text of texts) {
    for (const block of text.split(/(?=^# HELP )/m)) {
      const name = /^# HELP (\S+)/.exec(block)![1]!;
      const lines = block.trimEnd().split('\n');
      const known = byFamily.get(name);
      if (known) known.push(...lines.slice(2));
      else byFamily.set(name, lines);
    }
  }
  return [...byFamily.values()].map((lines) => `${lines.join('\n')}\n`).join('');
}

export interface MetricsAccess {
  /** null: AUTH_MODE=none, every scrape sees host-level families. */
  validator: TokenValidator | null;
  policy: Policy;
}

/** Whether this scrape may see host names: as /v1 decides it (auth.ts), but a scrape without a token stays welcome. */
async function seesHosts(request: FastifyRequest, access: MetricsAccess): Promise<boolean> {
  if (access.validator === null) return true;
  const token = request.headers['x-auth-token'];
  if (typeof token !== 'string' || token.length === 0) return false;
  const principal = await access.validator.validate(token);
  if (!principal) throw new ApiError('unauthorized', 'the token is invalid or expired');
  return access.policy.callerOf(principal).hostDetail;
}

/** The sync figures of each cloud from the store's history (shared by all replicas), read at most every 10 s. */
function syncMetrics(register: Registry, deps: AppDeps): void {
  let read: { at: number; rows: Awaited<ReturnType<AppDeps['store']['listSnapshots']>>[] } | null = null;
  const history = async () => {
    if (read && Date.now() - read.at < SYNC_HISTORY_TTL_MS) return read.rows;
    const clouds = [...new Set([...deps.registry.clouds(), ...(deps.sync?.clouds() ?? [])])];
    read = { at: Date.now(), rows: await Promise.all(clouds.map((cloud) => deps.store.listSnapshots(cloud, RECENT_SYNCS))) };
    return read.rows;
  };
  const gauge = (name: string, help: string, labelNames: string[], value: (last: NonNullable<Awaited<ReturnType<typeof history>>[number][number]>, recent: Awaited<ReturnType<typeof history>>[number]) => [Labels, number] | null) =>
    new Gauge({
      // Read from the store, alike in every worker (WORKERS > 1): taken once, not summed.
      name, help, labelNames, registers: [register], aggregator: 'first',
      async collect() {
        this.reset();
        for (const recent of await history()) {
          const last = recent[0];
          const point = last ? value(last, recent) : null;
          if (point) this.set(point[0], point[1]);
        }
      },
    });
  const labels = (s: { cloud: string; region: string | null }) => ({ cloud: s.cloud, region: s.region ?? '' });
  gauge('nova_advisor_last_sync_success', 'Whether the newest recorded sync of the cloud completed (1) or failed (0)', ['cloud', 'region'],
    (last) => [labels(last), last.status === 'complete' ? 1 : 0]);
  gauge('nova_advisor_last_sync_timestamp_seconds', 'When the newest recorded sync read the cloud', ['cloud', 'region'],
    (last) => [labels(last), Date.parse(last.takenAt) / 1000]);
  gauge('nova_advisor_last_sync_duration_seconds', 'How long the newest recorded sync took', ['cloud', 'region', 'outcome'],
    (last) => (last.durationMs === null ? null : [{ ...labels(last), outcome: last.status }, last.durationMs / 1000]));
  gauge('nova_advisor_last_sync_upstream_requests', 'OpenStack API calls the newest recorded sync made', ['cloud', 'region'],
    (last) => (last.requestCount === null ? null : [labels(last), last.requestCount]));
  gauge('nova_advisor_recent_sync_failures', `Failed syncs among the cloud's last ${RECENT_SYNCS} recorded`, ['cloud', 'region'],
    (last, recent) => [labels(last), recent.filter((s) => s.status === 'failed').length]);
  gauge('nova_advisor_last_sync_error', 'The error code of the newest recorded sync when it failed (value 1)', ['cloud', 'region', 'code'],
    (last) => (last.status === 'failed' ? [{ ...labels(last), code: /^([a-z_]+):/.exec(last.error ?? '')?.[1] ?? 'sync_failed' }, 1] : null));
}

/**
 * How long after the app is ready the summary of the snapshots current at start begins. Begun while the app was
 * built, its turns and the young-generation collections of its garbage fell on the first answers after /readyz 200
 * (issue 16, 15 starts each in turn, at the client: 8.0-33.4 ms, three above the 20 ms target; begun this long after
 * ready, 8.2-16.7 ms). A scrape before it is done leaves the capacity families out, as one during the computation
 * always has.
 */
const SUMMARY_AFTER_READY_MS = 500;

/**
 * Installs the metrics and serves them at GET /metrics. `storeMetrics`: kept by the store, which outlives an app
 * (AppContext.storeMetrics), and served here too.
 */
export function installMetrics(app: FastifyInstance, deps: AppDeps, access: MetricsAccess): void {
  const { registry: snapshots, ruleContext } = deps;
  const register = new Registry();
  collectDefaultMetrics({ register, prefix: 'nova_advisor_' });
  if (inWorker()) shareWithPrimary(register);
  for (const metric of deps.storeMetrics ?? []) register.registerMetric(metric);

  const labelNames = ['method', 'route', 'status'] as const;
  const requests = new Counter({ name: 'nova_advisor_http_requests_total', help: 'HTTP requests answered', labelNames, registers: [register] });
  const duration = new Histogram({
    name: 'nova_advisor_http_request_duration_seconds',
    help: 'Time to answer an HTTP request',
    labelNames,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [register],
  });
  new Gauge({
    name: 'nova_advisor_snapshot_age_seconds',
    help: 'Age of the snapshot each cloud is answered from',
    labelNames: ['cloud', 'region'],
    // WORKERS > 1: the oldest any worker answers from (one that has not yet followed a new snapshot shows).
    aggregator: 'max',
    registers: [register],
    collect() {
      this.reset();
      for (const cloud of snapshots.clouds()) {
        const snapshot = snapshots.current(cloud);
        if (snapshot) this.set(cloudLabels(snapshot), (Date.now() - Date.parse(snapshot.takenAt)) / 1000);
      }
    },
  });
  syncMetrics(register, deps);

  // The capacity summary of every snapshot that becomes current is computed then, in steps that give way to answers
  // (lib/turns.ts runInBackground); those current already, SUMMARY_AFTER_READY_MS after the app is ready.
  const log = (err: unknown) => app.log.warn({ err }, 'could not compute the capacity summary; it is tried again when asked');
  // A failure is logged here, not thrown into the registry, which does not wait for its preparers.
  const prepare = (snapshot: CloudSnapshot): Iterator<void, unknown> => endingOnError(capacitySummarySteps(snapshot, ruleContext), log);
  const removePreparer = snapshots.alsoPrepare(prepare);
  let starting: NodeJS.Timeout | undefined;
  app.addHook('onReady', async () => {
    starting = setTimeout(() => {
      for (const cloud of snapshots.clouds()) void runInBackground(prepare(snapshots.current(cloud)!));
    }, SUMMARY_AFTER_READY_MS).unref();
  });
  app.addHook('onClose', async () => {
    clearTimeout(starting);
    removePreparer();
  });

  app.addHook('onResponse', async (request, reply) => {
    // The route pattern, not the URL, keeps label cardinality bounded (ids are in the URL).
    const labels = { method: request.method, route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) };
    requests.inc(labels);
    duration.observe(labels, reply.elapsedTime / 1000);
  });

  const maxSeries = deps.settings.METRICS_MAX_FAMILY_SERIES;
  // Per view (with host names or not), the capacity text of the summaries it was rendered from, as bytes: a scrape
  // reuses it while the clouds' summaries stay the same (they change only with a new snapshot).
  const rendered = new Map<boolean, { from: CapacitySummary[]; body: Buffer }>();
  const capacityBody = (hosts: boolean): Buffer => {
    const summaries = snapshots.clouds().flatMap((cloud) => readySummary(snapshots.current(cloud)!, ruleContext) ?? []);
    const known = rendered.get(hosts);
    if (known && known.from.length === summaries.length && known.from.every((s, i) => s === summaries[i])) return known.body;
    const body = Buffer.from(mergeTexts(summaries.map((summary) => capacityText(summary, maxSeries, hosts))));
    rendered.set(hosts, { from: summaries, body });
    return body;
  };
  app.get('/metrics', { schema: { tags: ['operations'], security: [], summary: 'Prometheus metrics (text exposition format, docs/metrics.md)' } }, async (request, reply) => {
    const body = capacityBody(await seesHosts(request, access));
    // As two chunks: the capacity bytes (MiBs at 15,000 hosts) go out as they are, never copied per scrape.
    const counters = inWorker()
      ? await workersMetrics().catch((err: unknown) => {
        throw new ApiError('unavailable', `the workers' metrics could not be gathered: ${err instanceof Error ? err.message : String(err)}`, { headers: { 'retry-after': '5' } });
      })
      : await register.metrics();
    return reply.type(register.contentType).send(Readable.from([Buffer.from(counters), body], { objectMode: false }));
  });
}
