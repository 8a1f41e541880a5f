// Which providers and flavors a proposed `[pci] device_spec` + `[pci] alias` meet (domain.md §4.1–§4.6): the
// providers Placement shows now that each spec covers, the specs each alias takes, the flavors that ask each alias.
import { makeFinding } from '../../findings/catalog.ts';
import { defaultPciResourceClass, looksLikeVfs, parseAliasSpec, parsePciResourceClass, providerFree } from '../devices.ts';
import { groupFindings, type ParsedAlias } from './alias.ts';
import { addressMatches, isExactAddress, type ParsedSpec } from './device-spec.ts';
import { deviceKind, parentPf, placementRefusal, withoutOwner } from './placement.ts';
import type { Evidence, Finding, Flavor, NovaRelease, PciAliasModel, PciFlavorAliasUse, PciProvider } from '../../../model/index.ts';



// ---------------------------------------------------------------- what Placement shows now

/** `<hypervisor>_<ADDRESS>` → the address part, lower-cased (§4.5 provider names). */
function providerAddress(name: string): string | null {
  return /_([0-9A-Fa-f]{4}:[0-9A-Fa-f]{2}:[0-9A-Fa-f]{2}\.[0-7])$/.exec(name)?.[1]?.toLowerCase() ?? null;
}

/** Whether the provider's devices are VFs: the spec says so, or (ids unknown) its inventory or class does (§4.5). */
function holdsVfs(spec: ParsedSpec, provider: PciProvider): boolean {
  if (spec.model.deviceType !== 'unknown') return spec.model.deviceType === 'type-VF';
  const ids = parsePciResourceClass(provider.resourceClass);
  if (ids && deviceKind(ids.vendorId, ids.productId, []).deviceType === 'type-VF') return true;
  return provider.inventory.total > 1 || looksLikeVfs(provider.resourceClass, provider.traits);
}

/**
 * Whether a provider holds devices the spec selects. Ids come from the default resource class; a custom
 * class hides them, so it matches only the class the spec itself gives. A VF provider is named after the
 * parent PF (NOVA `nova/compute/pci_placement_translator.py` `PciResourceProvider`, §4.5), so its VFs' own
 * addresses are not in Placement: an exact PF address selects them (§4.1), a glob is not compared, and an exact
 * VF address is compared on domain and bus, where the VFs of a PF sit (inference; the lab's
 * `0000:02:00.1` is the VF of `<host>_0000:02:00.0`).
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
  if (spec.address === null) return true;
  const vfs = holdsVfs(spec, provider);
  const address = providerAddress(provider.name);
  return address !== null && (addressMatches(spec.address, address) || (vfs && addressMatches(spec.address, address, ['domain', 'bus'])));
}

/** A spec naming one VF's exact address (the lab's `0000:02:00.1`) takes that VF alone of its PF's provider. */
function takesOneVf(spec: ParsedSpec, provider: PciProvider): boolean {
  return isExactAddress(spec.address) && holdsVfs(spec, provider) && !addressMatches(spec.address!, providerAddress(provider.name) ?? '');
}

/**
 * The specs a provider's devices go to and how many each takes: specs are tried in order per device and the first
 * match supplies the tags (§4.1), so a spec naming one VF takes one and the next covering spec the rest. Only the
 * specs that report to Placement are kept (a match with physical_network keeps its devices out, §4.5).
 */
export function specsOfProvider(specs: ParsedSpec[], provider: PciProvider): { spec: ParsedSpec; devices: number }[] {
  const taken: { spec: ParsedSpec; devices: number }[] = [];
  let left = provider.inventory.total;
  for (const spec of specs) {
    if (left === 0) break;
    if (!specCoversProvider(spec, provider)) continue;
    const devices = takesOneVf(spec, provider) ? 1 : left;
    taken.push({ spec, devices });
    left -= devices;
  }
  return taken.filter((t) => t.spec.model.inPlacement);
}

/** Each provider goes to its first spec. */
export function attachProviders(specs: ParsedSpec[], providers: PciProvider[]): void {
  for (const provider of providers) {
    const spec = specsOfProvider(specs, provider)[0]?.spec;
    if (!spec) continue;
    const expectedClass = spec.model.resourceClass ?? provider.resourceClass;
    spec.model.existingProviders.push({
      provider: provider.name, resourceClass: provider.resourceClass, traits: withoutOwner(provider.traits), free: providerFree(provider),
      unchanged: expectedClass === provider.resourceClass && withoutOwner(provider.traits).join() === spec.model.traits.join(),
    });
  }
}

