// The OpenAPI document, rendered from the routes themselves without a database or a listening socket;
// `nova-advisor openapi` writes it to openapi/openapi.json and a test keeps that file current.
import { loadSettings } from '../config/index.ts';
import { SnapshotRegistry } from '../advisor/registry.ts';
import { defaultRuleContext } from '../rules/index.ts';
import type { SnapshotStore } from '../store/types.ts';
import { buildApp } from './app.ts';

// Rendering runs no handler; a store call here would be a bug, and says so.
const offlineStore = new Proxy({} as SnapshotStore, {
  get: (_target, method) => () => {
    throw new Error(`store.${String(method)} called while rendering the OpenAPI document`);
  },
});

/** The document as committed: fixed settings, so the environment cannot change it. */
export async function renderOpenApi(): Promise<string> {
  const app = await buildApp({
    settings: loadSettings({ AUTH_MODE: 'none', DEMO_CLOUD: 'false' }),
    store: offlineStore,
    registry: new SnapshotRegistry(offlineStore),
    ruleContext: defaultRuleContext(),
  });
  try {
    await app.ready();
    return `${JSON.stringify(app.swagger(), null, 2)}\n`;
  } finally {
    await app.close();
  }
}
