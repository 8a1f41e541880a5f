// The snapshots the service answers from, held in memory (design.md "Data flow"): loaded at start, after each
// sync, and, while following the store, after another process (a replica, `nova-advisor sync`) saved one, so
// requests never wait on the database or on OpenStack. A snapshot becomes current only once what answers read about
// it is built (`prepareSnapshot`, the lookups): the old one answers meanwhile, so no answer waits for that either.
import { runInBackground, runWithTurns } from '../lib/turns.ts';
import { prepareSnapshot } from '../rules/index.ts';
import type { CloudSnapshot } from '../model/index.ts';
import type { SnapshotNews, SnapshotStore } from '../store/types.ts';
import { AdvisorError, noSnapshot } from './errors.ts';
import { lookupSteps } from './lookup.ts';
import { aggregateNameSteps } from './aggregate.ts';

/** How often a following registry compares what it holds with the newest ids: the fallback for lost news. */
const CHECK_EVERY_MS = 30_000;

/** The logging `follow` needs; a pino logger fits. */
export interface RegistryLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/** A running `follow`; stop() ends it. */
export interface Following {
  stop(): Promise<void>;
}

export class SnapshotRegistry {
  private readonly byCloud = new Map<string, CloudSnapshot>();
  /** The newest snapshot given of each cloud: current, or being prepared to become so. */
  private readonly newest = new Map<string, CloudSnapshot>();
  /** The clouds this registry answers for (refreshed or put): news of any other cloud is not its business. */
  private readonly followed = new Set<string>();
  /** A catch-up per cloud at a time; a cloud asked again meanwhile is checked once more when it ends. */
  private readonly catchingUp = new Map<string, Promise<void>>();
  private readonly askedAgain = new Set<string>();
  /** Further work to do once a snapshot is current, in the background (the metrics' capacity summary). */
  private readonly preparers = new Set<(snapshot: CloudSnapshot) => Iterator<void, unknown>>();
  /** Work each snapshot gets once prepared and before it becomes current (the apps' warm-up, advisor/warm-up.ts). */
  private readonly warmers = new Set<(snapshot: CloudSnapshot) => Iterator<void, unknown>>();

  constructor(private readonly store: SnapshotStore) {}

  /** Reloads the newest complete snapshot of each given cloud from the store; each is current when this returns. */
  async refresh(clouds: string[]): Promise<void> {
    for (const cloud of clouds) {
      this.followed.add(cloud);
      const snapshot = await this.store.latestSnapshot(cloud);
      if (snapshot) await this.makeCurrent(snapshot);
    }
  }

  /**
   * Makes a freshly written snapshot current without a database round trip, once prepared (~1 s at 15,000 hosts):
   * returns at once, and the previous snapshot answers until then.
   */
  put(snapshot: CloudSnapshot): void {
    this.followed.add(snapshot.cloud);
    void this.makeCurrent(snapshot);
  }

  /**
   * Keeps up with snapshots other processes save: the store's news as it comes (LISTEN / NOTIFY on PostgreSQL),
   * and a check of the newest ids every 30 s for news lost in between. A new snapshot is loaded in the background
   * while requests are answered from the old one, then swapped in as `put` does. Serving processes only.
   */
  async follow(log: RegistryLog): Promise<Following> {
    const watch = await this.store.watchSnapshots((news) => this.onNews(news, log));
    if (!watch) log.info({}, 'not following other processes\' snapshots: the embedded engine has no other process');
    const timer = watch
      ? setInterval(() => void this.check(log), CHECK_EVERY_MS).unref()
      : undefined;
    return {
      stop: async () => {
        clearInterval(timer);
        await watch?.close();
        // A load still running would swap a snapshot in after the store closes, or fail on the closed pool.
        await Promise.all(this.catchingUp.values());
      },
    };
  }

  private onNews(news: SnapshotNews, log: RegistryLog): void {
    // The process that saved it has already put it; one that is not ours is for a registry that serves that cloud.
    if (this.followed.has(news.cloud) && this.newest.get(news.cloud)?.id !== news.id) this.catchUp(news.cloud, log);
  }

  private async check(log: RegistryLog): Promise<void> {
    try {
      for (const [cloud, id] of Object.entries(await this.store.latestSnapshotIds())) this.onNews({ cloud, id }, log);
    } catch (err) {
      log.warn({ err }, 'could not check for newer snapshots; trying again at the next check');
    }
  }

