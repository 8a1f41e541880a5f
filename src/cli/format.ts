// Readable output of `recommend` and `validate` (JSON with --json). Plain text on purpose: it ends up in
// CI logs, where colour codes are noise.
import type { PciConfigCheck } from '../schemas/pci-config.ts';
import type { Advice } from '../schemas/recommendation.ts';
import type { ValidationResult } from '../schemas/validation.ts';

type Finding = ValidationResult['findings'][number];
type Recommendation = Advice['imageProperties'][number];
type SnapshotRef = ValidationResult['snapshot'];

const out = (line = '') => process.stdout.write(`${line}\n`);

function snapshotLine(s: SnapshotRef): string {
  return `snapshot ${s.id} of ${s.cloud} (${s.source}), taken ${s.takenAt}, ${s.ageSeconds} s old`;
}

function guestLine(g: ValidationResult['guest']): string {
  const os = [g.distro ?? g.family, g.version].filter(Boolean).join(' ');
  return `guest: ${os}${g.osinfoId ? ` (${g.osinfoId})` : ''}, identified by ${g.identifiedBy}, knowledge ${g.knowledge}`;
}

function printFindings(findings: Finding[]): void {
  if (findings.length === 0) return;
  out('findings:');
  for (const f of findings) out(`  ${f.severity.toUpperCase().padEnd(7)} ${f.id}${f.field ? ` [${f.field}]` : ''}: ${f.message}`);
}

function printRecommendations(title: string, items: Recommendation[]): void {
  if (items.length === 0) return;
  out(`${title}:`);
  for (const r of items) {
    const change = r.current === r.value ? '(already set)' : `(now ${r.current ?? 'unset'})`;
    out(`  ${r.key}=${r.value} ${change}`);
    out(`      ${r.reason}`);
  }
}

export function printValidation(result: ValidationResult): void {
  out(`verdict: ${result.verdict}`);
  out(guestLine(result.guest));
  printFindings(result.findings);
  out(snapshotLine(result.snapshot));
}

function printCapacity(capacity: NonNullable<Advice['capacity']>): void {
  out(`capacity: ${capacity.hostsThatFit} of ${capacity.hostsChecked} host(s) fit, ${capacity.totalInstances} instance(s) in total`);
  const free = Object.entries(capacity.free).map(([rc, n]) => `${rc} ${n}`).join(', ');
  if (free) out(`  free on the hosts that fit: ${free}`);
  for (const h of capacity.hosts) {
    const pci = Object.entries(h.freePci).map(([rc, n]) => `${rc} ${n} free`).join(', ');
    out(`  ${h.host.padEnd(24)} ${String(h.instances).padStart(4)} instance(s)${pci ? `  ${pci}` : ''}`);
  }
  if (capacity.hosts.length < capacity.hostsThatFit) out(`  … ${capacity.hostsThatFit - capacity.hosts.length} more host(s) fit (list them with capacity_hosts in POST /v1/recommendations)`);
  const blocked = Object.entries(capacity.blocked).map(([reason, n]) => `${reason} ${n}`).join(', ');
  if (blocked) out(`  host(s) that do not fit, by blocker: ${blocked}`);
  for (const h of capacity.blockedExamples) out(`  e.g. ${h.blockers.map((b) => b.message).join(' ')}`);
}

export function printAdvice(advice: Advice): void {
  out(guestLine(advice.guest));
  printRecommendations('image properties', advice.imageProperties);
  printRecommendations('flavor extra specs', advice.flavorExtraSpecs);
  if (advice.pciAliases.length > 0) {
    out('[pci] alias (nova.conf):');
    for (const a of advice.pciAliases) out(`  alias = ${a.novaConf}    # ${a.count} per instance: ${a.reason}`);
  }
  if (advice.capacity) printCapacity(advice.capacity);
  printFindings(advice.findings);
  out(snapshotLine(advice.snapshot));
}

export function printPciConfigCheck(check: PciConfigCheck): void {
  out(`verdict: ${check.verdict} (report_in_placement ${check.reportInPlacement}, pci_in_placement ${check.pciInPlacement})`);
  for (const s of check.specs) {
    const model = s.inPlacement ? `${s.resourceClass ?? 'CUSTOM_PCI_<VENDOR>_<PRODUCT> per device'} [${s.traits.join(',')}]` : 'not in Placement';
    out(`device_spec ${s.entry}.${s.item}: ${s.selects} ${s.deviceType} → ${model}`);
    for (const p of s.existingProviders) out(`    ${p.provider} ${p.resourceClass} ${p.unchanged ? 'unchanged' : 'changes'}, ${p.free} free`);
  }
  for (const a of check.aliases) {
    out(`alias ${a.name}: specs ${a.matchesSpecs.join(', ') || 'none'}, ${a.free} free on ${a.providers} provider(s), flavors ${a.flavors.join(', ') || 'none'}`);
  }
  printFindings(check.findings);
  out(snapshotLine(check.snapshot));
}
