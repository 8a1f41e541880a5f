// `[pci] device_spec` entries read and checked as nova-compute does at start (domain.md §4.1): ids, addresses,
// devname, the boolean tags, and the constraints between specs (§4.5); each with the Placement model it gives.
import { osloBoolStrict } from '../../../lib/oslo-bool.ts';
import { makeFinding } from '../../findings/catalog.ts';
import { FIRST_RELEASE, releaseHas, releaseName } from '../../release/release.ts';
import { deviceKind, placementRefusal, providerShape, specResourceClass, specTraits, sriovPartner } from './placement.ts';
import type { Evidence, Finding, NovaRelease, PciProvider, PciSpecModel, ReleaseAssumption } from '../../../model/index.ts';



/**
 * Nova's exception for a refused device_spec and where it is raised (Zed: NOVA `nova/compute/manager.py`
 * `ComputeManager.init_host` builds `nova/pci/whitelist.py` `Whitelist`, which builds a `nova/pci/devspec.py`
 * `PciDeviceSpec` per object; a malformed address may raise PciDeviceWrongAddressFormat there instead).
 */
export function specRefusal(exception: string): string {
  return `Nova raises ${exception} (nova.pci.devspec.PciDeviceSpec, via nova.pci.whitelist.Whitelist in ComputeManager.init_host): nova-compute does not start.`;
}

// ---------------------------------------------------------------- PCI addresses (§4.1)

type AddressField = 'domain' | 'bus' | 'slot' | 'function';
const ADDRESS_LIMITS: Record<AddressField, number> = { domain: 0xffff, bus: 0xff, slot: 0x1f, function: 0x7 };

/**
 * Python's `int(text, 16)`, which Nova reads ids and address fields with (NOVA `nova/pci/devspec.py`
 * `PciAddressSpec._set_pci_dev_info`): surrounding whitespace, a sign, a `0x` prefix and `_` between digits are
 * accepted. Null where Python raises ValueError.
 */
export function pythonHexInt(text: string): number | null {
  const m = /^([+-]?)(?:0[xX]_?)?([0-9a-fA-F]+(?:_[0-9a-fA-F]+)*)$/.exec(text.trim());
  if (!m) return null;
  const value = parseInt(m[2]!.replaceAll('_', ''), 16);
  return m[1] === '-' ? -value : value;
}

/** Python's truth value of a JSON value: `if address and devname` (NOVA `devspec.py` `_init_dev_details`). */
function pyTruthy(value: unknown): boolean {
  if (value === undefined || value === null || value === false || value === 0 || value === '') return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.keys(value).length > 0;
  return true;
}

/** `strutils.bool_from_string(value)` as devspec reads `remote_managed` (strict=False): a non-string is `str()`ed. */
function osloBoolLoose(value: unknown): boolean {
  return typeof value === 'boolean' ? value : ['1', 't', 'true', 'on', 'y', 'yes'].includes(String(value).trim().toLowerCase());
}

/** Each field either a number, a regex (address object form) or null (wildcard). */
type AddressMatcher = Record<AddressField, number | RegExp | null>;

/**
 * `[[[[<domain>]:]<bus>]:][<slot>][.[<function>]]`, `*` or empty = wildcard; error text or the matcher. As NOVA
 * `devspec.py` `PciAddressGlobSpec`: split at the first `.`, fields stripped, each read by `int(x, 16)`; an empty
 * domain / bus / slot is a wildcard, a function that is blank once stripped is not.
 */
function parseAddressGlob(glob: string): AddressMatcher | string {
  const dot = glob.indexOf('.');
  const [left, fn] = dot < 0 ? [glob, ''] : [glob.slice(0, dot), glob.slice(dot + 1)];
  const parts = left === '' ? [] : left.split(':');
  if (parts.length > 3) return `address "${glob}" is not [[[[domain]:]bus]:][slot][.[function]]`;
  const [slot = '', bus = '', domain = ''] = [...parts].reverse();
  const matcher = {} as AddressMatcher;
  const fields: [AddressField, string][] = [['domain', domain.trim() || '*'], ['bus', bus.trim() || '*'], ['slot', slot.trim() || '*'], ['function', fn === '' ? '*' : fn.trim()]];
  for (const [field, raw] of fields) {
    if (raw === '*') {
      matcher[field] = null;
      continue;
    }
    const value = pythonHexInt(raw);
    if (value === null) return `address "${glob}": ${field} "${raw}" is not hex or *`;
    if (value > ADDRESS_LIMITS[field]) return `address "${glob}": ${field} ${raw} exceeds 0x${ADDRESS_LIMITS[field].toString(16)}`;
    matcher[field] = value;
  }
  return matcher;
}

