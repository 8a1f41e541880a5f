// Readable output of `recommend`, `validate` and `pci-check` (JSON with --json), as text the command prints.
// Plain text on purpose: it ends up in CI logs, where colour codes are noise.
import type { PciConfigCheck } from '../schemas/pci-config.ts';
import type { Advice } from '../schemas/recommendation.ts';
import type { ValidationResult } from '../schemas/validation.ts';

type Finding = ValidationResult['findings'][number];
type Recommendation = Advice['imageProperties'][number];
type SnapshotRef = ValidationResult['snapshot'];

/** One answer's lines as the text the command prints. */
const text = (lines: string[]): string => lines.map((l) => `${l}\n`).join('');

function snapshotLine(s: SnapshotRef): string {
  return `snapshot ${s.id} of ${s.cloud} (${s.source}), taken ${s.takenAt}, ${s.ageSeconds} s old`;
}

function releaseLine(r: ValidationResult['release']): string {
  return `nova release: ${r.release} (${r.from}: ${r.evidence})`;
}

/** One line per fact the answer assumes without observing it (the release has its own line). */
function assumptionLines(out: string[], assumptions: ValidationResult['assumptions']): void {
  for (const a of assumptions) {
    if (a.origin === 'observed' || a.fact === 'nova_release') continue;
    out.push(`assumes ${a.fact}=${String(a.value)} (${a.origin}: ${a.source}); ${a.ifWrong}`);
  }
}

function guestLine(g: ValidationResult['guest']): string {
  const os = [g.distro ?? g.family, g.version].filter(Boolean).join(' ');
  return `guest: ${os}${g.osinfoId ? ` (${g.osinfoId})` : ''}, identified by ${g.identifiedBy}, knowledge ${g.knowledge}`;
}

function findingLines(out: string[], findings: Finding[]): void {
  if (findings.length === 0) return;
  out.push('findings:');
  for (const f of findings) out.push(`  ${f.severity.toUpperCase().padEnd(7)} ${f.id}${f.field ? ` [${f.field}]` : ''}: ${f.message}`);
}

function recommendationLines(out: string[], title: string, items: Recommendation[]): void {
  if (items.length === 0) return;
  out.push(`${title}:`);
  for (const r of items) {
    const change = r.current === r.value ? '(already set)' : `(now ${r.current ?? 'unset'})`;
    out.push(`  ${r.key}=${r.value} ${change}`);
    out.push(`      ${r.reason}`);
  }
}

export function formatValidation(result: ValidationResult): string {
  const out: string[] = [];
  out.push(`verdict: ${result.verdict}`);
  out.push(guestLine(result.guest));
  findingLines(out, result.findings);
  propertyLines(out, result.properties);
  out.push(releaseLine(result.release));
  assumptionLines(out, result.assumptions);
  out.push(snapshotLine(result.snapshot));
  return text(out);
}

/** Per proposed device property: the hosts that support it and what to set instead (the JSON's `properties`). */
function propertyLines(out: string[], properties: ValidationResult['properties']): void {
  if (properties.length > 0) out.push('properties:');
  for (const p of properties) {
    const h = p.hosts;
    const support = h ? `${h.supporting} of ${h.hosts} host(s) support it${h.lacking ? `, ${h.lacking} lack it` : ''}${h.unknown ? `, ${h.unknown} unknown` : ''}` : 'no host trait to check';
    out.push(`  ${p.key}=${p.value ?? '(unset)'}: ${support}`);
    if (p.replacement) out.push(`    instead: ${p.key}=${p.replacement.value} — ${p.replacement.reason}`);
  }
}

function capacityLines(out: string[], capacity: NonNullable<Advice['capacity']>): void {
  out.push(`capacity: ${capacity.hostsThatFit} of ${capacity.hostsChecked} host(s) fit, ${capacity.totalInstances} instance(s) in total${capacity.fits === 'unknown' ? ' (at most: some devices are invisible to Placement)' : ''}`);
  const free = Object.entries(capacity.free).map(([rc, n]) => `${rc} ${n}`).join(', ');
  if (free) out.push(`  free on the hosts that fit: ${free}`);
  for (const h of capacity.hosts) {
    const pci = Object.entries(h.freePci).map(([rc, n]) => `${rc} ${n} free`).join(', ');
    out.push(`  ${h.host.padEnd(24)} ${String(h.instances).padStart(4)} instance(s)${pci ? `  ${pci}` : ''}`);
  }
  if (capacity.hosts.length < capacity.hostsThatFit) out.push(`  … ${capacity.hostsThatFit - capacity.hosts.length} more host(s) fit (list them with capacity_hosts in POST /v1/recommendations)`);
  const blocked = Object.entries(capacity.blocked).map(([reason, n]) => `${reason} ${n}`).join(', ');
  if (blocked) out.push(`  host(s) that do not fit, by blocker: ${blocked}`);
  for (const h of capacity.blockedExamples) out.push(`  e.g. ${h.blockers.map((b) => b.message).join(' ')}`);
  if (capacity.fits === 'unknown') for (const u of capacity.unknown) out.push(`  unknown (${u.field}): ${u.reason}`);
  if (capacity.pciOnly) out.push(`  the PCI devices alone: ${capacity.pciOnly.hostsThatFit} host(s), ${capacity.pciOnly.totalInstances} instance(s)`);
  if (capacity.allocation) {
    const a = capacity.allocation;
    out.push(`  one instance on ${a.host}${a.unique ? '' : ' (one of several equal allocations)'}:`);
    for (const p of a.allocations) out.push(`    ${p.provider}: ${Object.entries(p.resources).map(([rc, n]) => `${rc} ${n}`).join(', ')}`);
  }
}

