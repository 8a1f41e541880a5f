// A local fake OpenStack on 127.0.0.1 serving a RawCloud through the real API shapes (issue 5), so the sync
// is measured end to end through the real client code: Keystone tokens and catalog, Nova version discovery,
// microversions, flavor paging and flavor access lists, Glance image paging (hidden images listed apart) and image
// members, Placement microversions, provider listings with
// filters, per-provider bodies and the allocation-candidate bulk read. Every call waits --latency-ms first.
//   npx tsx bench/fake-openstack.ts [--hosts 15000 --flavors 2000 --images 100000 --seed 1 | --file F]
//                                   [--port 0] [--latency-ms 20] [--max-seconds 3600]
// Prints one JSON line {"event":"ready",…} with the URLs and credentials, serves until SIGTERM / SIGINT or
// --max-seconds. GET /_fake/stats gives the counters (calls per kind, max concurrent). Shapes were checked against the Zed lab (../shared/openstack-lab) on 2026-11-25.
//
// Services share one port under devstack-style prefixes (/identity/v3, /compute/v2.1, /image, /placement), so
// the catalog's image endpoint has no /v2, as on the lab and devstack.
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { GlanceImage, NovaFlavor, PlacementProvider } from '../src/openstack/schemas.ts';
import { RawCloud } from '../src/openstack/schemas.ts';
import { intFlag } from './common.ts';
import { DEFAULT_OPTIONS, generateSyntheticCloud, SYNTHETIC_CLOUD_FLAGS } from './synthetic-cloud.ts';

export interface FakeCredentials {
  username: string;
  password: string;
  project: string;
  domain: string;
}

export interface FakeOptions {
  /** 0: any free port. */
  port: number;
  /** Added to every OpenStack call before it is answered (not to /_fake/*). */
  latencyMs: number;
  credentials: FakeCredentials;
}

export interface FakeStats {
  /** Calls per kind, e.g. `placement GET /resource_providers/{uuid}/inventories`. */
  calls: Record<string, number>;
  total: number;
  maxConcurrent: number;
  inFlight: number;
  bytesOut: number;
}

export interface FakeOpenStack {
  url: string;
  authUrl: string;
  port: number;
  credentials: FakeCredentials;
  stats(): FakeStats;
  close(): Promise<void>;
}

export const DEFAULT_CREDENTIALS: FakeCredentials = { username: 'admin', password: 'bench-secret', project: 'admin', domain: 'Default' };

// Advertised by the lab (Zed): Nova 2.1–2.93 with max_limit 1000; Glance limit 25 by default, 1000 at most;
// Placement 1.0–1.39 (domain.md §5.3–§5.5, ../shared/openstack-lab/README.md).
const NOVA = { min: [2, 1], max: [2, 93], maxLimit: 1000 } as const;
const GLANCE = { defaultLimit: 25, maxLimit: 1000 } as const;
const PLACEMENT = { min: [1, 0], max: [1, 39] } as const;
const TOKEN_TTL_MS = 3600_000;

type Version = readonly [number, number];

function atLeast(v: Version, major: number, minor: number): boolean {
  return v[0] > major || (v[0] === major && v[1] >= minor);
}

function inRange(v: Version, min: Version, max: Version): boolean {
  return atLeast(v, min[0], min[1]) && atLeast(max, v[0], v[1]);
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(`HTTP ${status}`);
  }
}

interface Reply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

// ---------------------------------------------------------------- error bodies in each service's style

function novaFault(status: number, message: string, headers: Record<string, string> = {}): HttpError {
  const fault = { 400: 'badRequest', 404: 'itemNotFound', 406: 'computeFault' }[status] ?? 'computeFault';
  return new HttpError(status, { [fault]: { code: status, message } }, headers);
}

function placementError(status: number, detail: string, extra: Record<string, unknown> = {}): HttpError {
  const title = { 400: 'Bad Request', 404: 'Not Found', 406: 'Not Acceptable' }[status] ?? 'Error';
  return new HttpError(status, {
    errors: [{ status, title, detail, code: 'placement.undefined_code', request_id: `req-${randomUUID()}`, ...extra }],
  });
}

/** Glance answers errors as a small HTML page (seen on the lab). */
function glanceError(status: number, title: string, detail: string): HttpError {
  return new HttpError(status, `<html>\n <head>\n  <title>${status} ${title}</title>\n </head>\n <body>\n  <h1>${status} ${title}</h1>\n  ${detail}<br /><br />\n </body>\n</html>`);
}

/** keystonemiddleware's answer to a missing or unknown token, on every service but Glance. */
function unauthorized(authUrl: string): HttpError {
  return new HttpError(
    401,
    { error: { code: 401, title: 'Unauthorized', message: 'The request you have made requires authentication.' } },
    { 'www-authenticate': `Keystone uri="${authUrl}"` },
  );
}

