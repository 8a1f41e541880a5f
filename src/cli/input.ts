// What the CLI reads as an image or a flavor: a file or `-` (stdin) holding `openstack image show -f json`,
// `openstack flavor show -f json`, a raw Glance or Nova body, or a plain object of properties / extra specs.
// Glance and Nova store properties and extra specs as strings (GLANCE api-ref images-images-v2.inc: "additional
// properties … string"; NOVA flavors-extra-specs.inc). openstackclient hands some back typed: the SDK declares
// hw_vif_multiqueue_enabled and friends as booleans and integers (openstack/image/v2/image.py, `type=bool`), so
// `image show -f json` on the lab prints `"hw_vif_multiqueue_enabled": true` for the stored "true", and mixes
// Glance's own fields (os_hidden, os_hash_algo, stores) into `properties`. Both are undone here, with a note.
import { readFile } from 'node:fs/promises';
import { GLANCE_CORE_ATTRIBUTES } from '../openstack/schemas.ts';

/** Bad input the command reports with exit code 2. */
export class InputError extends Error {}

/** Text of a file, or of stdin for `-` (as openstackclient and most tools read it). */
export async function readSource(path: string, stdin: () => Promise<string>): Promise<string> {
  if (path === '-') return stdin();
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new InputError(`cannot read ${path}: ${(err as Error).message}`);
  }
}

export async function readJson(path: string, stdin: () => Promise<string>): Promise<unknown> {
  const text = await readSource(path, stdin);
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new InputError(`${path === '-' ? 'stdin' : path} is not valid JSON: ${(err as Error).message}`);
  }
}

/** All of a stream's text (the process's stdin for `-`). */
export async function streamText(stream: AsyncIterable<Buffer | string>): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Properties / extra specs as Glance and Nova store them: strings; what was changed is said in `notes`. */
function coerce(values: Record<string, unknown>, where: string, notes: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(values)) {
    if (typeof value === 'string') out[key] = value;
    // Python's str(True) is "True"; oslo's bool_from_string reads both, and Glance holds what the client sent
    // ("true" on the lab for an SDK-typed boolean), so the JSON spelling is kept.
    else if (typeof value === 'boolean' || typeof value === 'number') {
      out[key] = String(value);
      notes.push(`${where}.${key}: ${typeof value} ${String(value)} read as the string "${out[key]}" (stored as a string)`);
    } else if (value === null) notes.push(`${where}.${key}: null left out (no value to store)`);
    else throw new InputError(`${where}.${key}: a ${Array.isArray(value) ? 'list' : 'object'} cannot be a property value (Glance and Nova store strings)`);
  }
  return out;
}

/**
 * Leaves out Glance's own image fields, which are not properties: said in `notes` where they stood among the
 * properties (openstackclient lists some there), silently in Glance's body, where they belong.
 */
function withoutCoreFields(values: Record<string, unknown>, notes: string[] | null): Record<string, unknown> {
  const core = Object.keys(values).filter((k) => GLANCE_CORE_ATTRIBUTES.has(k));
  if (core.length > 0) notes?.push(`properties: ${core.join(', ')} left out (Glance's own image fields, not properties)`);
  return Object.fromEntries(Object.entries(values).filter(([k]) => !GLANCE_CORE_ATTRIBUTES.has(k)));
}

/** A flavor body: `openstack flavor show -f json` or Nova's (vcpus and ram are required of both). */
const looksLikeFlavor = (v: Record<string, unknown>) => typeof v['vcpus'] === 'number' && typeof v['ram'] === 'number';
/** An image body: `openstack image show -f json` or Glance's (GET /v2/images/{id}): both carry these. */
const looksLikeImage = (v: Record<string, unknown>) => typeof v['id'] === 'string' && typeof v['status'] === 'string' && 'disk_format' in v;

export interface ImageInput {
  properties: Record<string, string>;
  name?: string;
  /** The image's id when the input is an image (openstack image show, Glance). */
  id?: string;
  /** What the input was read as ("openstack image show -f json …"), where it is not a plain object. */
  readAs?: string;
  /** Each field left out and each value coerced. */
  notes: string[];
}

/** Image properties from any of the accepted shapes. */
export function imageInput(json: unknown, source: string): ImageInput {
  if (!isObject(json)) throw new InputError(`${source}: expected a JSON object of image properties or an image (openstack image show -f json)`);
  const notes: string[] = [];
  if (looksLikeFlavor(json)) throw new InputError(`${source} is a flavor (vcpus, ram): give it with --flavor-file`);
  if (looksLikeImage(json)) {
    const name = typeof json['name'] === 'string' ? json['name'] : undefined;
    // openstackclient nests the properties (with Glance fields mixed in); Glance's own body has them at the top.
    const nested = isObject(json['properties']);
    const readAs = `${source}: read as ${nested ? 'openstack image show -f json' : 'a Glance image'}${name ? ` "${name}"` : ''}`;
    const kept = nested ? withoutCoreFields(json['properties'] as Record<string, unknown>, notes) : withoutCoreFields(json, null);
    return { properties: coerce(kept, 'properties', notes), ...(name && { name }), id: json['id'] as string, readAs, notes };
  }
  return { properties: coerce(withoutCoreFields(json, notes), 'properties', notes), notes };
}

/** A proposed flavor in the request's inline shape (FlavorRef: vcpus, ram, disk, ephemeral, swap, extra_specs). */
export interface FlavorInput {
  flavor: { name?: string; vcpus: number; ram: number; disk?: number; ephemeral?: number; swap?: number; extra_specs: Record<string, string> };
  readAs: string;
  notes: string[];
}

/** A flavor from `openstack flavor show -f json` (extra specs in `properties`) or Nova's body (`extra_specs`). */
export function flavorInput(json: unknown, source: string): FlavorInput {
  if (!isObject(json) || !looksLikeFlavor(json)) {
    throw new InputError(`${source}: expected a flavor with vcpus and ram (openstack flavor show -f json, or Nova's flavor body)`);
  }
  const notes: string[] = [];
  const specs = json['extra_specs'] ?? json['properties'] ?? {};
  // openstackclient before 5.5 printed the extra specs as one "k='v', …" string; only the dict is read.
  if (!isObject(specs)) throw new InputError(`${source}: properties / extra_specs must be an object of extra specs (openstackclient ≥ 5.5 prints one)`);
  const name = typeof json['name'] === 'string' ? json['name'] : undefined;
  const readAs = `${source}: read as ${'extra_specs' in json ? "Nova's flavor" : 'openstack flavor show -f json'}${name ? ` "${name}"` : ''}`;
  /** A size Nova gives as a number; anything else (swap "" for none before microversion 2.75) is left out, i.e. 0. */
  const size = (key: string, as: 'disk' | 'ephemeral' | 'swap') => (typeof json[key] === 'number' ? { [as]: json[key] as number } : {});
  return {
    flavor: {
      ...(name && { name }),
      vcpus: json['vcpus'] as number,
      ram: json['ram'] as number,
      ...size('disk', 'disk'),
      ...size('OS-FLV-EXT-DATA:ephemeral', 'ephemeral'),
      ...size('swap', 'swap'),
      extra_specs: coerce(specs, 'extra_specs', notes),
    },
    readAs,
    notes,
  };
}
