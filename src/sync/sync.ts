// Sync: read one cloud (Nova flavors and the access lists of private ones, Glance images, hidden ones too, and
// the members of shared ones, Placement providers) with bounded concurrency, turn
// it into a CloudSnapshot with the shared normaliser, check it, and write it in one transaction. A failed
// or partial read is recorded as a failed sync and never replaces the last complete snapshot
// (design.md "Storage"); one sync per cloud at a time, across replicas (store.withSyncLock).
import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import pLimit from 'p-limit';
import type { Logger } from 'pino';
import type { Settings } from '../config/index.ts';
import { createClient, type ClientOptions, type OpenStackClient } from '../openstack/client.ts';
import { loadCloudConfigs, type CloudConfig } from '../openstack/config.ts';
import { OpenStackError } from '../openstack/errors.ts';
import { EventLoopTurns } from '../lib/turns.ts';
import { inLanes } from '../openstack/lanes.ts';
import type { PlacementReadMode, ProviderRead } from '../openstack/placement.ts';
import type { NovaFlavor, RawCloud } from '../openstack/schemas.ts';
import type { CloudSnapshot, Image } from '../model/index.ts';
import type { SnapshotCounts, SnapshotSummary, SyncJob } from '../model/index.ts';
import { SYNC_JOB_HEARTBEAT_MS } from '../store/jobs.ts';
import type { SnapshotStore } from '../store/types.ts';
import { CloudNormaliser, normaliseFlavor } from './normalise.ts';
import type { SnapshotRegistry } from '../advisor/registry.ts';
import type { SyncService } from '../advisor/sync-service.ts';

/** design.md "Stack facts": bounded fan-out over providers; 16 keeps a one-worker Placement responsive. */
export const MAX_SYNC_CONCURRENCY = 16;
/** Job rows are progress-updated at most this often (a large cloud reports thousands of steps). */
const JOB_UPDATE_INTERVAL_MS = 1000;

/** `imageMembers`: member lists of shared images; `flavorAccess`: access lists of private flavors. */
export type SyncStage = 'flavors' | 'images' | 'providers' | 'imageMembers' | 'flavorAccess';

export interface SyncProgressEvent {
  cloud: string;
  stage: SyncStage;
  done: number;
  /** Known for providers, member and access lists once listed; paged listings do not tell their size. */
  total: number | null;
  progress: SyncJob['progress'];
}

export interface RunSyncOptions {
  log: Logger;
  onProgress?: (event: SyncProgressEvent) => void;
  /** Job row to keep up to date (progress, then the final status). */
  jobId?: string;
  /** Calls in flight at once, ≤ MAX_SYNC_CONCURRENCY. */
  concurrency?: number;
  /** Made current on success, so requests see the new snapshot without a reload. */
  registry?: SnapshotRegistry;
  /** SYNC_PLACEMENT_READ: how Placement is read (PlacementReader.readProviderTree); default `auto`. */
  placementRead?: PlacementReadMode;
  /** How often the job's heartbeat is written (SYNC_JOB_HEARTBEAT_SECONDS); default SYNC_JOB_HEARTBEAT_MS. */
  heartbeatMs?: number;
  /** Aborting it fails the sync as any failed read does (shutdown past its deadline: OpenStackSyncService.abort). */
  signal?: AbortSignal;
}

export interface SyncOutcome {
  status: 'succeeded' | 'failed' | 'skipped';
  cloud: string;
  region: string | null;
  /** The stored row: the new snapshot, or the failed-sync record. Null when skipped. */
  summary: SnapshotSummary | null;
  counts: SnapshotCounts | null;
  durationMs: number;
  requestCount: number;
  error: OpenStackError | Error | null;
  /** Nested providers the normaliser left out (no PCI inventory), by name. */
  skippedProviders: string[];
  /** How Placement was read: the path `auto` chose and how many providers were walked one by one. */
  placementRead: Omit<ProviderRead, 'tree'> | null;
}

