// openapi/openapi.json is generated (`npm run openapi`) and committed; it must match what the routes produce.
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { renderOpenApi } from '../../src/api/openapi.ts';

const committedPath = new URL('../../openapi/openapi.json', import.meta.url);

describe('the committed OpenAPI document', () => {
  it('is what the code produces (run `npm run openapi` after changing a route or schema)', async () => {
    expect(await readFile(committedPath, 'utf8')).toBe(await renderOpenApi());
  });

  it('is OpenAPI 3.1 with every $ref resolving to a component', async () => {
    const doc = JSON.parse(await renderOpenApi()) as { openapi: string; components: { schemas: Record<string, unknown> } };
    expect(doc.openapi).toBe('3.1.0');
    const refs = [...JSON.stringify(doc).matchAll(/"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1]!);
    expect(refs.length).toBeGreaterThan(0);
    expect(refs.filter((name) => !(name in doc.components.schemas))).toEqual([]);
  });
});
