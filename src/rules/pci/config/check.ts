// Checks a proposed `[pci] device_spec` + `[pci] alias` (the JSON strings of nova.conf) before they are
// rolled out: what Nova refuses, how it will model the devices in Placement, which providers Placement
// shows now that the specs match, and which flavors' aliases resolve (domain.md §4.1–§4.5).
import { makeFinding, sortFindings, verdictOf } from '../../findings/catalog.ts';
import { hostFactEvidence } from '../../vocabulary/nova.ts';
import { defaultPciResourceClass, parseAliasSpec, parsePciResourceClass, providerFree } from '../devices.ts';
import { KNOWN_PCI_DEVICES, knownPciDevice } from '../known-devices.ts';
import type { CloudSnapshot, Evidence, Finding, HostFacts, PciProvider, Verdict } from '../../../model/index.ts';

export interface PciConfigInput {
  /** `[pci] device_spec` values, each a JSON object or a JSON list of objects (§4.1). */
  deviceSpecs: string[];
  /** `[pci] alias` values, each a JSON object (§4.2). */
  aliases: string[];
  /** `[pci] report_in_placement` on the computes; default true (the point of the check is the Placement model). */
  reportInPlacement?: boolean;
  /** `[filter_scheduler] pci_in_placement`; default the declared host fact. */
  pciInPlacement?: boolean;
}

export type PciDeviceKind = 'type-PCI' | 'type-PF' | 'type-VF' | 'unknown';

export interface PciExistingProvider {
  provider: string;
  resourceClass: string;
  traits: string[];
  free: number;
  /** The provider already has the resource class and traits the proposed spec gives it. */
  unchanged: boolean;
}

export interface PciSpecModel {
  /** Position in `deviceSpecs`, and in the JSON list of that entry (0 for an object). */
  entry: number;
  item: number;
  spec: Record<string, unknown>;
  /** What the spec selects, e.g. `8086:154c at 0000:3b:00.0`. */
  selects: string;
  deviceType: PciDeviceKind;
  /** Where the device type comes from: the built-in device table, Placement, or nothing. */
  deviceTypeFrom: 'known-device' | 'placement' | 'unknown';
  inPlacement: boolean;
  /** The resource class the providers get; null when not in Placement or when it is per device (no ids). */
  resourceClass: string | null;
  /** Traits Nova puts on the providers (OWNER_NOVA on master comes on top, §4.5). */
  traits: string[];
  providers: string;
  /** Providers Placement shows now that this spec (as the first matching one) would cover. */
  existingProviders: PciExistingProvider[];
}

export interface PciAliasModel {
  name: string;
  entries: Record<string, unknown>[];
  deviceType: string | null;
  /** Resource class Placement is asked for, with pci_in_placement (§4.6); null without. */
  resourceClass: string | null;
  traits: string[];
  /** device_spec positions (`entry.item`) whose devices the alias can take. */
  matchesSpecs: string[];
  /** Providers Placement shows now that serve the alias, and their free devices. */
  providers: number;
  free: number;
  flavors: string[];
}

export interface PciFlavorAliasUse {
  flavor: string;
  alias: string;
  count: number;
  defined: boolean;
}

export interface PciConfigCheck {
  verdict: Verdict;
  reportInPlacement: boolean;
  pciInPlacement: boolean;
  specs: PciSpecModel[];
  aliases: PciAliasModel[];
  flavors: PciFlavorAliasUse[];
  findings: Finding[];
}

// ---------------------------------------------------------------- Nova's spellings

const HEX4 = /^[0-9a-fA-F]{4}$/;
/** os-resource-classes standard classes (RC `os_resource_classes`); every other name gets CUSTOM_ (§4.5). */
const STANDARD_RESOURCE_CLASSES = new Set([
  'VCPU', 'MEMORY_MB', 'DISK_GB', 'PCI_DEVICE', 'SRIOV_NET_VF', 'NUMA_SOCKET', 'NUMA_CORE', 'NUMA_THREAD',
  'NUMA_MEMORY_MB', 'IPV4_ADDRESS', 'VGPU', 'VGPU_DISPLAY_HEAD', 'NET_BW_EGR_KILOBIT_PER_SEC',
  'NET_BW_IGR_KILOBIT_PER_SEC', 'PCPU', 'MEM_ENCRYPTION_CONTEXT', 'FPGA', 'PGPU',
  'NET_PACKET_RATE_KILOPACKET_PER_SEC', 'NET_PACKET_RATE_EGR_KILOPACKET_PER_SEC', 'NET_PACKET_RATE_IGR_KILOPACKET_PER_SEC',
]);
/**
 * os-traits namespaces. The advisor has no copy of the os-traits list, so a name in one of these
 * namespaces is taken as standard and kept (inference; §4.5 keeps standard traits, normalises the rest).
 */
