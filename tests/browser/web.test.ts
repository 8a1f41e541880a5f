// The web page (/ui/) in a real browser: Debian's Chromium driven by playwright-core, against the service on the
// demo cloud (real start-up wiring, real PostgreSQL) listening on 127.0.0.1. Screenshots go to .ci-out/screenshots/,
// which CI keeps. Skipped, with a message, only where Chromium is not installed and this is not CI (.ci/run
// installs the `chromium` package, so in CI these run).
import { once } from 'node:events';
import { existsSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/api/app.ts';
import { KeystoneTokenValidator } from '../../src/api/auth.ts';
import { openAppContext, type AppContext } from '../../src/app-context.ts';
import { loadSettings } from '../../src/config/index.ts';
import { createTestDatabase } from '../helpers/db.ts';
import { openDemoApp, type DemoApp } from '../helpers/demo-app.ts';
import { startFakeKeystone, type FakeKeystone } from '../helpers/fake-keystone.ts';

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
// The flags: no sandbox as root in CI, and nothing that reaches outside 127.0.0.1.
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const SCREENSHOTS = new URL('../../.ci-out/screenshots/', import.meta.url).pathname;
const available = existsSync(CHROMIUM);
if (!available && process.env['CI']) throw new Error(`Chromium is not at ${CHROMIUM}: CI must install the chromium package (.ci/run)`);
if (!available) console.warn(`tests/browser skipped: no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);

async function listen(app: FastifyInstance): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
}

async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: `${SCREENSHOTS}${name}.png`, fullPage: true });
}

/**
 * Horizon, as the browser sees it: a page of another origin (another port on 127.0.0.1; Chromium's local network
 * access checks refuse a page of a public origin framing 127.0.0.1) framing /ui/ and posting it the token.
 */
async function startHorizon(advisor: () => string): Promise<{ url: string; close(): void }> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' }).end(`<!doctype html><iframe id="advisor" src="${advisor()}/ui/" width="1200" height="800"></iframe>
<script>document.getElementById('advisor').addEventListener('load', (e) =>
  e.target.contentWindow.postMessage({ type: 'nova-advisor-token', token: 'admin-token' }, '${advisor()}'));</script>`);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
}

const cellTexts = (page: Page, selector: string) => page.locator(selector).allInnerTexts();

describe.skipIf(!available)('web page on the demo cloud (AUTH_MODE=none)', () => {
  let demo: DemoApp;
  let base: string;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    demo = await openDemoApp();
    base = await listen(demo.app);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    await page.goto(`${base}/ui/`);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 20_000 });
    expect(errors).toEqual([]);
  });
  afterAll(async () => {
    await browser?.close();
    await demo?.close();
  });

  it('loads and shows the flavors with the instances that fit, as the API counts them', async () => {
    const api = (await demo.app.inject({ url: '/v1/capacity/flavors?limit=1000' })).json() as { items: { name: string; instances: number }[] };
    const snapshot = demo.context.registry.current()!;
    await expect.poll(() => page.locator('#flavor-table tbody tr').count()).toBe(snapshot.flavors.length);
    const rows = await page.locator('#flavor-table tbody tr').evaluateAll((trs) => trs.map((tr) => [tr.children[0]!.textContent, tr.children[4]!.textContent]));
    expect(Object.fromEntries(rows)).toEqual(Object.fromEntries(api.items.map((f) => [f.name, f.instances.toLocaleString('en-US')])));
    expect(await page.locator('#snapshot').innerText()).toContain(`${snapshot.hosts.length} hosts`);
    // Every resource class, the PCI ones too, has its card.
    expect((await cellTexts(page, '#resources .card-title')).sort()).toEqual(Object.keys((await demo.app.inject({ url: '/v1/capacity/resources' })).json().resources.reduce((o: object, r: { resourceClass: string }) => ({ ...o, [r.resourceClass]: 1 }), {})).sort());
    await shot(page, 'flavors');
  });

  it('shows where a flavor fits: per aggregate and host by host', async () => {
    const flavor = demo.context.registry.current()!.flavors.find((f) => f.name === 'm1.large')!;
    await page.locator('#flavor-table tbody tr', { hasText: 'm1.large' }).first().click();
    const api = (await demo.app.inject({ url: `/v1/capacity/hosts?flavor_id=${flavor.id}&limit=50` })).json() as { items: { name: string; instances: number }[] };
    await expect.poll(() => page.locator('#fit-table tbody tr').count()).toBe(api.items.length);
    const rows = await page.locator('#fit-table tbody tr').evaluateAll((trs) => trs.map((tr) => [tr.children[0]!.textContent, Number(tr.children[1]!.textContent)]));
    expect(Object.fromEntries(rows)).toEqual(Object.fromEntries(api.items.map((h) => [h.name, h.instances])));
    expect(await page.locator('#aggregate-table tbody tr').count()).toBeGreaterThan(0);
    await shot(page, 'flavor-detail');
  });

  it('shows a host × device-class heat map of free VFs and devices, searchable', async () => {
    await page.locator('[data-tab="devices"]').click();
    const snapshot = demo.context.registry.current()!;
    const pciHosts = snapshot.hosts.filter((h) => h.pciProviders.length > 0).map((h) => h.name).sort();
    await expect.poll(() => page.locator('#heatmap tbody th').count()).toBe(pciHosts.length);
    expect((await cellTexts(page, '#heatmap tbody th')).sort()).toEqual(pciHosts);
    const host = snapshot.hosts.find((h) => h.pciProviders.length > 0)!;
    const rc = host.pciProviders[0]!.resourceClass;
    const free = host.pciProviders.filter((p) => p.resourceClass === rc).reduce((n, p) => n + Math.max(0, Math.floor((p.inventory.total - p.inventory.reserved) * p.inventory.allocationRatio) - p.used), 0);
    expect(await page.locator(`#heatmap td[title^="${host.name} ${rc}:"]`).innerText()).toMatch(new RegExp(`^${free}/`));
    await shot(page, 'pci-heatmap');
    await page.locator('#device-search').fill('rack2');
    await expect.poll(async () => (await cellTexts(page, '#heatmap tbody th')).sort()).toEqual(pciHosts.filter((n) => n.includes('rack2')));
    await page.locator('#device-search').fill('');
  });

  it('gives the paste box the verdict and recommendation the API gives, for `openstack image show -f json` output', async () => {
    await page.locator('[data-tab="check"]').click();
    // hw_vif_model outside Nova's VIFModel values: the API refuses the image metadata (domain.md §1.1), an error.
    const properties = { os_distro: 'ubuntu', os_version: '22.04', hw_vif_model: 'virtio-net', hw_disk_bus: 'ide' };
    // What the openstack client prints: Glance's system attributes folded into `properties`.
    const shown = { id: '0b7c0c4e-0000-4000-8000-000000000001', name: 'pasted', disk_format: 'qcow2', status: 'active',
      properties: { ...properties, os_hash_algo: 'sha512', os_hash_value: 'ab12', os_hidden: false, stores: 'file' } };
    const validation = (await demo.app.inject({ method: 'POST', url: '/v1/validations', payload: { properties, flavor: { name: 'm1.large' } } })).json();
    const advice = (await demo.app.inject({ method: 'POST', url: '/v1/recommendations', payload: { image: { properties }, flavor: { name: 'm1.large' } } })).json();
    await page.locator('#paste').fill(JSON.stringify(shown, null, 2));
    await page.locator('#check-flavor').fill('m1.large');
    await page.locator('#check-run').click();
    await expect.poll(() => page.locator('#verdict').innerText()).toBe(validation.verdict);
    expect(validation.verdict).toBe('fail');
    expect(await cellTexts(page, '#finding-table tbody td:nth-child(2)')).toEqual(validation.findings.map((f: { id: string }) => f.id));
    const advised = [...advice.imageProperties.map((r: { key: string }) => `image ${r.key}`), ...advice.flavorExtraSpecs.map((r: { key: string }) => `flavor ${r.key}`)];
    expect(await cellTexts(page, '#recommendation-table tbody td:first-child')).toEqual(advised);
    await shot(page, 'paste-check');

    // A bare property map gives the API's verdict too.
    const good = { os_distro: 'ubuntu', os_version: '22.04', hw_vif_model: 'virtio' };
    const goodVerdict = (await demo.app.inject({ method: 'POST', url: '/v1/validations', payload: { properties: good } })).json().verdict;
    await page.locator('#paste').fill(JSON.stringify(good));
    await page.locator('#check-flavor').fill('');
    await page.locator('#check-run').click();
    await expect.poll(() => page.locator('#verdict').innerText()).toBe(goodVerdict);
  });
});

