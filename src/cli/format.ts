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
  out.push(releaseLine(result.release));
  assumptionLines(out, result.assumptions);
  out.push(snapshotLine(result.snapshot));
  return text(out);
}

function capacityLines(out: string[], capacity: NonNullable<Advice['capacity']>): void {
  out.push(`capacity: ${capacity.hostsThatFit} of ${capacity.hostsChecked} host(s) fit, ${capacity.totalInstances} instance(s) in total`);
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
