// Acceptance (issue 13): the PCI requests our preview says Nova records, against what the lab's Nova recorded for
// its server `lab-pci-vm` (project demo, flavor lab.sriov = pci_passthrough:alias=sriov-nic:2, image
// lab-ubuntu-22.04; ../shared/openstack-lab `lab.py boot`). Nova's record is read from its cell database on the
// lab's PostgreSQL (oslab_nova: instance_extra.pci_requests, pci_devices allocated to the instance; no Nova API
// shows them, domain.md §4.2); the `[pci] alias` our preview is given is the lab's own nova.conf. And the Placement
// view our PCI configuration check shows for the lab's own `[pci] device_spec` against what Placement shows.
//   OS_CLIENT_CONFIG_FILE=/var/lib/openstack-lab/clouds.yaml OS_CLOUD=lab-admin npx vitest run tests/acceptance/pci-requests.test.ts
import { readFileSync } from 'node:fs';
import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSync } from '../../src/sync/sync.ts';
import { createClient } from '../../src/openstack/client.ts';
import { loadCloudConfigs } from '../../src/openstack/config.ts';
import { checkPciConfig, defaultRuleContext, preview } from '../../src/rules/index.ts';
import { novaConfFacts, parseNovaConf } from '../../src/rules/facts/nova-conf.ts';
import type { CloudSnapshot, NovaPreview } from '../../src/model/index.ts';
import { openPostgresStore, type TestStore } from '../helpers/db.ts';

const cloudName = process.env.OS_CLOUD?.split(',')[0]?.trim();
if (!cloudName) console.log('tests/acceptance/pci-requests.test.ts skipped: set OS_CLOUD (and OS_CLIENT_CONFIG_FILE) to run it against the lab');
const NOVA_CONF = '/var/lib/openstack-lab/etc/nova/nova.conf';
/** The lab's Nova cell database (../shared/openstack-lab/README.md "How to reach it"). */
const NOVA_DB = process.env.LAB_NOVA_DB_URL ?? 'postgres://postgres@127.0.0.1:5432/oslab_nova';

interface NovaPciRequest { alias_name: string | null; count: number; spec: Record<string, string>[]; numa_policy: string | null; requester_id: string | null; request_id: string }
interface NovaPciDevice { address: string; dev_type: string; vendor_id: string; product_id: string; request_id: string }

describe.skipIf(!cloudName)('the PCI requests of lab-pci-vm: our preview against what Nova recorded', () => {
  let t: TestStore;
  let snapshot: CloudSnapshot;
  let recorded: NovaPciRequest[];
  let devices: NovaPciDevice[];
  let ours: NovaPreview;
  let conf: ReturnType<typeof novaConfFacts>;

  beforeAll(async () => {
    t = await openPostgresStore();
    const [cloud] = loadCloudConfigs({ ...process.env, OS_CLOUD: cloudName });
    const outcome = await runSync(createClient(cloud!, { log: pino({ level: 'silent' }) }), t.store, { log: pino({ level: 'silent' }) });
    expect(outcome.status).toBe('succeeded');
    snapshot = (await t.store.latestSnapshot(cloud!.name))!;

    const db = new pg.Client({ connectionString: NOVA_DB });
    await db.connect();
    try {
      const instance = await db.query<{ uuid: string; pci_requests: string }>(
        "SELECT i.uuid, e.pci_requests FROM instances i JOIN instance_extra e ON e.instance_uuid = i.uuid WHERE i.hostname = 'lab-pci-vm' AND i.deleted = 0");
      expect(instance.rows).toHaveLength(1);
      recorded = JSON.parse(instance.rows[0]!.pci_requests) as NovaPciRequest[];
      devices = (await db.query<NovaPciDevice>(
        "SELECT address, dev_type, vendor_id, product_id, request_id FROM pci_devices WHERE instance_uuid = $1 AND status = 'allocated' AND deleted = 0 ORDER BY address",
        [instance.rows[0]!.uuid])).rows;
    } finally {
      await db.end();
    }

    conf = novaConfFacts(parseNovaConf(readFileSync(NOVA_CONF, 'utf8')).conf);
    const aliases = conf.aliases;
    const flavor = snapshot.flavors.find((f) => f.name === 'lab.sriov')!;
    const image = snapshot.images.find((i) => i.name === 'lab-ubuntu-22.04')!;
    ours = preview(snapshot, { image, flavor, vnicType: 'normal', pciAliases: aliases }, defaultRuleContext());
  }, 120_000);
  afterAll(() => t?.dispose());

  it('§4.3 one request per alias: alias_name, count, spec, numa_policy and requester_id as Nova recorded them', () => {
    const mine = ours.pciRequests.map((r) => ({ alias_name: r.aliasName, count: r.count, spec: r.spec, numa_policy: r.numaPolicy, requester_id: r.requesterId }));
    const theirs = recorded.map(({ alias_name, count, spec, numa_policy, requester_id }) => ({ alias_name, count, spec, numa_policy, requester_id }));
    console.log(`lab-pci-vm: Nova recorded ${JSON.stringify(theirs)}; the preview says ${JSON.stringify(mine)}`);
    expect(mine).toEqual(theirs);
    expect(ours.pciRequests.every((r) => r.specFrom === 'alias-config')).toBe(true);
  });

  it('§4.3 Nova allocated as many devices as the request counts, each matching its spec', () => {
    const [request] = recorded;
    expect(devices.every((d) => d.request_id === request!.request_id)).toBe(true);
    expect(devices).toHaveLength(ours.pciRequests[0]!.count);
    for (const device of devices) expect(ours.pciRequests[0]!.spec).toContainEqual({ vendor_id: device.vendor_id, product_id: device.product_id, dev_type: device.dev_type });
  });

  it('§2.7 the flavor and image pass the API: no api-stage failure', () => {
    expect(ours.failures.filter((f) => f.stage === 'api')).toEqual([]);
  });

  it('§4.5 the Placement view of the lab\'s own device_spec is what Placement shows (the lab deployed it)', () => {
    const check = checkPciConfig(snapshot, { deviceSpecs: conf.deviceSpecs, aliases: conf.aliases, reportInPlacement: true }, defaultRuleContext());
    const shown = snapshot.hosts.flatMap((h) => h.pciProviders.map((p) => ({ name: p.name, parent: h.name, resourceClass: p.resourceClass, total: p.inventory.total, traits: [...p.traits].sort() })))
      .sort((a, b) => a.name.localeCompare(b.name));
    console.log(`lab Placement: ${JSON.stringify(shown)}`);
    expect(check.placement.providers.map(({ name, parent, resourceClass, total, traits }) => ({ name, parent, resourceClass, total, traits }))).toEqual(shown);
    expect([check.placement.removed, check.findings.filter((f) => f.severity === 'error')]).toEqual([[], []]);
  });
});
