// Which clouds to read and how to log in: clouds.yaml selected by OS_CLOUD, or plain OS_* variables
// (a cloud named `envvars`), as openstacksdk does (domain.md §5.2; SDK doc/source/user/config/configuration.rst).
// OS_CLOUD may name several clouds separated by commas (our extension), and a cloud may list `regions` (openstacksdk's
// format: names, or {name, values} whose values override the cloud's settings in that region; SDK
// doc/source/user/config/configuration.rst "Site Specific File Locations" / `regions`). Each cloud × region is one
// CloudConfig and one snapshot, named after the cloud, or `cloud/region` when the cloud lists several regions.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { osloBoolean } from '../lib/oslo-bool.ts';
import { OpenStackError } from './errors.ts';

export type EndpointInterface = 'public' | 'internal' | 'admin';
export type CatalogService = 'compute' | 'image' | 'placement';

export interface UserRef {
  id?: string;
  name?: string;
  domainId?: string;
  domainName?: string;
}

export type CloudAuth =
  | {
      type: 'password';
      user: UserRef;
      password: string;
      /** Project scope; null asks Keystone for the user's default project. */
      project: { id?: string; name?: string; domainId?: string; domainName?: string } | null;
    }
  | {
      // An application credential carries its own project: no scope may be requested (domain.md §5.1).
      type: 'application_credential';
      id?: string;
      name?: string;
      secret: string;
      user?: UserRef;
    };

export interface CloudConfig {
  /**
   * What its snapshots are kept and asked for under: the clouds.yaml name (or `envvars`), followed by `/<region>` when
   * the cloud lists several regions (`regions:`), one CloudConfig each.
   */
  name: string;
  /** Where it came from (file path or `environment`), for error messages. */
  source: string;
  authUrl: string;
  auth: CloudAuth;
  regionName: string | null;
  interface: EndpointInterface;
  /** verify=false (or insecure=true) disables TLS verification and wins over cacert (domain.md §5.2). */
  tls: { verify: boolean; cacert: string | null };
  endpointOverrides: Partial<Record<CatalogService, string>>;
}

const str = z.string().min(1);

// Keys are the OS_* names lower-cased without the prefix, so one schema serves clouds.yaml and env.
const CloudEntry = z
  .object({
    auth_type: z
      .enum(['password', 'v3password', 'v3applicationcredential', 'application_credential'])
      .optional(),
    auth: z
      .object({
        auth_url: z.url(),
        username: str.optional(),
        user_id: str.optional(),
        password: str.optional(),
        project_name: str.optional(),
        project_id: str.optional(),
        user_domain_name: str.optional(),
        user_domain_id: str.optional(),
        project_domain_name: str.optional(),
        project_domain_id: str.optional(),
        application_credential_id: str.optional(),
        application_credential_name: str.optional(),
        application_credential_secret: str.optional(),
      })
      .loose(),
    region_name: str.optional(),
    interface: z.enum(['public', 'internal', 'admin']).default('public'),
    // A YAML boolean or any of oslo's spellings, in any case (src/lib/oslo-bool.ts): OpenStack's own reading.
    verify: osloBoolean.optional(),
    insecure: osloBoolean.optional(),
    cacert: str.optional(),
    project_name: str.optional(),
    project_id: str.optional(),
    compute_endpoint_override: z.url().optional(),
    image_endpoint_override: z.url().optional(),
    placement_endpoint_override: z.url().optional(),
  })
  .loose();
type CloudEntry = z.infer<typeof CloudEntry>;

const CloudsFile = z.object({ clouds: z.record(z.string(), z.unknown()) }).loose();

export interface LoadCloudOptions {
  cwd?: string;
  home?: string;
}

function candidates(env: NodeJS.ProcessEnv, fileVar: string, base: string, opts: LoadCloudOptions): string[] {
  const home = opts.home ?? homedir();
  const list = [
    join(opts.cwd ?? process.cwd(), base),
    join(home, '.config', 'openstack', base),
    join('/etc/openstack', base),
  ];
  const explicit = env[fileVar];
  return explicit ? [resolve(explicit), ...list] : list;
}

function readYaml(path: string): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new OpenStackError('config_invalid', `${path}: not readable YAML: ${(err as Error).message}`, { field: path });
  }
  const parsed = CloudsFile.safeParse(doc);
  if (!parsed.success) {
    throw new OpenStackError('config_invalid', `${path}: expected a top-level "clouds" mapping`, { field: 'clouds' });
  }
  return parsed.data.clouds;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** secure.yaml values override clouds.yaml ones key by key (SDK configuration.rst "Splitting Secrets"). */