// ---------------------------------------------------------------- the cloud, indexed for serving

interface Indexed {
  raw: RawCloud;
  /** Nova's default order: flavorid ascending. */
  flavors: NovaFlavor[];
  flavorIndex: Map<string, number>;
  /**
   * Glance's default order: created_at descending, then id descending; one listing per `os_hidden` value, as
   * Glance lists hidden images only when asked `os_hidden=true` (GLANCE glance/api/v2/images.py, index).
   */
  images: Record<'true' | 'false', { list: GlanceImage[]; index: Map<string, number> }>;
  imageIds: Set<string>;
  providers: Map<string, PlacementProvider>;
  trees: Map<string, PlacementProvider[]>;
  roots: PlacementProvider[];
  rootIndex: Map<string, number>;
}

function indexCloud(raw: RawCloud): Indexed {
  const flavors = [...raw.flavors].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const images = [...raw.images].sort(
    (a, b) => (b.created_at ?? '').localeCompare(a.created_at ?? '') || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0),
  );
  const listing = (hidden: boolean) => {
    const list = images.filter((img) => (img.os_hidden ?? false) === hidden);
    return { list, index: new Map(list.map((img, i) => [img.id, i])) };
  };
  const providers = new Map(raw.resource_providers.map((p) => [p.uuid, p]));
  const trees = new Map<string, PlacementProvider[]>();
  for (const p of raw.resource_providers) {
    const tree = trees.get(p.root_provider_uuid) ?? [];
    tree.push(p);
    trees.set(p.root_provider_uuid, tree);
  }
  const roots = raw.resource_providers.filter((p) => p.parent_provider_uuid === null);
  return {
    raw,
    flavors,
    flavorIndex: new Map(flavors.map((f, i) => [f.id, i])),
    images: { true: listing(true), false: listing(false) },
    imageIds: new Set(images.map((img) => img.id)),
    providers,
    trees,
    roots,
    rootIndex: new Map(roots.map((p, i) => [p.uuid, i])),
  };
}

// ---------------------------------------------------------------- Keystone

function issueToken(cloud: Indexed, base: string, body: unknown, creds: FakeCredentials, tokens: Map<string, number>): Reply {
  const auth = (body as { auth?: { identity?: { methods?: unknown; password?: { user?: { name?: unknown; password?: unknown } } } } })?.auth;
  const user = auth?.identity?.password?.user;
  const methods = auth?.identity?.methods;
  if (!Array.isArray(methods) || !methods.includes('password') || user?.name !== creds.username || user.password !== creds.password) {
    throw new HttpError(401, { error: { code: 401, title: 'Unauthorized', message: 'The request you have made requires authentication.' } });
  }
  const id = `gAAAAA${randomBytes(90).toString('base64url')}`;
  const issued = Date.now();
  tokens.set(id, issued + TOKEN_TTL_MS);
  const endpoint = (type: string, name: string, url: string) => ({
    id: randomUUID().replaceAll('-', ''),
    type,
    name,
    endpoints: ['public', 'internal', 'admin'].map((iface) => ({
      id: randomUUID().replaceAll('-', ''),
      interface: iface,
      region_id: cloud.raw.region ?? 'RegionOne',
      url,
      region: cloud.raw.region ?? 'RegionOne',
    })),
  });
  const domain = { id: 'default', name: creds.domain };
  const iso = (ms: number) => new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
  return {
    status: 201,
    headers: { 'x-subject-token': id },
    body: {
      token: {
        methods: ['password'],
        user: { domain, id: randomUUID().replaceAll('-', ''), name: creds.username, password_expires_at: null },
        audit_ids: [randomBytes(16).toString('base64url').slice(0, 22)],
        expires_at: iso(issued + TOKEN_TTL_MS),
        issued_at: iso(issued),
        project: { domain, id: randomUUID().replaceAll('-', ''), name: creds.project },
        is_domain: false,
        roles: ['member', 'admin', 'reader'].map((name) => ({ id: randomUUID().replaceAll('-', ''), name })),
        catalog: [
          endpoint('identity', 'keystone', `${base}/identity/v3/`),
          endpoint('compute', 'nova', `${base}/compute/v2.1`),
          endpoint('image', 'glance', `${base}/image`),
          endpoint('placement', 'placement', `${base}/placement`),
        ],
      },
    },
  };
}

// ---------------------------------------------------------------- Nova

function novaVersion(base: string) {
  return {
    id: 'v2.1',
    status: 'CURRENT',
    version: `${NOVA.max[0]}.${NOVA.max[1]}`,
    min_version: `${NOVA.min[0]}.${NOVA.min[1]}`,
    updated: '2013-07-23T11:33:21Z',
    links: [
      { rel: 'self', href: `${base}/compute/v2.1/` },
      { rel: 'describedby', type: 'text/html', href: 'http://docs.openstack.org/' },
    ],
    'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.compute+json;version=2.1' }],
  };
}