  /** Loads the cloud's newest complete snapshot and makes it current, unless a newer one was put meanwhile. */
  private catchUp(cloud: string, log: RegistryLog): void {
    if (this.catchingUp.has(cloud)) {
      this.askedAgain.add(cloud);
      return;
    }
    const run = async (): Promise<void> => {
      do {
        this.askedAgain.delete(cloud);
        // The cheap look first: news of a snapshot this process saved can arrive just before its own `put`.
        const newest = (await this.store.latestSnapshotIds())[cloud];
        const held = this.newest.get(cloud);
        if (newest === undefined || newest === held?.id) continue;
        const snapshot = await this.store.latestSnapshot(cloud);
        if (!snapshot || snapshot.id === this.newest.get(cloud)?.id) continue;
        // A snapshot put while this one loaded may be the newer: look again rather than guess.
        if (this.newest.get(cloud) !== held) {
          this.askedAgain.add(cloud);
          continue;
        }
        this.put(snapshot);
        log.info({ cloud, snapshotId: snapshot.id, previous: held?.id ?? null }, 'newer snapshot loaded from the store');
      } while (this.askedAgain.has(cloud));
    };
    const running = run()
      .catch((err: unknown) => log.warn({ err, cloud }, 'could not load a newer snapshot; trying again at the next news or check'))
      .finally(() => this.catchingUp.delete(cloud));
    this.catchingUp.set(cloud, running);
  }

  /**
   * Builds what answers read about the snapshot a step at a time, letting requests run in between, then makes it
   * current unless a newer one was given meanwhile; then the further work (`alsoPrepare`), which answers do not need.
   */
  private async makeCurrent(snapshot: CloudSnapshot): Promise<void> {
    this.newest.set(snapshot.cloud, snapshot);
    try {
      await runWithTurns(prepareSnapshot(snapshot));
      await runWithTurns(lookupSteps(snapshot));
      await runWithTurns(aggregateNameSteps(snapshot));
      // A snapshot a newer one replaced meanwhile never answers: no need to warm it.
      for (const steps of this.warmers) if (this.newest.get(snapshot.cloud) === snapshot) await runWithTurns(steps(snapshot));
    } finally {
      // Should a build throw (a bug), the snapshot still becomes current: answers build what they need themselves.
      if (this.newest.get(snapshot.cloud) === snapshot) this.byCloud.set(snapshot.cloud, snapshot);
    }
    if (this.byCloud.get(snapshot.cloud) !== snapshot) return;
    for (const steps of this.preparers) await runInBackground(steps(snapshot));
  }

  /**
   * Adds work to do, a step at a time, whenever a snapshot becomes current (from now on; the caller handles those
   * already current). The steps must not throw: `put` does not wait for them. Returns the function that removes it.
   */
  alsoPrepare(steps: (snapshot: CloudSnapshot) => Iterator<void, unknown>): () => void {
    this.preparers.add(steps);
    return () => this.preparers.delete(steps);
  }

  /**
   * Adds work to do, a step at a time, to each snapshot once prepared and before it becomes current (from now on; the
   * caller handles those already current): what the first answers would otherwise do, such as compiling schemas and
   * getting the rules optimised (advisor/warm-up.ts). The steps must not throw. Returns the function that removes it.
   */
  warmWith(steps: (snapshot: CloudSnapshot) => Iterator<void, unknown>): () => void {
    this.warmers.add(steps);
    return () => this.warmers.delete(steps);
  }

  /** The snapshot of the named cloud, or of the default (first configured) cloud. */
  current(cloud?: string): CloudSnapshot | null {
    if (cloud !== undefined) return this.byCloud.get(cloud) ?? null;
    const first = this.byCloud.values().next();
    return first.done ? null : first.value;
  }

  clouds(): string[] {
    return [...this.byCloud.keys()];
  }

  /** The snapshot answers come from; no_snapshot while none is loaded, so clients retry rather than give up. */
  answering(cloud: string | undefined): CloudSnapshot {
    const snapshot = this.current(cloud);
    if (snapshot) return snapshot;
    // A cloud nobody has a snapshot of, while others are loaded, is a misspelt name rather than a wait.
    if (cloud !== undefined && this.byCloud.size > 0) {
      throw new AdvisorError('not_found', `unknown cloud "${cloud}"; known: ${this.clouds().join(', ')}`);
    }
    throw noSnapshot(cloud);
  }
}
