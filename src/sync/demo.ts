// The bundled demo cloud (demo-cloud.json, written by scripts/make-demo-cloud.ts): a RawCloud in the exact
// shapes Nova, Glance and Placement return, so it goes through the same normaliser as a live sync.
// Imported rather than read from disk so that tsc copies it into dist/ next to the compiled module.
import demoCloud from './demo-cloud.json' with { type: 'json' };
import { z } from 'zod';
import { RawCloud } from '../openstack/schemas.ts';

export function loadDemoCloud(): RawCloud {
  return parseDemoCloud(demoCloud);
}

/** Checks a value against the API shapes, naming the demo file and the offending field when it fails. */
export function parseDemoCloud(value: unknown): RawCloud {
  const parsed = RawCloud.safeParse(value);
  if (!parsed.success) {
    throw new Error(`the bundled demo cloud (src/sync/demo-cloud.json) is invalid:\n${z.prettifyError(parsed.error)}`);
  }
  return parsed.data;
}