/** `OpenStack-API-Version: compute X` (≥ 2.27) or the legacy header; none ⇒ 2.1; out of range ⇒ 406. */
function novaMicroversion(headers: http.IncomingHttpHeaders): { version: Version; echo: Record<string, string> } {
  const modern = String(headers['openstack-api-version'] ?? '')
    .split(',')
    .map((s) => s.trim())
    .find((s) => s.toLowerCase().startsWith('compute '));
  const asked = (modern?.slice('compute '.length) ?? String(headers['x-openstack-nova-api-version'] ?? '2.1')).trim();
  const text = asked === 'latest' ? `${NOVA.max[0]}.${NOVA.max[1]}` : asked;
  const match = /^(\d+)\.(\d+)$/.exec(text);
  if (!match) throw novaFault(400, `Invalid format for API version: ${asked}`);
  const version: Version = [Number(match[1]), Number(match[2])];
  const echo = {
    'openstack-api-version': `compute ${text}`,
    'x-openstack-nova-api-version': text,
    vary: 'OpenStack-API-Version, X-OpenStack-Nova-API-Version',
  };
  if (!inRange(version, NOVA.min, NOVA.max)) {
    throw novaFault(406, `Version ${text} is not supported by the API. Minimum is ${NOVA.min.join('.')} and maximum is ${NOVA.max.join('.')}.`, echo);
  }
  return { version, echo };
}

/** A flavor as Nova shows it at a microversion: description ≥ 2.55, extra_specs ≥ 2.61, swap 0 not "" ≥ 2.75. */
function flavorAt(flavor: NovaFlavor, version: Version, base: string): NovaFlavor {
  const { description, extra_specs, ...rest } = flavor;
  return {
    ...rest,
    ...(atLeast(version, 2, 75) && rest.swap === '' && { swap: 0 }),
    links: [
      { rel: 'self', href: `${base}/compute/v2.1/flavors/${flavor.id}` },
      { rel: 'bookmark', href: `${base}/compute/flavors/${flavor.id}` },
    ],
    ...(atLeast(version, 2, 55) && { description: description ?? null }),
    ...(atLeast(version, 2, 61) && { extra_specs: extra_specs ?? {} }),
  };
}

/** The page of a Nova listing after `marker` (ids in listing order), with the next link a full page carries (§5.3). */
function novaPage<T>(
  items: readonly T[],
  index: ReadonlyMap<string, number>,
  idOf: (item: T) => string,
  query: URLSearchParams,
  echo: Record<string, string>,
  visible: (item: T) => boolean = () => true,
): { page: T[]; next: URLSearchParams | null } {
  const limitText = query.get('limit');
  const limit = limitText === null ? NOVA.maxLimit : Number(limitText);
  if (!Number.isInteger(limit) || limit < 0) throw novaFault(400, `limit param must be an integer`, echo);
  const pageSize = Math.min(limit, NOVA.maxLimit);
  const marker = query.get('marker');
  let start = 0;
  if (marker !== null) {
    const at = index.get(marker);
    if (at === undefined) throw novaFault(400, `marker [${marker}] not found`, echo);
    start = at + 1;
  }
  const page: T[] = [];
  for (let i = start; i < items.length && page.length < pageSize; i++) {
    if (visible(items[i]!)) page.push(items[i]!);
  }
  // A full page always carries a next link, so the page after the last full one may be empty (§5.3).
  if (page.length === 0 || page.length < pageSize) return { page, next: null };
  const next = new URLSearchParams(query);
  next.delete('marker');
  next.append('marker', idOf(page[page.length - 1]!));
  return { page, next };
}

function listFlavors(cloud: Indexed, base: string, query: URLSearchParams, headers: http.IncomingHttpHeaders): Reply {
  const { version, echo } = novaMicroversion(headers);
  // The admin default lists public flavors only; is_public=None lists both, false the private ones.
  const isPublic = (query.get('is_public') ?? 'true').toLowerCase();
  const visible = (f: NovaFlavor): boolean =>
    isPublic === 'none' || (f['os-flavor-access:is_public'] ?? true) === ['true', 't', '1', 'yes', 'y', 'on'].includes(isPublic);
  const { page, next } = novaPage(cloud.flavors, cloud.flavorIndex, (f) => f.id, query, echo, visible);
  const body: Record<string, unknown> = { flavors: page.map((flavor) => flavorAt(flavor, version, base)) };
  if (next) body['flavors_links'] = [{ rel: 'next', href: `${base}/compute/v2.1/flavors/detail?${next}` }];
  return { status: 200, body, headers: echo };
}