const STANDARD_TRAIT_PREFIXES = ['COMPUTE_', 'HW_', 'STORAGE_', 'MISC_', 'OWNER_'];
const NOVA_PCI_TRAIT = 'COMPUTE_MANAGED_PCI_DEVICE';
/** Added by Nova on master; ignored when comparing with what Placement shows (§4.5). */
const OWNER_NOVA = 'OWNER_NOVA';
const DEVICE_TYPES = ['type-PCI', 'type-PF', 'type-VF'];
const NUMA_POLICIES = ['required', 'legacy', 'preferred', 'socket'];
const ALIAS_KEYS = new Set(['name', 'vendor_id', 'product_id', 'device_type', 'numa_policy', 'resource_class', 'traits', 'live_migratable', 'capability_type']);
const TRUE_SPELLINGS = ['1', 't', 'true', 'on', 'y', 'yes'];
const FALSE_SPELLINGS = ['0', 'f', 'false', 'off', 'n', 'no'];

/** `os_resource_classes.normalize_name` after Nova's upper-casing: runs of non-alphanumerics → `_`, CUSTOM_ prefix (§4.5). */
export function normaliseCustomName(name: string): string {
  const upper = name.replace(/[^0-9a-zA-Z]+/g, '_').toUpperCase();
  return upper.startsWith('CUSTOM_') ? upper : `CUSTOM_${upper}`;
}

export function normalisePciResourceClass(name: string): string {
  const upper = name.toUpperCase();
  return STANDARD_RESOURCE_CLASSES.has(upper) ? upper : normaliseCustomName(name);
}

export function normalisePciTraits(list: string): string[] {
  return list.split(',').map((t) => t.trim()).filter((t) => t.length > 0).map((t) => {
    const upper = t.toUpperCase();
    return STANDARD_TRAIT_PREFIXES.some((p) => upper.startsWith(p)) ? upper : normaliseCustomName(t);
  });
}

/** A strict oslo boolean: a JSON boolean or one of the spellings; null for anything else (§4.1, §4.2). */
function strictBool(value: unknown): boolean | null {
  if (typeof value === 'boolean') return value;
  if (typeof value !== 'string') return null;
  const lower = value.trim().toLowerCase();
  return TRUE_SPELLINGS.includes(lower) ? true : FALSE_SPELLINGS.includes(lower) ? false : null;
}

// ---------------------------------------------------------------- PCI addresses (§4.1)

type AddressField = 'domain' | 'bus' | 'slot' | 'function';
const ADDRESS_LIMITS: Record<AddressField, number> = { domain: 0xffff, bus: 0xff, slot: 0x1f, function: 0x7 };

/** Each field either a number, a regex (address object form) or null (wildcard). */
type AddressMatcher = Record<AddressField, number | RegExp | null>;

/** `[[[[<domain>]:]<bus>]:][<slot>][.[<function>]]`, `*` or empty = wildcard; error text or the matcher. */
function parseAddressGlob(glob: string): AddressMatcher | string {
  const [left = '', fn = '', ...extra] = glob.split('.');
  const parts = left.split(':');
  if (extra.length > 0 || parts.length > 3) return `address "${glob}" is not [[[[domain]:]bus]:][slot][.[function]]`;
  const [slot = '', bus = '', domain = ''] = [...parts].reverse();
  const matcher = {} as AddressMatcher;
  for (const [field, raw] of [['domain', domain], ['bus', bus], ['slot', slot], ['function', fn]] as [AddressField, string][]) {
    if (raw === '' || raw === '*') {
      matcher[field] = null;
      continue;
    }
    if (!/^[0-9a-fA-F]+$/.test(raw)) return `address "${glob}": ${field} "${raw}" is not hex or *`;
    const value = parseInt(raw, 16);
    if (value > ADDRESS_LIMITS[field]) return `address "${glob}": ${field} ${raw} exceeds 0x${ADDRESS_LIMITS[field].toString(16)}`;
    matcher[field] = value;
  }
  return matcher;
}

function parseAddressObject(value: Record<string, unknown>): AddressMatcher | string {
  const matcher: AddressMatcher = { domain: null, bus: null, slot: null, function: null };
  for (const [key, raw] of Object.entries(value)) {
    if (!(key in ADDRESS_LIMITS)) return `address object key "${key}" is not domain, bus, slot or function`;
    if (typeof raw !== 'string') return `address.${key} must be a regular expression string`;
    try {
      matcher[key as AddressField] = new RegExp(`^(?:${raw})$`, 'i');
    } catch {
      return `address.${key} "${raw}" is not a valid regular expression`;
    }
  }
  return matcher;
}

