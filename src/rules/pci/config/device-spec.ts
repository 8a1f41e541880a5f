// `[pci] device_spec` entries read and checked as nova-compute does at start (domain.md §4.1): ids, addresses,
// devname, the boolean tags, and the constraints between specs (§4.5); each with the Placement model it gives.
import { osloBoolStrict } from '../../../lib/oslo-bool.ts';
import { makeFinding } from '../../findings/catalog.ts';
import { KNOWN_PCI_DEVICES, knownPciDevice } from '../known-devices.ts';
import { deviceKind, providerShape, specResourceClass, specTraits } from './placement.ts';
import type { Evidence, Finding, PciProvider, PciSpecModel } from '../../../model/index.ts';



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

export function addressMatches(matcher: AddressMatcher, address: string): boolean {
  const m = /^([0-9a-fA-F]{4}):([0-9a-fA-F]{2}):([0-9a-fA-F]{2})\.([0-7])$/.exec(address);
  if (!m) return false;
  const actual: Record<AddressField, string> = { domain: m[1]!, bus: m[2]!, slot: m[3]!, function: m[4]! };
  return (Object.keys(ADDRESS_LIMITS) as AddressField[]).every((field) => {
    const want = matcher[field];
    if (want === null) return true;
    return typeof want === 'number' ? parseInt(actual[field], 16) === want : want.test(actual[field].toLowerCase());
  });
}

export function isExactAddress(matcher: AddressMatcher | null): boolean {
  return matcher !== null && Object.values(matcher).every((v) => typeof v === 'number');
}

// ---------------------------------------------------------------- device_spec entries

export interface ParsedSpec {
  model: PciSpecModel;
  field: string;
  vendorId: string | null;
  productId: string | null;
  address: AddressMatcher | null;
  devname: boolean;
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

/**
 * One device_spec object checked as nova-compute checks it at start (§4.1), with the Placement model it gives
 * (§4.5); `reportInPlacement` is `[pci] report_in_placement` on the computes.
 */
export function parseSpec(object: Record<string, unknown>, entry: number, item: number, field: string, reportInPlacement: boolean, providers: PciProvider[]): { spec: ParsedSpec; findings: Finding[] } {
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
  if (devname && reportInPlacement) {
    findings.push(makeFinding('pci-spec-devname-in-placement', field,
      `${field} matches devname ${JSON.stringify(object['devname'])}: with report_in_placement nova-compute refuses devname specs.`, evidence));
  }

  const kind = deviceKind(vendorId, productId, providers);
  const tagBool = (key: string, spellings: string): boolean | null => {
    const value = object[key];
    if (value === undefined) return null;
    const parsed = osloBoolStrict(value);
    if (parsed === null) invalid(`${key} ${JSON.stringify(value)} is not ${spellings}`);
    return parsed;
  };
  tagBool('managed', 'yes or no');
  const liveMigratable = tagBool('live_migratable', 'yes or no') === true;
  const oneTimeUse = tagBool('one_time_use', 'true or false') === true;
  const remoteManaged = tagBool('remote_managed', 'true or false') === true;
  tagBool('trusted', 'true or false');
  if (oneTimeUse && !reportInPlacement) invalid('one_time_use=true requires [pci] report_in_placement=True');
  if (oneTimeUse && kind.deviceType === 'type-VF') invalid('one_time_use applies to type-PCI and type-PF devices only, not VFs');
  if (remoteManaged && (kind.deviceType === 'type-PF' || kind.deviceType === 'type-PCI')) invalid(`remote_managed=true is for VFs only; ${vendorId}:${productId} is ${kind.deviceType}`);

  const hasPhysnet = Object.hasOwn(object, 'physical_network');
  const inPlacement = reportInPlacement && !hasPhysnet && !devname;
  // A devname spec under report_in_placement is already an error above.
  if (!inPlacement && !(devname && reportInPlacement)) {
    const why = hasPhysnet
      ? `has physical_network (${JSON.stringify(object['physical_network'])}): Neutron SR-IOV devices are not modelled in Placement`
      : 'report_in_placement is off';
    findings.push(makeFinding('pci-spec-not-in-placement', field, `${field} ${why}; their free count is only in Nova's PCI tracker.`, evidence));
  }
  const rcTag = object['resource_class'];
  const traitsTag = object['traits'];
  if (rcTag !== undefined && typeof rcTag !== 'string') invalid('resource_class must be a string');
  if (traitsTag !== undefined && typeof traitsTag !== 'string') invalid('traits must be a comma-separated string');
  const resourceClass = inPlacement ? specResourceClass(rcTag, vendorId, productId) : null;
  const traits = inPlacement ? specTraits(traitsTag, { liveMigratable, oneTimeUse }) : [];
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

export function pairFindings(specs: ParsedSpec[]): Finding[] {
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