/**
 * One hypervisor per root provider, as a libvirt/kvm compute reports it (NOVA api-ref os-hypervisors.inc at 2.88+: no
 * resource figures): its id the compute node uuid = the root provider's uuid (>= 2.53), QEMU 8.2.2 as an integer.
 * Its service's id is that uuid too (one nova-compute per node), which `computeServices` answers.
 */
function listHypervisors(cloud: Indexed, base: string, query: URLSearchParams, headers: http.IncomingHttpHeaders): Reply {
  const { echo } = novaMicroversion(headers);
  const { page, next } = novaPage(cloud.roots, cloud.rootIndex, (p) => p.uuid, query, echo);
  const body: Record<string, unknown> = {
    hypervisors: page.map((p) => ({
      id: p.uuid, hypervisor_hostname: p.name, state: 'up', status: 'enabled', hypervisor_type: 'QEMU', hypervisor_version: 8002002,
      host_ip: '192.0.2.10', service: { id: p.uuid, host: p.name, disabled_reason: null }, uptime: null,
    })),
  };
  if (next) body['hypervisors_links'] = [{ rel: 'next', href: `${base}/compute/v2.1/os-hypervisors/detail?${next}` }];
  return { status: 200, body, headers: echo };
}

/** Every root provider's nova-compute service, enabled and up (NOVA api-ref os-services.inc; not paged). */
function computeServices(cloud: Indexed, headers: http.IncomingHttpHeaders): Reply {
  const { echo } = novaMicroversion(headers);
  const services = cloud.roots.map((p) => ({
    binary: 'nova-compute', host: p.name, id: p.uuid, zone: 'nova', status: 'enabled', state: 'up',
    updated_at: '2026-11-20T09:00:00.000000', disabled_reason: null, forced_down: false,
  }));
  return { status: 200, body: { services }, headers: echo };
}

/** The access list of a private flavor; a public one has none (nova/api/openstack/compute/flavor_access.py). */
function flavorAccess(cloud: Indexed, id: string): Reply {
  const access = cloud.raw.flavor_access[id];
  if (access) return { status: 200, body: access };
  if (!cloud.flavorIndex.has(id)) throw novaFault(404, `Flavor ${id} could not be found.`);
  throw novaFault(404, 'Access list not available for public flavors.');
}

// ---------------------------------------------------------------- Glance

const GLANCE_VERSIONS = ['2.15', '2.13', '2.12', '2.11', '2.10', '2.9', '2.8', '2.7', '2.6', '2.5', '2.4', '2.3', '2.2', '2.1', '2.0'];

function glanceVersions(base: string): Reply {
  return {
    status: 300,
    body: {
      versions: GLANCE_VERSIONS.map((id, i) => ({
        id: `v${id}`,
        status: i === 0 ? 'CURRENT' : 'SUPPORTED',
        links: [{ rel: 'self', href: `${base}/image/v2/` }],
      })),
    },
  };
}

function listImages(cloud: Indexed, query: URLSearchParams): Reply {
  const limitText = query.get('limit');
  const limit = limitText === null ? GLANCE.defaultLimit : Number(limitText);
  if (!Number.isInteger(limit) || limit < 0) throw glanceError(400, 'Bad Request', 'limit param must be an integer');
  const pageSize = Math.min(limit, GLANCE.maxLimit);
  const hidden = (query.get('os_hidden') ?? 'false').toLowerCase();
  if (hidden !== 'true' && hidden !== 'false') {
    throw glanceError(400, 'Bad Request', `Invalid value '${hidden}' for 'os_hidden' filter. Valid values are 'true' or 'false'.`);
  }
  const { list, index } = cloud.images[hidden];
  const marker = query.get('marker');
  let start = 0;
  if (marker !== null) {
    const at = index.get(marker);
    if (at === undefined) throw glanceError(400, 'Bad Request', `No image found with ID ${marker}`);
    start = at + 1;
  }
  // An admin token sees every image, whatever its visibility.
  const images = list.slice(start, start + pageSize);
  const first = new URLSearchParams(query);
  first.delete('marker');
  const body: Record<string, unknown> = { images, first: `/v2/images${first.size > 0 ? `?${first}` : ''}`, schema: '/v2/schemas/images' };
  if (images.length > 0 && images.length === pageSize) {
    const next = new URLSearchParams(first);
    next.append('marker', images[images.length - 1]!.id);
    body['next'] = `/v2/images?${next}`;
  }
  return { status: 200, body };
}

/** The member list of a shared image; Glance refuses it for any other visibility (glance/api/v2/image_members.py). */
function imageMembers(cloud: Indexed, id: string): Reply {
  const members = cloud.raw.image_members[id];
  if (members) return { status: 200, body: members };
  if (!cloud.imageIds.has(id)) throw glanceError(404, 'Not Found', `Image ${id} not found.`);
  throw glanceError(403, 'Forbidden', `Not allowed to list members for image ${id}: Only shared images have members.`);
}

// ---------------------------------------------------------------- Placement

