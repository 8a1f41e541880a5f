// All settings, from the environment, parsed once by one zod schema; a bad value stops the start
// with a message naming the variable (fail fast).
import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { osloBoolean } from '../lib/oslo-bool.ts';
import type { PolicyRoles } from '../advisor/policy.ts';

const csv = z
  .string()
  .transform((v) => v.split(',').map((s) => s.trim()).filter((s) => s.length > 0));

const roles = csv.pipe(z.array(z.string().regex(/^[\w.-]{1,255}$/, 'a Keystone role name')).min(1)).transform((r) => r.map((name) => name.toLowerCase()));

export const SettingsSchema = z.object({
  HOST: z.string().default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** `serve`'s log: `json` lines, `pretty` (readable lines and a start banner), `auto` = pretty in a terminal (src/server-log.ts). */
  LOG_FORMAT: z.enum(['auto', 'json', 'pretty']).default('auto'),
  /** Real PostgreSQL; unset ⇒ embedded PostgreSQL (PGlite) in DATA_DIR. */
  DATABASE_URL: z.string().url().optional(),
  DATA_DIR: z.string().default('./.data'),
  /**
   * Longest one SQL statement may run on real PostgreSQL before the server cancels it (its `statement_timeout`); 0 = no
   * limit. The longest statement is one chunk of a snapshot save: the whole save of 15,000 hosts takes 5.2 s
   * (bench/RESULTS.md). PGlite does not enforce it (src/store/README.md).
   */
  DB_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(0).default(30_000),
  /** `keystone`: X-Auth-Token checked against Keystone; `none`: open, for the local demo only. */
  AUTH_MODE: z.enum(['keystone', 'none']).optional(),
  CORS_ORIGINS: csv.default([]),
  /**
   * /v1 requests allowed per RATE_LIMIT_WINDOW_SECONDS, per client address (checked before the token, so made-up
   * tokens cannot become Keystone calls faster than this) and per token; 0 turns that limit off. Health, readiness,
   * metrics and the document are not limited. An address is generous because a Horizon in front sends all its users'
   * requests from one; 6,000 is 5x the most the test suites send one app in a minute (1,202, cli-http.test.ts), the
   * most they send with one token is 21.
   */
  RATE_LIMIT_PER_ADDRESS: z.coerce.number().int().min(0).default(6000),
  RATE_LIMIT_PER_TOKEN: z.coerce.number().int().min(0).default(600),
  RATE_LIMIT_WINDOW_SECONDS: z.coerce.number().int().min(1).default(60),
  /**
   * Cardinality guard of /metrics: a per-host or per-aggregate family (instances per host or aggregate and flavor,
   * units per host and resource class) with more series than this in a cloud is left out, and
   * nova_advisor_capacity_series_dropped says so (docs/metrics.md). 10,000 keeps a scrape to a few MiB (each series
   * ~150 bytes with its labels) and well under 100 ms at 15,000 hosts (bench/scrape-bench.ts).
   */
  METRICS_MAX_FAMILY_SERIES: z.coerce.number().int().min(0).default(10_000),
  /**
   * HTTP server timeouts (Node's http.Server, https://nodejs.org/api/http.html#serverrequesttimeout): the whole request
   * must arrive within HTTP_REQUEST_TIMEOUT_SECONDS and its headers within HTTP_HEADERS_TIMEOUT_SECONDS (else 408), so
   * slow clients cannot hold sockets open (Fastify leaves requestTimeout off). An idle keep-alive connection is closed
   * after HTTP_KEEP_ALIVE_TIMEOUT_SECONDS: Fastify's 72 s, above the 60 s idle timeout of common load balancers so the
   * balancer closes first.
   */
  HTTP_REQUEST_TIMEOUT_SECONDS: z.coerce.number().int().min(1).default(60),
  HTTP_HEADERS_TIMEOUT_SECONDS: z.coerce.number().int().min(1).default(15),
  HTTP_KEEP_ALIVE_TIMEOUT_SECONDS: z.coerce.number().int().min(1).default(72),
  /**
   * On SIGTERM / SIGINT: stop accepting, let requests in flight finish, and after this many seconds abort running syncs;
   * the process exits 5 s later at most (src/server.ts), 25 s by default: before Kubernetes' default
   * terminationGracePeriodSeconds (30) ends in SIGKILL.
   */
  SHUTDOWN_TIMEOUT_SECONDS: z.coerce.number().int().min(1).default(20),
  /**
   * Processes that answer on HOST:PORT (node:cluster, src/server-workers.ts), like Nova's `osapi_compute_workers`:
   * each holds the snapshots and answers on one core, so N use N cores. `auto`: one per core
   * (os.availableParallelism()). More than 1 needs DATABASE_URL: the embedded database belongs to one process.
   */
  WORKERS: z.union([z.literal('auto'), z.coerce.number().int().min(1).max(64)]).default(1)
    .transform((workers) => (workers === 'auto' ? availableParallelism() : workers)),
  /**
   * Overload (@fastify/under-pressure): /v1 requests are answered 503 with Retry-After while the event loop's mean delay
   * is above OVERLOAD_MAX_EVENT_LOOP_DELAY_MS or the V8 heap in use is above OVERLOAD_MAX_HEAP_USED_MB (unset: 90% of
   * the heap limit, before V8 runs out of memory); 0 turns a check off. The delay counts from 2 s after ready (src/api/app.ts).
   */
  OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: z.coerce.number().int().min(0).default(1000),
  OVERLOAD_MAX_HEAP_USED_MB: z.coerce.number().int().min(0).optional(),
  /** clouds.yaml cloud names to sync (comma-separated); unset ⇒ OS_CLOUD, or OS_* variables. */
  OS_CLOUD: z.string().optional(),
  OS_AUTH_URL: z.string().optional(),
  /** Periodic sync; 0 turns it off. */
  SYNC_INTERVAL_SECONDS: z.coerce.number().int().min(0).default(0),
  /**
   * How often a running sync writes its job's heartbeat; a running job whose heartbeat is 3 of these old (the lease) is
   * failed by the next reader, as its process died (src/store/jobs.ts). Every replica must use the same value.
   */
  SYNC_JOB_HEARTBEAT_SECONDS: z.coerce.number().int().min(1).default(10),
  /**
   * How a sync reads Placement (src/openstack/placement.ts readProviderTree): `per-provider` (4 calls per
   * provider, exact), `bulk` (allocation-candidate summaries + 2 calls per host), `auto` (per-provider up
   * to 2,000 providers, bulk above; design.md "Stack facts").
   */
  SYNC_PLACEMENT_READ: z.enum(['auto', 'bulk', 'per-provider']).default('auto'),
  OSINFO_DB_PATH: z.string().default('/usr/share/osinfo'),
  /** YAML or JSON file of operator-declared host facts (virt_type, vhost-net, OVS-DPDK, …). */
  HOST_FACTS_FILE: z.string().optional(),
  /**
   * Load the bundled demo cloud when no OpenStack cloud is configured. Any of oslo's boolean spellings, in any case
   * (src/lib/oslo-bool.ts): the one reading of every boolean we take in, OpenStack's own.
   */
  DEMO_CLOUD: osloBoolean.default(true),
  /**
   * Keystone roles (comma-separated, case-insensitive) that may read and advise, that count as cloud admin (every
   * image and flavor, syncs) and that see host-level data; docs/security.md. Defaults: the services' own.
   */
  POLICY_READER_ROLES: roles.default(['reader', 'member', 'admin']),
  POLICY_ADMIN_ROLES: roles.default(['admin']),
  POLICY_HOST_ROLES: roles.default(['admin']),
  /**
   * Longest a validated token is trusted without asking Keystone again (never past its expiry), so a revoked token
   * is refused within this bound; keystonemiddleware's token_cache_time default is 300 s.
   */
  TOKEN_CACHE_SECONDS: z.coerce.number().int().min(0).max(3600).default(300),
}).superRefine((settings, ctx) => {
  if (settings.WORKERS > 1 && !settings.DATABASE_URL) {
    ctx.addIssue({ code: 'custom', path: ['WORKERS'], message: `${settings.WORKERS} processes need DATABASE_URL (PostgreSQL); the embedded database belongs to one process` });
  }
});

export type Settings = z.infer<typeof SettingsSchema> & {
  /** True when an OpenStack cloud is configured (OS_CLOUD or OS_AUTH_URL). */
  cloudConfigured: boolean;
  authMode: 'keystone' | 'none';
  /** True when LOG_LEVEL was given: the CLI then logs at that level instead of warnings only. */
  logLevelSet: boolean;
  policyRoles: PolicyRoles;
};

export class ConfigError extends Error {}

export function loadSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  const parsed = SettingsSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  const cloudConfigured = Boolean(parsed.data.OS_CLOUD || parsed.data.OS_AUTH_URL);
  return {
    ...parsed.data,
    cloudConfigured,
    // Without a cloud there is no Keystone to check tokens against: the demo runs open (and says so).
    authMode: parsed.data.AUTH_MODE ?? (cloudConfigured ? 'keystone' : 'none'),
    logLevelSet: env['LOG_LEVEL'] !== undefined,
    policyRoles: { reader: parsed.data.POLICY_READER_ROLES, admin: parsed.data.POLICY_ADMIN_ROLES, hostDetail: parsed.data.POLICY_HOST_ROLES },
  };
}
