// Start-up wiring shared by `serve` and the CLI commands: open the database, migrate, load the demo cloud
// when no cloud is configured, load the current snapshots into memory.
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { Counter, type Metric } from 'prom-client';
import type { Settings } from './config/index.ts';
import type { CloudSnapshot } from './model/index.ts';
import { loadDemoCloud } from './sync/demo.ts';
import { normaliseCloud } from './sync/normalise.ts';
import { SnapshotRegistry, type Following } from './advisor/registry.ts';
import { createSyncService, type OpenStackSyncService } from './sync/sync.ts';
import { loadCloudConfigs, type CloudConfig } from './openstack/index.ts';
import { loadHostFacts } from './config/host-facts.ts';
import { loadOsinfoKnowledge } from './osinfo/load.ts';
import { defaultRuleContext, type RuleContext } from './rules/index.ts';
import { openDatabase, type Database } from './store/database.ts';
import { loadMigrator } from './store/migrate.ts';
import { PgSnapshotStore } from './store/pg-store.ts';
import type { SnapshotStore } from './store/types.ts';

export interface AppContext {
  settings: Settings;
  store: SnapshotStore;
  registry: SnapshotRegistry;
  ruleContext: RuleContext;
  /** The configured OpenStack clouds; empty in demo mode. */
  clouds: CloudConfig[];
  /** Present when a cloud is configured. */
  sync: OpenStackSyncService | undefined;
  /** Where the start went (the ready entry of `serve` shows it). */
  startup: { phases: StartupPhases; embedded: Database['startup'] };
  /** What the store counts, for the app's /metrics (AppDeps.storeMetrics). */
  storeMetrics: Metric[];
  /**
   * `serve` only: keeps the registry up with snapshots other processes save (replicas, `nova-advisor sync`);
   * close() stops it. The CLI commands answer once from what they loaded and need not.
   */
  followSnapshots(): Promise<void>;
  /** Stops following, waits for running syncs, then closes the database. */
  close(): Promise<void>;
}

/**
 * ms per start-up phase. `prepare` (the migration tool's modules, the cloud configuration, the demo cloud's snapshot,
 * the rule context) runs on this thread while `database` starts in its own (the embedded engine's worker), so the two
 * overlap; the others follow one another.
 */
export interface StartupPhases {
  database: number;
  prepare: number;
  migrations: number;
  demo: number;
  snapshots: number;
}

/** Runs fn and records its ms under `phase`. */
async function timed<T>(phases: Partial<StartupPhases>, phase: keyof StartupPhases, fn: () => T | Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    return await fn();
  } finally {
    phases[phase] = Math.round(performance.now() - started);
  }
}

interface DemoSnapshot {
  snapshot: CloudSnapshot;
  /** How long normalising it took, recorded with it as its sync's duration. */
  durationMs: number;
}

/** The bundled demo cloud as a snapshot; made before the store is open, so it goes unused when one is stored. */
function demoSnapshot(): DemoSnapshot {
  const started = performance.now();
  const { snapshot } = normaliseCloud(loadDemoCloud(), randomUUID(), 'demo');
  return { snapshot, durationMs: Math.round(performance.now() - started) };
}

/** Saves the demo snapshot once; later starts reuse the stored one. */
async function ensureDemoSnapshot(store: SnapshotStore, { snapshot, durationMs }: DemoSnapshot, log: Logger): Promise<void> {
  const existing = await store.listSnapshots(snapshot.cloud);
  if (existing.some((s) => s.source === 'demo' && s.status === 'complete')) return;
  await store.saveSnapshot(snapshot, { durationMs, requestCount: 0 });
  log.info({ cloud: snapshot.cloud, snapshotId: snapshot.id }, 'demo cloud loaded into the store');
}

/**
 * Guest-OS knowledge from the machine's osinfo-db when present, else the built-in table (design.md "Rules"),
 * and the operator's declared host facts from HOST_FACTS_FILE (docs/host-facts.md) over the defaults.
 */