function addressMatches(matcher: AddressMatcher, address: string): boolean {
  const m = /^([0-9a-fA-F]{4}):([0-9a-fA-F]{2}):([0-9a-fA-F]{2})\.([0-7])$/.exec(address);
  if (!m) return false;
  const actual: Record<AddressField, string> = { domain: m[1]!, bus: m[2]!, slot: m[3]!, function: m[4]! };
  return (Object.keys(ADDRESS_LIMITS) as AddressField[]).every((field) => {
    const want = matcher[field];
    if (want === null) return true;
    return typeof want === 'number' ? parseInt(actual[field], 16) === want : want.test(actual[field].toLowerCase());
  });
}

function isExactAddress(matcher: AddressMatcher | null): boolean {
  return matcher !== null && Object.values(matcher).every((v) => typeof v === 'number');
}

// ---------------------------------------------------------------- device_spec entries

interface ParsedSpec {
  model: PciSpecModel;
  field: string;
  vendorId: string | null;
  productId: string | null;
  address: AddressMatcher | null;
  devname: boolean;
}

/** Splits one nova.conf value into its JSON objects; a finding when it is not JSON, or not an object / list of objects. */
function parseEntries(raw: string, field: string, allowList: boolean): { objects: Record<string, unknown>[]; findings: Finding[] } {
  const evidence: Evidence[] = [{ source: 'request', ref: field, value: raw }];
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (err) {
    return { objects: [], findings: [makeFinding('pci-config-json-invalid', field, `${field} is not JSON: ${(err as Error).message}.`, evidence)] };
  }
  const items = Array.isArray(parsed) && allowList ? parsed : [parsed];
  if (items.some((i) => typeof i !== 'object' || i === null || Array.isArray(i))) {
    const want = allowList ? 'a JSON object or a list of JSON objects' : 'a JSON object';
    return { objects: [], findings: [makeFinding('pci-config-json-invalid', field, `${field} must be ${want}.`, evidence)] };
  }
  return { objects: items as Record<string, unknown>[], findings: [] };
}

function sriovPartner(vendorId: string, productId: string): { pf: string; vf: string } | null {
  const device = knownPciDevice(vendorId, productId);
  if (!device || device.deviceType === 'type-PCI') return null;
  const base = device.name.replace(/ (PF|VF)$/, '');
  const pair = KNOWN_PCI_DEVICES.filter((d) => d.vendorId === device.vendorId && d.name.replace(/ (PF|VF)$/, '') === base);
  const pf = pair.find((d) => d.deviceType === 'type-PF');
  const vf = pair.find((d) => d.deviceType === 'type-VF');
  return pf && vf ? { pf: pf.productId, vf: vf.productId } : null;
}

/** The device type from the built-in table, else from Placement: a default-class provider with more than one device counts VFs (§4.5). */
function deviceKind(vendorId: string | null, productId: string | null, providers: PciProvider[]): Pick<PciSpecModel, 'deviceType' | 'deviceTypeFrom'> {
  if (vendorId === null || productId === null) return { deviceType: 'unknown', deviceTypeFrom: 'unknown' };
  const known = knownPciDevice(vendorId, productId);
  if (known) return { deviceType: known.deviceType, deviceTypeFrom: 'known-device' };
  const rc = defaultPciResourceClass(vendorId, productId);
  const seen = providers.filter((p) => p.resourceClass === rc);
  if (seen.length === 0) return { deviceType: 'unknown', deviceTypeFrom: 'unknown' };
  return { deviceType: seen.some((p) => p.inventory.total > 1) ? 'type-VF' : 'type-PCI', deviceTypeFrom: 'placement' };
}

function providerShape(kind: PciDeviceKind): string {
  if (kind === 'type-VF') return 'VFs counted on one provider per parent PF, named <hypervisor>_<PF address>, child of the compute node';
  if (kind === 'unknown') return 'one provider per PF / PCI device named <hypervisor>_<address>; VFs counted on their parent PF\'s provider';
  return 'one provider per device, named <hypervisor>_<address>, inventory 1, child of the compute node';
}