export function formatAdvice(advice: Advice): string {
  const out: string[] = [];
  out.push(guestLine(advice.guest));
  recommendationLines(out, 'image properties', advice.imageProperties);
  recommendationLines(out, 'flavor extra specs', advice.flavorExtraSpecs);
  if (advice.pciAliases.length > 0) {
    out.push('[pci] alias (nova.conf):');
    for (const a of advice.pciAliases) out.push(`  alias = ${a.novaConf}    # ${a.count} per instance: ${a.reason}`);
  }
  if (advice.capacity) capacityLines(out, advice.capacity);
  findingLines(out, advice.findings);
  out.push(releaseLine(advice.release));
  assumptionLines(out, advice.assumptions);
  out.push(snapshotLine(advice.snapshot));
  return text(out);
}

export function formatPciConfigCheck(check: PciConfigCheck): string {
  const out: string[] = [];
  out.push(`verdict: ${check.verdict} (report_in_placement ${check.reportInPlacement}, pci_in_placement ${check.pciInPlacement})`);
  for (const s of check.specs) {
    const model = s.inPlacement ? `${s.resourceClass ?? 'CUSTOM_PCI_<VENDOR>_<PRODUCT> per device'} [${s.traits.join(',')}]` : 'not in Placement';
    out.push(`device_spec ${s.entry}.${s.item}: ${s.selects} ${s.deviceType} → ${model}`);
    for (const p of s.existingProviders) out.push(`    ${p.provider} ${p.resourceClass} ${p.unchanged ? 'unchanged' : 'changes'}, ${p.free} free`);
  }
  for (const a of check.aliases) {
    out.push(`alias ${a.name}: specs ${a.matchesSpecs.join(', ') || 'none'}, ${a.free} free on ${a.providers} provider(s), flavors ${a.flavors.join(', ') || 'none'}`);
  }
  findingLines(out, check.findings);
  out.push(releaseLine(check.release));
  assumptionLines(out, check.assumptions);
  out.push(snapshotLine(check.snapshot));
  return text(out);
}

/** A word as a POSIX shell reads it back unchanged: bare when safe, else single-quoted. */
function shellWord(s: string): string {
  return /^[A-Za-z0-9_.:,=/@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Where `recommend`'s set lines apply: the image and flavor as the user named them, and their cloud. */
export interface SetTarget {
  image?: string;
  flavor?: string;
  osCloud?: string;
}

/**
 * Ready-to-run openstackclient lines that set the advised values not already set: `openstack image set --property
 * K=V … IMAGE` and `openstack flavor set --property K=V … FLAVOR` (python-openstackclient's image and flavor set,
 * one --property per key). IMAGE / FLAVOR stand where the advice was for a proposal without a name.
 */
export function setCommandLines(advice: Advice, target: SetTarget): string[] {
  const cloud = target.osCloud ? ` --os-cloud ${shellWord(target.osCloud)}` : '';
  const line = (kind: 'image' | 'flavor', items: Recommendation[], name: string) => {
    const changes = items.filter((r) => r.current !== r.value);
    if (changes.length === 0) return [];
    return [`openstack${cloud} ${kind} set ${changes.map((r) => `--property ${shellWord(`${r.key}=${r.value}`)}`).join(' ')} ${shellWord(name)}`];
  };
  return [...line('image', advice.imageProperties, target.image ?? 'IMAGE'), ...line('flavor', advice.flavorExtraSpecs, target.flavor ?? 'FLAVOR')];
}

/** The advice as text, ending with the lines that apply it. */
export function formatAdviceWithCommands(advice: Advice, target: SetTarget): string {
  const lines = setCommandLines(advice, target);
  return formatAdvice(advice) + (lines.length === 0 ? '' : text(['apply with:', ...lines.map((l) => `  ${l}`)]));
}