/** The class and traits a spec gives a provider's devices. */
const tagsOf = (spec: ParsedSpec, provider: PciProvider): string => `${spec.model.resourceClass ?? provider.resourceClass} [${spec.model.traits.join(',')}]`;

export function providerFindings(specs: ParsedSpec[], providers: PciProvider[]): Finding[] {
  const findings: Finding[] = [];
  for (const provider of providers) {
    // A PF and its VFs both reported (§4.5): the VFs Placement shows go to a spec, and so does their PF (known NICs).
    const pf = parentPf(provider);
    const pfSpec = pf && specsOfProvider(specs, provider).length > 0 ? specsOfProvider(specs, pf)[0]?.spec : undefined;
    if (pfSpec) {
      findings.push(makeFinding('pci-spec-pf-and-vfs', pfSpec.field,
        `${pfSpec.field} selects the PF of ${provider.name} while its VFs go to ${specsOfProvider(specs, provider).map((t) => t.spec.field).join(', ')}: a PF and its VFs cannot both be reported. ${placementRefusal('PlacementPciDependentDeviceException')}`,
        [{ source: 'request', ref: pfSpec.field, value: JSON.stringify(pfSpec.model.spec) }, { source: 'placement', ref: provider.name, value: `${provider.resourceClass} ${provider.inventory.total}` }]));
    }
    // The VFs of one PF split between specs that give them different classes or traits (§4.5).
    const taken = specsOfProvider(specs, provider);
    if (new Set(taken.map((t) => tagsOf(t.spec, provider))).size < 2) continue;
    findings.push(makeFinding('pci-spec-vfs-differ', taken.map((t) => t.spec.field).join(', '),
      `The VFs of ${provider.name} go to ${taken.map((t) => `${t.spec.field} (${t.devices}: ${tagsOf(t.spec, provider)})`).join(' and ')}: VFs of one PF must share class and traits. ${placementRefusal('PlacementPciMixedResourceClassException / PlacementPciMixedTraitsException')}`,
      taken.map((t) => ({ source: 'request', ref: t.spec.field, value: JSON.stringify(t.spec.model.spec) }))));
  }
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

// ---------------------------------------------------------------- aliases and flavors

/** Whether an alias entry can take the devices of a spec: by class + traits with pci_in_placement, else by ids and type (§4.3, §4.6). */
function aliasTakesSpec(alias: ParsedAlias, spec: ParsedSpec, pciInPlacement: boolean): boolean {
  if (pciInPlacement && alias.resourceClass !== null) {
    return spec.model.resourceClass === alias.resourceClass && alias.traits.every((t) => spec.model.traits.includes(t));
  }
  // An alias without ids (accepted before 2023.1, §4.2) takes any device of its type.
  if (alias.vendorId !== null && spec.vendorId !== null && spec.vendorId !== alias.vendorId) return false;
  if (alias.productId !== null && spec.productId !== null && spec.productId !== alias.productId) return false;
  const kind = alias.vendorId !== null && alias.productId !== null ? deviceKind(alias.vendorId, alias.productId, []).deviceType : 'unknown';
  const type = spec.model.deviceType !== 'unknown' ? spec.model.deviceType : kind;
  if (type === 'unknown') return true;
  // No device_type: PF pools are dropped (§4.3).
  return alias.deviceType === null ? type !== 'type-PF' : alias.deviceType === type;
}

function specRef(spec: ParsedSpec): string {
  return `${spec.model.entry}.${spec.model.item}`;
}

/** The aliases each flavor's `pci_passthrough:alias` asks, and whether the proposal defines them (§4.3). */
export function matchFlavors(flavorList: readonly Flavor[], byName: ReadonlyMap<string, ParsedAlias[]>): { flavors: PciFlavorAliasUse[]; findings: Finding[] } {
  const findings: Finding[] = [];
  const flavors: PciFlavorAliasUse[] = [];
  for (const flavor of [...flavorList].sort((a, b) => a.name.localeCompare(b.name))) {
    const spec = flavor.extraSpecs['pci_passthrough:alias'];
    if (spec === undefined) continue;
    const evidence: Evidence[] = [{ source: 'flavor', ref: `${flavor.name} pci_passthrough:alias`, value: spec }];
    const entries = parseAliasSpec(spec);
    if (entries === null) {
      findings.push(makeFinding('pci-alias-syntax-invalid', `flavor ${flavor.name}`, `Flavor ${flavor.name}: pci_passthrough:alias=${spec} does not match name:count[,name:count...].`, evidence));
      continue;
    }
    for (const { name, count } of entries) {
      const defined = byName.has(name);
      flavors.push({ flavor: flavor.name, alias: name, count, defined });
      if (!defined) {
        findings.push(makeFinding('pci-flavor-alias-not-defined', `flavor ${flavor.name}`,
          `Flavor ${flavor.name} asks alias "${name}", which the proposed [pci] alias does not define: server create fails with HTTP 400 (Nova raises PciRequestAliasNotDefined in nova.pci.request._translate_alias_to_requests).`, evidence));
      }
    }
  }
  return { flavors, findings };
}

/** Per alias name: the specs whose devices it takes, the providers that serve it now, the flavors that ask it (§4.3, §4.6). */
export function matchAliases(byName: ReadonlyMap<string, ParsedAlias[]>, specs: ParsedSpec[], flavors: PciFlavorAliasUse[], pciInPlacement: boolean, release: NovaRelease): { aliases: PciAliasModel[]; findings: Finding[] } {
  const findings: Finding[] = [];
  const aliases: PciAliasModel[] = [];
  for (const [name, entries] of [...byName.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    findings.push(...groupFindings(entries, pciInPlacement, release));
    const matched = specs.filter((s) => entries.some((e) => aliasTakesSpec(e, s, pciInPlacement)));
    for (const entry of entries) {
      const evidence: Evidence[] = [{ source: 'request', ref: entry.field, value: JSON.stringify(entry.object) }];
      if (pciInPlacement && entry.resourceClass !== null) {
        if (!specs.some((s) => aliasTakesSpec(entry, s, true))) {
          findings.push(makeFinding('pci-alias-resource-class-not-produced', entry.field,
            `Alias "${name}" asks ${entry.resourceClass}${entry.traits.length ? ` with traits ${entry.traits.join(',')}` : ''}, which no proposed device_spec produces (${[...new Set(specs.map((s) => s.model.resourceClass).filter((rc) => rc !== null))].join(', ') || 'none'}).`,
            evidence));
        }
      } else if (!specs.some((s) => aliasTakesSpec(entry, s, false))) {
        const onlyPfs = entry.deviceType === null && specs.some((s) => aliasTakesSpec({ ...entry, deviceType: 'type-PF' }, s, false));
        findings.push(makeFinding('pci-alias-matches-no-spec', entry.field,
          `Alias "${name}" (${entry.vendorId ?? '*'}:${entry.productId ?? '*'}${entry.deviceType ? ` ${entry.deviceType}` : ''}) matches no proposed device_spec${onlyPfs ? '; the spec with its ids selects PFs, which an alias without "device_type": "type-PF" never takes' : ''}.`, evidence));
      }
    }
    const served = matched.flatMap((s) => s.model.existingProviders)
      .filter((p) => entries.every((e) => !pciInPlacement || e.traits.every((t) => p.traits.includes(t))));
    const usedBy = [...new Set(flavors.filter((f) => f.alias === name).map((f) => f.flavor))];
    if (usedBy.length === 0) {
      findings.push(makeFinding('pci-alias-unused', entries[0]!.field, `No flavor of the snapshot asks alias "${name}".`,
        [{ source: 'flavor', ref: 'pci_passthrough:alias', value: null }]));
    }
    const placementEntry = pciInPlacement ? entries[0] : undefined;
    aliases.push({
      name, entries: entries.map((e) => e.object), deviceType: entries[0]!.deviceType,
      resourceClass: placementEntry ? (placementEntry.resourceClass ?? (placementEntry.vendorId && placementEntry.productId ? defaultPciResourceClass(placementEntry.vendorId, placementEntry.productId) : null)) : null,
      traits: placementEntry?.traits ?? [],
      matchesSpecs: matched.map(specRef), providers: served.length, free: served.reduce((sum, p) => sum + p.free, 0), flavors: usedBy,
    });
  }
  return { aliases, findings };
}
