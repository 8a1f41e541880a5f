// All settings, from the environment, parsed once by one zod schema; a bad value stops the start
// with a message naming the variable (fail fast).
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
  /** Real PostgreSQL; unset ⇒ embedded PostgreSQL (PGlite) in DATA_DIR. */
  DATABASE_URL: z.string().url().optional(),
  DATA_DIR: z.string().default('./.data'),
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
  /** clouds.yaml cloud names to sync (comma-separated); unset ⇒ OS_CLOUD, or OS_* variables. */
  OS_CLOUD: z.string().optional(),
  OS_AUTH_URL: z.string().optional(),
  /** Periodic sync; 0 turns it off. */
  SYNC_INTERVAL_SECONDS: z.coerce.number().int().min(0).default(0),
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
