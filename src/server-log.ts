// The service's log (`nova-advisor serve`): pino's JSON lines for a log collector, or, in a terminal, one readable
// line per entry and a start banner that says where the docs are, what answers and whether the API is open.
// LOG_FORMAT chooses: `auto` (readable when stdout is a terminal), `json`, `pretty`.
import { pino, type Logger } from 'pino';

export type LogFormat = 'auto' | 'json' | 'pretty';

/** What the `ready` entry carries (src/server.ts); in a terminal it is shown as the start banner. */
export interface ReadyFacts {
  url: string;
  docs: string;
  /** The web page, when the app serves one. */
  ui: string | null;
  /** `demo`: the bundled demo cloud answers (no cloud configured); `clouds`: the configured clouds (and regions). */
  mode: 'demo' | 'clouds';
  clouds: string[];
  /** Configured clouds with no snapshot yet: they answer 503 until a sync. */
  withoutSnapshot: string[];
  database: { kind: 'embedded'; dataDir: string; created: 'existing' | 'template' | 'initdb' } | { kind: 'postgres' };
  auth: { mode: 'none' } | { mode: 'keystone'; keystone: string };
  msSinceProcessStart: number;
  cpuMs: number;
  phases: Record<string, number>;
  /**
   * What runs: `dist` (compiled, what `npm ci` and `npm run build` make) or `sources` (src/ through tsx, when dist/ is
   * missing or older than a source: bin/nova-advisor.js). Each process loads the sources in about twice the time.
   */
  code: 'dist' | 'sources';
  /**
   * WORKERS > 1 (src/server-workers.ts): how many, how many answer and their pids. `ready` comes when the first one
   * answers (the others start after it, one after another) and its other facts are that worker's.
   */
  workers?: { count: number; ready: number; pids: number[] };
}

/** The service's address as a link: a wildcard address listens on loopback too; an IPv6 literal goes in brackets. */
export function serviceUrl(host: string, port: number): string {
  const linked = host === '0.0.0.0' || host === '::' || host === '' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return `http://${linked}:${port}`;
}

export function serviceLogger(level: string, format: LogFormat, out: NodeJS.WriteStream = process.stdout): Logger {
  const readable = format === 'pretty' || (format === 'auto' && out.isTTY === true);
  // pino writes each entry as one JSON line to the stream's write(); the readable stream re-renders it.
  return readable ? pino({ level }, { write: (line: string) => out.write(renderEntry(line)) }) : pino({ level }, out);
}

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
/** pino's own fields, shown as the line's time and level or not at all. */
const OWN_FIELDS = new Set(['level', 'time', 'pid', 'hostname', 'msg']);

/** One JSON log line as text: `HH:MM:SS LEVEL message key=value …`; the `ready` entry as the start banner. */
export function renderEntry(line: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  if (entry['msg'] === 'ready' && typeof entry['docs'] === 'string') return renderBanner(entry as unknown as ReadyFacts);
  const time = new Date(typeof entry['time'] === 'number' ? entry['time'] : Date.now()).toTimeString().slice(0, 8);
  const level = (LEVELS[entry['level'] as number] ?? String(entry['level'])).padEnd(5);
  const fields = Object.entries(entry)
    .filter(([key, value]) => !OWN_FIELDS.has(key) && value !== undefined)
    .map(([key, value]) => `${key}=${renderValue(value)}`);
  return `${time} ${level} ${String(entry['msg'] ?? '')}${fields.length > 0 ? `  ${fields.join(' ')}` : ''}\n`;
}

function renderValue(value: unknown): string {
  if (typeof value === 'number' && !Number.isInteger(value)) return value.toFixed(1);
  if (typeof value === 'string') return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  // pino's error serialiser: the message is what a reader needs on one line.
  if (typeof value === 'object' && value !== null && 'message' in value && 'type' in value) return JSON.stringify((value as { message: unknown }).message);
  return JSON.stringify(value);
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

function renderBanner(r: ReadyFacts): string {
  const database =
    r.database.kind === 'postgres'
      ? 'PostgreSQL (DATABASE_URL)'
      : `embedded PostgreSQL in ${r.database.dataDir}${r.database.created === 'existing' ? '' : ' (created by this start)'}`;
  const answers =
    r.mode === 'demo'
      ? `the bundled demo cloud (no cloud configured: set OS_CLOUD to read yours, README "Use a real cloud")`
      : [
          ...(r.clouds.length > 0 ? [r.clouds.join(', ')] : []),
          ...(r.withoutSnapshot.length > 0 ? [`no snapshot yet of ${r.withoutSnapshot.join(', ')}: run nova-advisor sync, or POST /v1/sync`] : []),
        ].join('; ');
  const auth =
    r.auth.mode === 'none'
      ? 'OFF (AUTH_MODE=none): anyone who can reach this port may call the API'
      : `Keystone tokens in X-Auth-Token, checked against ${r.auth.keystone} (get one: openstack token issue -f value -c id)`;
  const phases = Object.entries(r.phases).map(([name, ms]) => `${name} ${seconds(ms)}`).join(', ');
  return [
    `nova-advisor ready in ${seconds(r.msSinceProcessStart)} — API docs: ${r.docs}`,
    ...(r.ui ? [`  web page  ${r.ui}`] : []),
    `  answers   ${answers}`,
    `  database  ${database}`,
    `  auth      ${auth}`,
    `  start     ${phases} (${seconds(r.cpuMs)} of CPU), ${r.code === 'dist' ? 'compiled (dist/)' : 'the sources through tsx (dist/ is missing or older than src/: npm run build)'}`,
    ...(r.workers ? [`  workers   ${r.workers.ready} of ${r.workers.count} answering (WORKERS), pid ${r.workers.pids.join(', ')}; the others start one after another`] : []),
    '',
  ].join('\n');
}