function parseSpec(object: Record<string, unknown>, entry: number, item: number, field: string, input: Required<PciConfigInput>, providers: PciProvider[]): { spec: ParsedSpec; findings: Finding[] } {
  const findings: Finding[] = [];
  const evidence: Evidence[] = [{ source: 'request', ref: field, value: JSON.stringify(object) }];
  const invalid = (why: string) => findings.push(makeFinding('pci-device-spec-invalid', field, `${field}: ${why}.`, evidence));
  const hexId = (key: 'vendor_id' | 'product_id'): string | null => {
    const value = object[key];
    if (value === undefined || value === '*') return null;
    // Nova reads ids as hex up to 0xFFFF (§4.1).
    if (typeof value !== 'string' || !/^[0-9a-fA-F]{1,4}$/.test(value)) {
      invalid(`${key} ${JSON.stringify(value)} is not a hex id up to ffff`);
      return null;
    }
    return value.toLowerCase().padStart(4, '0');
  };
  const vendorId = hexId('vendor_id');
  const productId = hexId('product_id');

  let address: AddressMatcher | null = null;
  if (object['address'] !== undefined) {
    const raw = object['address'];
    const parsed = typeof raw === 'string' ? parseAddressGlob(raw)
      : typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? parseAddressObject(raw as Record<string, unknown>)
        : 'address must be a string glob or an object of regular expressions';
    if (typeof parsed === 'string') invalid(parsed);
    else address = parsed;
  }
  const devname = object['devname'] !== undefined;
  if (devname && object['address'] !== undefined) invalid('address and devname cannot both be given');
  if (devname && input.reportInPlacement) {
    findings.push(makeFinding('pci-spec-devname-in-placement', field,
      `${field} matches devname ${JSON.stringify(object['devname'])}: with report_in_placement nova-compute refuses devname specs.`, evidence));
  }

  const kind = deviceKind(vendorId, productId, providers);
  const tagBool = (key: string, spellings: string): boolean | null => {
    const value = object[key];
    if (value === undefined) return null;
    const parsed = strictBool(value);
    if (parsed === null) invalid(`${key} ${JSON.stringify(value)} is not ${spellings}`);
    return parsed;
  };
  tagBool('managed', 'yes or no');
  const liveMigratable = tagBool('live_migratable', 'yes or no') === true;
  const oneTimeUse = tagBool('one_time_use', 'true or false') === true;
  const remoteManaged = tagBool('remote_managed', 'true or false') === true;
  tagBool('trusted', 'true or false');
  if (oneTimeUse && !input.reportInPlacement) invalid('one_time_use=true requires [pci] report_in_placement=True');
  if (oneTimeUse && kind.deviceType === 'type-VF') invalid('one_time_use applies to type-PCI and type-PF devices only, not VFs');
  if (remoteManaged && (kind.deviceType === 'type-PF' || kind.deviceType === 'type-PCI')) invalid(`remote_managed=true is for VFs only; ${vendorId}:${productId} is ${kind.deviceType}`);

  const hasPhysnet = Object.hasOwn(object, 'physical_network');
  const inPlacement = input.reportInPlacement && !hasPhysnet && !devname;
  // A devname spec under report_in_placement is already an error above.
  if (!inPlacement && !(devname && input.reportInPlacement)) {
    const why = hasPhysnet
      ? `has physical_network (${JSON.stringify(object['physical_network'])}): Neutron SR-IOV devices are not modelled in Placement`
      : 'report_in_placement is off';
    findings.push(makeFinding('pci-spec-not-in-placement', field, `${field} ${why}; their free count is only in Nova's PCI tracker.`, evidence));
  }
  const rcTag = object['resource_class'];
  const traitsTag = object['traits'];
  if (rcTag !== undefined && typeof rcTag !== 'string') invalid('resource_class must be a string');
  if (traitsTag !== undefined && typeof traitsTag !== 'string') invalid('traits must be a comma-separated string');
  const resourceClass = !inPlacement ? null
    : typeof rcTag === 'string' && rcTag.trim() !== '' ? normalisePciResourceClass(rcTag)
      : vendorId !== null && productId !== null ? defaultPciResourceClass(vendorId, productId) : null;
  const traits = !inPlacement ? [] : [...new Set([
    NOVA_PCI_TRAIT,
    ...(liveMigratable ? ['HW_PCI_LIVE_MIGRATABLE'] : []),
    ...(oneTimeUse ? ['HW_PCI_ONE_TIME_USE'] : []),
    ...(typeof traitsTag === 'string' ? normalisePciTraits(traitsTag) : []),
  ])].sort();
  const where = typeof object['address'] === 'string' ? ` at ${object['address']}`
    : object['address'] !== undefined ? ` at ${JSON.stringify(object['address'])}` : devname ? ` devname ${String(object['devname'])}` : '';
  return {
    spec: {
      model: {
        entry, item, spec: object, selects: `${vendorId ?? '*'}:${productId ?? '*'}${where}`, ...kind, inPlacement,
        resourceClass, traits, providers: inPlacement ? providerShape(kind.deviceType) : 'none (not reported to Placement)', existingProviders: [],
      },
      field, vendorId, productId, address, devname,
    },
    findings,
  };
}

