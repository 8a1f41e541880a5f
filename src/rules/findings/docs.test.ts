// The generated docs match the code, and every finding the rules raise is in the catalog (docs/findings.md).
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GENERATED_DOCS } from '../../../scripts/gen-findings-doc.ts';
import { FINDINGS } from '../index.ts';

const RULES_DIR = new URL('../', import.meta.url);
const ruleSources = readdirSync(RULES_DIR, { recursive: true, encoding: 'utf8' })
  .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && f !== 'test-fixtures.ts' && f !== 'findings/catalog.ts')
  .map((file) => ({ file, text: readFileSync(new URL(file, RULES_DIR), 'utf8') }));
const catalog = new Set<string>(FINDINGS.map((f) => f.id));

describe('generated docs', () => {
  it.each(GENERATED_DOCS)('$path is what scripts/gen-findings-doc.ts produces (run `npx tsx scripts/gen-findings-doc.ts`)', ({ path, render }) => {
    expect(readFileSync(new URL(`../../../${path}`, import.meta.url), 'utf8')).toBe(render());
  });
});

describe('findings catalog coverage', () => {
  it('every id literal handed to makeFinding in src/rules is in the catalog', () => {
    const raised = ruleSources.flatMap(({ file, text }) =>
      [...text.matchAll(/makeFinding\(\s*([^,]+),/g)].flatMap((m) => [...m[1]!.matchAll(/'([^']+)'/g)].map((l) => ({ file, id: l[1]! }))));
    expect(raised.length).toBeGreaterThan(50);
    expect(raised.filter((r) => !catalog.has(r.id))).toEqual([]);
  });

  it('findings are only built through makeFinding (severity lives in the catalog alone)', () => {
    expect(ruleSources.filter(({ text }) => /severity:\s*'(error|warning|info)'/.test(text)).map((s) => s.file)).toEqual([]);
  });

  it('every catalog id is raised somewhere in src/rules (no dead entries)', () => {
    const all = ruleSources.map((s) => s.text).join('\n');
    expect(FINDINGS.map((f) => f.id).filter((id) => !all.includes(`'${id}'`))).toEqual([]);
  });
});