function deepMerge(base: unknown, over: unknown): unknown {
  if (!isRecord(base) || !isRecord(over)) return over === undefined ? base : over;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = deepMerge(base[k], v);
  return out;
}

function validate(name: string, source: string, raw: unknown, keyName: (path: PropertyKey[]) => string): CloudConfig {
  const parsed = CloudEntry.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const key = keyName(issue.path);
    throw new OpenStackError('config_invalid', `cloud "${name}" (${source}): ${key}: ${issue.message}`, { field: key });
  }
  return toCloudConfig(name, source, parsed.data, keyName);
}

function toCloudConfig(
  name: string,
  source: string,
  e: CloudEntry,
  keyName: (path: PropertyKey[]) => string,
): CloudConfig {
  const a = e.auth;
  const missing = (path: string[], why: string): never => {
    const key = keyName(path);
    throw new OpenStackError('config_invalid', `cloud "${name}" (${source}): ${key}: ${why}`, { field: key });
  };
  const user: UserRef = {
    ...(a.user_id && { id: a.user_id }),
    ...(a.username && { name: a.username }),
    ...(a.user_domain_id && { domainId: a.user_domain_id }),
    ...(a.user_domain_name && { domainName: a.user_domain_name }),
  };
  // Without an explicit auth_type, a secret means an application credential (OS_APPLICATION_CREDENTIAL_*).
  const appCred =
    e.auth_type === 'v3applicationcredential' ||
    e.auth_type === 'application_credential' ||
    (e.auth_type === undefined && a.application_credential_secret !== undefined);
  let auth: CloudAuth;
  if (appCred) {
    const secret = a.application_credential_secret ?? missing(['auth', 'application_credential_secret'], 'required for an application credential');
    if (!a.application_credential_id && !a.application_credential_name) {
      missing(['auth', 'application_credential_id'], 'an application credential needs its id (or its name and the user)');
    }
    if (!a.application_credential_id && !user.id && !user.name) {
      missing(['auth', 'username'], 'required with application_credential_name');
    }
    auth = {
      type: 'application_credential',
      secret,
      ...(a.application_credential_id && { id: a.application_credential_id }),
      ...(a.application_credential_name && { name: a.application_credential_name }),
      ...((user.id || user.name) && { user }),
    };
  } else {
    const password = a.password ?? missing(['auth', 'password'], 'required for password authentication');
    if (!user.id && !user.name) missing(['auth', 'username'], 'required for password authentication (or user_id)');
    if (user.name && !user.domainId && !user.domainName) {
      missing(['auth', 'user_domain_name'], 'required with username (or user_domain_id)');
    }
    // Top-level project_name/project_id override the ones inside auth (domain.md §5.2).
    const projectName = e.project_name ?? a.project_name;
    const projectId = e.project_id ?? a.project_id;
    if (projectName && !projectId && !a.project_domain_id && !a.project_domain_name) {
      missing(['auth', 'project_domain_name'], 'required with project_name (or project_domain_id)');
    }
    auth = {
      type: 'password',
      user,
      password,
      project:
        projectName || projectId
          ? {
              ...(projectId && { id: projectId }),
              ...(projectName && { name: projectName }),
              ...(a.project_domain_id && { domainId: a.project_domain_id }),
              ...(a.project_domain_name && { domainName: a.project_domain_name }),
            }
          : null,
    };
  }
  const endpointOverrides: Partial<Record<CatalogService, string>> = {
    ...(e.compute_endpoint_override && { compute: e.compute_endpoint_override }),
    ...(e.image_endpoint_override && { image: e.image_endpoint_override }),
    ...(e.placement_endpoint_override && { placement: e.placement_endpoint_override }),
  };
  const verify = e.verify ?? (e.insecure === undefined ? true : !e.insecure);
  return {
    name,
    source,
    authUrl: a.auth_url,
    auth,
    regionName: e.region_name ?? null,
    interface: e.interface,
    tls: { verify, cacert: e.cacert ?? null },
    endpointOverrides,
  };
}

const ENV_AUTH_KEYS = [
  'auth_url', 'username', 'user_id', 'password', 'project_name', 'project_id', 'user_domain_name', 'user_domain_id',
  'project_domain_name', 'project_domain_id', 'application_credential_id', 'application_credential_name',
  'application_credential_secret',
] as const;
const ENV_TOP_KEYS = ['auth_type', 'region_name', 'interface', 'verify', 'insecure', 'cacert'] as const;

function fromEnv(env: NodeJS.ProcessEnv): CloudConfig {
  const pick = (keys: readonly string[]) =>
    Object.fromEntries(keys.flatMap((k) => (env[`OS_${k.toUpperCase()}`] ? [[k, env[`OS_${k.toUpperCase()}`]]] : [])));
  const raw = { ...pick(ENV_TOP_KEYS), auth: pick(ENV_AUTH_KEYS) };
  return validate('envvars', 'environment', raw, (path) => `OS_${String(path[path.length - 1] ?? '').toUpperCase()}`);
}