function parseAddressObject(value: Record<string, unknown>): AddressMatcher | string {
  const matcher: AddressMatcher = { domain: null, bus: null, slot: null, function: null };
  // Other keys are ignored: Nova reads only these four (NOVA `devspec.py` `PciAddressRegexSpec`, `.get`).
  for (const [key, raw] of Object.entries(value).filter(([k]) => k in ADDRESS_LIMITS)) {
    if (typeof raw !== 'string') return `address.${key} must be a regular expression string`;
    try {
      matcher[key as AddressField] = new RegExp(`^(?:${raw})$`, 'i');
    } catch {
      return `address.${key} "${raw}" is not a valid regular expression`;
    }
  }
  return matcher;
}

/** Whether the address matches on `fields` (every field unless told). */
export function addressMatches(matcher: AddressMatcher, address: string, fields: readonly AddressField[] = Object.keys(ADDRESS_LIMITS) as AddressField[]): boolean {
  const m = /^([0-9a-fA-F]{4}):([0-9a-fA-F]{2}):([0-9a-fA-F]{2})\.([0-7])$/.exec(address);
  if (!m) return false;
  const actual: Record<AddressField, string> = { domain: m[1]!, bus: m[2]!, slot: m[3]!, function: m[4]! };
  return fields.every((field) => {
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


/**
 * One device_spec object checked as nova-compute checks it at start (§4.1), with the Placement model it gives
 * (§4.5); `reportInPlacement` is `[pci] report_in_placement` on the computes.
 */
export function parseSpec(object: Record<string, unknown>, entry: number, item: number, field: string, reportInPlacement: boolean, providers: PciProvider[], release: ReleaseAssumption): { spec: ParsedSpec; findings: Finding[] } {
  const findings: Finding[] = [];
  const evidence: Evidence[] = [{ source: 'request', ref: field, value: JSON.stringify(object) }];
  const invalid = (why: string, exception = 'PciConfigInvalidSpec') => findings.push(makeFinding('pci-device-spec-invalid', field, `${field}: ${why}. ${specRefusal(exception)}`, evidence));
  const hexId = (key: 'vendor_id' | 'product_id'): string | null => {
    const raw = object[key];
    // Nova strips vendor_id (not product_id) and reads both by Python's int(x, 16), up to 0xFFFF; `*` is any (§4.1;
    // NOVA `devspec.py` `PciDeviceSpec._init_dev_details`). A non-string raises there.
    const value = key === 'vendor_id' && typeof raw === 'string' ? raw.trim() : raw;
    if (value === undefined || value === '*') return null;
    const parsed = typeof value === 'string' ? pythonHexInt(value) : null;
    if (parsed === null || parsed > 0xffff) {
      invalid(`${key} ${JSON.stringify(raw)} is not a hex id up to ffff`);
      return null;
    }
    return parsed < 0 ? `-${(-parsed).toString(16).padStart(3, '0')}` : parsed.toString(16).padStart(4, '0');
  };
  const vendorId = hexId('vendor_id');
  const productId = hexId('product_id');

  // Nova tests address and devname by their truth value: an empty address (or devname) is no address (§4.1;
  // NOVA `devspec.py` `_init_dev_details`: `if address and self.dev_name`, `address or '*:*:*.*'`).
  const devname = pyTruthy(object['devname']);
  let address: AddressMatcher | null = null;
  if (pyTruthy(object['address']) && !devname) {
    const raw = object['address'];
    const parsed = typeof raw === 'string' ? parseAddressGlob(raw)
      : typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? parseAddressObject(raw as Record<string, unknown>)
        : 'address must be a string glob or an object of regular expressions';
    if (typeof parsed === 'string') invalid(parsed);
    else address = parsed;
  }
  if (devname && pyTruthy(object['address'])) invalid('address and devname cannot both be given', 'PciDeviceInvalidDeviceName');
  if (devname && reportInPlacement) {
    findings.push(makeFinding('pci-spec-devname-in-placement', field,
      `${field} matches devname ${JSON.stringify(object['devname'])}: with report_in_placement nova-compute refuses devname specs. ${placementRefusal('PlacementPciException')}`, evidence));
  }

  const kind = deviceKind(vendorId, productId, providers);
  // Tags newer than the release are plain tags there: kept, never read (NOVA `nova/pci/devspec.py` PciDeviceSpec
  // reads only the tags its release knows; §4.1, §7).
  const tagBool = (key: string, spellings: string, first?: NovaRelease): boolean | null => {
    const value = object[key];
    if (value === undefined) return null;
    if (first && !releaseHas(release.release, first)) {
      findings.push(makeFinding('release-setting-ignored', field,
        `${field} tags ${key}, new in Nova ${releaseName(first)}: ${releaseName(release.release)} keeps it as a plain tag and ignores it.`,
        [...evidence, { source: 'nova-release', ref: release.release, value: release.evidence }]));
      return null;
    }
    const parsed = osloBoolStrict(value);
    if (parsed === null) invalid(`${key} ${JSON.stringify(value)} is not ${spellings}`);
    return parsed;
  };
  tagBool('managed', 'yes or no', FIRST_RELEASE.pciLiveMigratable);
  const liveMigratable = tagBool('live_migratable', 'yes or no', FIRST_RELEASE.pciLiveMigratable) === true;
  const oneTimeUse = tagBool('one_time_use', 'true or false', FIRST_RELEASE.oneTimeUse) === true;
  // remote_managed and trusted are read loosely (NOVA `devspec.py` `strutils.bool_from_string(...)`, strict=False;
  // `trusted` is a plain pool tag): a value that is no boolean spelling is false, never refused (§4.1).
  const looseTag = (key: 'remote_managed' | 'trusted'): boolean => {
    const value = object[key];
    if (value === undefined) return false;
    if (osloBoolStrict(value) === null) {
      findings.push(makeFinding('pci-device-spec-tag-not-boolean', field,
        `${field} tags ${key}=${JSON.stringify(value)}, which is not true or false: Nova does not refuse it and reads it as ${osloBoolLoose(value)}.`, evidence));
    }
    return osloBoolLoose(value);
  };
  const remoteManaged = looseTag('remote_managed');
  looseTag('trusted');
  if (remoteManaged && devname) {
    // Host-dependent: Nova finds the netdev's address in sysfs (NOVA `devspec.py` `_address_obj`), and refuses
    // the spec on a host without that netdev (PciDeviceRemoteManagedNotPresent).
    findings.push(makeFinding('pci-spec-remote-managed-devname', field,
      `${field} is remote_managed and selects devname ${JSON.stringify(object['devname'])}: nova-compute refuses to start on every host that has no netdev of that name; select the VFs by address or ids instead. ${specRefusal('PciDeviceRemoteManagedNotPresent')}`, evidence));
  }
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
  // Only report_in_placement reads these tags, and only when truthy: a non-string then fails (NOVA
  // `compute/pci_placement_translator.py` `_get_rc_for_dev` `rc.upper()`, `_get_traits_for_dev` `.split(',')`).
  if (inPlacement && pyTruthy(rcTag) && typeof rcTag !== 'string') invalid('resource_class must be a string');
  if (inPlacement && pyTruthy(traitsTag) && typeof traitsTag !== 'string') invalid('traits must be a comma-separated string');
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
            ? `${a.field} and ${b.field} select the PFs (${partner.pf}) and the VFs (${partner.vf}) of ${a.vendorId} NICs on every host: nova-compute refuses to start with a PF and its VFs both in device_spec. ${placementRefusal('PlacementPciDependentDeviceException')}`
            : `${a.field} and ${b.field} select PFs (${partner.pf}) and VFs (${partner.vf}) of one NIC model, restricted by address: make sure no host has a PF and one of its VFs both matched.`,
          evidenceOf(a, b)));
      }
      const differ = a.model.deviceType === 'type-VF' && a.productId === b.productId
        && (a.model.resourceClass !== b.model.resourceClass || a.model.traits.join() !== b.model.traits.join());
      const distinctPfs = isExactAddress(a.address) && isExactAddress(b.address);
      // The first matching spec supplies the tags (§4.1): one without address takes every such VF, the later none.
      const shadowed = a.address === null && !a.devname;
      if (differ && !distinctPfs && !shadowed) {
        findings.push(makeFinding('pci-spec-vfs-differ', `${a.field}, ${b.field}`,
          `${a.field} and ${b.field} give VFs ${a.vendorId}:${a.productId} different resource classes or traits (${a.model.resourceClass} [${a.model.traits.join(',')}] vs ${b.model.resourceClass} [${b.model.traits.join(',')}]): VFs of one PF must share them or nova-compute refuses to start. ${placementRefusal('PlacementPciMixedResourceClassException / PlacementPciMixedTraitsException')}`,
          evidenceOf(a, b)));
      }
    }
  }
  return findings;
}