/** Only `OpenStack-API-Version: placement X`; none ⇒ 1.0; outside 1.0–1.39 ⇒ 406 (domain.md §5.5). */
function placementMicroversion(headers: http.IncomingHttpHeaders): { version: Version; echo: Record<string, string> } {
  const asked = String(headers['openstack-api-version'] ?? '')
    .split(',')
    .map((s) => s.trim())
    .find((s) => s.toLowerCase().startsWith('placement '))
    ?.slice('placement '.length)
    .trim();
  const text = asked === undefined ? '1.0' : asked === 'latest' ? PLACEMENT.max.join('.') : asked;
  const match = /^(\d+)\.(\d+)$/.exec(text);
  const version: Version | null = match ? [Number(match[1]), Number(match[2])] : null;
  if (version === null || !inRange(version, PLACEMENT.min, PLACEMENT.max)) {
    throw placementError(406, `The resource could not be generated that was acceptable to your browser (content of type application/json. \n\n Invalid microversion: Unacceptable version header: ${text}`, {
      max_version: PLACEMENT.max.join('.'),
      min_version: PLACEMENT.min.join('.'),
    });
  }
  return { version, echo: { 'openstack-api-version': `placement ${text}`, vary: 'openstack-api-version' } };
}

/** Placement validates its query strings against a schema: an unknown or too-new parameter is a 400. */
function checkParams(query: URLSearchParams, allowed: Record<string, Version>, version: Version): void {
  for (const key of new Set(query.keys())) {
    const since = allowed[key];
    if (since === undefined || !atLeast(version, since[0], since[1])) {
      throw placementError(400, `Invalid query string parameters: Additional properties are not allowed ('${key}' was unexpected)`);
    }
  }
}

/** `required` values: comma lists, `!T` forbidden (≥ 1.22), `in:A,B` any-of (≥ 1.39); repeated keys AND. */
type TraitClause = { anyOf: string[] } | { not: string } | { has: string };

function traitFilter(values: string[]): (traits: readonly string[]) => boolean {
  const clauses = values.flatMap((value): TraitClause[] =>
    value.startsWith('in:') ? [{ anyOf: value.slice(3).split(',') }] : value.split(',').map((t) => (t.startsWith('!') ? { not: t.slice(1) } : { has: t })),
  );
  return (traits) =>
    clauses.every((c) => ('anyOf' in c ? c.anyOf.some((t) => traits.includes(t)) : 'not' in c ? !traits.includes(c.not) : traits.includes(c.has)));
}

/** `member_of` values: an aggregate, or `in:A,B`; `!` forbids (≥ 1.32); repeated keys AND. */
function aggregateFilter(values: string[]): (aggregates: readonly string[]) => boolean {
  const clauses = values.map((value) => {
    const negate = value.startsWith('!');
    const list = (negate ? value.slice(1) : value).replace(/^in:/, '').split(',');
    return { negate, list };
  });
  return (aggregates) => clauses.every(({ negate, list }) => list.some((a) => aggregates.includes(a)) !== negate);
}

function providerAt(p: PlacementProvider, version: Version): PlacementProvider {
  if (atLeast(version, 1, 14)) return p;
  const { parent_provider_uuid: _parent, root_provider_uuid: _root, ...rest } = p;
  return rest as PlacementProvider;
}

function listProviders(cloud: Indexed, query: URLSearchParams, version: Version): Reply {
  checkParams(query, { name: [1, 0], uuid: [1, 0], member_of: [1, 3], in_tree: [1, 14], required: [1, 18] }, version);
  const uuid = query.get('uuid');
  const name = query.get('name');
  const inTree = query.get('in_tree');
  const root = inTree === null ? null : cloud.providers.get(inTree)?.root_provider_uuid;
  if (inTree !== null && root === undefined) return { status: 200, body: { resource_providers: [] } };
  const required = query.has('required') ? traitFilter(query.getAll('required')) : null;
  const memberOf = query.has('member_of') ? aggregateFilter(query.getAll('member_of')) : null;
  const candidates = root ? (cloud.trees.get(root) ?? []) : uuid ? [cloud.providers.get(uuid)].filter((p): p is PlacementProvider => p !== undefined) : cloud.raw.resource_providers;
  const listed = candidates.filter(
    (p) =>
      (uuid === null || p.uuid === uuid) &&
      (name === null || p.name === name) &&
      (required === null || required(cloud.raw.traits[p.uuid]?.traits ?? [])) &&
      (memberOf === null || memberOf(cloud.raw.aggregates[p.uuid]?.aggregates ?? [])),
  );
  return { status: 200, body: { resource_providers: listed.map((p) => providerAt(p, version)) } };
}

const PROVIDER_BODIES = ['inventories', 'usages', 'traits', 'aggregates'] as const;