function fromFile(names: string[], env: NodeJS.ProcessEnv, opts: LoadCloudOptions): CloudConfig[] {
  const file = candidates(env, 'OS_CLIENT_CONFIG_FILE', 'clouds.yaml', opts).find((p) => existsSync(p));
  if (!file) {
    throw new OpenStackError(
      'config_invalid',
      `OS_CLOUD=${names.join(',')} but no clouds.yaml found (looked in ${candidates(env, 'OS_CLIENT_CONFIG_FILE', 'clouds.yaml', opts).join(', ')})`,
      { field: 'OS_CLOUD' },
    );
  }
  const clouds = readYaml(file);
  const secureFile = candidates(env, 'OS_CLIENT_SECURE_FILE', 'secure.yaml', opts).find((p) => existsSync(p));
  const secure = secureFile ? readYaml(secureFile) : {};
  return names.map((name) => {
    if (!(name in clouds)) {
      throw new OpenStackError(
        'config_invalid',
        `OS_CLOUD: cloud "${name}" is not in ${file} (it has: ${Object.keys(clouds).join(', ') || 'none'})`,
        { field: 'OS_CLOUD' },
      );
    }
    const merged = deepMerge(clouds[name], secure[name]);
    const keyName = (path: PropertyKey[]) => `clouds.${name}.${path.map(String).join('.')}`;
    const regions = regionsOf(name, file, merged);
    if (regions.length <= 1) {
      const only = regions[0];
      return [validate(name, file, only ? deepMerge({ ...asRecord(merged), region_name: only.name }, only.values) : merged, keyName)];
    }
    return regions.map((region) =>
      validate(`${name}/${region.name}`, file, deepMerge({ ...asRecord(merged), region_name: region.name }, region.values), keyName),
    );
  }).flat();
}

// openstacksdk's `regions`: a name, or {name, values} (openstack/config/loader.py _get_regions / _expand_region).
// A string element is a name, anything else must be {name, values}: so an error names the key inside the element.
const Region = z.preprocess(
  (r) => (typeof r === 'string' ? { name: r } : r),
  z.strictObject({ name: str, values: z.record(z.string(), z.unknown()).default({}) }),
);
const Regions = z.array(Region).min(1);

function asRecord(value: unknown): Record<string, unknown> {
  return isRecord(value) ? value : {};
}

/** The regions a clouds.yaml entry lists, each with the settings it overrides; [] when it lists none. */
function regionsOf(name: string, source: string, entry: unknown): { name: string; values: Record<string, unknown> }[] {
  const raw = asRecord(entry)['regions'];
  if (raw === undefined) return [];
  const parsed = Regions.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const key = `clouds.${name}.regions${issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('')}`;
    throw new OpenStackError('config_invalid', `cloud "${name}" (${source}): ${key}: ${issue.message} (a region is a name, or {name, values})`, { field: key });
  }
  const regions = parsed.data;
  const names = regions.map((r) => r.name);
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice !== undefined) {
    throw new OpenStackError('config_invalid', `cloud "${name}" (${source}): clouds.${name}.regions: region "${twice}" is listed twice`, { field: `clouds.${name}.regions` });
  }
  // As openstacksdk: a region_name beside the list must be one of them (it only picks the default region there).
  const regionName = asRecord(entry)['region_name'];
  if (typeof regionName === 'string' && !names.includes(regionName)) {
    throw new OpenStackError('config_invalid', `cloud "${name}" (${source}): clouds.${name}.region_name: "${regionName}" is not in its regions (${names.join(', ')})`, {
      field: `clouds.${name}.region_name`,
    });
  }
  return regions;
}

/**
 * The configured clouds, one per cloud × region: OS_CLOUD (comma-separated names from clouds.yaml, each expanded to
 * its `regions`), else OS_AUTH_URL and the other OS_* variables as the cloud `envvars`, else none. Throws
 * OpenStackError `config_invalid` naming the key.
 */
export function loadCloudConfigs(env: NodeJS.ProcessEnv = process.env, opts: LoadCloudOptions = {}): CloudConfig[] {
  const names = (env.OS_CLOUD ?? '').split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  if (names.length > 0) {
    if (new Set(names).size !== names.length) {
      throw new OpenStackError('config_invalid', `OS_CLOUD: a cloud is named twice in "${env.OS_CLOUD}"`, { field: 'OS_CLOUD' });
    }
    return fromFile(names, env, opts);
  }
  if (env.OS_AUTH_URL) return [fromEnv(env)];
  return [];
}
