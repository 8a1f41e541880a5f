// The cloud a command line talks to, chosen as openstackclient chooses it: `--os-cloud` / OS_CLOUD from
// clouds.yaml, else the OS_* variables of an openrc file; `--os-region-name` / OS_REGION_NAME picks the region
// (python-openstackclient's shell, via openstack.config: the option wins over the variable, both over
// clouds.yaml's region_name). `--image NAME|ID` and `--flavor NAME|ID` are read from it live, and its token
// authenticates the CLI to a running service (remote.ts).
import { pino } from 'pino';
import { createClient, isOpenStackError, loadCloudConfigs, type CloudConfig, type OpenStackClient } from '../openstack/index.ts';
import { glanceUrl } from '../openstack/glance.ts';
import { GlanceImage, GlanceImagePage, type NovaFlavor } from '../openstack/schemas.ts';
import { InputError } from './input.ts';

export interface CloudOptions {
  osCloud?: string;
  osRegionName?: string;
}

/** The selected cloud, or null when neither an option nor the environment names one. */
export function selectedCloud(opts: CloudOptions, env: NodeJS.ProcessEnv = process.env): CloudConfig | null {
  const cloudEnv = { ...env, ...(opts.osCloud !== undefined && { OS_CLOUD: opts.osCloud }) };
  let configs: CloudConfig[];
  try {
    configs = loadCloudConfigs(cloudEnv);
  } catch (err) {
    // A cloud name the user typed that clouds.yaml does not hold is their mistake (exit 2), like an unknown flavor.
    if (opts.osCloud !== undefined && isOpenStackError(err) && err.code === 'config_invalid') throw new InputError(err.message);
    throw err;
  }
  const region = opts.osRegionName ?? env['OS_REGION_NAME'];
  // OS_CLOUD may list several clouds for the service (src/openstack/config.ts); then none is "the" cloud of a
  // command line until --os-cloud names one.
  const oneCloud = !(cloudEnv.OS_CLOUD ?? '').includes(',');
  if (configs.length > 1 && oneCloud) {
    // One cloud listing several regions: the region asked for, else the first listed, as openstacksdk's
    // loader picks (openstack/config/loader.py _get_region), and a region the cloud does not list is refused.
    const chosen = region ? configs.find((c) => c.regionName === region) : configs[0];
    if (!chosen) throw new InputError(`region ${region} is not one of the regions cloud ${cloudEnv.OS_CLOUD} lists: ${configs.map((c) => c.regionName).join(', ')}`);
    return chosen;
  }
  if (configs.length > 1) return null;
  const [cloud] = configs;
  if (!cloud) return null;
  return region ? { ...cloud, regionName: region } : cloud;
}

/** A client for one command; it logs only warnings, to stderr, as every command does. */
export function cloudClient(cloud: CloudConfig): OpenStackClient {
  return createClient(cloud, { log: pino({ level: 'warn' }, pino.destination(2)), pageSize: 1000 });
}

/**
 * An image by id, else by name, as openstackclient's find_resource looks it up: GET /v2/images/{id}, then
 * GET /v2/images?name= (Glance filters names exactly). Several images of one name are refused, as it does.
 */
export async function liveImage(client: OpenStackClient, ref: string): Promise<GlanceImage> {
  const endpoint = await client.session.endpoint('image');
  try {
    return await client.session.get('image', glanceUrl(endpoint, `/images/${encodeURIComponent(ref)}`), GlanceImage);
  } catch (err) {
    // Glance answers 404 for an id it does not hold and for a name (not a UUID) alike.
    if (!(isOpenStackError(err) && err.code === 'upstream_not_found')) throw err;
  }
  const { images } = await client.session.get('image', glanceUrl(endpoint, '/images'), GlanceImagePage, { query: { name: ref, visibility: 'all' } });
  return onlyOne(images, 'image', ref, client.cloud.name);
}

/** A flavor by id, else by name among the flavors listed (Nova has no name filter; openstackclient lists too). */
export async function liveFlavor(client: OpenStackClient, ref: string): Promise<NovaFlavor> {
  const flavors = await client.nova.listFlavors();
  const byId = flavors.find((f) => f.id === ref);
  return byId ?? onlyOne(flavors.filter((f) => f.name === ref), 'flavor', ref, client.cloud.name);
}

function onlyOne<T extends { id: string }>(items: T[], kind: string, ref: string, cloud: string): T {
  if (items.length > 1) throw new InputError(`${items.length} ${kind}s of cloud "${cloud}" are named "${ref}"; give the id: ${items.map((i) => i.id).join(', ')}`);
  const [item] = items;
  if (!item) throw new InputError(`no ${kind} "${ref}" (name or id) in cloud "${cloud}"`);
  return item;
}