function providerBody(cloud: Indexed, uuid: string, what: (typeof PROVIDER_BODIES)[number] | null, version: Version): Reply {
  const provider = cloud.providers.get(uuid);
  if (!provider) throw placementError(404, `The resource could not be found.\n\n No resource provider with uuid ${uuid} found : No resource provider with uuid ${uuid} found  `);
  if (what === null) return { status: 200, body: providerAt(provider, version) };
  return { status: 200, body: cloud.raw[what][uuid] };
}

/**
 * The bulk read design.md "Stack facts" points at: unsuffixed `resources` (root providers only: the fake
 * does not combine providers of a tree, nor granular groups) with `required`, `member_of`, `in_tree`,
 * `limit`. Every provider of each candidate's tree is in provider_summaries with capacity, used, traits
 * and parent/root uuids, as Placement answers from 1.29 on.
 */
function allocationCandidates(cloud: Indexed, query: URLSearchParams, version: Version): Reply {
  if (!atLeast(version, 1, 10)) throw placementError(404, 'The resource could not be found.');
  const granular = [...query.keys()].find((k) => /^(resources|required|member_of|in_tree)[A-Za-z0-9_-]+$/.test(k) || k === 'group_policy');
  if (granular) throw placementError(400, `fake-openstack: granular request groups (${granular}) are not implemented`);
  checkParams(query, { resources: [1, 10], limit: [1, 16], required: [1, 17], member_of: [1, 21], in_tree: [1, 31] }, version);
  const wanted = (query.get('resources') ?? '').split(',').filter((s) => s.length > 0).map((s) => {
    const [rc, amount] = s.split(':');
    const n = Number(amount);
    if (!rc || !Number.isInteger(n) || n < 1) throw placementError(400, `Badly formed resources parameter. Expected resources query string parameter in form: ?resources=VCPU:2,MEMORY_MB:1024. Got: ${s}.`);
    return [rc, n] as const;
  });
  if (wanted.length === 0) throw placementError(400, "Invalid query string parameters: 'resources' is a required property");
  const limit = query.has('limit') ? Number(query.get('limit')) : Infinity;
  const required = query.has('required') ? traitFilter(query.getAll('required')) : null;
  const memberOf = query.has('member_of') ? aggregateFilter(query.getAll('member_of')) : null;
  const inTree = query.get('in_tree');
  const treeRoot = inTree === null ? null : (cloud.providers.get(inTree)?.root_provider_uuid ?? '');

  const capacity = (uuid: string, rc: string): { capacity: number; used: number } | null => {
    const inv = cloud.raw.inventories[uuid]?.inventories[rc];
    if (!inv) return null;
    return { capacity: Math.floor((inv.total - inv.reserved) * inv.allocation_ratio), used: cloud.raw.usages[uuid]?.usages[rc] ?? 0 };
  };
  const fits = (root: PlacementProvider): boolean =>
    (treeRoot === null || root.uuid === treeRoot) &&
    (required === null || required(cloud.raw.traits[root.uuid]?.traits ?? [])) &&
    (memberOf === null || memberOf(cloud.raw.aggregates[root.uuid]?.aggregates ?? [])) &&
    wanted.every(([rc, n]) => {
      const inv = cloud.raw.inventories[root.uuid]?.inventories[rc];
      const free = capacity(root.uuid, rc);
      return inv !== undefined && free !== null && free.capacity - free.used >= n && n >= inv.min_unit && n <= inv.max_unit && n % inv.step_size === 0;
    });

  const requests: unknown[] = [];
  const summaries: Record<string, unknown> = {};
  for (const root of cloud.roots) {
    if (requests.length >= limit) break;
    if (!fits(root)) continue;
    requests.push({
      allocations: { [root.uuid]: { resources: Object.fromEntries(wanted) } },
      ...(atLeast(version, 1, 34) && { mappings: { '': [root.uuid] } }),
    });
    for (const p of cloud.trees.get(root.uuid) ?? []) {
      const classes = Object.keys(cloud.raw.inventories[p.uuid]?.inventories ?? {});
      summaries[p.uuid] = {
        resources: Object.fromEntries(classes.map((rc) => [rc, capacity(p.uuid, rc)])),
        ...(atLeast(version, 1, 17) && { traits: cloud.raw.traits[p.uuid]?.traits ?? [] }),
        ...(atLeast(version, 1, 29) && { parent_provider_uuid: p.parent_provider_uuid, root_provider_uuid: p.root_provider_uuid }),
      };
    }
  }
  return { status: 200, body: { allocation_requests: requests, provider_summaries: summaries } };
}

// ---------------------------------------------------------------- routing

interface Route {
  kind: string;
  /** Version documents and token requests need no token. */
  open: boolean;
  handle(): Reply;
}