// ---------------------------------------------------------------- specs against each other (§4.5 constraints)

function pairFindings(specs: ParsedSpec[]): Finding[] {
  const findings: Finding[] = [];
  const placed = specs.filter((s) => s.model.inPlacement);
  const evidenceOf = (...pair: ParsedSpec[]): Evidence[] => pair.map((s) => ({ source: 'request', ref: s.field, value: JSON.stringify(s.model.spec) }));
  for (const [i, a] of placed.entries()) {
    if (a.address !== null && isExactAddress(a.address) && a.productId === null) {
      findings.push(makeFinding('pci-spec-may-match-pf-and-vfs', a.field,
        `${a.field} names one exact address without product_id: if that device is an SR-IOV PF the spec matches the PF itself and, through the parent address, its VFs (inference from §4.1).`,
        evidenceOf(a)));
    }
    for (const b of placed.slice(i + 1)) {
      if (a.vendorId === null || a.productId === null || a.vendorId !== b.vendorId || b.productId === null) continue;
      const partner = sriovPartner(a.vendorId, a.productId);
      const pfAndVf = partner !== null && a.productId !== b.productId && [a.productId, b.productId].sort().join() === [partner.pf, partner.vf].sort().join();
      if (pfAndVf) {
        const unrestricted = a.address === null && b.address === null && !a.devname && !b.devname;
        findings.push(makeFinding(unrestricted ? 'pci-spec-pf-and-vfs' : 'pci-spec-may-match-pf-and-vfs', `${a.field}, ${b.field}`,
          unrestricted
            ? `${a.field} and ${b.field} select the PFs (${partner.pf}) and the VFs (${partner.vf}) of ${a.vendorId} NICs on every host: nova-compute refuses to start with a PF and its VFs both in device_spec.`
            : `${a.field} and ${b.field} select PFs (${partner.pf}) and VFs (${partner.vf}) of one NIC model, restricted by address: make sure no host has a PF and one of its VFs both matched.`,
          evidenceOf(a, b)));
      }
      const differ = a.model.deviceType === 'type-VF' && a.productId === b.productId
        && (a.model.resourceClass !== b.model.resourceClass || a.model.traits.join() !== b.model.traits.join());
      const distinctPfs = isExactAddress(a.address) && isExactAddress(b.address);
      if (differ && !distinctPfs) {
        findings.push(makeFinding('pci-spec-vfs-differ', `${a.field}, ${b.field}`,
          `${a.field} and ${b.field} give VFs ${a.vendorId}:${a.productId} different resource classes or traits (${a.model.resourceClass} [${a.model.traits.join(',')}] vs ${b.model.resourceClass} [${b.model.traits.join(',')}]): VFs of one PF must share them or nova-compute refuses to start.`,
          evidenceOf(a, b)));
      }
    }
  }
  return findings;
}

// ---------------------------------------------------------------- what Placement shows now

/** `<hypervisor>_<ADDRESS>` → the address part, lower-cased (§4.5 provider names). */
function providerAddress(name: string): string | null {
  return /_([0-9A-Fa-f]{4}:[0-9A-Fa-f]{2}:[0-9A-Fa-f]{2}\.[0-7])$/.exec(name)?.[1]?.toLowerCase() ?? null;
}

/**
 * Whether a provider holds devices the spec selects. Ids come from the default resource class; a custom
 * class hides them, so it matches only the class the spec itself gives. A VF provider is named after the
 * parent PF, so for VF specs only an exact (parent PF) address is compared (§4.1, §4.5).
 */
function specCoversProvider(spec: ParsedSpec, provider: PciProvider): boolean {
  if (spec.devname) return false;
  const ids = parsePciResourceClass(provider.resourceClass);
  if (ids) {
    if (spec.vendorId !== null && spec.vendorId !== ids.vendorId) return false;
    if (spec.productId !== null && spec.productId !== ids.productId) return false;
  } else if (spec.model.resourceClass !== provider.resourceClass) {
    return false;
  }
  const compareAddress = spec.address !== null && (spec.model.deviceType !== 'type-VF' || isExactAddress(spec.address));
  const address = providerAddress(provider.name);
  return !compareAddress || (address !== null && addressMatches(spec.address!, address));
}

function withoutOwner(traits: string[]): string[] {
  return traits.filter((t) => t !== OWNER_NOVA).sort();
}

