// `serve` with the embedded engine: its worker thread starts before the CLI loads the rest of its modules, so PGlite's
// start (the longest phase of a first start) runs beside the module loading instead of after it. On a loaded 2-core
// machine two runnable threads also get twice the share of one. serve() takes the started database (takeEarly); a
// command that ends without taking it closes it (closeUntaken), or its worker would keep the process alive.
//
// `serve` with WORKERS > 1, in the first process: it only supervises the workers (superviseEarly), so the first one is
// forked before the commands' modules load (by bin/nova-advisor.js, before tsx loads). Loading them (the CLI, the
// rules, the store) took the first process ~1.2-1.9 s that every worker's start waited for, since each worker loads
// them again itself.
import cluster from 'node:cluster';
import { loadSettings, type Settings } from './config/index.ts';
import { openDatabase, type Database, type StoreLog } from './store/database.ts';

interface Early {
  dataDir: string;
  database: Promise<Database>;
  log: DeferredLog;
  taken: boolean;
}

let early: Early | undefined;

/** Log entries kept until the service's logger exists, then passed to it as they come. */
class DeferredLog implements StoreLog {
  private kept: [keyof StoreLog, object, string][] = [];
  private target: StoreLog | undefined;

  attach(target: StoreLog): void {
    this.target = target;
    for (const [level, obj, msg] of this.kept) this.write(level, obj, msg);
    this.kept = [];
  }

  private write(level: keyof StoreLog, obj: object, msg: string): void {
    if (this.target) this.target[level]?.(obj, msg);
    else this.kept.push([level, obj, msg]);
  }

  debug(obj: object, msg: string): void {
    this.write('debug', obj, msg);
  }
  info(obj: object, msg: string): void {
    this.write('info', obj, msg);
  }
  warn(obj: object, msg: string): void {
    this.write('warn', obj, msg);
  }
  error(obj: object, msg: string): void {
    this.write('error', obj, msg);
  }
}

/**
 * The settings when the command line is `serve`; undefined otherwise, or when they are wrong (serve reports that).
 * Read once for both of what starts early (superviseEarly, startEarly).
 */
export function serveSettings(argv: string[], env: NodeJS.ProcessEnv = process.env): Settings | undefined {
  if (argv[2] !== 'serve' || argv.length > 3) return undefined;
  try {
    return loadSettings(env);
  } catch {
    return undefined;
  }
}

/**
 * In the first process of `serve` with WORKERS > 1: supervises the workers (src/server-workers.ts) and resolves when
 * the service stops. Null in any other process (a worker, another command, WORKERS=1, wrong settings).
 */
export function superviseEarly(settings: Settings | undefined): Promise<void> | null {
  if (!cluster.isPrimary || !settings || settings.WORKERS <= 1) {
    // A worker bin/nova-advisor.js forked on the variables, which the settings as a whole refuse: serve reports why.
    for (const worker of Object.values(cluster.workers ?? {})) worker?.kill();
    return null;
  }
  return Promise.all([import('./server-log.ts'), import('./server-workers.ts')]).then(([{ serviceLogger }, { superviseWorkers }]) =>
    superviseWorkers(settings, serviceLogger(settings.LOG_LEVEL, settings.LOG_FORMAT)));
}

/** Starts the embedded database now for `serve`'s settings (serveSettings) without DATABASE_URL; else does nothing. */
export function startEarly(settings: Settings | undefined): void {
  if (!settings || settings.DATABASE_URL) return;
  const log = new DeferredLog();
  const database = openDatabase({ dataDir: settings.DATA_DIR }, log);
  database.catch(() => undefined); // serve awaits it and reports the failure; until then it is not unhandled
  early = { dataDir: settings.DATA_DIR, database, log, taken: false };
}

/** The database startEarly opened for these settings, its log now going to `log`; undefined when there is none. */
export function takeEarly(dataDir: string, databaseUrl: string | undefined, log: StoreLog): Promise<Database> | undefined {
  if (!early || early.taken || databaseUrl || early.dataDir !== dataDir) return undefined;
  early.taken = true;
  early.log.attach(log);
  return early.database;
}

/** Closes a database startEarly opened that serve never took (it failed before): the process can then exit. */
export async function closeUntaken(): Promise<void> {
  if (!early || early.taken) return;
  early.taken = true;
  await early.database.then((db) => db.close(), () => undefined);
}
