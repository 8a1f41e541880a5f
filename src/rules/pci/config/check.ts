// Checks a proposed `[pci] device_spec` + `[pci] alias` (the JSON strings of nova.conf) before they are
// rolled out: what Nova refuses, how it will model the devices in Placement, which providers Placement
// shows now that the specs match, and which flavors' aliases resolve (domain.md §4.1–§4.5).
// The assembly: device-spec.ts reads the specs, alias.ts the aliases, placement.ts names what Placement gets,
// match.ts meets them with the snapshot's providers and flavors.
import { makeFinding, sortFindings, verdictOf } from '../../findings/catalog.ts';
import { aliasRefusal, parseAlias, type ParsedAlias } from './alias.ts';
import { pairFindings, parseSpec, specRefusal, type ParsedSpec } from './device-spec.ts';
import { attachProviders, matchAliases, matchFlavors, providerFindings, specsOfProvider } from './match.ts';
import { placementView } from './placement.ts';
import { DEFAULT_HOST_FACTS } from '../../facts/host-facts.ts';
import { FIRST_RELEASE, factsForRelease, releaseHas, releaseName, releaseOf } from '../../release/release.ts';
import { declaredRelease, type RuleContext } from '../../scope.ts';
import { factAssumptions } from '../../facts/assumptions.ts';
import type { CloudSnapshot, Evidence, FactAssumption, Finding, HostFacts, PciConfigCheck, ReleaseAssumption } from '../../../model/index.ts';


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


/** Splits one nova.conf value into its JSON objects; a finding when it is not JSON, or not an object / list of objects. */
function parseEntries(raw: string, field: string, allowList: boolean, refusal: string): { objects: Record<string, unknown>[]; findings: Finding[] } {
  const evidence: Evidence[] = [{ source: 'request', ref: field, value: raw }];
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (err) {
    return { objects: [], findings: [makeFinding('pci-config-json-invalid', field, `${field} is not JSON: ${(err as Error).message}. ${refusal}`, evidence)] };
  }
  const items = Array.isArray(parsed) && allowList ? parsed : [parsed];
  if (items.some((i) => typeof i !== 'object' || i === null || Array.isArray(i))) {
    const want = allowList ? 'a JSON object or a list of JSON objects' : 'a JSON object';
    return { objects: [], findings: [makeFinding('pci-config-json-invalid', field, `${field} must be ${want}. ${refusal}`, evidence)] };
  }
  return { objects: items as Record<string, unknown>[], findings: [] };
}

/**
 * `ctx` is the RuleContext (its declared pci_in_placement and nova_release are read). The options follow the
 * release: report_in_placement exists from Zed, pci_in_placement from 2023.1 (release/release.ts FIRST_RELEASE).
 */