/** Specs are tried in order and the first match supplies the tags (§4.1): each provider goes to its first spec. */
function attachProviders(specs: ParsedSpec[], providers: PciProvider[]): void {
  for (const provider of providers) {
    const spec = specs.find((s) => s.model.inPlacement && specCoversProvider(s, provider));
    if (!spec) continue;
    const expectedClass = spec.model.resourceClass ?? provider.resourceClass;
    spec.model.existingProviders.push({
      provider: provider.name, resourceClass: provider.resourceClass, traits: withoutOwner(provider.traits), free: providerFree(provider),
      unchanged: expectedClass === provider.resourceClass && withoutOwner(provider.traits).join() === spec.model.traits.join(),
    });
  }
}

function providerFindings(specs: ParsedSpec[]): Finding[] {
  const findings: Finding[] = [];
  for (const spec of specs.filter((s) => s.model.inPlacement && !s.devname)) {
    const existing = spec.model.existingProviders;
    if (existing.length === 0) {
      findings.push(makeFinding('pci-spec-matches-no-provider', spec.field,
        `${spec.field} (${spec.model.selects}) matches none of the PCI providers Placement shows now.`,
        [{ source: 'placement', ref: 'PCI resource providers', value: 0 }]));
    }
    const changed = existing.filter((p) => !p.unchanged);
    if (changed.length > 0) {
      findings.push(makeFinding('pci-spec-changes-providers', spec.field,
        `${changed.length} provider(s) would change to ${spec.model.resourceClass ?? 'their default class'} [${spec.model.traits.join(',')}]: ${changed.map((p) => `${p.provider} (${p.resourceClass} [${p.traits.join(',')}])`).join(', ')}.`,
        changed.map((p) => ({ source: 'placement', ref: p.provider, value: `${p.resourceClass} [${p.traits.join(',')}]` }))));
    }
  }
  return findings;
}

// ---------------------------------------------------------------- [pci] alias entries (§4.2)

interface ParsedAlias {
  field: string;
  name: string;
  object: Record<string, unknown>;
  vendorId: string | null;
  productId: string | null;
  deviceType: string | null;
  numaPolicy: string;
  resourceClass: string | null;
  traits: string[];
}

function parseAlias(object: Record<string, unknown>, field: string, pciInPlacement: boolean): { alias: ParsedAlias | null; findings: Finding[] } {
  const errors: string[] = [];
  const evidence: Evidence[] = [{ source: 'request', ref: field, value: JSON.stringify(object) }];
  const str = (key: string): string | null => {
    const value = object[key];
    if (value === undefined) return null;
    if (typeof value !== 'string') {
      errors.push(`${key} must be a string`);
      return null;
    }
    return value;
  };
  for (const key of Object.keys(object).filter((k) => !ALIAS_KEYS.has(k))) errors.push(`unknown key "${key}" (additionalProperties false)`);
  const name = str('name');
  if (name === null || name.length < 1 || name.length > 256) errors.push('name is required, 1–256 characters');
  const ids = ['vendor_id', 'product_id'].map((key) => {
    const value = str(key);
    if (value !== null && !HEX4.test(value)) errors.push(`${key} "${value}" is not four hex digits`);
    return value === null ? null : value.toLowerCase();
  });
  const deviceType = str('device_type');
  if (deviceType !== null && !DEVICE_TYPES.includes(deviceType)) errors.push(`device_type "${deviceType}" is not one of ${DEVICE_TYPES.join(', ')} (vDPA cannot be requested by alias)`);
  const numaPolicy = str('numa_policy');
  if (numaPolicy !== null && !NUMA_POLICIES.includes(numaPolicy)) errors.push(`numa_policy "${numaPolicy}" is not one of ${NUMA_POLICIES.join(', ')}`);
  const rc = str('resource_class');
  const traits = str('traits');
  if (object['live_migratable'] !== undefined && strictBool(object['live_migratable']) === null) errors.push('live_migratable is not a strict boolean (yes / no)');
  if (object['capability_type'] !== undefined && object['capability_type'] !== 'pci') errors.push('capability_type can only be "pci"');
  const [vendorId = null, productId = null] = ids;
  const hasIds = vendorId !== null && productId !== null;
  if (!hasIds && rc === null) errors.push(traits !== null ? 'a traits-only alias is not allowed: give resource_class or vendor_id + product_id' : 'give vendor_id + product_id, or resource_class');
  if (errors.length > 0) {
    return { alias: null, findings: [makeFinding('pci-alias-invalid', field, `${field}${name ? ` ("${name}")` : ''}: ${errors.join('; ')}.`, evidence)] };
  }
  const findings: Finding[] = [];
  if (deviceType === null) {
    findings.push(makeFinding('pci-alias-without-device-type', field,
      `Alias "${name}" has no device_type: it never matches PFs and takes type-PCI devices and VFs alike.`, evidence));
  }
  if ((rc !== null || traits !== null) && !pciInPlacement) {
    findings.push(makeFinding('pci-alias-placement-fields-ignored', field,
      `Alias "${name}" uses resource_class / traits, which Nova only honours with [filter_scheduler] pci_in_placement=True (declared off)${hasIds ? '; it matches by vendor_id / product_id only' : ''}.`,
      [...evidence, hostFactEvidence('pciInPlacement', false)]));
  }
  return {
    alias: {
      field, name: name!, object, vendorId, productId, deviceType, numaPolicy: numaPolicy ?? 'legacy',
      resourceClass: rc === null ? null : normalisePciResourceClass(rc), traits: traits === null ? [] : normalisePciTraits(traits),
    },
    findings,
  };
}

