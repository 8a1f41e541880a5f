// The facts findings cite ship with the project (issue 14): every section of docs/sources.md that docs/findings.md
// links to exists, and no shipped document points outside the repository at the domain fact sheet.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

describe('docs/sources.md', () => {
  const anchors = new Set([...read('docs/sources.md').matchAll(/<a id="([^"]+)"><\/a>/g)].map((m) => m[1]));

  it('has every section docs/findings.md links to, and every finding links one', () => {
    const findings = read('docs/findings.md');
    const linked = [...findings.matchAll(/\(sources\.md#([^)]+)\)/g)].map((m) => m[1]!);
    expect(linked.length).toBeGreaterThan(0);
    expect(linked.filter((a) => !anchors.has(a))).toEqual([]);
    const rows = findings.split('\n').filter((line) => line.startsWith('| `'));
    expect(rows.filter((row) => !row.includes('](sources.md#'))).toEqual([]);
  });

  it('README.md and docs/ do not link ../shared/domain.md, which a clone does not have', () => {
    for (const path of ['README.md', 'docs/findings.md', 'docs/sources.md']) expect(read(path), path).not.toContain('shared/domain.md');
  });
});