/** `code: message` for job rows and failed-sync records; the typed error stays on the outcome. */
export function describeError(err: unknown): string {
  if (err instanceof OpenStackError) return `${err.code}: ${err.message}`;
  return err instanceof Error ? err.message : String(err);
}

/**
 * Consistency checks the schemas cannot make: a provider read half-way through a change, duplicates. Over
 * 163,000 providers and 100,000 images they take ~200 ms, so the event loop gets its turns meanwhile.
 */
export async function checkSnapshot(raw: Pick<RawCloud, 'resource_providers'>, snapshot: CloudSnapshot): Promise<string[]> {
  const turns = new EventLoopTurns();
  const each = async <T>(items: readonly T[], check: (item: T) => void) => {
    for (const item of items) {
      check(item);
      if (turns.due()) await turns.next();
    }
  };
  const problems: string[] = [];
  const uuids = new Set<string>();
  await each(raw.resource_providers, (rp) => uuids.add(rp.uuid));
  await each(raw.resource_providers, (rp) => {
    if (!uuids.has(rp.root_provider_uuid)) problems.push(`provider ${rp.name}: root ${rp.root_provider_uuid} not listed`);
    if (rp.parent_provider_uuid !== null && !uuids.has(rp.parent_provider_uuid)) {
      problems.push(`provider ${rp.name}: parent ${rp.parent_provider_uuid} not listed`);
    }
  });
  const dup = async (kind: string, listed: readonly { id: string }[]) => {
    const seen = new Set<string>();
    await each(listed, ({ id }) => {
      if (seen.has(id)) problems.push(`${kind} ${id} listed twice (the listing changed while it was paged)`);
      seen.add(id);
    });
  };
  await dup('flavor', snapshot.flavors);
  await dup('image', snapshot.images);
  return problems;
}

function countsOf(snapshot: CloudSnapshot): SnapshotCounts {
  return {
    flavors: snapshot.flavors.length,
    images: snapshot.images.length,
    hosts: snapshot.hosts.length,
    pciProviders: snapshot.hosts.reduce((n, h) => n + h.pciProviders.length, 0),
  };
}

/** Writes job progress at most once a second, in order, and lets the last write be awaited. */
function jobWriter(store: SnapshotStore, jobId: string | undefined, log: Logger) {
  let chain = Promise.resolve();
  let last = 0;
  const write = (patch: Parameters<SnapshotStore['updateSyncJob']>[1]) => {
    if (!jobId) return chain;
    chain = chain
      .then(() => store.updateSyncJob(jobId, patch))
      .then(
        () => undefined,
        (err: unknown) => log.warn({ jobId, error: describeError(err) }, 'could not update the sync job'),
      );
    return chain;
  };
  return {
    progress(patch: Parameters<SnapshotStore['updateSyncJob']>[1]) {
      if (Date.now() - last < JOB_UPDATE_INTERVAL_MS) return;
      last = Date.now();
      void write(patch);
    },
    final: write,
  };
}

/**
 * Writes the job's heartbeat every intervalMs until the returned function is called: readers fail a running job
 * whose heartbeat stops (src/store/jobs.ts), as its process is gone.
 */
function heartbeat(store: SnapshotStore, jobId: string | undefined, log: Logger, intervalMs: number): () => void {
  if (jobId === undefined) return () => undefined;
  const timer = setInterval(() => {
    store.heartbeatSyncJob(jobId).catch((err: unknown) => log.warn({ jobId, error: describeError(err) }, 'could not write the sync job heartbeat'));
  }, intervalMs).unref();
  return () => clearInterval(timer);
}