function route(
  cloud: Indexed,
  base: string,
  req: http.IncomingMessage,
  url: URL,
  body: unknown,
  creds: FakeCredentials,
  tokens: Map<string, number>,
): Route | null {
  const path = url.pathname.replace(/\/+$/, '') || '/';
  const q = url.searchParams;
  const get = req.method === 'GET';
  if (req.method === 'POST' && path === '/identity/v3/auth/tokens') {
    return { kind: 'identity POST /v3/auth/tokens', open: true, handle: () => issueToken(cloud, base, body, creds, tokens) };
  }
  if (get && path === '/compute') {
    return {
      kind: 'compute GET /', open: true,
      handle: () => ({ status: 200, body: { versions: [{ id: 'v2.0', status: 'SUPPORTED', version: '', min_version: '', updated: '2011-01-21T11:33:21Z', links: [{ rel: 'self', href: `${base}/compute/v2/` }] }, { ...novaVersion(base), links: [{ rel: 'self', href: `${base}/compute/v2.1/` }] }] } }),
    };
  }
  if (get && path === '/compute/v2.1') return { kind: 'compute GET /v2.1', open: true, handle: () => ({ status: 200, body: { version: novaVersion(base) } }) };
  if (get && path === '/compute/v2.1/flavors/detail') {
    return { kind: 'compute GET /flavors/detail', open: false, handle: () => listFlavors(cloud, base, q, req.headers) };
  }
  if (get && path === '/compute/v2.1/os-hypervisors/detail') {
    return { kind: 'compute GET /os-hypervisors/detail', open: false, handle: () => listHypervisors(cloud, base, q, req.headers) };
  }
  if (get && path === '/compute/v2.1/os-services') {
    return { kind: 'compute GET /os-services', open: false, handle: () => computeServices(cloud, req.headers) };
  }
  const access = /^\/compute\/v2\.1\/flavors\/([^/]+)\/os-flavor-access$/.exec(path);
  if (get && access) {
    return { kind: 'compute GET /flavors/{id}/os-flavor-access', open: false, handle: () => flavorAccess(cloud, decodeURIComponent(access[1]!)) };
  }
  if (get && path === '/image') return { kind: 'image GET /', open: true, handle: () => glanceVersions(base) };
  if (get && path === '/image/v2/images') return { kind: 'image GET /v2/images', open: false, handle: () => listImages(cloud, q) };
  const members = /^\/image\/v2\/images\/([^/]+)\/members$/.exec(path);
  if (get && members) {
    return { kind: 'image GET /v2/images/{id}/members', open: false, handle: () => imageMembers(cloud, decodeURIComponent(members[1]!)) };
  }
  if (!path.startsWith('/placement')) return null;
  const rest = path.slice('/placement'.length) || '/';
  if (get && rest === '/') {
    return {
      kind: 'placement GET /', open: true,
      handle: () => ({ status: 200, body: { versions: [{ id: 'v1.0', max_version: PLACEMENT.max.join('.'), min_version: PLACEMENT.min.join('.'), status: 'CURRENT', links: [{ rel: 'self', href: '' }] }] } }),
    };
  }
  const withVersion = (kind: string, handle: (version: Version) => Reply): Route => ({
    kind: `placement GET ${kind}`,
    open: false,
    handle: () => {
      const { version, echo } = placementMicroversion(req.headers);
      const reply = handle(version);
      return { ...reply, headers: { ...echo, ...reply.headers } };
    },
  });
  if (get && rest === '/resource_providers') return withVersion('/resource_providers', (v) => listProviders(cloud, q, v));
  if (get && rest === '/allocation_candidates') return withVersion('/allocation_candidates', (v) => allocationCandidates(cloud, q, v));
  const match = /^\/resource_providers\/([^/]+)(?:\/([a-z]+))?$/.exec(rest);
  if (get && match) {
    const what = match[2] ?? null;
    if (what !== null && !(PROVIDER_BODIES as readonly string[]).includes(what)) return null;
    const uuid = decodeURIComponent(match[1]!);
    return withVersion(`/resource_providers/{uuid}${what ? `/${what}` : ''}`, (v) => providerBody(cloud, uuid, what as (typeof PROVIDER_BODIES)[number] | null, v));
  }
  return null;
}

function send(res: http.ServerResponse, reply: Reply): number {
  const text = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
  const bytes = Buffer.byteLength(text);
  res.writeHead(reply.status, {
    'content-type': typeof reply.body === 'string' ? 'text/html; charset=UTF-8' : 'application/json',
    'content-length': bytes,
    'x-openstack-request-id': `req-${randomUUID()}`,
    ...reply.headers,
  });
  res.end(text);
  return bytes;
}

async function readBody(req: http.IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  if (chunks.length === 0) return undefined;
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    return undefined;
  }
}