describe.skipIf(!available)('web page with Keystone tokens (Horizon hand-over)', () => {
  let keystone: FakeKeystone;
  let horizon: { url: string; close(): void };
  let ctx: AppContext;
  let app: FastifyInstance;
  let base: string;
  let browser: Browser;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    keystone = await startFakeKeystone({ 'admin-token': ['admin', 'member', 'reader'], 'reader-token': ['reader'] });
    horizon = await startHorizon(() => base);
    const db = await createTestDatabase();
    drop = db.drop;
    ctx = await openAppContext(loadSettings({ DATABASE_URL: db.url, AUTH_MODE: 'keystone', LOG_LEVEL: 'silent', CORS_ORIGINS: horizon.url }), pino({ level: 'silent' }));
    app = await buildApp({ settings: ctx.settings, store: ctx.store, registry: ctx.registry, ruleContext: ctx.ruleContext, tokenValidator: new KeystoneTokenValidator(keystone.url), authRealm: keystone.url });
    base = await listen(app);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await ctx?.close();
    await drop?.();
    keystone?.close();
    horizon?.close();
  });

  it('asks for a token without one, and takes it from the URL fragment, then drops it from the address', async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/ui/`);
    await expect.poll(() => page.locator('#error').innerText()).toContain('Keystone token');
    await page.close();
    // A fresh page, as Horizon opens it (a fragment change alone does not load the page again).
    const handed = await browser.newPage();
    await handed.goto(`${base}/ui/#token=admin-token`);
    await handed.waitForSelector('body[data-ready="true"]');
    expect(handed.url()).toBe(`${base}/ui/`);
    expect(await handed.locator('#flavor-table tbody tr').count()).toBeGreaterThan(0);
    await handed.close();
  });

  it('takes the token Horizon posts to the frame it opened the page in', async () => {
    const page = await browser.newPage();
    await page.goto(`${horizon.url}/project/`);
    const frame = page.frameLocator('#advisor');
    await frame.locator('body[data-ready="true"]').waitFor();
    expect(await frame.locator('#flavor-table tbody tr').count()).toBeGreaterThan(0);
    await shot(page, 'horizon-frame');
    await page.close();
  });

  it('a reader token sees flavor totals but is told per-host figures need a host-detail role', async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/ui/#token=reader-token`);
    await page.waitForSelector('body[data-ready="true"]');
    expect(await page.locator('#heatmap tbody').innerText()).toContain('host-detail role');
    await page.locator('#flavor-table tbody tr').first().click();
    await expect.poll(() => page.locator('#fit-table tbody').innerText()).toContain('host-detail role');
    await shot(page, 'reader-scoped');
    await page.close();
  });
});