/** One sync of one cloud; resolves with the outcome (a failed sync is an outcome, not a rejection). */
export async function runSync(client: OpenStackClient, store: SnapshotStore, opts: RunSyncOptions): Promise<SyncOutcome> {
  const cloud = client.cloud.name;
  const region = client.cloud.regionName;
  const log = opts.log.child({ cloud, ...(opts.jobId && { jobId: opts.jobId }) });
  const started = Date.now();
  const firstRequest = client.http.requestCount;
  const meta = () => ({ durationMs: Date.now() - started, requestCount: client.http.requestCount - firstRequest });
  const progress: SyncJob['progress'] = {};
  const job = jobWriter(store, opts.jobId, log);
  const report = (stage: SyncStage, done: number, total: number | null) => {
    progress[stage] = { done, total };
    opts.onProgress?.({ cloud, stage, done, total, progress: { ...progress } });
    job.progress({ progress: { ...progress }, requestCount: meta().requestCount });
  };

  const stopHeartbeat = heartbeat(store, opts.jobId, log, opts.heartbeatMs ?? SYNC_JOB_HEARTBEAT_MS);
  const locked = await store.withSyncLock(cloud, async (lockLost): Promise<SyncOutcome> => {
    // rejectOnClear: a call still queued when the sync fails rejects rather than never settling, so every read
    // waiting on one (a listing, or the member / access reads after it) settles and the failure can return.
    const limit = pLimit({ concurrency: Math.min(MAX_SYNC_CONCURRENCY, Math.max(1, opts.concurrency ?? MAX_SYNC_CONCURRENCY)), rejectOnClear: true });
    const abort = new AbortController();
    // Every call in flight listens on this one signal; up to the concurrency limit plus retry sleeps.
    setMaxListeners(4 * MAX_SYNC_CONCURRENCY, abort.signal);
    opts.signal?.addEventListener('abort', () => abort.abort(opts.signal?.reason), { once: true });
    // Images and providers are normalised as they arrive and their raw bodies dropped: at 15,000 hosts the raw
    // bodies and the snapshot held together took the sync to 1.8 GiB (bench/sync-bench.ts).
    const normaliser = new CloudNormaliser();
    /**
     * One list per item through the same p-limit as every other call, `limit.concurrency` items at a time
     * (inLanes), each body normalised as it arrives; Glance and Nova have no bulk read of members or access.
     */
    const readEach = async <T>(stage: SyncStage, ids: readonly string[], read: (id: string) => Promise<T>, keep: (id: string, body: T) => void) => {
      let done = 0;
      report(stage, done, ids.length);
      await inLanes(ids, limit.concurrency, async (id) => {
        keep(id, await limit(() => read(id)));
        report(stage, ++done, ids.length);
      });
    };
    // Glance lists hidden images only when asked for them alone (GlanceReader.mapImages): two listings.
    const imagesListed = { shown: 0, hidden: 0 };
    const listImages = (hidden: boolean) =>
      limit(() =>
        client.glance.mapImages(normaliser.image, {
          hidden,
          onPage: (n) => {
            imagesListed[hidden ? 'hidden' : 'shown'] = n;
            report('images', imagesListed.shown + imagesListed.hidden, null);
          },
          signal: abort.signal,
        }),
      );
    const readImages = async (): Promise<Image[]> => {
      const images = (await Promise.all([listImages(false), listImages(true)])).flat();
      // Only shared images have members (Glance answers 403 for the others: src/openstack/glance.ts).
      const shared = images.filter((image) => image.visibility === 'shared').map((image) => image.id);
      await readEach('imageMembers', shared, (id) => client.glance.imageMembers(id, abort.signal), normaliser.imageMembers);
      return images;
    };
    const readFlavors = async (): Promise<NovaFlavor[]> => {
      const flavors = await limit(() => client.nova.listFlavors((n) => report('flavors', n, null), abort.signal));
      // Public flavors have no access list (Nova answers 404: src/openstack/nova.ts).
      const restricted = flavors.filter((f) => f['os-flavor-access:is_public'] === false).map((f) => f.id);
      await readEach('flavorAccess', restricted, (id) => client.nova.flavorAccess(id, abort.signal), normaliser.flavorAccess);
      return flavors;
    };
    // Nova shows hypervisors and services to admins only by default (NOVA api-ref os-hypervisors.inc, os-services.inc),
    // Placement to admin or service users (domain.md §5.5): a token refused them still syncs, its hosts' Nova facts null.
    const readComputeNodes = async (): Promise<void> => {
      try {
        const [hypervisors, services] = await Promise.all([
          limit(() => client.nova.listHypervisors(abort.signal)),
          limit(() => client.nova.computeServices(abort.signal)),
        ]);
        normaliser.computeNodes(hypervisors, services);
      } catch (err) {
        if (!(err instanceof OpenStackError && err.code === 'upstream_forbidden')) throw err;
        log.warn({ error: err.toJSON() }, 'Nova refused the hypervisor or service listing: hosts are stored without their hypervisor and service state');
      }
    };
    const reads = [
      readFlavors(),
      readImages(),
      client.placement.visitProviders(limit, normaliser.provider, {
        mode: opts.placementRead ?? 'auto',
        onProgress: (done, total) => report('providers', done, total),
        signal: abort.signal,
      }),
      readComputeNodes(),
    ] as const;
    // The lock went with its database session (src/store/locks.ts): another replica may take it now, so this
    // sync stops as on any other failure rather than read on and save beside that one.
    const lost = new Promise<never>((_resolve, reject) => {
      lockLost.addEventListener('abort', () => reject(lockLost.reason as Error), { once: true });
    });
    lost.catch(() => undefined);
    try {
      const takenAt = new Date().toISOString();
      const [flavors, images, { providers, ...placementRead }] = await Promise.race([Promise.all(reads), lost]);
      // The version documents were read to negotiate the calls above (src/openstack/microversion.ts): no call more.
      const [computeMaxMicroversion, placementMaxMicroversion] = await Promise.all([client.nova.maxMicroversion(), client.placement.maxMicroversion()]);
      // Every body was checked against its schema as it arrived (src/openstack/schemas.ts); checking the whole
      // cloud again would hold the event loop ~5 s at 15,000 hosts (bench/README.md, synthetic-cloud).
      const { snapshot, skippedProviders } = await normaliser.snapshot(
        { cloud, region, takenAt, apis: { computeMaxMicroversion, placementMaxMicroversion }, flavors: flavors.map(normaliseFlavor), images, providers },
        randomUUID(),
        'openstack',
      );
      const problems = await checkSnapshot({ resource_providers: providers }, snapshot);
      if (problems.length > 0) throw new Error(`inconsistent read: ${problems.slice(0, 5).join('; ')}`);
      lockLost.throwIfAborted();
      const summary = await store.saveSnapshot(snapshot, meta());
      opts.registry?.put(snapshot);
      const counts = countsOf(snapshot);
      log.info({ region, counts, ...meta(), snapshotId: snapshot.id, skippedProviders, placementRead }, 'sync complete');
      return { status: 'succeeded', cloud, region, summary, counts, ...meta(), error: null, skippedProviders, placementRead };
    } catch (err) {
      // The snapshot is lost anyway: drop queued calls, abort those in flight and their retries, and return
      // only once nothing of this sync still talks to the cloud.
      limit.clearQueue();
      abort.abort();
      await Promise.allSettled(reads);
      const error = err instanceof Error ? err : new Error(String(err));
      const summary = await store.recordFailedSync(cloud, region, describeError(error), meta());
      log.error({ region, ...meta(), error: error instanceof OpenStackError ? error.toJSON() : error.message }, 'sync failed; the last complete snapshot stays current');
      return { status: 'failed', cloud, region, summary, counts: null, ...meta(), error, skippedProviders: [], placementRead: null };
    }
  }).finally(stopHeartbeat);

  const outcome: SyncOutcome = locked.ran
    ? locked.value
    : {
        status: 'skipped', cloud, region, summary: null, counts: null, ...meta(),
        error: new Error(`another sync of cloud "${cloud}" is running`), skippedProviders: [], placementRead: null,
      };
  if (!locked.ran) log.info('sync skipped: another one holds the lock');
  await job.final({
    status: outcome.status,
    finishedAt: new Date().toISOString(),
    progress: { ...progress },
    requestCount: outcome.requestCount,
    snapshotId: outcome.status === 'succeeded' ? (outcome.summary?.id ?? null) : null,
    error: outcome.error ? describeError(outcome.error) : null,
  });
  return outcome;
}