export function checkPciConfig(snapshot: CloudSnapshot, input: PciConfigInput, ctx: Pick<RuleContext, 'novaRelease' | 'novaReleaseByCloud' | 'hostFactsDeclared'> & { hostFacts: Pick<HostFacts, 'pciInPlacement'> }): PciConfigCheck {
  const { release, findings: releaseFindings } = releaseOf(snapshot, declaredRelease(ctx, snapshot.cloud));
  const findings: Finding[] = [...releaseFindings];
  const releaseEvidence: Evidence = { source: 'nova-release', ref: release.release, value: release.evidence };
  const hasReport = releaseHas(release.release, FIRST_RELEASE.reportInPlacement);
  if (!hasReport && input.reportInPlacement === true) {
    findings.push(makeFinding('release-setting-ignored', 'report_in_placement',
      `[pci] report_in_placement is new in Nova Zed; ${releaseName(release.release)} does not report PCI devices to Placement.`, [releaseEvidence]));
  }
  const pciInPlacement = factsForRelease({ ...DEFAULT_HOST_FACTS, pciInPlacement: input.pciInPlacement ?? ctx.hostFacts.pciInPlacement }, release);
  findings.push(...pciInPlacement.findings);
  const options: Required<PciConfigInput> = {
    ...input,
    reportInPlacement: hasReport && (input.reportInPlacement ?? true),
    pciInPlacement: pciInPlacement.facts.pciInPlacement,
  };
  const providers = snapshot.hosts.flatMap((h) => h.pciProviders).sort((a, b) => a.name.localeCompare(b.name));

  const specs: ParsedSpec[] = [];
  input.deviceSpecs.forEach((raw, entry) => {
    const field = `device_spec[${entry}]`;
    const { objects, findings: jsonFindings } = parseEntries(raw, field, true, specRefusal('PciConfigInvalidSpec'));
    findings.push(...jsonFindings);
    objects.forEach((object, item) => {
      const parsed = parseSpec(object, entry, item, objects.length > 1 ? `${field}[${item}]` : field, options.reportInPlacement, providers, release);
      specs.push(parsed.spec);
      findings.push(...parsed.findings);
    });
  });
  if (options.reportInPlacement) findings.push(...pairFindings(specs));
  attachProviders(specs, providers);
  findings.push(...providerFindings(specs, providers));

  const aliases: ParsedAlias[] = [];
  input.aliases.forEach((raw, index) => {
    const field = `alias[${index}]`;
    const { objects, findings: jsonFindings } = parseEntries(raw, field, false, aliasRefusal(release.release));
    findings.push(...jsonFindings);
    for (const object of objects) {
      const parsed = parseAlias(object, field, options.pciInPlacement, release.release);
      findings.push(...parsed.findings);
      if (parsed.alias) aliases.push(parsed.alias);
    }
  });
  const byName = new Map<string, ParsedAlias[]>();
  for (const alias of aliases) byName.set(alias.name, [...(byName.get(alias.name) ?? []), alias]);

  const flavorMatch = matchFlavors(snapshot.flavors, byName);
  const aliasMatch = matchAliases(byName, specs, flavorMatch.flavors, options.pciInPlacement, release.release);
  findings.push(...flavorMatch.findings, ...aliasMatch.findings);

  // OWNER_NOVA is on every Nova provider on master only (§4.5, §7).
  const placement = options.reportInPlacement
    ? placementView(snapshot.hosts, (p) => specsOfProvider(specs, p).map((t) => ({ spec: t.spec.model, devices: t.devices })), release.release === 'master')
    : { ...placementView([], () => [], false), basis: '[pci] report_in_placement is off: Nova reports no PCI providers to Placement (§4.5).' };
  const sorted = sortFindings(findings);
  return {
    verdict: verdictOf(sorted), reportInPlacement: options.reportInPlacement, pciInPlacement: options.pciInPlacement,
    specs: specs.map((s) => s.model), aliases: aliasMatch.aliases, flavors: flavorMatch.flavors, placement, findings: sorted, release,
    assumptions: pciCheckAssumptions(input, ctx, release, options),
  };
}

/** What the check rests on: the release, pci_in_placement and report_in_placement (from the request, else declared or default). */
function pciCheckAssumptions(input: PciConfigInput, ctx: Pick<RuleContext, 'hostFactsDeclared'>, release: ReleaseAssumption, options: Required<PciConfigInput>): FactAssumption[] {
  const [releaseFact, pciFact] = factAssumptions(
    { release, facts: { ...DEFAULT_HOST_FACTS, pciInPlacement: options.pciInPlacement }, sources: ctx.hostFactsDeclared, hosts: [] }, ['pciInPlacement']);
  const fromRequest = (given: boolean | undefined, name: string) => (given === undefined ? null : `request ${name}`);
  const pci = fromRequest(input.pciInPlacement, 'pci_in_placement');
  const report = fromRequest(input.reportInPlacement, 'report_in_placement');
  return [
    releaseFact!,
    pci ? { ...pciFact!, origin: 'declared', source: pci } : pciFact!,
    { fact: 'report_in_placement', value: options.reportInPlacement, origin: report ? 'declared' : 'default',
      source: report ?? `assumed on (the check is about the Placement model)${releaseHas(release.release, FIRST_RELEASE.reportInPlacement) ? '' : `; Nova ${releaseName(release.release)} has no such option`}`,
      ifWrong: options.reportInPlacement
        ? 'if [pci] report_in_placement is off on the computes, the devices are not Placement providers: no resource classes or traits, and pci_in_placement cannot schedule them (§4.5)'
        : 'if the computes report PCI devices to Placement, the providers, resource classes and traits shown by the check apply (§4.5)' },
  ];
}