export async function startFakeOpenStack(raw: RawCloud, options: Partial<FakeOptions> = {}): Promise<FakeOpenStack> {
  const opts: FakeOptions = { port: 0, latencyMs: 0, credentials: DEFAULT_CREDENTIALS, ...options };
  const cloud = indexCloud(raw);
  const tokens = new Map<string, number>();
  const stats: FakeStats = { calls: {}, total: 0, maxConcurrent: 0, inFlight: 0, bytesOut: 0 };
  let base = '';

  const server = http.createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', base);
      if (url.pathname === '/_fake/stats' && req.method === 'GET') {
        send(res, { status: 200, body: stats });
        return;
      }
      stats.inFlight++;
      stats.maxConcurrent = Math.max(stats.maxConcurrent, stats.inFlight);
      try {
        const body = await readBody(req);
        const found = route(cloud, base, req, url, body, opts.credentials, tokens);
        const kind = found?.kind ?? `unknown ${req.method} ${url.pathname}`;
        stats.calls[kind] = (stats.calls[kind] ?? 0) + 1;
        stats.total++;
        if (opts.latencyMs > 0) await sleep(opts.latencyMs);
        let reply: Reply;
        try {
          if (!found) throw new HttpError(404, { error: { code: 404, title: 'Not Found', message: `fake-openstack: no ${req.method} ${url.pathname}` } });
          const token = String(req.headers['x-auth-token'] ?? '');
          const expires = tokens.get(token);
          if (!found.open && (expires === undefined || expires < Date.now())) {
            throw found.kind.startsWith('image') ? glanceError(401, 'Unauthorized', 'This server could not verify that you are authorized to access the document you requested.') : unauthorized(`${base}/identity`);
          }
          reply = found.handle();
        } catch (err) {
          if (!(err instanceof HttpError)) throw err;
          reply = { status: err.status, body: err.body, headers: err.headers };
        }
        stats.bytesOut += send(res, reply);
      } catch (err) {
        send(res, { status: 500, body: { error: { code: 500, message: `fake-openstack: ${(err as Error).message}` } } });
      } finally {
        stats.inFlight--;
      }
    })();
  });
  // Many keep-alive sockets from a client with bounded concurrency: nothing to tune but the idle timeout.
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}`;
  return {
    url: base,
    authUrl: `${base}/identity/v3`,
    port,
    credentials: opts.credentials,
    stats: () => ({ ...stats, calls: { ...stats.calls } }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A clouds.yaml naming the fake, as an operator would write it for the real cloud (domain.md §5.2). */
export function cloudsYaml(cloudName: string, authUrl: string, creds: FakeCredentials, region = 'RegionOne'): string {
  return [
    'clouds:',
    `  ${cloudName}:`,
    '    auth:',
    `      auth_url: ${authUrl}`,
    `      username: ${creds.username}`,
    `      password: ${creds.password}`,
    `      project_name: ${creds.project}`,
    `      user_domain_name: ${creds.domain}`,
    `      project_domain_name: ${creds.domain}`,
    `    region_name: ${region}`,
    '    interface: public',
    '    identity_api_version: 3',
    '',
  ].join('\n');
}

/** The `ready` line the CLI prints; sync-bench.ts reads it. */
export interface FakeReadyEvent {
  event: 'ready';
  url: string;
  authUrl: string;
  credentials: FakeCredentials;
  providers: number;
  flavors: number;
  images: number;
  loadMs: number;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      ...SYNTHETIC_CLOUD_FLAGS,
      file: { type: 'string' },
      port: { type: 'string' },
      'latency-ms': { type: 'string' },
      'max-seconds': { type: 'string' },
    },
  });
  const started = performance.now();
  const raw = values.file
    ? RawCloud.parse(JSON.parse(readFileSync(values.file, 'utf8')))
    : generateSyntheticCloud({
        hosts: intFlag(values, 'hosts', DEFAULT_OPTIONS.hosts),
        flavors: intFlag(values, 'flavors', DEFAULT_OPTIONS.flavors),
        images: intFlag(values, 'images', DEFAULT_OPTIONS.images),
        seed: intFlag(values, 'seed', DEFAULT_OPTIONS.seed),
      });
  const fake = await startFakeOpenStack(raw, { port: intFlag(values, 'port', 0), latencyMs: intFlag(values, 'latency-ms', 20) });
  const ready: FakeReadyEvent = {
    event: 'ready',
    url: fake.url,
    authUrl: fake.authUrl,
    credentials: fake.credentials,
    providers: raw.resource_providers.length,
    flavors: raw.flavors.length,
    images: raw.images.length,
    loadMs: Math.round(performance.now() - started),
  };
  console.log(JSON.stringify(ready));
  // Stops by itself, so a benchmark that dies cannot leave it running.
  const lifetime = setTimeout(() => void fake.close().then(() => process.exit(0)), intFlag(values, 'max-seconds', 3600) * 1000);
  const stop = (): void => {
    clearTimeout(lifetime);
    void fake.close().then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