export interface SyncServiceDeps {
  settings: Pick<Settings, 'SYNC_INTERVAL_SECONDS'> & Partial<Pick<Settings, 'SYNC_PLACEMENT_READ' | 'SYNC_JOB_HEARTBEAT_SECONDS'>>;
  store: SnapshotStore;
  registry: SnapshotRegistry;
  log: Logger;
  /** Defaults to loadCloudConfigs(env). */
  clouds?: CloudConfig[];
  env?: NodeJS.ProcessEnv;
  client?: Omit<ClientOptions, 'log'>;
  concurrency?: number;
}

export class OpenStackSyncService implements SyncService {
  private readonly clients = new Map<string, OpenStackClient>();
  /** This process's running syncs, by cloud (embedded PostgreSQL's advisory locks always succeed). */
  private readonly running = new Map<string, Promise<{ job: SyncJob; done: Promise<SyncOutcome> }>>();
  private timer: NodeJS.Timeout | null = null;
  /** One per running sync (a listener on one long-lived signal per sync would pile up); abort() aborts them. */
  private readonly aborts = new Set<AbortController>();

  constructor(private readonly deps: SyncServiceDeps & { clouds: CloudConfig[] }) {}

  clouds(): string[] {
    return this.deps.clouds.map((c) => c.name);
  }