function groupFindings(entries: ParsedAlias[], pciInPlacement: boolean): Finding[] {
  if (entries.length < 2) return [];
  const first = entries[0]!;
  const fields = entries.map((e) => e.field).join(', ');
  const evidence: Evidence[] = entries.map((e) => ({ source: 'request', ref: e.field, value: JSON.stringify(e.object) }));
  const problems: string[] = [];
  if (entries.some((e) => e.numaPolicy !== first.numaPolicy)) problems.push('numa_policy differs');
  if (entries.some((e) => e.deviceType !== first.deviceType)) problems.push('device_type differs');
  if (pciInPlacement) problems.push('pci_in_placement allows one entry per alias name');
  return problems.length === 0 ? [] : [makeFinding('pci-alias-entries-inconsistent', fields,
    `Alias "${first.name}" has ${entries.length} entries (${fields}): ${problems.join('; ')}.`, evidence)];
}

/** Whether an alias entry can take the devices of a spec: by class + traits with pci_in_placement, else by ids and type (§4.3, §4.6). */
function aliasTakesSpec(alias: ParsedAlias, spec: ParsedSpec, pciInPlacement: boolean): boolean {
  if (pciInPlacement && alias.resourceClass !== null) {
    return spec.model.resourceClass === alias.resourceClass && alias.traits.every((t) => spec.model.traits.includes(t));
  }
  if (alias.vendorId === null || alias.productId === null) return false;
  if (spec.vendorId !== null && spec.vendorId !== alias.vendorId) return false;
  if (spec.productId !== null && spec.productId !== alias.productId) return false;
  const kind = deviceKind(alias.vendorId, alias.productId, []).deviceType;
  const type = spec.model.deviceType !== 'unknown' ? spec.model.deviceType : kind;
  if (type === 'unknown') return true;
  // No device_type: PF pools are dropped (§4.3).
  return alias.deviceType === null ? type !== 'type-PF' : alias.deviceType === type;
}

function specRef(spec: ParsedSpec): string {
  return `${spec.model.entry}.${spec.model.item}`;
}

// ---------------------------------------------------------------- the check