function loadRuleContext(settings: Settings, log: Logger): RuleContext {
  const context: RuleContext = defaultRuleContext();
  if (settings.HOST_FACTS_FILE) {
    Object.assign(context, loadHostFacts(settings.HOST_FACTS_FILE));
    log.info({ file: settings.HOST_FACTS_FILE, overrides: context.hostFactOverrides?.length ?? 0 }, 'host facts loaded');
    // The operator's nova.conf files: what was read, and (loudly) what was not understood.
    for (const report of context.novaConfReport ?? []) {
      log.info({ cloud: report.cloud, file: report.label, read: report.read.length }, 'nova.conf read');
      if (report.notUnderstood.length > 0) log.warn({ cloud: report.cloud, file: report.label, notUnderstood: report.notUnderstood }, 'nova.conf options not understood');
    }
  }
  const started = performance.now();
  const osinfo = loadOsinfoKnowledge(context.knowledge, settings.OSINFO_DB_PATH);
  if (!osinfo) {
    log.info({ path: settings.OSINFO_DB_PATH }, 'no osinfo database there: guest answers use the built-in table');
    return context;
  }
  log.info(
    { osinfo: osinfo.ref, shortIds: Object.keys(osinfo.shortIds).length, ms: Math.round(performance.now() - started) },
    'guest knowledge loaded from osinfo-db',
  );
  return { ...context, knowledge: osinfo };
}

/**
 * `database`: one already being opened for these settings (`serve` starts the embedded engine before its modules
 * load: src/server-early.ts); the `database` phase is then the wait for it here.
 */
export async function openAppContext(settings: Settings, log: Logger, database?: Promise<Database>): Promise<AppContext> {
  const phases: Partial<StartupPhases> = {};
  const opening = timed(
    phases,
    'database',
    () => database ?? openDatabase({ databaseUrl: settings.DATABASE_URL, dataDir: settings.DATA_DIR, statementTimeoutMs: settings.DB_STATEMENT_TIMEOUT_MS }, log),
  );
  opening.catch(() => undefined); // awaited below; a failure is thrown there, not as an unhandled rejection first
  // What needs no database, done while the embedded engine starts in its worker thread.
  let prepared: { clouds: CloudConfig[]; demo: DemoSnapshot | undefined; ruleContext: RuleContext };
  try {
    prepared = await timed(phases, 'prepare', async () => {
      const migrator = loadMigrator();
      const clouds = settings.cloudConfigured ? loadCloudConfigs() : [];
      const demo = clouds.length === 0 && settings.DEMO_CLOUD ? demoSnapshot() : undefined;
      const ruleContext = loadRuleContext(settings, log);
      await migrator;
      return { clouds, demo, ruleContext };
    });
  } catch (err) {
    await opening.then((db) => db.close(), () => undefined);
    throw err;
  }
  const { clouds, demo, ruleContext } = prepared;
  const db = await opening;
  // Made here, with the store, and registered by each app built on it (apps have a registry each).
  const auditWriteFailures = new Counter({
    name: 'nova_advisor_audit_write_failures_total',
    help: 'Validation audit rows that could not be written (lost)',
    registers: [],
  });
  const store = new PgSnapshotStore(db, log, {
    onAuditRowsLost: (rows) => auditWriteFailures.inc(rows),
    syncJobHeartbeatMs: settings.SYNC_JOB_HEARTBEAT_SECONDS * 1000,
  });
  try {
    await timed(phases, 'migrations', () => store.migrate());
    const registry = new SnapshotRegistry(store);
    const sync = clouds.length > 0 ? createSyncService({ settings, store, registry, log, clouds }) : undefined;
    await timed(phases, 'demo', async () => {
      if (demo) await ensureDemoSnapshot(store, demo, log);
    });
    await timed(phases, 'snapshots', async () => {
      // Clouds synced earlier but no longer configured still answer from their last snapshot; the demo cloud
      // does not once a real one is configured, so it can never answer in the real cloud's place.
      const stored = (await store.listSnapshots()).filter((s) => !sync || s.source !== 'demo').map((s) => s.cloud);
      await registry.refresh([...new Set([...clouds.map((c) => c.name), ...stored])]);
    });
    let following: Following | undefined;
    return {
      settings,
      store,
      registry,
      ruleContext,
      clouds,
      sync,
      // In start order, whichever of the overlapping two ended first.
      startup: { phases: { database: phases.database!, prepare: phases.prepare!, migrations: phases.migrations!, demo: phases.demo!, snapshots: phases.snapshots! }, embedded: db.startup },
      storeMetrics: [auditWriteFailures],
      followSnapshots: async () => {
        following ??= await registry.follow(log);
      },
      close: async () => {
        await following?.stop();
        await sync?.close();
        await store.close();
      },
    };
  } catch (err) {
    await store.close();
    throw err;
  }
}