  private resolve(name?: string): CloudConfig {
    const cloud = name === undefined ? this.deps.clouds[0] : this.deps.clouds.find((c) => c.name === name);
    if (!cloud) {
      const known = this.clouds();
      throw new OpenStackError(
        'cloud_unknown',
        known.length === 0
          ? 'no OpenStack cloud is configured (set OS_CLOUD, or OS_AUTH_URL and the other OS_* variables)'
          : `cloud "${name}" is not configured (configured: ${known.join(', ')})`,
        { field: 'cloud' },
      );
    }
    return cloud;
  }

  /**
   * The configured clouds a sync request means: all of them without a name; the one of that name (`cloud` or
   * `cloud/region`); or every region of a clouds.yaml cloud that lists several. Unknown ⇒ `cloud_unknown`.
   */
  select(name?: string): string[] {
    if (name === undefined) return this.clouds();
    const chosen = this.clouds().filter((c) => c === name || c.startsWith(`${name}/`));
    if (chosen.length === 0) this.resolve(name); // throws cloud_unknown, naming the configured ones
    return chosen;
  }

  /** The client of a cloud, created once so tokens and microversions are reused between syncs. */
  client(name?: string): OpenStackClient {
    const cloud = this.resolve(name);
    let client = this.clients.get(cloud.name);
    if (!client) {
      client = createClient(cloud, { ...this.deps.client, log: this.deps.log });
      this.clients.set(cloud.name, client);
    }
    return client;
  }

  /** Starts a background sync (or returns the one already running here for that cloud). */
  async start(name?: string, onProgress?: RunSyncOptions['onProgress']): Promise<SyncJob> {
    return (await this.begin(name, onProgress)).job;
  }

  /** Runs a sync and waits for it: the CLI's `sync` command. */
  async run(name?: string, onProgress?: RunSyncOptions['onProgress']): Promise<SyncOutcome> {
    return (await this.begin(name, onProgress)).done;
  }