/** `ctx` is the RuleContext (only its declared pci_in_placement is read). */
export function checkPciConfig(snapshot: CloudSnapshot, input: PciConfigInput, ctx: { hostFacts: Pick<HostFacts, 'pciInPlacement'> }): PciConfigCheck {
  const options: Required<PciConfigInput> = {
    ...input,
    reportInPlacement: input.reportInPlacement ?? true,
    pciInPlacement: input.pciInPlacement ?? ctx.hostFacts.pciInPlacement,
  };
  const providers = snapshot.hosts.flatMap((h) => h.pciProviders).sort((a, b) => a.name.localeCompare(b.name));
  const findings: Finding[] = [];

  const specs: ParsedSpec[] = [];
  input.deviceSpecs.forEach((raw, entry) => {
    const field = `device_spec[${entry}]`;
    const { objects, findings: jsonFindings } = parseEntries(raw, field, true);
    findings.push(...jsonFindings);
    objects.forEach((object, item) => {
      const parsed = parseSpec(object, entry, item, objects.length > 1 ? `${field}[${item}]` : field, options, providers);
      specs.push(parsed.spec);
      findings.push(...parsed.findings);
    });
  });
  if (options.reportInPlacement) findings.push(...pairFindings(specs));
  attachProviders(specs, providers);
  findings.push(...providerFindings(specs));

  const aliases: ParsedAlias[] = [];
  input.aliases.forEach((raw, index) => {
    const field = `alias[${index}]`;
    const { objects, findings: jsonFindings } = parseEntries(raw, field, false);
    findings.push(...jsonFindings);
    for (const object of objects) {
      const parsed = parseAlias(object, field, options.pciInPlacement);
      findings.push(...parsed.findings);
      if (parsed.alias) aliases.push(parsed.alias);
    }
  });
  const byName = new Map<string, ParsedAlias[]>();
  for (const alias of aliases) byName.set(alias.name, [...(byName.get(alias.name) ?? []), alias]);

  const flavors: PciFlavorAliasUse[] = [];
  for (const flavor of [...snapshot.flavors].sort((a, b) => a.name.localeCompare(b.name))) {
    const spec = flavor.extraSpecs['pci_passthrough:alias'];
    if (spec === undefined) continue;
    const evidence: Evidence[] = [{ source: 'flavor', ref: `${flavor.name} pci_passthrough:alias`, value: spec }];
    const entries = parseAliasSpec(spec);
    if (entries === null) {
      findings.push(makeFinding('pci-alias-syntax-invalid', `flavor ${flavor.name}`, `Flavor ${flavor.name}: pci_passthrough:alias=${spec} does not match name:count[,name:count…].`, evidence));
      continue;
    }
    for (const { name, count } of entries) {
      const defined = byName.has(name);
      flavors.push({ flavor: flavor.name, alias: name, count, defined });
      if (!defined) {
        findings.push(makeFinding('pci-flavor-alias-not-defined', `flavor ${flavor.name}`,
          `Flavor ${flavor.name} asks alias "${name}", which the proposed [pci] alias does not define: server create fails with HTTP 400 (PciRequestAliasNotDefined).`, evidence));
      }
    }
  }

  const aliasModels: PciAliasModel[] = [];
  for (const [name, entries] of [...byName.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    findings.push(...groupFindings(entries, options.pciInPlacement));
    const matched = specs.filter((s) => entries.some((e) => aliasTakesSpec(e, s, options.pciInPlacement)));
    for (const entry of entries) {
      const evidence: Evidence[] = [{ source: 'request', ref: entry.field, value: JSON.stringify(entry.object) }];
      if (options.pciInPlacement && entry.resourceClass !== null) {
        if (!specs.some((s) => aliasTakesSpec(entry, s, true))) {
          findings.push(makeFinding('pci-alias-resource-class-not-produced', entry.field,
            `Alias "${name}" asks ${entry.resourceClass}${entry.traits.length ? ` with traits ${entry.traits.join(',')}` : ''}, which no proposed device_spec produces (${[...new Set(specs.map((s) => s.model.resourceClass).filter((rc) => rc !== null))].join(', ') || 'none'}).`,
            evidence));
        }
      } else if (!specs.some((s) => aliasTakesSpec(entry, s, false))) {
        const onlyPfs = entry.deviceType === null && specs.some((s) => aliasTakesSpec({ ...entry, deviceType: 'type-PF' }, s, false));
        findings.push(makeFinding('pci-alias-matches-no-spec', entry.field,
          `Alias "${name}" (${entry.vendorId}:${entry.productId}${entry.deviceType ? ` ${entry.deviceType}` : ''}) matches no proposed device_spec${onlyPfs ? '; the spec with its ids selects PFs, which an alias without "device_type": "type-PF" never takes' : ''}.`, evidence));
      }
    }
    const served = matched.flatMap((s) => s.model.existingProviders)
      .filter((p) => entries.every((e) => !options.pciInPlacement || e.traits.every((t) => p.traits.includes(t))));
    const usedBy = [...new Set(flavors.filter((f) => f.alias === name).map((f) => f.flavor))];
    if (usedBy.length === 0) {
      findings.push(makeFinding('pci-alias-unused', entries[0]!.field, `No flavor of the snapshot asks alias "${name}".`,
        [{ source: 'flavor', ref: 'pci_passthrough:alias', value: null }]));
    }
    const placementEntry = options.pciInPlacement ? entries[0] : undefined;
    aliasModels.push({
      name, entries: entries.map((e) => e.object), deviceType: entries[0]!.deviceType,
      resourceClass: placementEntry ? (placementEntry.resourceClass ?? (placementEntry.vendorId && placementEntry.productId ? defaultPciResourceClass(placementEntry.vendorId, placementEntry.productId) : null)) : null,
      traits: placementEntry?.traits ?? [],
      matchesSpecs: matched.map(specRef), providers: served.length, free: served.reduce((sum, p) => sum + p.free, 0), flavors: usedBy,
    });
  }

  const sorted = sortFindings(findings);
  return {
    verdict: verdictOf(sorted), reportInPlacement: options.reportInPlacement, pciInPlacement: options.pciInPlacement,
    specs: specs.map((s) => s.model), aliases: aliasModels, flavors, findings: sorted,
  };
}
