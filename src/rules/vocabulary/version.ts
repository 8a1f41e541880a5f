// Dotted release versions as the guest tables use them (domain.md §3.2): "22.04", "7.2", "11 SP3".

/** "22.04" → [22, 4]; "11 SP3" / "11sp3" → [11, 3]; null when there is no leading number. */
export function parseVersion(raw: string): number[] | null {
  const cleaned = raw.trim().toLowerCase().replace(/\s*sp\s*/g, '.');
  const match = /^\d+(?:\.\d+)*/.exec(cleaned);
  return match ? match[0].split('.').map(Number) : null;
}

export function compareVersions(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const diff = (a[i] ?? 0) - (b[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}

/** True when `version` is at or after `threshold`; a null threshold means "never". */
export function reaches(version: number[], threshold: string | null): boolean {
  if (threshold === null) return false;
  const parsed = parseVersion(threshold);
  return parsed !== null && compareVersions(version, parsed) >= 0;
}