  private begin(name: string | undefined, onProgress: RunSyncOptions['onProgress']) {
    const client = this.client(name);
    const cloud = client.cloud.name;
    // Registered before the first await, so two start() calls in the same tick share one sync.
    const active = this.running.get(cloud);
    if (active) return active;
    const entry = this.launch(client, onProgress);
    this.running.set(cloud, entry);
    void entry.then(({ done }) => done, () => undefined).finally(() => this.running.delete(cloud));
    return entry;
  }

  private async launch(client: OpenStackClient, onProgress: RunSyncOptions['onProgress']) {
    const cloud = client.cloud.name;
    const job = await this.deps.store.createSyncJob(cloud);
    const stop = new AbortController();
    this.aborts.add(stop);
    const done = runSync(client, this.deps.store, {
      log: this.deps.log,
      jobId: job.id,
      registry: this.deps.registry,
      signal: stop.signal,
      ...(onProgress && { onProgress }),
      ...(this.deps.concurrency && { concurrency: this.deps.concurrency }),
      ...(this.deps.settings.SYNC_PLACEMENT_READ && { placementRead: this.deps.settings.SYNC_PLACEMENT_READ }),
      ...(this.deps.settings.SYNC_JOB_HEARTBEAT_SECONDS && { heartbeatMs: this.deps.settings.SYNC_JOB_HEARTBEAT_SECONDS * 1000 }),
    })
      .catch(async (err: unknown): Promise<SyncOutcome> => {
        // Only the store itself failing lands here (runSync turns OpenStack failures into outcomes).
        this.deps.log.error({ cloud, jobId: job.id, error: describeError(err) }, 'sync could not be recorded');
        await this.deps.store
          .updateSyncJob(job.id, { status: 'failed', finishedAt: new Date().toISOString(), error: describeError(err) })
          .catch(() => undefined);
        return {
          status: 'failed', cloud, region: client.cloud.regionName, summary: null, counts: null, durationMs: 0,
          requestCount: 0, error: err instanceof Error ? err : new Error(String(err)), skippedProviders: [], placementRead: null,
        };
      })
      .finally(() => this.aborts.delete(stop));
    return { job, done };
  }

  get(id: string): Promise<SyncJob | null> {
    return this.deps.store.getSyncJob(id);
  }

  /** Syncs every configured cloud each SYNC_INTERVAL_SECONDS (0: off). Returns a stop function. */
  startScheduler(intervalSeconds = this.deps.settings.SYNC_INTERVAL_SECONDS): () => void {
    this.stopScheduler();
    if (intervalSeconds <= 0 || this.deps.clouds.length === 0) return () => undefined;
    this.timer = setInterval(() => {
      for (const cloud of this.clouds()) {
        this.start(cloud).catch((err: unknown) => this.deps.log.error({ cloud, error: describeError(err) }, 'scheduled sync did not start'));
      }
    }, intervalSeconds * 1000);
    this.timer.unref();
    return () => this.stopScheduler();
  }

  stopScheduler(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /**
   * Fails the running syncs now: their calls are aborted and each records a failed sync, so close() returns within
   * one store write instead of after a whole read of the cloud (minutes at 15,000 hosts). For shutdown past its deadline.
   */
  abort(): void {
    this.stopScheduler();
    for (const stop of this.aborts) stop.abort(new Error('sync aborted: the service is shutting down'));
  }

  /** Stops the scheduler and waits for running syncs (graceful shutdown). */
  async close(): Promise<void> {
    this.stopScheduler();
    await Promise.all([...this.running.values()].map((r) => r.then(({ done }) => done, () => undefined)));
  }
}

/** The service the API and CLI use; clouds come from OS_CLOUD / OS_* unless given. */
export function createSyncService(deps: SyncServiceDeps): OpenStackSyncService {
  return new OpenStackSyncService({ ...deps, clouds: deps.clouds ?? loadCloudConfigs(deps.env ?? process.env) });
}

export { loadCloudConfigs };
